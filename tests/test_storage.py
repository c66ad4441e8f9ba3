"""The store: variants merge into one article row, statuses, children, errors, the quotes query, and a batch
storing what its pages would have stored one by one (issue 12)."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conftest import as_reader
from crawler import storage_articles
from crawler.errors import StorageError
from crawler.failures import PERMANENT_KINDS
from crawler.items import ArticleItem, BestMaterial, Quote
from crawler.revisions import ReadAgain
from crawler.storage import SCHEMA_VERSION, Store
from crawler.storage_rows import decoded


def item(script: str = "cyrl", **changes) -> ArticleItem:
    prefix = {"cyrl": "", "latn": "/lt", "arab": "/tt"}[script]
    base = ArticleItem(
        url=f"https://abai.kz{prefix}/post/7", site="abai.kz", article_id="7", key="abai.kz:7", script=script,  # type: ignore[arg-type]
        language="kk", title=f"Тақырып {script}", category="Билік", published_at="2018-09-19T16:01:00+06:00",
        views=10, comments=1, authors=["Айдос Сарым"], body="Бір.\n\nЕкі.", page_date="2024-11-23",
        quotes=[Quote("Сөз", "Айдос Сарым", None, "inline", 0, 1, 4)],
        best_materials=[BestMaterial(url="https://abai.kz/post/8", title="Басқа", views=3, key="abai.kz:8")],
    )
    return replace(base, **changes)


def test_variants_merge_into_one_row_whatever_the_order(tmp_path: Path) -> None:
    rows = []
    for order in (["arab", "latn", "cyrl"], ["cyrl", "arab", "latn"]):
        store = Store(tmp_path / f"{''.join(order)}.sqlite")
        for n, script in enumerate(order):
            store.save_articles([item(script, views=100 + n * 7)])
        row = dict(store.db["articles"].get("abai.kz:7"))
        rows.append({k: row[k] for k in ("title", "url", "script", "views", "category")})
        assert store.db["article_variants"].count == 3
    assert rows[0] == rows[1] == {"title": "Тақырып cyrl", "url": "https://abai.kz/post/7", "script": "cyrl",
                                  "views": 114, "category": "Билік"}


def test_statuses_new_unchanged_updated(store: Store) -> None:
    assert store.save_articles([item()]) == ["new"]
    assert store.save_articles([item(fetched_at="2025-01-01T00:00:00+00:00")]) == ["unchanged"]
    assert store.save_articles([item(title="Жаңа тақырып")]) == ["updated"]
    assert store.db["articles"].get("abai.kz:7")["title"] == "Жаңа тақырып"


def test_children_are_replaced_not_appended(store: Store) -> None:
    store.save_articles([item()])
    store.save_articles([item()])
    assert store.db["quotes"].count == 1
    assert store.db["best_materials"].count == 1
    assert store.db["best_materials"].get(("abai.kz:7", "cyrl", "best_materials", 0))["linked_key"] == "abai.kz:8"


def test_speaker_query_folds_case_beyond_ascii(store: Store) -> None:
    store.save_articles([item()])
    assert [r["text"] for r in store.speaker_quotes("айдос САРЫМ")] == ["Сөз"]
    assert list(store.speaker_quotes("Нұрбек")) == []
    assert [list(store.speaker_quotes(name)) for name in ("%", "_", "Айдос%Сарым", "\\")] == [[], [], [], []]  # no wildcards
    store.save_articles([item(url="https://abai.kz/post/9", article_id="9", key="abai.kz:9",
                              quotes=[Quote("Иә", "Ұлы_100%", None, "inline", 0, 1, 3)])])
    assert [r["text"] for r in store.speaker_quotes("_100%")] == ["Иә"]


def test_errors_and_runs_are_recorded(store: Store) -> None:
    run = store.start_run("abai", {"max_articles": 2})
    store.save_articles([item()], run)
    store.record_error("https://abai.kz/post/9", "download", "http_404", "HTTP 404", run)
    row = store.finish_run(run, {"response_received_count": 3})
    assert (row["articles_new"], row["errors"]) == (1, 1)
    assert store.run_summary(run)["errors_by_kind"] == {"http_404": 1}


def test_a_runs_row_counts_its_articles_as_each_batch_commits_and_not_a_batch_that_rolled_back(store: Store) -> None:
    """A killed run never reaches finish_run: its row must already count what it stored, and nothing it did not."""
    run = store.start_run("abai", {})
    store.save_articles([item()], run)
    store.save_articles([item("latn")], run)  # the article's second page: it stays new
    assert [store.run(run)[f"articles_{s}"] for s in ("new", "updated", "unchanged")] == [1, 0, 0]
    with pytest.raises(RuntimeError), store.transaction():
        store.save_articles([item(url="https://abai.kz/post/9", article_id="9", key="abai.kz:9")], run)
        raise RuntimeError("the batch fails after its articles were planned")
    assert store.run(run)["articles_new"] == 1
    assert store.finish_run(run, {})["articles_new"] == 1
    second = store.start_run("abai", {})
    store.save_articles([item()], second)
    assert [store.run(second)[f"articles_{s}"] for s in ("new", "updated", "unchanged")] == [0, 0, 1]


def test_a_batch_whose_commit_fails_counts_no_article(store: Store) -> None:
    """A commit can fail on its own (a full disk; here a foreign key checked only at commit): the batch's articles
    must not count, as for any batch that rolled back."""
    run = store.start_run("abai", {})
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.db.execute("PRAGMA defer_foreign_keys = ON")
        store.save_articles([item()], run)
        store.db.execute("insert into quotes (key, script, position, text) values ('abai.kz:no-such', 'cyrl', 0, 'x')")
    assert store.finish_run(run, {})["articles_new"] == 0



def test_a_full_disk_is_a_storage_error_naming_the_database(store: Store) -> None:
    """A batch the disk has no room for (here: a page limit, which SQLite reports alike): one line that names the
    file, as `ingest` and `reparse` print it, not a traceback of sqlite3's; the batch rolls back."""
    run = store.start_run("abai", {})
    store.db.execute(f"PRAGMA max_page_count = {store.db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(StorageError, match=f"^cannot write to database {re.escape(str(store.path))}: database or disk is full$"):
        with store.transaction():
            store.save_articles([item(body_html="<p>" + "word " * 20_000 + "</p>")], run)
    assert store.db.execute("select count(*) from articles").fetchone()[0] == 0

def test_a_runs_summary_counts_its_own_sites_rows_when_another_sites_crawl_runs_beside_it(store: Store) -> None:
    """Crawls of two sites may share a database at the same time; each summary counts only its own site."""
    abai_run = store.start_run("abai", {}, site="abai.kz")
    qamshy_run = store.start_run("qamshy", {}, site="qamshy.kz")  # both open: their windows overlap
    store.save_articles([item()], abai_run)
    store.save_urls([("https://abai.kz/post/7", "https://abai.kz/post/7", "abai.kz:7", "cyrl")])
    store.save_articles([replace(item(), url="https://qamshy.kz/article/1", site="qamshy.kz", article_id=None,
                                 key="qamshy.kz:/article/1", script=None, quotes=[], best_materials=[])], qamshy_run)
    store.save_urls([("https://qamshy.kz/article/1", "https://qamshy.kz/article/1", "qamshy.kz:/article/1", None),
                     ("https://qamshy.kz/article/2", "https://qamshy.kz/article/2", "qamshy.kz:/article/2", None)])
    for run in (abai_run, qamshy_run):
        store.finish_run(run, {})
    counts = ("variants", "quotes", "links", "urls")
    assert [store.run_summary(abai_run)[k] for k in counts] == [1, 1, 1, 1]
    assert [store.run_summary(qamshy_run)[k] for k in counts] == [1, 0, 0, 2]


def test_unanswered_failures_are_the_urls_failing_since_their_last_answer(store: Store) -> None:
    """Where incremental runs resume paging (crawler/incremental.py): failed lately in a way a retry may cure, and
    not fetched since nor failed otherwise."""
    def failed(url: str, at: str, kind: str = "http_500", stage: str = "download") -> None:
        store.db["errors"].insert({"url": url, "stage": stage, "kind": kind, "reason": kind, "occurred_at": at})

    def answered(url: str, at: str, status: int) -> None:
        store.save_pages([{"url": url, "status": status, "kind": "listing", "fetched_at": at}])

    failed("https://x.kz/busy", "2026-05-02T00:00:00+00:00", "timeout")
    answered("https://x.kz/busy", "2026-05-03T00:00:00+00:00", 503)  # an error response answers nothing
    failed("https://x.kz/fetched", "2026-05-02T00:00:00+00:00")
    answered("https://x.kz/fetched", "2026-05-03T00:00:00+00:00", 200)
    failed("https://x.kz/moved", "2026-05-04T00:00:00+00:00")
    answered("https://x.kz/moved", "2026-05-04T00:00:00+00:00", 301)  # its redirect's target failed in the same second
    failed("https://x.kz/gone", "2026-05-02T00:00:00+00:00")
    failed("https://x.kz/gone", "2026-05-03T00:00:00+00:00", "http_404")
    failed("https://x.kz/broken", "2026-04-01T00:00:00+00:00")  # first failed before `since`, failing ever since
    failed("https://x.kz/broken", "2026-05-02T00:00:00+00:00")
    failed("https://x.kz/unparsed", "2026-05-02T00:00:00+00:00", "parser_exception", "parse")
    failed("https://x.kz/private", "2026-05-02T00:00:00+00:00", "robots_disallowed")  # would fail the same way again
    failed("https://x.kz/throttled", "2026-05-05T00:00:00+00:00", "http_429")
    failed("https://x.kz/old", "2026-04-01T00:00:00+00:00")  # failed before `since` only
    failed("https://x.kz/unreachable", "2026-05-06T00:00:00+00:00", "no_route_error")  # a kind we do not name
    found = store.unanswered_failures("2026-05-01T00:00:00+00:00", PERMANENT_KINDS)
    assert found == ["https://x.kz/busy", "https://x.kz/moved", "https://x.kz/throttled", "https://x.kz/unreachable"]


def test_failed_urls_are_those_of_the_kinds_asked_for_at_or_after_a_time(store: Store) -> None:
    """The dead links an incremental run skips (crawler/incremental.py `gone`): 404 or 410 within GONE_RETRY_DAYS."""
    for url, kind, at in (("https://x.kz/a", "http_404", "2026-05-02T00:00:00+00:00"),
                          ("https://x.kz/b", "http_410", "2026-04-01T00:00:00+00:00"),  # before `since`
                          ("https://x.kz/c", "http_500", "2026-05-02T00:00:00+00:00")):  # not a kind asked for
        store.db["errors"].insert({"url": url, "stage": "download", "kind": kind, "reason": kind, "occurred_at": at})
    urls = ["https://x.kz/a", "https://x.kz/b", "https://x.kz/c", "https://x.kz/d"]
    assert store.failed_urls(urls, ("http_404", "http_410"), since="2026-05-02T00:00:00+00:00") == {"https://x.kz/a"}
    assert store.failed_urls(urls, ("http_404", "http_410"), since="2026-03-01T00:00:00+00:00") == {
        "https://x.kz/a", "https://x.kz/b"}


def test_a_page_that_keeps_answering_an_error_page_with_200_stops_being_asked_for_after_resume_days(store: Store) -> None:
    """Each fetch of an empty listing is a 200 in `pages` with its error in the same run: that fetch answers nothing,
    so its failures pile up like a timeout's, and the page drops out once its first one is older than `since`. A
    fetch of a run that found the page whole answers it."""
    def fetched(url: str, run: int, at: str, empty: bool) -> None:
        store.save_pages([{"url": url, "status": 200, "kind": "listing", "fetched_at": at, "crawl_run": run}])
        if empty:
            store.db["errors"].insert({"url": url, "stage": "parse", "kind": "empty_listing", "reason": "",
                                       "occurred_at": at.replace("00:00+", "00:01+"), "crawl_run": run})

    for run, day in enumerate(range(1, 30, 7), start=1):  # every 7 days: 1, 8, 15, 22, 29 May
        fetched("https://x.kz/list?page=5", run, f"2026-05-{day:02d}T00:00:00+00:00", empty=True)
    fetched("https://x.kz/list?page=6", 1, "2026-05-01T00:00:00+00:00", empty=True)
    fetched("https://x.kz/list?page=6", 2, "2026-05-08T00:00:00+00:00", empty=False)  # whole again
    kinds = ("empty_listing",)
    assert store.unanswered_failures("2026-04-30T00:00:00+00:00", PERMANENT_KINDS, kinds) == ["https://x.kz/list?page=5"]
    assert store.unanswered_failures("2026-05-22T00:00:00+00:00", PERMANENT_KINDS, kinds) == []  # failing since 1 May
    assert store.unanswered_failures("2026-04-30T00:00:00+00:00", PERMANENT_KINDS) == []  # download failures only


def test_an_article_whose_callback_raised_is_asked_again_like_one_that_failed_to_download(store: Store) -> None:
    """Retries and resume points are on the same terms (docs/operations.md): a parse that raised may pass next time."""
    from datetime import UTC, datetime

    from crawler.incremental import Frontier, IncrementalParams

    now = datetime.now(UTC)
    store.save_pages([{"url": "https://abai.kz/post/5", "status": 200, "kind": "article",
                       "fetched_at": now.isoformat(timespec="seconds"), "crawl_run": 1}])
    store.db["errors"].insert({"url": "https://abai.kz/post/5", "stage": "parse", "kind": "parser_exception",
                               "reason": "KeyError", "occurred_at": now.isoformat(timespec="seconds"), "crawl_run": 1})
    frontier = Frontier(store, IncrementalParams(), started_at=now, now=now)
    assert frontier.retries(lambda url: "/post/" in url) == ["https://abai.kz/post/5"]


@pytest.mark.parametrize("page_run", [2, 3], ids=["same run", "stored by the ingester's next run"])
@pytest.mark.parametrize("page_first", [True, False], ids=["page stored first", "response indexed first"])
def test_a_url_is_filed_under_the_key_its_fetched_page_gives_whatever_its_links_say(store: Store, page_first: bool,
                                                                                    page_run: int) -> None:
    """A page whose rel=canonical names another URL: what it says of the URL it was fetched from outlasts the links'
    guess, and the URL's `pages` row of that fetch, indexed under the guess, takes its key whichever of the two is
    written first, in the same run or not."""
    link, page, guess, key = "https://x.kz/a/1-old", "https://x.kz/a/1-new", "x.kz:/a/1-old", "x.kz:/a/1-new"
    store.save_urls([(link, link, guess, None)])  # a listing's sighting
    earlier = {"url": link, "status": 200, "kind": "article", "fetched_at": "2026-04-02T00:00:00+00:00", "key": guess,
               "crawl_run": 1}
    store.save_pages([earlier])  # an earlier run's record, when the page named itself canonical: it keeps its key
    response = {**earlier, "fetched_at": "2026-05-02T00:00:00+00:00", "crawl_run": 2}
    writes = [lambda: store.save_page_urls([(link, page, key, "cyrl", None, response["fetched_at"])], page_run),
              lambda: store.save_pages([response])]
    for write in writes if page_first else writes[::-1]:
        write()
    store.save_urls([(link, link, guess, None)])  # seen again
    assert store.url_pages([link, page]) == {link: (page, key)}
    assert [row["key"] for row in store.rows("select key from pages order by fetched_at")] == [guess, key]


def test_reparse_reads_each_variant_from_its_own_page_when_its_url_names_no_record(store: Store) -> None:
    """Two scripts of one article fetched in one second, their records under other URLs than the variants' (a redirect
    to www.): each variant is read from the page the archive files under its URL, never the other script's."""
    at = "2026-05-01T10:00:00+00:00"
    store.save_articles([item("cyrl", fetched_at=at), item("latn", fetched_at=at)])
    store.save_urls([("https://www.abai.kz/post/7", "https://abai.kz/post/7", "abai.kz:7", "cyrl"),
                     ("https://www.abai.kz/lt/post/7", "https://abai.kz/lt/post/7", "abai.kz:7", "latn")])
    store.save_pages([{"url": url, "status": 200, "kind": "article", "fetched_at": at, "key": "abai.kz:7",
                       "crawl_run": 1, "site": "abai.kz", "warc_file": "f.warc.gz", "warc_offset": offset}
                      for offset, url in enumerate(["https://www.abai.kz/post/7", "https://www.abai.kz/lt/post/7"])])
    assert [(row["script"], row["url"]) for row in store.reparse_sources()] == [
        ("cyrl", "https://www.abai.kz/post/7"), ("latn", "https://www.abai.kz/lt/post/7")]


def test_foreign_keys_and_wal_are_on(store: Store) -> None:
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4


def test_unusable_database_is_a_storage_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="cannot open database"):
        Store(broken)
    with pytest.raises(StorageError, match="no database"):
        Store(tmp_path / "missing.sqlite", create=False)


