"""Which stored page a URL stands for, for the `site` spider: the key the archive files it under.

The spider matches a link to a stored page by that key (to decide, with
crawler/incremental.py, whether to fetch it) and, once it fetched a page,
files each URL it was fetched from under a page (rows of `urls`). A page
whose `<link rel=canonical>` names another URL of the site is stored under
that URL's key, so a link's own URL does not tell its page: the key of the
page fetched from it does (`PageUrl`), else the key the generic parser would
give it (`page_key`). Kept apart from the spider's callbacks because it is
about the archive's rows, not about which links to follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.incremental import known_pages
from crawler.items import PageUrl
from crawler.parsers import canonical_url, spellings
from crawler.urls import site_of

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.incremental import Frontier
    from crawler.items import ArticleItem
    from crawler.profiles import Profile

# Redirect statuses that move a page for good: the URL asked for may be filed under the page it led to.
PERMANENT_REDIRECTS = frozenset({301, 308})


def page_key(canonical: str) -> str:
    """The key the generic parser gives the page at this canonical URL (`site:path`), unless the page says otherwise.

    A page whose `<link rel=canonical>` names another URL of the site is
    stored under that URL's key. Its link is then known by what the archive
    files the link's URL under once the page was fetched (`PageUrl`), which
    `pages_of` reads before falling back on this.
    """
    return f"{site_of(canonical)}:{urlsplit(canonical).path}"


def link_page(url: str) -> tuple[str, str]:
    """(canonical URL, key) of the page a link leads to, as far as the link tells."""
    canonical = canonical_url(url)
    return canonical, page_key(canonical)


def pages_of(frontier: Frontier | None, urls: list[str]) -> list[tuple[str, str]]:
    """(canonical URL, key) of the page each URL (as requested) leads to: as the archive files it, else as its link tells.

    The archive knows better where a page fetched from the URL named
    another URL of the site as canonical: the link then stands for that
    stored page, and a revisit asking for the page under its own URL asks
    for the same canonical URL (`requested`), in the form Scrapy requests.
    A URL is looked up by its canonical form first, which every fetch of
    any spelling of it files (`?utm_source=…`, `www.`): a row of the URL
    itself may be a sighting that copied an older answer.
    """
    forms = {url: canonical_url(url) for url in urls}
    known = known_pages(frontier, list(dict.fromkeys([*urls, *forms.values()])))
    stored = {url: (canonical_url(canonical), key) for url, (canonical, key) in known.items()}
    return [stored.get(forms[url]) or stored.get(url) or link_page(url) for url in urls]


def fetched_from(response: Response, item: ArticleItem, profile: Profile) -> Iterator[PageUrl]:
    """The URLs an article page was fetched from, each as the page it leads to now (rows of `urls`).

    Under the page's key when its `<link rel=canonical>` names another
    article URL of the site (or none), and for a URL redirected to it only
    when every redirect was permanent: the next runs know those links as
    this page, and fetch it only when due. Otherwise (a canonical URL that
    is no article, such as a section; a temporary redirect) each URL is
    filed as its own page, fetched again, rather than skipped for good as
    that one. Filed on every fetch, so a row an earlier fetch wrote
    follows the page when it changes its mind. A URL filed under the page
    carries its date too (`published_at`), which a run with --since reads.
    """
    permanent = set(response.meta.get("redirect_reasons", [])) <= PERMANENT_REDIRECTS
    is_page = profile.may_be_article(item.url)
    fetched_at = response.meta.get("fetched_at")
    for url in dict.fromkeys([*response.meta.get("redirect_urls", []), response.url]):
        filed = is_page and (url == response.url or permanent)
        page = (item.url, item.key, item.script) if filed else (*link_page(url), None)
        for form in spellings(url):  # as requested, and as other spellings find it
            yield PageUrl(form, *page, fetched_at, item.published_at if filed else None)
