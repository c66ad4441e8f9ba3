"""abai.kz listing pages: the real 2018 homepage and the mirror's paged category listings."""

from __future__ import annotations

import re

import pytest

from conftest import mirror_pages
from crawler.fixtures import SavedPage
from crawler.parsers.abai import parse_listing

LISTINGS = mirror_pages("abai.kz", "listing", "home")
HOME = next(p for p in LISTINGS if p.kind == "home")


@pytest.mark.parametrize("page", LISTINGS, ids=[p.path.name for p in LISTINGS])
def test_listing_matches_expected_json(page: SavedPage, parse_fixture) -> None:
    parse_fixture(page)


def test_real_homepage_yields_every_linked_article() -> None:
    html = HOME.html()
    listing = parse_listing(html, "http://abai.kz/")
    linked = set(re.findall(r'href="(?:http://abai\.kz)?/post/(\d+)"', html))
    assert len(linked) == 68
    assert {e.key.split(":")[1] for e in listing.entries} == linked
    assert listing.page_date == "2018-03-22"
    assert listing.next_page is None


def test_real_homepage_counts_every_printed_view_and_comment() -> None:
    html = HOME.html()
    listing = parse_listing(html, "http://abai.kz/")
    assert sum(e.views is not None for e in listing.entries) == html.count('class="views"') == 41
    assert sum(e.comments is not None for e in listing.entries) == html.count("icon-chat") == 37
    first = listing.entries[0]
    assert (first.key, first.category, first.author, first.views, first.comments) == (
        "abai.kz:67667", "Дәстүр", "Серікбай қажы Ораз", 265, 13)


def test_real_homepage_feed_has_fifty_dated_entries_newest_first() -> None:
    listing = parse_listing(HOME.html(), "http://abai.kz/")
    feed = [e for e in listing.entries if e.published_at]
    assert len(feed) == 50
    assert feed[0].published_at == "2018-03-21T17:18:00+06:00" and feed[0].key == "abai.kz:67688"
    assert feed[-1].published_at == "2018-03-16T09:22:00+06:00"
    assert [e.published_at for e in feed] == sorted((e.published_at for e in feed), reverse=True)


def test_commented_out_placeholders_are_not_entries() -> None:
    listing = parse_listing(HOME.html(), "http://abai.kz/")
    assert all("/single" not in e.url for e in listing.entries)
    assert not [e for e in listing.entries if e.title.startswith("26 бап")]


@pytest.mark.parametrize("prefix", ["", "/lt", "/tt"])
def test_pagination_runs_three_pages_in_each_script(prefix: str) -> None:
    pages = {p.url: p for p in LISTINGS}
    url, seen = f"https://abai.kz{prefix}/part/1", []
    while url:
        seen.append(url)
        page = pages[url]
        url = parse_listing(page.html(), page.url).next_page
    assert seen == [f"https://abai.kz{prefix}/part/1", f"https://abai.kz{prefix}/part/1?page=2", f"https://abai.kz{prefix}/part/1?page=3"]
