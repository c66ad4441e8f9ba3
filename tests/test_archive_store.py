"""The store as an archive (issue 6): revisions of changed text, an unchanged page moving only its
fetch times, every sighting of the counts in `metrics`, and a full-text index kept in sync, which
re-tokenizes a page only when its title or body changed (issue 12)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from crawler.items import BestMaterial, Observation
from crawler.storage import Store
from test_storage import item

ROOT = Path(__file__).resolve().parent.parent
T1, T2, T3 = "2025-01-01T06:00:00+00:00", "2025-01-02T06:00:00+00:00", "2025-01-03T06:00:00+00:00"


def row(store: Store, table: str, where: str = "key = 'abai.kz:7' and script = 'cyrl'") -> dict:
    return next(store.rows(f"select * from {table} where {where}"))


def test_unchanged_page_only_moves_last_seen_and_fetched_at(store: Store) -> None:
    assert store.save_articles([item(fetched_at=T1, page_date="2025-01-01")], 1, parser_version=1) == ["new"]
    variant, article = row(store, "article_variants"), row(store, "articles", "key = 'abai.kz:7'")
    assert store.save_articles([item(fetched_at=T2, page_date="2025-01-02")], 2, parser_version=1) == ["unchanged"]
    variant2, article2 = row(store, "article_variants"), row(store, "articles", "key = 'abai.kz:7'")
    moved = {k for k in variant if variant[k] != variant2[k]}
    assert moved == {"last_seen", "fetched_at"} or moved == {"fetched_at"}  # last_seen may fall in the same second
    assert variant2["fetched_at"] == T2 and variant2["crawl_run"] == 1 and variant2["page_date"] == "2025-01-01"
    assert {k for k in article if article[k] != article2[k]} <= {"last_seen", "fetched_at"}
    assert store.count("article_revisions") == 0


def test_a_new_parser_version_rewrites_an_unchanged_page(store: Store) -> None:
    store.save_articles([item(fetched_at=T1)], 1, parser_version=1)
    assert store.save_articles([item(fetched_at=T2, page_date="2025-01-02")], 2, parser_version=2) == ["unchanged"]
    variant = row(store, "article_variants")
    assert (variant["parser_version"], variant["crawl_run"], variant["page_date"]) == (2, 2, "2025-01-02")
    assert row(store, "articles", "key = 'abai.kz:7'")["parser_version"] == 2
    assert store.count("article_revisions") == 0


def test_changed_title_or_body_keeps_the_old_text_as_a_revision(store: Store) -> None:
    first = item(fetched_at=T1)
    store.save_articles([first], 1, parser_version=1)
    store.save_articles([item(fetched_at=T2)], 2, parser_version=1)
    assert store.save_articles([item(fetched_at=T3, title="Жаңа тақырып")], 3, parser_version=1) == ["updated"]
    old = row(store, "article_revisions")
    assert {k: old[k] for k in ("key", "script", "url", "last_seen", "replaced_at", "title", "body",
                                "parser_version", "crawl_run")} == {
        "key": "abai.kz:7", "script": "cyrl", "url": "https://abai.kz/post/7", "last_seen": T2, "replaced_at": T3,
        "title": "Тақырып cyrl", "body": "Бір.\n\nЕкі.", "parser_version": 1, "crawl_run": 3}
    assert old["content_hash"] != row(store, "article_variants")["content_hash"]
    assert row(store, "articles", "key = 'abai.kz:7'")["title"] == "Жаңа тақырып"
    # A second change: the revision starts when the first one was replaced.
    store.save_articles([item(fetched_at="2025-01-04T06:00:00+00:00", title="Жаңа тақырып", body="Үш.")], 4, parser_version=1)
    second = list(store.rows("select * from article_revisions order by id"))[1]
    assert (second["title"], second["body"], second["observed_at"], second["last_seen"]) == (
        "Жаңа тақырып", "Бір.\n\nЕкі.", T3, T3)


def test_counts_alone_are_an_update_but_not_a_revision(store: Store) -> None:
    store.save_articles([item(fetched_at=T1, views=10)], 1)
    assert store.save_articles([item(fetched_at=T2, views=15)], 2) == ["updated"]
    assert store.count("article_revisions") == 0
    assert row(store, "articles", "key = 'abai.kz:7'")["views"] == 15


def test_every_sighting_of_the_counts_is_a_metrics_row(store: Store) -> None:
    sidebar = [BestMaterial(url="https://abai.kz/post/8", title="Басқа", views=30, key="abai.kz:8"),
               BestMaterial(url=None, title="Сілтемесіз", views=99)]  # no key: not an observation of anything
    store.save_articles([item(fetched_at=T1, views=10, comments=1, best_materials=sidebar)], 1)
    store.save_articles([item(fetched_at=T2, views=12, comments=1, best_materials=sidebar)], 2)
    store.save_articles([item("latn", fetched_at=T2, views=5, comments=None, best_materials=[])], 2)
    store.save_observations([Observation("abai.kz:7", T3, "https://abai.kz/", "listing", 14, 2),
                             Observation("abai.kz:9", T3, "https://abai.kz/", "listing", None, None)], 3)
    rows = [tuple(r.values()) for r in store.rows(
        "select key, observed_at, source_kind, source_url, views, comments, crawl_run from metrics order by key, observed_at, source_url")]
    assert rows == [
        ("abai.kz:7", T1, "article", "https://abai.kz/post/7", 10, 1, 1),
        ("abai.kz:7", T2, "article", "https://abai.kz/lt/post/7", 5, None, 2),
        ("abai.kz:7", T2, "article", "https://abai.kz/post/7", 12, 1, 2),
        ("abai.kz:7", T3, "listing", "https://abai.kz/", 14, 2, 3),
        ("abai.kz:8", T1, "best_materials", "https://abai.kz/post/7", 30, None, 1),
        ("abai.kz:8", T2, "best_materials", "https://abai.kz/post/7", 30, None, 2),
    ]


def test_readme_sql_charts_one_articles_views(store: Store) -> None:
    for n, (at, views) in enumerate([(T1, 10), (T2, 12), (T3, 15)]):
        store.save_articles([item(fetched_at=at, views=views)], n + 1)
    store.save_observations([Observation("abai.kz:7", "2025-01-02T09:00:00+00:00", "https://abai.kz/", "listing", 13, 1)], 4)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sql = next(block for block in re.findall(r"```sql\n(.*?)```", readme, re.S) if "from metrics" in block)
    series = [tuple(r.values()) for r in store.db.query(sql, {"key": "abai.kz:7"})]
    assert series == [("2025-01-01", 10), ("2025-01-02", 13), ("2025-01-03", 15)]


def test_search_ranks_title_matches_first_and_follows_every_write(store: Store) -> None:
    store.save_articles([item(body="Парламент заң қабылдады.\n\nҚазақстанның экономикасы өсті.")])
    other = replace(item(), key="abai.kz:8", article_id="8", url="https://abai.kz/post/8",
                    title="Қазақстан экономикасы туралы", body="Басқа мәтін.")
    store.save_articles([other])
    assert [h["key"] for h in store.search("экономикасы")] == ["abai.kz:8", "abai.kz:7"]
    assert [h["key"] for h in store.search("Қазақстан")] == ["abai.kz:8", "abai.kz:7"]  # a word prefix: Қазақстанның
    hit = store.search("парламент")[0]
    assert (hit["title"], hit["url"], hit["published_at"]) == ("Тақырып cyrl", "https://abai.kz/post/7", "2018-09-19T16:01:00+06:00")
    assert "[Парламент]" in hit["snippet"]
    store.save_articles([item(body="Жаңа мәтін.")])  # the body changed: the index follows
    assert store.search("парламент") == []
    assert [h["key"] for h in store.search("жаңа мәтін")] == ["abai.kz:7"]
    assert store.search("экономикасы парламент") == []  # every word must match


def test_search_takes_fts_syntax_literally(store: Store) -> None:
    store.save_articles([item(title="Nur-Otan AND NOT съезі")])
    assert [h["key"] for h in store.search('Nur-Otan "AND NOT')] == ["abai.kz:7"]
    assert store.search("* ( ) -") == []


def test_the_index_is_rewritten_only_when_title_or_body_change(store: Store) -> None:
    def index() -> list[dict]:
        return list(store.rows("select * from article_variants_fts_data order by id"))

    store.save_articles([item(fetched_at=T1)], 1, parser_version=1)
    before = index()
    store.save_articles([item(fetched_at=T2)], 2, parser_version=1)  # unchanged: fetch times move
    store.save_articles([item(fetched_at=T2, views=99)], 2, parser_version=2)  # rewritten, same text
    store.reparse_articles([item(fetched_at=T2, views=99, category="Қоғам")], parser_version=3)
    assert index() == before
    store.save_articles([item(fetched_at=T3, body="Үш.")], 3, parser_version=3)
    assert index() != before
    assert [h["key"] for h in store.search("үш")] == ["abai.kz:7"] and store.search("екі") == []


def test_the_index_merges_its_segments_sixteen_at_a_time(store: Store) -> None:
    """Each batch adds a segment. FTS5's default merges them as soon as 4 pile up (after 7 batches of pages this
    size it holds one); this index lets 16 pile up and then merges them all at once: fewer, larger merges."""
    def segments() -> int:
        return store.db.execute("select count(distinct segid) from article_variants_fts_idx").fetchone()[0]

    for n in range(10):
        words = " ".join(f"сөз{n}x{i}" for i in range(3000))  # a long article's worth of words
        store.save_articles([replace(item(), key=f"abai.kz:{n}", article_id=str(n), url=f"https://abai.kz/post/{n}",
                                     body=f"Мәтін {n}. {words}")])
    assert segments() == 10
    assert len(store.search("мәтін", limit=50)) == 10


def test_an_older_fetch_of_an_unchanged_page_never_moves_a_fetch_time_back(store: Store) -> None:
    """An older WARC ingested after a newer crawl: the article's and the variant's `fetched_at` only move forward."""
    store.save_articles([item(fetched_at=T2)], 1, parser_version=1)
    assert store.save_articles([item(fetched_at=T1)], 2, parser_version=1) == ["unchanged"]
    assert row(store, "articles", "key = 'abai.kz:7'")["fetched_at"] == T2
    assert row(store, "article_variants")["fetched_at"] == T2
    assert store.save_articles([item(fetched_at=T2), item(fetched_at=T1)], 3, parser_version=1) == ["unchanged"] * 2
    assert row(store, "article_variants")["fetched_at"] == T2  # the same in one batch


def test_a_changed_page_keeps_the_first_seen_of_its_variant(store: Store) -> None:
    store.save_articles([item(fetched_at=T1)], 1, parser_version=1)
    store.db.execute("update article_variants set first_seen = ?", [T1])
    store.db.conn.commit()
    assert store.save_articles([item(fetched_at=T2, title="Жаңа тақырып")], 2, parser_version=1) == ["updated"]
    assert row(store, "article_variants")["first_seen"] == T1


def test_a_url_seen_again_moves_its_last_seen_and_keeps_its_first_seen(store: Store) -> None:
    sighting = ("https://abai.kz/post/7", "https://abai.kz/post/7", "abai.kz:7", "cyrl")
    store.save_urls([sighting], now=T1)
    store.save_urls([sighting], now=T2)
    url = row(store, "urls", "url = 'https://abai.kz/post/7'")
    assert (url["first_seen"], url["last_seen"]) == (T1, T2)
