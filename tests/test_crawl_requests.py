"""What the crawler asks the server for: each page once, whatever spelling links it.

Runs `scrapy crawl abai` (the project also works as a plain Scrapy project)
against a mirror server this test starts on 127.0.0.1, and reads the
server's own request log.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import sqlite_utils

from conftest import SITES, scrapy_crawl
from crawler.mirror import Mirror, MirrorServer
from crawler.parsers import canonical_url


def test_every_canonical_page_is_requested_once(tmp_path: Path) -> None:
    with MirrorServer(Mirror(SITES / "abai.kz")) as server:
        scrapy_crawl("abai", server.address, tmp_path / "a.sqlite")
    requested = Counter(canonical_url(url) for url, _ in server.requests)
    assert requested, "the server saw no request"
    assert max(requested.values()) == 1, [u for u, n in requested.items() if n > 1]
    # 124675 is linked as www.abai.kz/post/…, /index.php/post/… and abai.kz/post/…: one fetch.
    assert requested["https://abai.kz/post/124675"] == 1
    assert all(url.startswith(("http://abai.kz", "https://abai.kz")) for url, _ in server.requests)


def test_categories_and_since_narrow_the_crawl(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite"
    with MirrorServer(Mirror(SITES / "abai.kz")) as server:
        scrapy_crawl("abai", server.address, db, "since=2020-01-01", "scripts=latn,arab", "categories=1")
    rows = list(sqlite_utils.Database(db).query("select key, script, published_at from article_variants"))
    assert rows, "nothing stored"
    # Dated pages older than 2020 (51637, of 2017) are skipped; undated ones cannot be judged and stay.
    assert all(r["published_at"] is None or r["published_at"] >= "2020-01-01" for r in rows)
    assert {r["script"] for r in rows} == {"latn", "arab"}
    assert "abai.kz:51637" not in {r["key"] for r in rows}


def test_since_stores_every_article_in_range_however_old_the_sidebars_links_are(tmp_path: Path) -> None:
    """Listing pages carry undated sidebar cards linking older articles: an old one among them ends no listing.

    The synthetic mirror's pages link random articles in their sidebars; the
    listing stops at the page whose own new entries are all older than the
    date, and every article in range is stored in every script.
    """
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.synthetic import make_mirror
    from conftest import read_manifest
    from crawler.parsers.abai import parse_article

    mirror = make_mirror(tmp_path / "mirror", 200, seed=3, per_page=20)
    published = {
        page["url"]: parse_article((mirror.directory / page["file"]).read_text(encoding="utf-8"), page["url"]).published_at
        for page in read_manifest(mirror.directory) if page["kind"] == "article"
    }
    since = sorted(str(day)[:10] for day in published.values())[-300]  # about 100 of 200 articles (×3 scripts), five pages
    in_range = {url for url, day in published.items() if str(day)[:10] >= since}
    db = tmp_path / "since.sqlite"
    with MirrorServer(Mirror(mirror.directory)) as server:
        scrapy_crawl("abai", server.address, db, f"since={since}")
    stored = {r["url"] for r in sqlite_utils.Database(db).query("select url from article_variants")}
    assert stored == in_range and len(in_range) >= 300
    assert "https://abai.kz/part/1?page=9" not in {canonical_url(url) for url, _ in server.requests}  # paging stopped


def test_a_daily_run_stops_paging_once_its_new_articles_are_behind_it(tmp_path: Path) -> None:
    """Stored articles in a row count only entries new to the listing: the feed of the latest articles that every
    page repeats holds the new ones, and used to end every streak, so each run paged through the whole listing."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.synthetic import make_mirror

    mirror = make_mirror(tmp_path / "mirror", 200, seed=3, per_page=20)
    db = tmp_path / "daily.sqlite"
    with MirrorServer(Mirror(mirror.directory)) as server:
        scrapy_crawl("abai", server.address, db, "scripts=cyrl")
        archive = sqlite_utils.Database(db)
        archive.executescript(  # the newest 30 articles were published since the last run
            "create temp table new as select key from articles order by published_at desc limit 30;"
            "delete from quotes where key in new; delete from best_materials where key in new;"
            "delete from article_variants where key in new; delete from articles where key in new;")
        archive.conn.commit()
        before = len(server.requests)
        scrapy_crawl("abai", server.address, db, "scripts=cyrl")
        listing_pages = {url for url, _ in server.requests[before:] if "/part/1" in url}
    assert sqlite_utils.Database(db)["articles"].count == 200
    assert listing_pages == {"https://abai.kz/part/1", "https://abai.kz/part/1?page=2"}  # of 10


def test_a_listing_page_stops_its_series_only_when_all_its_new_dated_entries_are_older() -> None:
    from crawler.since import SincePaging

    paging = SincePaging()
    assert paging.page("part/1", "p2", older=[True, False], known=[], waiting=0) is False  # one card still in range
    assert paging.page("part/1", "p3", older=[True, True], known=[None, False], waiting=5) is True  # dates decide; undated ones do not


def test_undated_entries_stop_their_series_once_every_one_came_back_older() -> None:
    from crawler.since import SincePaging

    paging = SincePaging()
    assert paging.fresh("part/1", ["a", "b"]) == {"a", "b"} and paging.fresh("part/1", ["b", "c"]) == {"c"}
    assert paging.page("part/1", "p2", older=[], known=[None, None], waiting=2) is False
    assert paging.article("p2", too_old=True) is None
    assert paging.article("p2", too_old=True) == "part/1"  # the page's last, and all were older
    assert paging.page("part/2", "q2", older=[], known=[None, None], waiting=2) is False
    assert paging.article("q2", too_old=False) is None  # one in range: the page no longer waits
    assert paging.article("q2", too_old=True) is None


def test_dates_the_archive_knows_of_undated_entries_stop_a_series_only_when_every_one_is_known_and_older() -> None:
    """A known date is no card's: an old article the archive knows (moved from another listing) beside unknown ones
    does not stop the series at once; they decide as they come back, or, requested by another series, never."""
    from crawler.since import SincePaging

    paging = SincePaging()
    assert paging.page("part/1", "p1", older=[], known=[True, True], waiting=0) is True  # all known, all older
    assert paging.page("part/2", "q1", older=[], known=[True, False], waiting=0) is False  # one known in range
    assert paging.page("part/3", "r1", older=[], known=[True, None], waiting=0) is False  # one unknown, asked elsewhere
    assert paging.page("part/4", "s1", older=[], known=[True, None], waiting=1) is False
    assert paging.article("s1", too_old=True) == "part/4"  # the unknown one came back older too
    assert paging.page("part/5", "t1", older=[True], known=[False], waiting=0) is True  # printed dates decide


def test_a_fingerprint_is_one_per_canonical_url_method_and_body() -> None:
    from scrapy import Request

    from crawler.fingerprint import CanonicalRequestFingerprinter

    fingerprint = CanonicalRequestFingerprinter().fingerprint
    page = fingerprint(Request("https://abai.kz/post/1"))
    assert fingerprint(Request("http://www.abai.kz/index.php/post/1/?utm_source=x#c")) == page
    assert page not in {fingerprint(Request("https://abai.kz/post/1", method="POST")),
                        fingerprint(Request("https://abai.kz/post/1", method="POST", body=b"q=1")),
                        fingerprint(Request("https://abai.kz/post/2"))}