def test_modified_at_tags_and_image_reach_the_variant_and_article_rows(store: Store) -> None:
    store.save_articles([item(modified_at="2018-09-20T10:00:00+06:00", tags=["Саясат", "Сайлау"],
                              image="https://abai.kz/uploads/7.jpg")])
    store.save_articles([item("latn", tags=["Saiasat"])])
    variants = {r["script"]: r for r in store.rows("select script, modified_at, tags, image from article_variants")}
    assert variants["cyrl"] == {"script": "cyrl", "modified_at": "2018-09-20T10:00:00+06:00",
                                "tags": '["Саясат", "Сайлау"]', "image": "https://abai.kz/uploads/7.jpg"}
    assert variants["latn"] == {"script": "latn", "modified_at": None, "tags": '["Saiasat"]', "image": None}
    article = next(store.rows("select modified_at, tags, image from articles"))
    assert article == {"modified_at": "2018-09-20T10:00:00+06:00", "tags": '["Саясат", "Сайлау"]',
                       "image": "https://abai.kz/uploads/7.jpg"}


def everything(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order; of the full-text index (whose segments follow the commits), what it finds."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("insert into article_variants_fts (article_variants_fts) values ('integrity-check')")
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
                                             " and name not like 'article_variants_fts%'")]
        found = {t: sorted(conn.execute(f"select * from [{t}]").fetchall(), key=repr) for t in tables}
        for word in ("тақырып", "жаңа", "үшінші", "бір"):
            found[word] = conn.execute("select rowid from article_variants_fts where article_variants_fts match ? order by rowid",
                                       [word]).fetchall()
        return found
    finally:
        conn.close()


