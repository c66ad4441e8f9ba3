"""Schema versions (issue 6, point 6; issue 12): databases of the earlier schemas (v1, v2, v3) migrate in place after
a backup and end up with the same schema as a new one; a database newer than the code is refused."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, cli
from crawler import schema
from crawler.encoded_keys import KEY_COLUMNS
from crawler.errors import StorageError
from crawler.storage import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parent.parent
V1_SQL = FIXTURES / "schema" / "v1.sql"  # frozen: the DDL crawler/storage.py created at commit eacfc5e
V2_SQL = FIXTURES / "schema" / "v2.sql"  # frozen: the DDL of schema version 2, before issue 12
V3_SQL = FIXTURES / "schema" / "v3.sql"  # frozen: the DDL of schema version 3, before keys were percent-encoded


def make_v1(path: Path) -> Path:
    """A v1 archive exactly as the first release made it (frozen DDL), with rows as it wrote them."""
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL.read_text(encoding="utf-8"))
    conn.executescript("""
        insert into crawl_runs (id, spider, args, started_at, finished_at, articles_new, articles_updated,
                                articles_unchanged, errors, stats)
        values (1, 'abai', '{}', '2024-11-23T06:00:00+00:00', '2024-11-23T06:01:00+00:00', 1, 0, 0, 1, '{}');
        insert into articles (key, site, article_id, url, script, language, title, category, published_at, views,
                              comments, authors, source, body, body_html, images, page_date, fetched_at, first_seen,
                              last_seen, content_hash, strategies, crawl_run)
        values ('abai.kz:7', 'abai.kz', '7', 'https://abai.kz/post/7', 'cyrl', 'kk', 'Қазақстанның жаңа заңы',
                'Билік', '2018-09-19T16:01:00+06:00', 120, 4, '["Айдос Сарым"]', 'Abai.kz', 'Бірінші абзац.',
                '<p>Бірінші абзац.</p>', '[]', '2024-11-23', '2024-11-23T06:00:10+00:00', '2024-11-23T06:00:30+00:00',
                '2024-11-23T06:00:30+00:00', 'ab12', '{"title": "selector"}', 1);
        insert into article_variants (key, script, url, language, title, category, published_at, views, comments,
                                      authors, source, body, body_html, images, page_date, fetched_at, strategies,
                                      content_hash, first_seen, last_seen, crawl_run)
        values ('abai.kz:7', 'cyrl', 'https://abai.kz/post/7', 'kk', 'Қазақстанның жаңа заңы', 'Билік',
                '2018-09-19T16:01:00+06:00', 120, 4, '["Айдос Сарым"]', 'Abai.kz', 'Бірінші абзац.',
                '<p>Бірінші абзац.</p>', '[]', '2024-11-23', '2024-11-23T06:00:10+00:00', '{"title": "selector"}',
                'cd34', '2024-11-23T06:00:30+00:00', '2024-11-23T06:00:30+00:00', 1),
               ('abai.kz:7', 'latn', 'https://abai.kz/lt/post/7', 'kk', 'Qazaqstannyń jańa zańy', 'Bilik',
                '2018-09-19T16:01:00+06:00', 118, null, '[]', null, 'Birinshi abzats.', '<p>Birinshi abzats.</p>',
                '[]', '2024-11-23', '2024-11-23T06:00:20+00:00', '{}', 'ef56', '2024-11-23T06:00:30+00:00',
                '2024-11-23T06:00:30+00:00', 1);
        insert into best_materials (key, script, list, position, linked_key, url, title, category, author, views)
        values ('abai.kz:7', 'cyrl', 'best_materials', 0, 'abai.kz:8', 'https://abai.kz/post/8', 'Басқа', null, null, 3);
        insert into quotes (key, script, position, speaker, role, kind, text, paragraph, start, end)
        values ('abai.kz:7', 'cyrl', 0, 'Айдос Сарым', null, 'inline', 'Сөз', 0, 1, 4);
        insert into urls (url, canonical_url, key, script, first_seen, last_seen)
        values ('https://www.abai.kz/post/7', 'https://abai.kz/post/7', 'abai.kz:7', 'cyrl',
                '2024-11-23T06:00:05+00:00', '2024-11-23T06:00:05+00:00');
        insert into errors (id, crawl_run, url, stage, kind, reason, occurred_at)
        values (1, 1, 'https://abai.kz/post/9', 'download', 'http_404', 'HTTP 404', '2024-11-23T06:00:40+00:00');
    """)
    conn.commit()
    conn.close()
    return path


def make_v2(path: Path) -> Path:
    """A v2 archive as that schema's code made it (frozen DDL), one article page stored (its v2 triggers index it)."""
    conn = sqlite3.connect(path)
    conn.executescript(V2_SQL.read_text(encoding="utf-8"))
    conn.executescript("""
        insert into crawl_runs (id, spider, args, started_at) values (1, 'abai', '{}', '2024-11-23T06:00:00+00:00');
        insert into articles (key, site, article_id, url, script, title, body, authors, images, strategies, first_seen,
                              last_seen, content_hash, crawl_run, parser_version)
        values ('abai.kz:7', 'abai.kz', '7', 'https://abai.kz/post/7', 'cyrl', 'Қазақстанның жаңа заңы', 'Бірінші абзац.',
                '[]', '[]', '{}', '2024-11-23T06:00:30+00:00', '2024-11-23T06:00:30+00:00', 'ab12', 1, 3);
        insert into article_variants (key, script, url, title, body, authors, images, strategies, content_hash,
                                      first_seen, last_seen, fetched_at, crawl_run, parser_version)
        values ('abai.kz:7', 'cyrl', 'https://abai.kz/post/7', 'Қазақстанның жаңа заңы', 'Бірінші абзац.', '[]', '[]',
                '{}', 'cd34', '2024-11-23T06:00:30+00:00', '2024-11-23T06:00:30+00:00', '2024-11-23T06:00:10+00:00', 1, 3);
    """)
    conn.commit()
    conn.close()
    return path


