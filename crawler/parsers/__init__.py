"""Parsers: pure functions from a page's HTML and URL to typed items.

`parse_article` and `canonical_url` pick the site's own parser by the URL's
host and fall back to the generic one for any other host.
"""

from __future__ import annotations

from crawler.items import ArticleItem, Listing
from crawler.parsers import abai, generic
from crawler.urls import canonicalize, site_of


def is_abai(url: str) -> bool:
    return site_of(url) == abai.SITE


def canonical_url(url: str) -> str:
    """Canonical URL of any page, by its site's rules."""
    return abai.canonical(url) if is_abai(url) else canonicalize(url)


def parse_article(html: str, url: str, fetched_at: str | None = None) -> ArticleItem:
    """Parse an article page with its site's parser, or the generic one."""
    if is_abai(url):
        return abai.parse_article(html, url, fetched_at)
    return generic.parse_article(html, url, fetched_at)


def parse_listing(html: str, url: str) -> Listing:
    """Parse a listing page of a site that has a listing parser."""
    return abai.parse_listing(html, url)