def test_a_batch_stores_what_its_pages_would_store_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    later = "2025-02-01T00:00:00+00:00"
    pages = [
        item("latn", views=5), item("cyrl"), item("cyrl", fetched_at=later),  # a new script, then two touches
        item("arab", title="Жаңа"), item("cyrl", title="Жаңа"), item("cyrl", title="Жаңа", fetched_at=later),
        replace(item(), key="abai.kz:8", article_id="8", url="https://abai.kz/post/8", quotes=[], views=None),
        replace(item("latn"), key="abai.kz:8", article_id="8", url="https://abai.kz/lt/post/8"),  # made in this batch
        item("latn", views=9, quotes=[], best_materials=[]), item("cyrl", title="Үшінші", fetched_at=later),
        item("cyrl", title="Үшінші", fetched_at="2025-03-01T00:00:00+00:00"),  # a touch after a write
    ]
    statuses = {}
    for name, batches in (("one_by_one", [[page] for page in pages]), ("one_batch", [pages])):
        clock = (f"2025-01-01T00:00:{n:02d}+00:00" for n in itertools.count())  # the same times for both stores
        monkeypatch.setattr(storage_articles, "utcnow", clock.__next__)
        store = Store(tmp_path / f"{name}.sqlite")
        store.save_articles([item("cyrl", fetched_at="2024-12-31T00:00:00+00:00")], 1, parser_version=1)
        statuses[name] = [status for batch in batches for status in store.save_articles(batch, 2, parser_version=1)]
        store.db.conn.close()
    assert statuses["one_by_one"] == statuses["one_batch"] == [
        "updated", "unchanged", "unchanged", "updated", "updated", "unchanged", "new", "updated", "updated", "updated",
        "unchanged"]
    assert everything(tmp_path / "one_by_one.sqlite") == everything(tmp_path / "one_batch.sqlite")


