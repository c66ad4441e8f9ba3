"""Revisions record what the site changed, not what our reading did: recrawls of the egemen.kz fixture mirror.

A first crawl with a copy of egemen.kz's profile (`--profile FILE`), then a
`--refresh` recrawl after the profile or the mirror changed, both offline on
127.0.0.1. A page whose extraction changed because the profile did is read
again from the WARC record of its previous fetch (crawler/revisions.py).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from conftest import SITES, offline_crawl, run_row
from crawler.parsers import parse_article
from crawler.pipelines.normalize import NormalizePipeline
from crawler.revisions import ReadAgain
from crawler.storage import Store
from crawler.warc import Exchange, WarcFiles
from faultserver import article_html, undeclared

ROOT = Path(__file__).resolve().parent.parent
A370001 = "https://egemen.kz/article/370001-astanada-zhana-kitaphana-ashyldy"
TITLE_370001 = "Астанада жаңа кітапхана ашылды"
AUTHOR_370001 = "Айгүл Серікқызы"


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    """egemen.kz's profile, as a file of the test's own."""
    return Path(shutil.copy(ROOT / "seeds" / "egemen.kz.toml", tmp_path / "egemen.toml"))


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A copy of the egemen.kz mirror, to change a page of."""
    return Path(shutil.copytree(SITES / "egemen.kz", tmp_path / "mirror"))


def crawl(db: Path, profile: Path, mirror: Path, *args: str) -> None:
    offline_crawl(db, "site", "--profile", str(profile), "--mirror", str(mirror), *args)


def titles(db: Path) -> dict[str, str]:
    return {row["url"]: row["title"] for row in sqlite_utils.Database(db).query("select url, title from article_variants")}


def revisions(db: Path) -> list[tuple[str, str]]:
    return [(row["url"], row["title"]) for row in sqlite_utils.Database(db).query(
        "select url, title from article_revisions order by url")]


def test_a_profile_edited_between_crawls_records_no_revision(tmp_path: Path, profile: Path, mirror: Path) -> None:
    """The pages did not change, our title selector did: every variant takes the new title, and no revision says
    the site retitled them."""
    db = tmp_path / "archive.sqlite"
    crawl(db, profile, mirror)
    assert titles(db)[A370001] == TITLE_370001
    with profile.open("a", encoding="utf-8") as toml:
        toml.write('\n[overrides]\ntitle = "span.news-author"\n')
    crawl(db, profile, mirror, "--refresh")
    assert titles(db)[A370001] == AUTHOR_370001
    assert revisions(db) == []
    stats = run_row(db, 2)["stats"]
    assert stats["revisions/reading_changed"] == len(titles(db)) and "revisions/site_changed" not in stats


def test_a_page_the_site_changed_between_crawls_keeps_its_old_text(tmp_path: Path, profile: Path, mirror: Path) -> None:
    db = tmp_path / "archive.sqlite"
    crawl(db, profile, mirror)
    page = mirror / "pages" / "article-370001.html"
    page.write_text(page.read_text(encoding="utf-8").replace(TITLE_370001, "Астанада жаңа кітапхана ашылды (жаңартылды)"),
                    encoding="utf-8")
    crawl(db, profile, mirror, "--refresh")
    assert titles(db)[A370001] == "Астанада жаңа кітапхана ашылды (жаңартылды)"
    assert revisions(db) == [(A370001, TITLE_370001)]
    assert run_row(db, 2)["stats"]["revisions/site_changed"] == 1


def test_without_warc_records_a_changed_reading_is_a_revision_as_before(tmp_path: Path, profile: Path, mirror: Path) -> None:
    """No record of the previous fetch to read again: the changed text is kept as a revision, and counted."""
    db = tmp_path / "archive.sqlite"
    crawl(db, profile, mirror, "-s", "WARC_ENABLED=False")
    with profile.open("a", encoding="utf-8") as toml:
        toml.write('\n[overrides]\ntitle = "span.news-author"\n')
    crawl(db, profile, mirror, "--refresh", "-s", "WARC_ENABLED=False")
    assert titles(db)[A370001] == AUTHOR_370001
    assert (A370001, TITLE_370001) in revisions(db) and len(revisions(db)) == len(titles(db))
    assert run_row(db, 2)["stats"]["revisions/unverified"] == len(titles(db))


def test_a_page_in_an_undeclared_code_page_is_read_again_as_the_crawl_decoded_it(store: Store) -> None:
    """A KZ-1048 page that names no charset: the crawl decodes it in KZ-1048 (crawler/middlewares/content.py), and so
    must its reading again: Scrapy takes this short page for windows-1251, and its misread letters for a change of the site."""
    html = article_html("Мақала туралы қысқаша",
                        ["Қазақстанның әдебиеті мен өнері туралы мақала. Ол қазақ тілінде жазылған, әңгіме көп."])
    url, fetched = "https://abai.kz/post/100000", datetime(2025, 1, 1, tzinfo=UTC)
    warc = WarcFiles(store.path.parent / "warc", "test", 1 << 30, db_dir=store.path.parent)
    page = warc.write(Exchange(url, "GET", [], b"", 200, "HTTP/1.1", [("Content-Type", "text/html")],
                               undeclared(html, "kz1048"), fetched))
    warc.close()
    store.save_pages([{**page, "kind": "article", "key": "abai.kz:100000", "site": "abai.kz"}])
    read_now = NormalizePipeline().process_item(parse_article(html, url, page["fetched_at"]))
    store.save_articles([replace(read_now, title="Ескі оқылым")])  # as an older reader read it
    previous = next(store.rows("select * from article_variants"))
    read_again = ReadAgain(store)
    assert read_again(previous, replace(read_now, fetched_at="2025-02-01T00:00:00+00:00")) is False
    assert read_again.outcomes == {"reading_changed": 1}
