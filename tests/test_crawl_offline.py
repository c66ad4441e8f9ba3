"""The main job end to end: `crawl abai --offline` serves the mirror on 127.0.0.1 and crawls it into SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from conftest import cli, mirror_pages, offline_crawl
from crawler.parsers.abai import article_ref

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A first crawl, then a full pass (`--refresh`) over the same mirror: it must change nothing."""
    db = tmp_path_factory.mktemp("crawl") / "archive.sqlite"
    first = offline_crawl(db, "abai")
    second = offline_crawl(db, "abai", "--refresh")
    return db, first, second


def mirrored_articles() -> dict[str, set[str]]:
    """Article key → scripts, for every article page the mirror serves with status 200."""
    found: dict[str, set[str]] = {}
    for page in mirror_pages("abai.kz", "article"):
        article_id, script = article_ref(page.url)  # type: ignore[misc]
        found.setdefault(f"abai.kz:{article_id}", set()).add(script)
    return found


def test_every_mirrored_article_is_one_row_with_its_variants(crawled) -> None:
    db = sqlite_utils.Database(crawled[0])
    expected = mirrored_articles()
    assert {r["key"] for r in db["articles"].rows} == set(expected)
    variants = {(r["key"], r["script"]) for r in db["article_variants"].rows}
    assert variants == {(k, s) for k, scripts in expected.items() for s in scripts}
    row = db["articles"].get("abai.kz:124675")
    assert (row["script"], row["url"], row["views"]) == ("cyrl", "https://abai.kz/post/124675", 7931)


def test_seed_article_row_and_children(crawled) -> None:
    db = sqlite_utils.Database(crawled[0])
    row = db["articles"].get("abai.kz:100000")
    assert row["title"] == "Nur Otan Trends пікірталас клубының кезекті басқосуы өтті"
    assert row["published_at"] == "2018-09-19T16:01:00+06:00"
    assert json.loads(row["authors"]) == ["Халима Бұқарқызы"]
    sidebar = list(db.query("select title, views from best_materials where key = ? order by position", ["abai.kz:100000"]))
    assert [r["views"] for r in sidebar] == [1482, 3253, 5475]


def test_url_variants_are_recorded_and_collapse_to_one_key(crawled) -> None:
    db = sqlite_utils.Database(crawled[0])
    urls = {r["url"]: r["key"] for r in db["urls"].rows}
    assert urls["https://www.abai.kz/post/124675"] == "abai.kz:124675"
    assert urls["https://abai.kz/index.php/post/124675"] == "abai.kz:124675"
    assert urls["https://abai.kz/lt/post/124675"] == "abai.kz:124675"


def test_no_loopback_address_is_stored(crawled) -> None:
    db = sqlite_utils.Database(crawled[0])
    for table in db.table_names():
        for row in db[table].rows:
            text = json.dumps(row, ensure_ascii=False, default=str)
            assert "127.0.0.1" not in text and "localhost" not in text, (table, row)


def test_the_404_fixture_is_an_error_not_a_row(crawled) -> None:
    db = sqlite_utils.Database(crawled[0])
    errors = {(r["url"], r["stage"], r["kind"]) for r in db["errors"].rows}
    assert ("https://abai.kz/post/999999", "download", "http_404") in errors
    assert not db.execute("select count(*) from articles where key = 'abai.kz:999999'").fetchone()[0]


def test_second_full_pass_changes_nothing(crawled) -> None:
    db_path, first, second = crawled
    db = sqlite_utils.Database(db_path)
    runs = list(db.query("select * from crawl_runs order by id"))
    assert len(runs) == 2
    assert runs[0]["articles_new"] == len(mirrored_articles())
    assert (runs[1]["articles_new"], runs[1]["articles_updated"]) == (0, 0)
    assert runs[1]["articles_unchanged"] == len(mirrored_articles())
    assert db["articles"].count == len(mirrored_articles())


def test_summary_reports_the_run(crawled) -> None:
    _, first, second = crawled
    assert f"{len(mirrored_articles())} new, 0 updated, 0 unchanged" in first
    assert "0 new, 0 updated" in second
    for word in ("quotes", "links", "errors", "pages/s", "database"):
        assert word in first


def test_max_articles_and_scripts_limit_the_crawl(tmp_path: Path) -> None:
    db = tmp_path / "small.sqlite"
    offline_crawl(db, "abai", "--max-articles", "2", "--scripts", "latn")
    rows = list(sqlite_utils.Database(db)["article_variants"].rows)
    assert len(rows) == 2 and {r["script"] for r in rows} == {"latn"}


def test_bad_option_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--db", str(tmp_path / "x.sqlite"), "--since", "yesterday"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --since must be a date like 2024-01-31, not 'yesterday'"


