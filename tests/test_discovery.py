"""Site profiles and discovery: robots.txt Sitemap lines, sitemap indexes, news sitemaps, RSS and Atom feeds (issue 5)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from conftest import SITES
from crawler.discovery import next_page, read_feed, read_sitemap, robots_sitemaps
from crawler.errors import ConfigError
from crawler.profiles import load_profile
from crawler.site_profiles import find_profile, profile_for_url


def test_every_profile_in_seeds_loads_and_matches_its_mirror_urls() -> None:
    qamshy = find_profile("qamshy")
    assert (qamshy.site, qamshy.timezone, qamshy.language) == ("qamshy.kz", "Asia/Almaty", "kk")
    assert qamshy.is_article("https://qamshy.kz/article/balasi-zhemqor-adam-mazhiliske-layiq-pa.html")
    assert not qamshy.is_article("https://qamshy.kz/category/news")
    assert qamshy.is_listing("https://www.qamshy.kz/category/sport") and qamshy.is_next_page("https://qamshy.kz/category/news?page=2")
    assert find_profile("egemen.kz").is_article("https://egemen.kz/article/370001-astanada-zhana-kitaphana-ashyldy")
    nypost = find_profile("nypost")
    assert nypost.is_article("https://nypost.com/2019/11/18/chinese-hunter-catches-bubonic-plague-after-eating-wild-rabbit/")
    assert profile_for_url("https://www.qamshy.kz/article/x.html") is not None
    assert profile_for_url("https://abai.kz/post/1") is None  # abai.kz keeps its own spider and parser


@pytest.mark.parametrize(("text", "message"), [
    ('site = "x.kz"\n', "is not a site profile (it has no [profile] table)"),
    ('site = "x.kz"\ntimezone = "Mars/Olympus"\n[profile]\nstart_urls = ["https://x.kz/"]\n', "unknown time zone 'Mars/Olympus'"),
    ('site = "x.kz"\n[profile]\nstart_urls = ["https://x.kz/"]\n[overrides]\nwordcount = "span"\n', "overrides.wordcount: unknown field; known fields:"),
    ('site = "x.kz"\n[profile]\nstart_urls = ["https://x.kz/"]\narticle_patterns = ["(unclosed"]\n', "bad pattern '(unclosed'"),
    ('site = "x.kz"\n[profile]\n', "profile.start_urls: missing or empty, and so are sitemaps and feeds"),
])
def test_a_bad_profile_is_one_clear_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.kz.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    assert message in str(err.value)


def test_unknown_profile_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="no site profile named 'nowhere'.*known: .*egemen.*qamshy"):
        find_profile("nowhere")


def test_robots_sitemap_lines() -> None:
    body = (SITES / "qamshy.kz" / "pages" / "robots.txt").read_bytes()
    assert [(f.url, f.sitemap) for f in robots_sitemaps(body, "https://qamshy.kz/robots.txt")] == [
        ("https://qamshy.kz/sitemap.xml", True)]


def test_sitemap_index_entries_are_sitemaps_with_lastmod() -> None:
    found = read_sitemap((SITES / "qamshy.kz" / "pages" / "sitemap.xml").read_bytes(), "https://qamshy.kz/sitemap.xml")
    assert [(f.url, f.sitemap, f.published.date().isoformat()) for f in found] == [
        ("https://qamshy.kz/sitemap-news.xml", True, "2018-03-16"), ("https://qamshy.kz/sitemap-2017.xml", True, "2017-12-31")]


def test_news_sitemap_publication_dates_keep_their_offset_and_gzip_is_read() -> None:
    body = (SITES / "qamshy.kz" / "pages" / "sitemap-news.xml").read_bytes()
    for data in (body, gzip.compress(body)):
        found = read_sitemap(data, "https://qamshy.kz/sitemap-news.xml", "UTC")
        assert len(found) == 6 and not any(f.sitemap for f in found)
        assert (found[0].url, found[0].published.isoformat()) == (
            "https://qamshy.kz/article/zaghypa-balyeva-oqo-da-zorlandi-degen-balaninh-otbasi-zhayli-aytti.html",
            "2018-03-16T14:12:00+06:00")


def test_rss_and_atom_items_with_dates() -> None:
    rss = read_feed((SITES / "qamshy.kz" / "pages" / "rss.xml").read_bytes(), "https://qamshy.kz/rss")
    assert [f.published.isoformat() for f in rss] == [
        "2018-03-16T14:12:00+06:00", "2018-03-15T15:52:00+06:00", "2018-03-14T17:54:00+06:00", "2018-02-24T10:00:00+06:00"]
    atom = read_feed((SITES / "egemen.kz" / "pages" / "feed.xml").read_bytes(), "https://egemen.kz/feed")
    assert [(f.url, f.published.isoformat()) for f in atom] == [
        ("https://egemen.kz/article/370001-astanada-zhana-kitaphana-ashyldy", "2024-05-02T10:30:00+05:00"),
        ("https://egemen.kz/article/370003-oqushylar-gylymi-zhobalaryn-qorgady", "2024-05-03T15:00:00+06:00")]


def test_rdf_feed_and_naive_dates_take_the_given_time_zone() -> None:
    body = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <item rdf:about="https://x.kz/a/1"><link>https://x.kz/a/1</link><dc:date>2024-05-02T10:30:00</dc:date></item>
    </rdf:RDF>"""
    [found] = read_feed(body, "https://x.kz/rss", "Asia/Almaty")
    assert (found.url, found.published.isoformat()) == ("https://x.kz/a/1", "2024-05-02T10:30:00+05:00")


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    body = f"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.kz/&xxe;</loc></url></urlset>""".encode()
    found = read_sitemap(body, "https://x.kz/sitemap.xml")
    assert all("TOP-SECRET" not in f.url for f in found)
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">
    <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><rss><channel><item><link>https://x.kz/&lol3;</link></item></channel></rss>"""
    assert all(len(f.url) < 100 for f in read_feed(bomb, "https://x.kz/rss"))


def test_a_broken_body_gives_no_entries() -> None:
    assert read_sitemap(b"<html><body>not a sitemap</body></html>", "https://x.kz/s.xml") == []
    assert read_feed(b"\x00\x01garbage", "https://x.kz/rss") == []



LISTING = "https://x.kz/news?page="


@pytest.mark.parametrize(("unread", "declared", "expected"), [
    # Resumed at page 5 of a numbered pager whose earlier pages this run has not read: on to the declared next page.
    ([LISTING + n for n in ("2", "3", "4", "6")], [LISTING + "6"], LISTING + "6"),
    ([LISTING + "2", LISTING + "3"], [], LISTING + "2"),  # none declared: the first link, as written
    ([LISTING + "2"], [LISTING + "9"], LISTING + "2"),  # declared, but read already (not among the unread)
    ([], [], None),
])
def test_the_next_listing_page(unread: list[str], declared: list[str], expected: str | None) -> None:
    assert next_page(unread, declared) == expected