def test_a_page_stored_before_schema_v3_gets_its_declared_metadata_on_its_next_fetch(store: Store) -> None:
    store.save_articles([item()])
    with store.db.conn:  # as a v2 database migrated to v3 holds it: the new columns empty
        store.db.execute("update article_variants set modified_at = null, tags = null, image = null")
        store.db.execute("update articles set modified_at = null, tags = null, image = null")
    again = item(tags=["Саясат"], image="https://abai.kz/uploads/7.jpg")
    assert store.save_articles([again]) == ["unchanged"]  # its content did not change
    assert store.save_articles([again]) == ["unchanged"]
    for table in ("article_variants", "articles"):
        assert next(store.rows(f"select tags, image from {table}")) == {
            "tags": '["Саясат"]', "image": "https://abai.kz/uploads/7.jpg"}, table


def test_an_article_new_in_its_batch_and_revised_in_it_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its revisions are written after its article row (their foreign key), each from the fetch that replaced the last."""
    pages = [item("cyrl", fetched_at="2025-01-01T00:00:00+00:00"),
             item("cyrl", title="Екінші", fetched_at="2025-01-02T00:00:00+00:00"),
             item("cyrl", title="Үшінші", fetched_at="2025-01-03T00:00:00+00:00")]
    for name, batches in (("one_by_one", [[page] for page in pages]), ("one_batch", [pages])):
        clock = (f"2025-01-04T00:00:{n:02d}+00:00" for n in itertools.count())
        monkeypatch.setattr(storage_articles, "utcnow", clock.__next__)
        store = Store(tmp_path / f"{name}.sqlite")
        assert [s for batch in batches for s in store.save_articles(batch, 1)] == ["new", "updated", "updated"]
        store.db.conn.close()
    assert everything(tmp_path / "one_by_one.sqlite") == everything(tmp_path / "one_batch.sqlite")
    revisions = list(Store(tmp_path / "one_batch.sqlite").rows(
        "select title, observed_at, replaced_at from article_revisions order by replaced_at"))
    assert [(r["title"], r["replaced_at"]) for r in revisions] == [
        (item().title, "2025-01-02T00:00:00+00:00"), ("Екінші", "2025-01-03T00:00:00+00:00")]
    # each text from the fetch that first showed it, not from when it was stored (a day later here)
    assert [r["observed_at"] for r in revisions] == ["2025-01-01T00:00:00+00:00", "2025-01-02T00:00:00+00:00"]


def test_changed_text_is_a_revision_only_when_the_site_changed_the_page(store: Store) -> None:
    """`site_changed` is asked about a page whose title or body differ, with the stored row: False (only our reading
    changed) overwrites the variant without a revision, True keeps the old text as today."""
    asked: list[tuple[str, str]] = []

    def reading_only(previous: dict[str, Any], page: ArticleItem) -> bool:
        asked.append((previous["title"], page.title))
        return False

    store.save_articles([item(fetched_at="2025-01-01T00:00:00+00:00")])
    assert store.save_articles([item(views=11, fetched_at="2025-01-02T00:00:00+00:00")], site_changed=reading_only) == [
        "updated"]  # counts alone: not asked
    assert store.save_articles([item(title="Екінші", fetched_at="2025-01-03T00:00:00+00:00")],
                               site_changed=reading_only) == ["updated"]
    assert asked == [(item().title, "Екінші")]
    assert store.count("article_revisions") == 0 and store.db["articles"].get("abai.kz:7")["title"] == "Екінші"
    store.save_articles([item(title="Үшінші", fetched_at="2025-01-04T00:00:00+00:00")], site_changed=lambda *_: True)
    assert [row["title"] for row in store.rows("select title from article_revisions")] == ["Екінші"]


def test_the_fetch_of_a_variant_is_that_fetch_not_the_latest(store: Store) -> None:
    """A recrawl indexes its new fetch before it stores the page: the previous fetch is found by its time, under the
    variant's URL or one the archive files under it."""
    url, www = "https://abai.kz/post/7", "https://www.abai.kz/post/7"
    store.save_urls([(www, url, "abai.kz:7", "cyrl")])
    store.save_pages([{"url": page_url, "status": 200, "kind": "article", "fetched_at": at, "key": "abai.kz:7",
                       "site": "abai.kz", "warc_file": "f.warc.gz", "warc_offset": offset}
                      for offset, (page_url, at) in enumerate([(url, "2025-01-01T00:00:00+00:00"),
                                                               (www, "2025-01-02T00:00:00+00:00"),
                                                               (url, "2025-01-03T00:00:00+00:00")])])
    asked = ("2025-01-01T00:00:00+00:00", "2025-01-02T00:00:00+00:00", "2025-01-05T00:00:00+00:00")
    assert [(store.fetch_of(url, at) or {}).get("warc_offset") for at in asked] == [0, 1, None]