RAW = "egemen.kz:/article/1-кітап"  # a v3 key: the path as the page's rel=canonical printed it
ENCODED = "egemen.kz:/article/1-%D0%BA%D1%96%D1%82%D0%B0%D0%BF"
RAW_BOTH, ENCODED_BOTH = "egemen.kz:/article/2-сөз", "egemen.kz:/article/2-%D1%81%D3%A9%D0%B7"  # stored under both


def make_v3(path: Path) -> Path:
    """A v3 archive (frozen DDL) holding a site's pages under raw-Cyrillic keys, one also under its encoded key."""
    conn = sqlite3.connect(path)
    conn.executescript(V3_SQL.read_text(encoding="utf-8"))
    variant = """insert into articles (key, site, url, script, title, body, first_seen, last_seen, fetched_at, crawl_run)
                 values (:key, 'egemen.kz', :url, 'cyrl', :title, :body, :first, :fetched, :fetched, 1);
                 insert into article_variants (key, script, url, title, body, first_seen, last_seen, fetched_at, crawl_run)
                 values (:key, 'cyrl', :url, :title, :body, :first, :fetched, :fetched, 1);
                 insert into quotes (key, script, position, speaker, text) values (:key, 'cyrl', 0, :title, 'Сөз');"""
    for key, title, first, fetched in [
            (RAW, "Кітапхана ашылды", "2024-11-23T06:00:00+00:00", "2024-11-23T06:00:00+00:00"),
            (RAW_BOTH, "Жаңа сөз", "2024-11-23T07:00:00+00:00", "2024-11-23T07:00:00+00:00"),
            (ENCODED_BOTH, "Ескі сөз", "2024-11-22T07:00:00+00:00", "2024-11-22T08:00:00+00:00")]:
        params = {"key": key, "url": "https://" + key.replace(":", "", 1), "title": title, "body": title + " мәтіні.",
                  "first": first, "fetched": fetched}
        for statement in variant.split(";")[:-1]:
            conn.execute(statement, {k: v for k, v in params.items() if ":" + k in statement})
    conn.executescript(f"""
        insert into metrics (key, observed_at, source_kind, source_url, views)
        values ('{RAW}', '2024-11-23T06:00:00+00:00', 'article', 'https://{RAW.replace(":", "", 1)}', 5),
               ('{ENCODED}', '2024-11-23T05:00:00+00:00', 'listing', 'https://egemen.kz/', 4),
               ('{RAW_BOTH}', '2024-11-23T05:00:00+00:00', 'listing', 'https://egemen.kz/', 9),
               ('{ENCODED_BOTH}', '2024-11-23T05:00:00+00:00', 'listing', 'https://egemen.kz/', 9);
        insert into urls (url, canonical_url, key, first_seen, last_seen)
        values ('https://egemen.kz/article/1-%D0%BA%D1%96%D1%82%D0%B0%D0%BF?utm_source=x',
                'https://egemen.kz/article/1-кітап', '{RAW}', '2024-11-23T06:00:00+00:00', '2024-11-23T06:00:00+00:00');
        insert into pages (crawl_run, url, site, key, kind, status)
        values (1, 'https://egemen.kz/article/1-%D0%BA%D1%96%D1%82%D0%B0%D0%BF', 'egemen.kz', '{RAW}', 'article', 200);
    """)
    conn.commit()
    conn.close()
    return path