def test_quotes_are_stored_and_listed_by_speaker(crawled) -> None:
    db = sqlite_utils.Database(crawled[0])
    speakers = {r["speaker"] for r in db.query("select speaker from quotes where key = 'abai.kz:100000'")}
    assert {"Айдос Сарым", "Дархан Қалетаев", "Мәулен Әшімбаев"} <= speakers
    result = subprocess.run([sys.executable, "-m", "crawler", "quotes", "--speaker", "айдос САРЫМ", "--db", str(crawled[0])],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Айдос Сарым — Nur Otan Trends") == 2
    assert "(2018-09-19, https://abai.kz/post/100000)" in result.stdout


def test_quotes_on_a_missing_database_is_one_line_exit_2(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "crawler", "quotes", "--speaker", "x", "--db", str(tmp_path / "none.sqlite")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no database at {tmp_path / 'none.sqlite'}"


def test_debug_shows_scrapys_debug_log(tmp_path: Path) -> None:
    result = cli("--debug", "crawl", "abai", "--offline", "--db", str(tmp_path / "a.sqlite"), "--max-articles", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "[scrapy.core.engine] DEBUG: Crawled (200)" in result.stderr


def test_a_crawl_stopped_by_anything_but_its_end_a_limit_or_ctrl_c_exits_1(tmp_path: Path) -> None:
    """A cron job must see it: here Scrapy's memory guard, set below what any crawl needs, stops the crawl."""
    result = cli("crawl", "abai", "--offline", "--db", str(tmp_path / "x.sqlite"),
                 "-s", "MEMUSAGE_LIMIT_MB=1", "-s", "MEMUSAGE_CHECK_INTERVAL_SECONDS=0.05")
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == "  stopped early (memusage_exceeded): see the log"
    limited = cli("crawl", "abai", "--offline", "--db", str(tmp_path / "y.sqlite"), "-s", "CLOSESPIDER_ITEMCOUNT=1")
    assert limited.returncode == 0 and "stopped early" not in limited.stdout, limited.stdout + limited.stderr[-3000:]
    assert limited.stdout.splitlines()[-1] == ("  stopped at the limit it was given (closespider_itemcount): the links it "
                                               "requested and did not reach are new to the next run")


def test_urls_seen_counts_the_urls_this_run_saw(crawled, tmp_path: Path) -> None:
    import re
    import shutil

    db = tmp_path / "copy.sqlite"
    shutil.copy(crawled[0], db)
    total = sqlite_utils.Database(db)["urls"].count
    assert f", {total} URLs seen" in crawled[1]  # the first crawl saw every URL the archive has
    out = offline_crawl(db, "abai", "--scripts", "latn", "--max-articles", "1", "--refresh")
    seen = int(re.search(r", (\d+) URLs seen", out)[1])
    run = sqlite_utils.Database(db)["crawl_runs"].get(3)
    assert seen == sqlite_utils.Database(db).execute(
        "select count(*) from urls where last_seen between ? and ?", [run["started_at"], run["finished_at"]]).fetchone()[0]
    assert 0 < seen < total


def test_a_crawl_prints_its_progress_on_standard_error_whatever_the_log_level(tmp_path: Path) -> None:
    result = cli("crawl", "abai", "--offline", "--db", str(tmp_path / "a.sqlite"), "-s", "PROGRESS_INTERVAL=0.1")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("crawl: ")]
    assert lines, result.stderr  # the crawl takes ~0.8 s: several intervals
    pages = [int(line.split(": ")[2].split()[0]) for line in lines]
    assert pages == sorted(pages) and pages[-1] <= 89
    assert all(" pages fetched (" in line and " article pages parsed; " in line and line.endswith(" errors")
               for line in lines)


def test_the_progress_line_counts_pages_their_rate_stored_articles_and_errors() -> None:
    from crawler.crawlprogress import progress_line

    stats = {"downloader/response_count": 3456, "articles/new": 1200, "articles/updated": 3677, "fields/pages": 1240,
             "errors/download/http_404": 10, "errors/validate/no_title": 3, "errors/parse/parser_exception": 1,
             "errors/callback_exception": 1, "item_scraped_count": 2000}
    # one row per error, the callback's exception once (its own count is no second row)
    assert progress_line(stats, 720) == "crawl: 12 min: 3456 pages fetched (4.8/s); 1240 article pages parsed; 14 errors"
    assert progress_line({}, 0) == "crawl: 0 s: 0 pages fetched (0.0/s); 0 article pages parsed; 0 errors"


def test_progress_interval_0_prints_no_progress_and_no_warning(tmp_path: Path) -> None:
    result = cli("crawl", "abai", "--offline", "--db", str(tmp_path / "a.sqlite"), "-s", "PROGRESS_INTERVAL=0")
    assert result.returncode == 0 and not any(line.startswith("crawl: ") for line in result.stderr.splitlines())
    assert "CrawlProgress" not in result.stderr, result.stderr  # Scrapy logs a disabled extension's message as a WARNING
