"""Parsers: pure functions from a page's HTML and URL to typed items.

`parse_article` and `canonical_url` pick the site's own parser by the URL's
host and fall back to the generic one for any other host.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from parsel import Selector

from crawler.dates import DEFAULT_TZ, iso, zone
from crawler.items import ArticleItem, Listing
from crawler.parsers import abai, generic
from crawler.urls import canonicalize, site_of

# Version of the parsers' output, stored with every article row (`parser_version`). Bump it
# whenever a parser change alters what any page parses to (the step that rewrites the
# expected JSON with --update-expected), so `reparse` can say which rows it brought up to date.
PARSER_VERSION = 9


def is_abai(url: str) -> bool:
    return site_of(url) == abai.SITE


def canonical_url(url: str) -> str:
    """Canonical URL of any page, by its site's rules."""
    return abai.canonical(url) if is_abai(url) else canonicalize(url)


def spellings(url: str) -> list[str]:
    """A URL as written and in its canonical form (once when they are the same): what a profile's patterns, which may
    name only one of `http`/`https` or `www.`, are tried on."""
    return list(dict.fromkeys([url, canonical_url(url)]))


def parse_article(html: str, url: str, fetched_at: str | None = None, *, tz: str | None = None,
                  overrides: Mapping[str, str] | None = None) -> ArticleItem:
    """Parse an article page with its site's parser (the generic one fills what it leaves empty), or the generic one.

    For the generic parser, `tz` and `overrides` default to the site profile's
    time zone and per-field selectors (`seeds/<site>.toml`), else UTC and none.
    With a zone (given, or the profile's), dates come in it, whatever offset the
    page declared; without one, as the page declared them.
    """
    if is_abai(url):
        item, root = abai.read_article(html, url, fetched_at)
        return in_zone(generic.fill(item, Selector(root=root), tz=DEFAULT_TZ), DEFAULT_TZ)  # the page parsed once
    from crawler.site_profiles import profile_for_url  # reads seeds/ once; imported late (profiles import the parsers)

    profile = profile_for_url(url) if tz is None or overrides is None else None
    site_zone = tz or (profile.timezone if profile else None)
    item = generic.parse_article(
        html, url, fetched_at,
        tz=site_zone or "UTC",
        overrides=overrides if overrides is not None else (profile.overrides if profile else None),
    )
    return in_zone(item, site_zone) if site_zone else item


def in_zone(item: ArticleItem, tz: str) -> ArticleItem:
    """The item's dates at the same instants in the site's zone `tz`.

    A page may declare another offset than its site's: a CMS still at UTC+6
    after Almaty moved to UTC+5, JSON-LD in UTC. Kept as declared, the
    archive's local dates (`export --since`, the day an article is filed
    under) would follow the page's offset rather than the site's calendar.
    """
    for name in ("published_at", "modified_at"):
        value = getattr(item, name)
        moment = datetime.fromisoformat(value) if value else None
        if moment is not None and moment.tzinfo is not None:
            setattr(item, name, iso(moment.astimezone(zone(tz))))
    return item


def parse_listing(html: str, url: str) -> Listing:
    """Parse a listing page of a site that has a listing parser."""
    return abai.parse_listing(html, url)