def shape(path: Path) -> dict[str, object]:
    """Every table's columns (name and type), index and trigger (with its SQL) of a database, order aside."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")]
        return {
            "tables": {t: sorted((r[1], r[2]) for r in conn.execute(f"pragma table_info([{t}])")) for t in tables},
            "indexes": sorted(r[0] for r in conn.execute("select name from sqlite_master where type = 'index' and sql is not null")),
            "triggers": sorted(conn.execute("select name, sql from sqlite_master where type = 'trigger'")),
        }
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("pragma user_version").fetchone()[0])
    finally:
        conn.close()


def test_fixtures_are_the_earlier_schemas(tmp_path: Path) -> None:
    assert user_version(make_v1(tmp_path / "v1.sqlite")) == 1
    assert user_version(make_v2(tmp_path / "v2.sqlite")) == 2
    assert user_version(make_v3(tmp_path / "v3.sqlite")) == 3
    assert SCHEMA_VERSION == 4


def test_v1_database_migrates_in_place_after_a_backup(tmp_path: Path) -> None:
    db = make_v1(tmp_path / "archive.sqlite")
    store = Store(db)
    assert store.db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    backups = list(tmp_path.glob("archive.sqlite.v1-*.bak"))
    assert len(backups) == 1
    assert user_version(backups[0]) == 1
    assert shape(backups[0]) == shape(make_v1(tmp_path / "pristine.sqlite"))
    # Rows are kept, new columns are empty: v1 did not record the parser version.
    row = store.db["articles"].get("abai.kz:7")
    assert (row["title"], row["views"], row["first_seen"], row["parser_version"]) == (
        "Қазақстанның жаңа заңы", 120, "2024-11-23T06:00:30+00:00", None)
    assert store.db["quotes"].count == 1 and store.db["urls"].count == 1 and store.db["errors"].count == 1
    # The counts v1 kept are the first observations of the view history.
    metrics = list(store.rows("select key, observed_at, source_kind, source_url, views, comments, crawl_run from metrics "
                              "order by key, source_url"))
    assert metrics == [
        {"key": "abai.kz:7", "observed_at": "2024-11-23T06:00:20+00:00", "source_kind": "article",
         "source_url": "https://abai.kz/lt/post/7", "views": 118, "comments": None, "crawl_run": 1},
        {"key": "abai.kz:7", "observed_at": "2024-11-23T06:00:10+00:00", "source_kind": "article",
         "source_url": "https://abai.kz/post/7", "views": 120, "comments": 4, "crawl_run": 1},
        {"key": "abai.kz:8", "observed_at": "2024-11-23T06:00:10+00:00", "source_kind": "best_materials",
         "source_url": "https://abai.kz/post/7", "views": 3, "comments": None, "crawl_run": 1},
    ]
    # The full-text index covers the rows that were there before it.
    assert [(h["key"], h["script"]) for h in store.search("қазақстан")] == [("abai.kz:7", "cyrl")]
    assert [(h["key"], h["script"]) for h in store.search("zańy")] == [("abai.kz:7", "latn")]
    assert store.count("pages") == store.count("article_revisions") == 0


def test_v2_database_migrates_in_place_after_a_backup(tmp_path: Path) -> None:
    db = make_v2(tmp_path / "archive.sqlite")
    store = Store(db)
    assert store.schema_version() == SCHEMA_VERSION
    backups = list(tmp_path.glob("archive.sqlite.v2-*.bak"))
    assert len(backups) == 1 and user_version(backups[0]) == 2
    assert shape(backups[0]) == shape(make_v2(tmp_path / "pristine.sqlite"))
    # Rows are kept; the v3 columns are empty until a page is stored or reparsed again.
    row = next(store.rows("select title, parser_version, modified_at, tags, image from article_variants"))
    assert row == {"title": "Қазақстанның жаңа заңы", "parser_version": 3, "modified_at": None, "tags": None, "image": None}
    assert [(h["key"], h["script"]) for h in store.search("заңы")] == [("abai.kz:7", "cyrl")]
    # The index follows a change of the text through the new triggers.
    store.db.execute("update article_variants set body = 'Екінші абзац.' where key = 'abai.kz:7'")
    assert store.search("бірінші") == [] and len(store.search("екінші")) == 1


def test_v3_keys_and_canonical_urls_take_the_encoded_form_and_a_page_under_both_is_merged(tmp_path: Path) -> None:
    """A v3 site page declaring a Cyrillic canonical was keyed raw, its links and sightings encoded: one key now."""
    store = Store(make_v3(tmp_path / "archive.sqlite"))
    assert store.schema_version() == SCHEMA_VERSION
    assert [user_version(b) for b in tmp_path.glob("archive.sqlite.v3-*.bak")] == [3]
    for table, columns in KEY_COLUMNS.items():
        for column in columns:
            assert not list(store.rows(f"select 1 from [{table}] where [{column}] glob '*[а-ө]*'")), (table, column)
    assert list(store.rows("select key, url, title, first_seen from articles order by key")) == [
        {"key": ENCODED, "url": "https://egemen.kz/article/1-%D0%BA%D1%96%D1%82%D0%B0%D0%BF", "title": "Кітапхана ашылды",
         "first_seen": "2024-11-23T06:00:00+00:00"},
        # The variant fetched last is the current one; the article was first seen under the other key.
        {"key": ENCODED_BOTH, "url": "https://egemen.kz/article/2-%D1%81%D3%A9%D0%B7", "title": "Жаңа сөз",
         "first_seen": "2024-11-22T07:00:00+00:00"}]
    assert list(store.rows("select key, title from article_variants order by key")) == [
        {"key": ENCODED, "title": "Кітапхана ашылды"}, {"key": ENCODED_BOTH, "title": "Жаңа сөз"}]
    assert list(store.rows("select key, script, url, observed_at, last_seen, replaced_at, title from article_revisions")) == [
        {"key": ENCODED_BOTH, "script": "cyrl", "url": "https://egemen.kz/article/2-%D1%81%D3%A9%D0%B7",
         "observed_at": "2024-11-22T07:00:00+00:00", "last_seen": "2024-11-22T08:00:00+00:00",
         "replaced_at": "2024-11-23T07:00:00+00:00", "title": "Ескі сөз"}]
    assert list(store.rows("select key, speaker from quotes order by key")) == [
        {"key": ENCODED, "speaker": "Кітапхана ашылды"}, {"key": ENCODED_BOTH, "speaker": "Жаңа сөз"}]
    # Counts seen under either key are the article's; the one seen under both is one observation.
    assert list(store.rows("select key, source_url, views from metrics order by key, observed_at")) == [
        {"key": ENCODED, "source_url": "https://egemen.kz/", "views": 4},
        {"key": ENCODED, "source_url": "https://egemen.kz/article/1-%D0%BA%D1%96%D1%82%D0%B0%D0%BF", "views": 5},
        {"key": ENCODED_BOTH, "source_url": "https://egemen.kz/", "views": 9}]
    assert [(r["canonical_url"], r["key"]) for r in store.rows("select * from urls")] == [
        ("https://egemen.kz/article/1-%D0%BA%D1%96%D1%82%D0%B0%D0%BF", ENCODED)]
    assert [r["key"] for r in store.rows("select key from pages")] == [ENCODED]
    assert [h["key"] for h in store.search("кітапхана")] == [ENCODED]
    assert [h["key"] for h in store.search("сөз")] == [ENCODED_BOTH]
    store.db.execute("insert into article_variants_fts (article_variants_fts) values ('integrity-check')")


def test_a_v3_archive_with_no_raw_key_migrates_without_a_change_of_its_rows(tmp_path: Path) -> None:
    conn = sqlite3.connect(make_v3(tmp_path / "archive.sqlite"))
    conn.execute("delete from articles where key glob '*[а-ө]*'")
    conn.execute("delete from metrics where key glob '*[а-ө]*'")
    for table in ("article_variants", "quotes", "urls", "pages"):
        conn.execute(f"delete from {table} where key <> '{ENCODED_BOTH}'")
    conn.commit()
    before = {t: conn.execute(f"select * from {t} order by 1, 2").fetchall() for t in KEY_COLUMNS}
    conn.close()
    store = Store(tmp_path / "archive.sqlite")
    assert {t: list(store.db.execute(f"select * from {t} order by 1, 2").fetchall()) for t in KEY_COLUMNS} == before


def test_a_migrated_database_has_the_schema_of_a_new_one(tmp_path: Path) -> None:
    Store(make_v1(tmp_path / "v1.sqlite"))
    Store(make_v2(tmp_path / "v2.sqlite"))
    Store(make_v3(tmp_path / "v3.sqlite"))
    Store(tmp_path / "new.sqlite")
    assert shape(tmp_path / "v1.sqlite") == shape(tmp_path / "v2.sqlite") == shape(tmp_path / "v3.sqlite") \
        == shape(tmp_path / "new.sqlite")


def test_reopening_a_current_database_makes_no_backup(tmp_path: Path) -> None:
    Store(make_v1(tmp_path / "archive.sqlite"))
    Store(tmp_path / "archive.sqlite")
    Store(make_v2(tmp_path / "second.sqlite"))
    Store(tmp_path / "second.sqlite")
    Store(tmp_path / "fresh.sqlite")
    Store(tmp_path / "fresh.sqlite")
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("*.bak")) == ["archive.sqlite.v1", "second.sqlite.v2"]


def test_a_failed_migration_leaves_the_v1_database_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = make_v1(tmp_path / "archive.sqlite")
    before = shape(db)

    def broken(_db: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(schema.MIGRATIONS, 1, broken)
    with pytest.raises(StorageError, match="disk on fire"):
        Store(db)
    assert user_version(db) == 1
    assert shape(db) == before  # new tables, columns and triggers rolled back with it


def test_a_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "future.sqlite"
    Store(db).db.execute("pragma user_version = 99")
    with pytest.raises(StorageError, match=r"schema version 99, newer than this newsarchive understands \(4\)"):
        Store(db)
    assert user_version(db) == 99
    result = subprocess.run([sys.executable, "-m", "crawler", "search", "x", "--db", str(db)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: database {db} has schema version 99, newer than this newsarchive understands (4): "
        "upgrade newsarchive, or open a copy made for this version")


def test_tables_of_another_program_are_not_taken_for_an_archive(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("create table articles (id integer primary key, headline text)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="no schema version"):
        Store(db)


def test_opening_a_current_database_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    Store(db)
    writer = sqlite3.connect(db, timeout=0)
    writer.execute("begin immediate")  # a crawl in the middle of a batch holds the write lock
    try:
        started = time.monotonic()
        store = Store(db)  # would wait for the lock (5 s) and fail if opening wrote anything
        assert store.search("anything") == []
        assert time.monotonic() - started < 2
    finally:
        writer.rollback()
        writer.close()


def test_a_crawl_says_once_that_it_migrated_the_database(tmp_path: Path) -> None:
    """Logged before Scrapy starts (by the CLI's handler), not lost when Scrapy's takes over, and not printed twice."""
    db = make_v2(tmp_path / "old.sqlite")
    result = cli("crawl", "abai", "--offline", "--db", str(db), "--max-articles", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count(f"Migrated {db} from schema version 2 to {SCHEMA_VERSION}") == 1


@pytest.mark.parametrize("argv", [["export", "--format", "jsonl", "--out", "{tmp}/out"], ["search", "x"], ["quotes", "--speaker", "x"],
                                  ["health"], ["reparse", "--dry-run"], ["crawl", "abai", "--offline"]],
                         ids=["export", "search", "quotes", "health", "reparse", "crawl"])
def test_another_programs_database_or_an_empty_file_is_refused_and_left_as_it_was(tmp_path: Path, argv: list[str]) -> None:
    import subprocess
    import sys

    foreign, empty = tmp_path / "mine.sqlite", tmp_path / "empty.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("create table mine (x)")
    conn.commit()
    conn.close()
    empty.touch()
    before = {path: path.read_bytes() for path in (foreign, empty)}
    for db, error in ((foreign, f"database {foreign} holds another program's tables (mine): not a newsarchive archive"),
                      (empty, f"{empty} is not a newsarchive database: it holds no archive")):
        if db == empty and argv[0] == "crawl":
            continue  # a crawl makes its archive in an empty file, as in a new one
        command = [sys.executable, "-m", "crawler", *(a.replace("{tmp}", str(tmp_path)) for a in argv), "--db", str(db)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert (result.returncode, result.stderr.strip()) == (2, f"error: {error}")
    assert {path: path.read_bytes() for path in (foreign, empty)} == before
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("*-wal"))
