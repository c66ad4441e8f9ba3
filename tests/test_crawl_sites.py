"""Any news site from a profile: `crawl <site> --offline` and `crawl site --profile` on the qamshy.kz, egemen.kz and nypost.com mirrors (issue 5).

The CLI runs in a subprocess, as a user runs it; where the test must see what
was requested, it runs `scrapy crawl site` against a mirror server it starts
itself and reads the server's request log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils

from conftest import SITES, mirror_pages, offline_crawl, scrapy_crawl
from crawler.cli import main
from crawler.mirror import Mirror, MirrorServer
from crawler.parsers import canonical_url


def mirrored_keys(site: str) -> set[str]:
    return {f"{site}:{canonical_url(p.url).split(site, 1)[1]}" for p in mirror_pages(site, "article")}


@pytest.fixture(scope="module")
def qamshy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, str]:
    """The qamshy.kz mirror crawled three times into one archive: first, incrementally, then as a full pass."""
    db = tmp_path_factory.mktemp("qamshy") / "archive.sqlite"
    return db, offline_crawl(db, "qamshy"), offline_crawl(db, "qamshy"), offline_crawl(db, "qamshy", "--refresh")


def test_crawl_by_name_stores_every_mirrored_article_with_almaty_dates(qamshy) -> None:
    db = sqlite_utils.Database(qamshy[0])
    rows = {r["key"]: r for r in db["articles"].rows}
    assert set(rows) == mirrored_keys("qamshy.kz")
    row = rows["qamshy.kz:/article/balasi-zhemqor-adam-mazhiliske-layiq-pa.html"]
    assert (row["title"], row["published_at"], row["language"]) == (
        "Баласы жемқор адам Мәжіліске лайық па?", "2018-03-15T15:52:00+06:00", "kk")
    assert json.loads(row["strategies"])["published_at"] == "selector"  # the profile's override
    assert all(r["published_at"].endswith("+06:00") for r in rows.values())
    # Its counts, read by the profile's views and comments selectors, are the page's count observations.
    counts = {r["key"]: (r["views"], r["comments"]) for r in db.query("select * from metrics where source_kind = 'article'")}
    assert len(counts) == 6 and counts["qamshy.kz:/article/balasi-zhemqor-adam-mazhiliske-layiq-pa.html"] == (5305, 12)


def test_every_homepage_link_is_recorded_and_unmirrored_pages_are_404_errors(qamshy) -> None:
    db = sqlite_utils.Database(qamshy[0])
    seen = {r["canonical_url"] for r in db["urls"].rows}
    assert len({u for u in seen if "/article/" in u}) >= 34  # the real homepage links 34 distinct articles
    errors = {(r["url"], r["kind"]) for r in db.query("select url, kind from errors where crawl_run = 1")}
    assert ("https://qamshy.kz/article/eski-maqala-2017.html", "http_404") in errors  # from the 2017 sitemap
    assert {kind for _, kind in errors} == {"http_404"}
    assert not any("robots.txt" in url or "sitemap" in url or url.endswith("/rss") for url, _ in errors)


def test_second_crawl_fetches_nothing_stored_and_a_full_pass_changes_nothing(qamshy) -> None:
    _, first, second, full_pass = qamshy
    assert "Crawled qamshy (offline mirror" in first and "6 new, 0 updated, 0 unchanged" in first
    # The profile's [overrides] selectors, and how many pages each filled: one that matched nothing would say 0.
    assert ("  selectors comments 6, published_at 6, title 6, views 6 of 6 article pages (the rest by the generic rules)"
            in first.splitlines())
    assert "0 new, 0 updated, 0 unchanged" in second
    assert "0 new, 0 updated, 6 unchanged" in full_pass


def test_since_skips_old_sitemaps_feed_items_and_articles(tmp_path: Path) -> None:
    db = tmp_path / "since.sqlite"
    with MirrorServer(Mirror(SITES / "qamshy.kz")) as server:
        scrapy_crawl("site", server.address, db, "profile=seeds/qamshy.kz.toml", "since=2018-03-12")
    requested = {canonical_url(url) for url, _ in server.requests}
    assert "https://qamshy.kz/sitemap-news.xml" in requested and "https://qamshy.kz/rss" in requested
    assert "https://qamshy.kz/sitemap-2017.xml" not in requested  # its lastmod is 2017-12-31
    assert "https://qamshy.kz/article/eski-zhanhaliq-aqpan-2018.html" not in requested  # a feed item of 24 Feb
    dates = [r["published_at"] for r in sqlite_utils.Database(db)["articles"].rows]
    assert len(dates) == 4 and min(dates) >= "2018-03-12"


def test_crawl_site_with_profile_follows_pagination_feeds_and_sitemaps(tmp_path: Path) -> None:
    db = tmp_path / "egemen.sqlite"
    with MirrorServer(Mirror(SITES / "egemen.kz")) as server:
        scrapy_crawl("site", server.address, db, "profile=seeds/egemen.kz.toml")
    requested = [canonical_url(url) for url, _ in server.requests]
    assert "https://egemen.kz/category/sayasat?page=2" in requested
    assert {"https://egemen.kz/robots.txt", "https://egemen.kz/sitemap.xml", "https://egemen.kz/feed"} <= set(requested)
    # The sitemap is named only by robots.txt, read from the one fetch Scrapy makes to obey it.
    assert requested.count("https://egemen.kz/robots.txt") == 1
    articles = [u for u in requested if "/article/" in u]
    assert len(articles) == len(set(articles)) == 4  # each once, whatever found it; 350001 (2023) is not mirrored
    rows = {r["key"]: r["published_at"] for r in sqlite_utils.Database(db)["articles"].rows}
    assert rows == {
        "egemen.kz:/article/370001-astanada-zhana-kitaphana-ashyldy": "2024-05-02T10:30:00+05:00",
        "egemen.kz:/article/370002-koktemgi-egis-nauqany-bastaldy": "2024-02-20T09:15:00+06:00",
        "egemen.kz:/article/370003-oqushylar-gylymi-zhobalaryn-qorgady": "2024-05-03T14:00:00+05:00",  # 15:00+06:00
    }


def test_crawl_site_cli_and_english_profile(tmp_path: Path) -> None:
    db = tmp_path / "nypost.sqlite"
    out = offline_crawl(db, "site", "--profile", "seeds/nypost.com.toml", "--max-articles", "1")
    assert "1 new" in out
    out = offline_crawl(db, "nypost")
    rows = {r["key"]: r for r in sqlite_utils.Database(db)["articles"].rows}
    assert set(rows) == mirrored_keys("nypost.com")
    row = rows["nypost.com:/2019/11/19/three-taliban-prisoners-flown-to-qatar-for-hostage-swap"]
    assert json.loads(row["authors"]) == ["Lia Eustachewich", "Yaron Steinbuch"] and row["language"] == "en"
    assert row["published_at"] == "2019-11-19T04:20:50-05:00"  # declared 09:20:50+00:00, given in New York time


@pytest.mark.parametrize(("args", "message"), [
    (("nowhere",), "error: crawl takes abai, a profile's name (egemen, nypost, qamshy, from "),
    (("site",), "error: crawl site needs --profile seeds/<site>.toml"),
    (("qamshy", "--scripts", "latn"), "error: --scripts is for the abai spider, not for site profiles"),
    (("abai", "--profile", "seeds/qamshy.kz.toml"), "error: --profile is for `crawl site`; abai has its own spider"),
    (("abai", "--mirror", "/no/such/mirror"), "error: mirror folder /no/such/mirror does not exist"),
])
def test_bad_crawl_arguments_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     args: tuple[str, ...], message: str) -> None:
    code = main(["crawl", *args, "--offline", "--db", str(tmp_path / "x.sqlite")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith(message) and "\n" not in err, err
    assert not (tmp_path / "x.sqlite").exists()  # refused before anything ran


@pytest.mark.parametrize(("name", "meant"), [("abia", "abai"), ("qamshi", "qamshy")])
def test_a_mistyped_crawl_name_is_met_with_the_name_it_is_near(capsys: pytest.CaptureFixture[str], name: str,
                                                                meant: str) -> None:
    assert main(["crawl", name, "--offline"]) == 2
    assert capsys.readouterr().err.strip().endswith(f", not {name!r}; did you mean {meant}?")


def test_a_profile_crawl_records_its_site_on_the_run(qamshy) -> None:
    runs = list(sqlite_utils.Database(qamshy[0]).query("select spider, site from crawl_runs order by id"))
    assert runs == [{"spider": "qamshy", "site": "qamshy.kz"}] * 3


def test_the_archived_article_pages_name_their_articles(qamshy) -> None:
    """Each fetched article page's WARC index row (`pages.key`) names the article stored from it."""
    db = sqlite_utils.Database(qamshy[0])
    archived = {r["key"] for r in db.query("select key from pages where kind = 'article' and status = 200")}
    assert archived == {r["key"] for r in db["articles"].rows}
