"""Parsers: pure functions from a page's HTML and URL to typed items.

`parse_article` and `canonical_url` pick the site's own parser by the URL's
host and fall back to the generic one for any other host.
"""

from __future__ import annotations

from collections.abc import Mapping

from parsel import Selector

from crawler.dates import DEFAULT_TZ
from crawler.items import ArticleItem, Listing
from crawler.parsers import abai, generic
from crawler.urls import canonicalize, site_of

# Version of the parsers' output, stored with every article row (`parser_version`). Bump it
# whenever a parser change alters what any page parses to (the step that rewrites the
# expected JSON with --update-expected), so `reparse` can say which rows it brought up to date.
PARSER_VERSION = 6


def is_abai(url: str) -> bool:
    return site_of(url) == abai.SITE


def canonical_url(url: str) -> str:
    """Canonical URL of any page, by its site's rules."""
    return abai.canonical(url) if is_abai(url) else canonicalize(url)


def parse_article(html: str, url: str, fetched_at: str | None = None, *, tz: str | None = None,
                  overrides: Mapping[str, str] | None = None) -> ArticleItem:
    """Parse an article page with its site's parser (the generic one fills what it leaves empty), or the generic one.

    For the generic parser, `tz` and `overrides` default to the site profile's
    time zone and per-field selectors (`seeds/<site>.toml`), else UTC and none.
    """
    if is_abai(url):
        item, root = abai.read_article(html, url, fetched_at)
        return generic.fill(item, Selector(root=root), tz=DEFAULT_TZ)  # the page parsed once
    from crawler.profiles import profile_for_url  # reads seeds/ once; imported late (profiles import the parsers)

    profile = profile_for_url(url) if tz is None or overrides is None else None
    return generic.parse_article(
        html, url, fetched_at,
        tz=tz or (profile.timezone if profile else "UTC"),
        overrides=overrides if overrides is not None else (profile.overrides if profile else None),
    )


def parse_listing(html: str, url: str) -> Listing:
    """Parse a listing page of a site that has a listing parser."""
    return abai.parse_listing(html, url)