def test_a_previous_fetch_without_a_record_to_read_again_leaves_the_revision(store: Store) -> None:
    """Crawled with WARC off, or fetched in the same second as the new fetch: no telling, so a revision as before."""
    store.save_articles([item(fetched_at="2025-01-01T00:00:00+00:00")])
    read_again = ReadAgain(store)
    previous = next(store.rows("select * from article_variants"))
    for fetched_at in ("2025-01-02T00:00:00+00:00", "2025-01-01T00:00:00+00:00"):
        assert read_again(previous, item(title="Екінші", fetched_at=fetched_at)) is True
    assert read_again.outcomes == {"unverified": 2}


def test_a_reader_that_fails_on_the_previous_fetch_fails_neither_the_batch_nor_the_page(
        store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A parser's bug on the old page (any exception, not only a CrawlerError) would roll back the whole batch, and
    hold an ingester's queue on it for good: the page is stored with its old text as a revision, and the error logged."""
    def broken(*_: Any) -> ArticleItem:
        raise IndexError("a parser's bug")

    monkeypatch.setattr("crawler.revisions.extract", broken)
    store.save_pages([{"url": item().url, "status": 200, "kind": "article", "fetched_at": "2025-01-01T00:00:00+00:00",
                       "key": "abai.kz:7", "site": "abai.kz", "warc_file": "f.warc.gz", "warc_offset": 0, "warc_length": 1}])
    store.save_articles([item(fetched_at="2025-01-01T00:00:00+00:00")])
    read_again = ReadAgain(store)
    assert store.save_articles([item(title="Екінші", fetched_at="2025-01-02T00:00:00+00:00"),
                                item("latn", fetched_at="2025-01-02T00:00:00+00:00")], site_changed=read_again) == [
        "updated", "updated"]
    assert [row["title"] for row in store.rows("select title from article_revisions")] == [item().title]
    assert read_again.outcomes == {"unverified": 1}
    assert "IndexError: a parser's bug" in caplog.text


def test_a_fetch_that_reads_less_keeps_what_the_archive_knew(store: Store) -> None:
    """A broken selector yields pages without date, category or counts: the stored values stay, marked "kept"."""
    store.save_articles([item(strategies={"published_at": "selector", "title": "selector"})])
    broken = item(published_at=None, category=None, views=None, authors=[], strategies={"title": "selector"})
    assert store.save_articles([broken]) == ["unchanged"]  # nothing it still shows has changed
    changed = replace(broken, title="Жаңа тақырып")
    assert store.save_articles([changed]) == ["updated"]
    row = decoded(dict(store.db["article_variants"].get(["abai.kz:7", "cyrl"])))
    assert (row["title"], row["published_at"], row["category"], row["views"], row["authors"]) == (
        "Жаңа тақырып", "2018-09-19T16:01:00+06:00", "Билік", 10, ["Айдос Сарым"])
    assert row["strategies"] == {"title": "selector", "published_at": "kept", "category": "kept", "views": "kept",
                                 "authors": "kept"}
    assert store.db["articles"].get("abai.kz:7")["published_at"] == "2018-09-19T16:01:00+06:00"


def test_a_newer_parser_that_reads_less_is_believed(store: Store) -> None:
    """What it does not find, an older parser may have taken by mistake: a new parser version clears it."""
    store.save_articles([item(authors=["Қате Адам"])], parser_version=3)
    assert store.save_articles([item(authors=[])], parser_version=4) == ["updated"]
    assert store.db["article_variants"].get(["abai.kz:7", "cyrl"])["authors"] == "[]"
    store.reparse_articles([item(authors=["Айдос Сарым"])], parser_version=4)
    store.reparse_articles([item(authors=[])], parser_version=5)  # a reparse with a newer parser, likewise
    assert store.db["article_variants"].get(["abai.kz:7", "cyrl"])["authors"] == "[]"


def test_a_modification_date_is_not_kept_before_a_new_publication_date(store: Store) -> None:
    store.save_articles([item(modified_at="2019-01-01T10:00:00+06:00")])
    store.save_articles([item(published_at="2024-05-01T10:00:00+05:00", modified_at=None)])
    assert store.db["article_variants"].get(["abai.kz:7", "cyrl"])["modified_at"] is None


def test_a_failing_batch_writes_nothing(store: Store) -> None:
    store.save_articles([item()])
    before = {t: list(store.rows(f"select * from {t}")) for t in ("articles", "article_variants", "quotes", "urls", "metrics")}
    with pytest.raises(StorageError, match="no stored variant"):
        store.reparse_articles([item(title="Жаңа"), item("latn")], parser_version=2)
    assert {t: list(store.rows(f"select * from {t}")) for t in before} == before


def test_a_transaction_that_reads_first_survives_another_writer(tmp_path: Path) -> None:
    """Two connections write one archive at once (the store pipeline and the WARC writer thread).

    A deferred transaction that reads, then writes after the other connection
    committed, would fail with "database is locked": its snapshot is stale.
    Transactions take the write lock up front, so the other writer waits.
    """
    pipeline = Store(tmp_path / "archive.sqlite")
    started, written = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def write_pages() -> None:
        warc_writer = Store(tmp_path / "archive.sqlite")  # its own connection, in its own thread
        started.wait(timeout=10)
        try:
            warc_writer.save_pages([{"url": "https://abai.kz/post/7", "status": 200, "crawl_run": None}])
        except BaseException as err:  # noqa: BLE001 (reported below, in the test's thread)
            failures.append(err)
        written.set()

    thread = threading.Thread(target=write_pages)
    thread.start()
    with pipeline.transaction():
        assert pipeline.count("errors") == 0  # a read first
        started.set()
        written.wait(timeout=1)  # a deferred transaction would let the other writer commit here
        pipeline.record_error("https://abai.kz/post/8", "download", "http_500", "HTTP 500")
    thread.join(timeout=30)
    assert not failures
    assert (pipeline.count("errors"), pipeline.count("pages")) == (1, 1)


def test_a_database_another_writer_holds_counts_as_writable(tmp_path: Path) -> None:
    """A second crawl or an ingester writing meanwhile is no reason to refuse a crawl (only a read-only file is)."""
    Store(tmp_path / "a.sqlite").db.conn.close()
    other = sqlite3.connect(tmp_path / "a.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        store = Store(tmp_path / "a.sqlite")
        store.db.execute("PRAGMA busy_timeout = 50")
        store.check_writable()
        store.db.execute("PRAGMA query_only = 1")  # and what cannot be written is refused
        with pytest.raises(StorageError, match="cannot write to database .*: attempt to write a readonly database"):
            store.check_writable()
    finally:
        other.rollback()
        other.close()


STATE_INDEXES = ("idx_articles_site_key_published_at_first_seen",
                 "idx_article_variants_key_script_url_first_seen_fetched_at_last_seen")


def test_the_crawl_state_is_read_from_covering_indexes_which_an_older_archive_gains_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "a.sqlite"
    store = Store(db)
    store.save_articles([item(), item("latn")], store.start_run("abai", {}), 1)
    def plan(sql: str, *values: object) -> list[str]:
        return [row[3] for row in store.db.execute(f"explain query plan {sql}", values)]

    # What the incremental planner asks of a whole site as a crawl starts, and per listing: no variant row read.
    for scripts in (["cyrl"], ["cyrl", "latn", "arab"]):
        assert plan(store.revisit_sql(len(scripts)), "abai.kz", *scripts, 30.0) == [
            f"SEARCH a USING COVERING INDEX {STATE_INDEXES[0]} (site=?)", f"SEARCH v USING COVERING INDEX {STATE_INDEXES[1]} (key=?)"]
    assert f"SEARCH v USING COVERING INDEX {STATE_INDEXES[1]} (key=?)" in plan(f"{store._STATE_SQL} where v.key in (?)", "k")
    for index in STATE_INDEXES:  # an archive of the version before them
        store.db.execute(f"drop index {index}")
    store.db.conn.close()
    with caplog.at_level("WARNING"):
        reopened = Store(db)
    names = {r[0] for r in reopened.db.execute("select name from sqlite_master where type = 'index'")}
    assert set(STATE_INDEXES) <= names
    assert [r.getMessage() for r in caplog.records] == [f"Adding 2 index(es) to {db}, once: it reads every row of their tables"]
    assert set(reopened.variant_states(["abai.kz:7"])) == {("abai.kz:7", "cyrl"), ("abai.kz:7", "latn")}


def test_an_older_archive_on_a_read_only_file_opens_without_its_new_indexes(tmp_path: Path) -> None:
    db = tmp_path / "ro.sqlite"
    store = Store(db)
    store.save_articles([item()], store.start_run("abai", {}), 1)
    for index in STATE_INDEXES:
        store.db.execute(f"drop index {index}")
    store.db.conn.close()
    db.chmod(0o444)
    command = [sys.executable, "-c", "import sys; from crawler.storage import Store; store = Store(sys.argv[1], create=False);"
               " print(store.db.execute('select count(*) from article_variants').fetchone()[0])", str(db)]
    result = subprocess.run(as_reader(command), capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "1", "")



def test_an_archive_without_the_columns_added_since_its_version_is_read_from_a_read_only_file_and_gains_them_writable(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`urls.published_at` and `errors.answered_at` came without a new schema version: an archive made before them is
    still version 4. Read-only, it was refused ("attempt to write a readonly database") by export, search and health,
    which read neither; opened writable, it gains them, with no word (adding a column reads no row)."""
    db = tmp_path / "ro.sqlite"
    store = Store(db)
    store.save_articles([item()], store.start_run("abai", {}), 1)
    store.db.execute("alter table urls drop column published_at")
    store.db.execute("alter table errors drop column answered_at")
    store.db.conn.close()
    db.chmod(0o444)
    export = [sys.executable, "-m", "crawler", "export", "--format", "jsonl", "--out", str(tmp_path / "out"), "--db", str(db)]
    result = subprocess.run(as_reader(export), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["key"] for line in (tmp_path / "out" / "articles.jsonl").read_text().splitlines()] == ["abai.kz:7"]
    db.chmod(0o644)
    with caplog.at_level("WARNING"):
        reopened = Store(db)
    assert caplog.records == []
    assert reopened.known_dates(["abai.kz:7"]) == {"abai.kz:7": item().published_at}
    assert reopened.unanswered_failures("2000-01-01", PERMANENT_KINDS) == []
def test_an_archive_in_a_read_only_folder_is_exported_and_searched(tmp_path: Path) -> None:
    """A shared dataset or a mounted snapshot: SQLite cannot make the `-shm` file a WAL archive is read through."""
    folder = tmp_path / "shared"
    folder.mkdir()
    store = Store(folder / "a.sqlite")
    store.save_articles([item()], store.start_run("abai", {}), 1)
    store.db.conn.close()  # the last connection folds the log into the file and removes it
    folder.chmod(0o555)
    try:
        export = subprocess.run(as_reader([sys.executable, "-m", "crawler", "export", "--format", "jsonl", "--out",
                                           str(tmp_path / "out"), "--db", str(folder / "a.sqlite")]),
                                capture_output=True, text=True, timeout=120)
        search = subprocess.run(as_reader([sys.executable, "-m", "crawler", "search", "Екі", "--db", str(folder / "a.sqlite")]),
                                capture_output=True, text=True, timeout=120)
    finally:
        folder.chmod(0o755)
    assert export.returncode == 0, export.stderr
    assert [json.loads(line)["key"] for line in (tmp_path / "out" / "articles.jsonl").read_text().splitlines()] == ["abai.kz:7"]
    assert search.returncode == 0, search.stderr
    assert search.stdout.splitlines()[0] == " 1. Тақырып cyrl (2018-09-19, https://abai.kz/post/7)"
    assert sorted(path.name for path in folder.iterdir()) == ["a.sqlite"]


def test_a_read_only_folder_whose_log_holds_commits_is_refused_not_read_without_them(tmp_path: Path) -> None:
    writer = Store(tmp_path / "a.sqlite")
    writer.save_articles([item()], writer.start_run("abai", {}), 1)  # in the log: the writer is still open
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in ("a.sqlite", "a.sqlite-wal"):
        (folder / name).write_bytes((tmp_path / name).read_bytes())
    folder.chmod(0o555)
    command = [sys.executable, "-c", "import sys; from crawler.storage import Store; Store(sys.argv[1], create=False)",
               str(folder / "a.sqlite")]
    try:
        result = subprocess.run(as_reader(command), capture_output=True, text=True, timeout=60)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"crawler.errors.StorageError: cannot read database {folder / 'a.sqlite'}: its write-ahead log a.sqlite-wal holds "
        "commits not yet in the file, and its folder may not be written to fold them in; open it once where it can be "
        "written, or copy the folder")
