"""The base of the `site` spider: its options and run state, the article links it requests, and article pages → items.

Both sources of links of `SiteSpider` (crawler/spiders/site.py) hand the
article links they find to `_articles`: listing pages
(crawler/spiders/site_listings.py) and sitemaps, feeds and robots.txt
(crawler/spiders/site_discovery.py). It decides with crawler/incremental.py
which to fetch, and `parse_article` turns each page fetched into its item
and the URLs it was fetched from. The run's state is set here, in one
place, because every part reads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import scrapy

from crawler.dates import parse_time
from crawler.errors import ConfigError, ParseError
from crawler.failures import download_error
from crawler.incremental import FETCH, INCREMENTAL_OPTIONS, IncrementalParams, decide, published
from crawler.items import ArticleItem, LinksSeen, PageError, UrlSeen
from crawler.parsepool import ParsePool
from crawler.parsers import parse_article
from crawler.site_profiles import resolve_profile
from crawler.since import SincePaging, stop_series
from crawler.spiders.params import SiteParams
from crawler.spiders.site_page_keys import fetched_from, link_page, pages_of
from crawler.urls import as_requested, join_url
from crawler.warc import fetched_time

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.incremental import Frontier
    from crawler.middlewares.robots import RobotsWatch
    from crawler.profiles import Profile

ARTICLE_PRIORITY = 10  # articles before further listing pages, so --since can stop paging early
SITE_OPTIONS = ("max_articles", "since", *INCREMENTAL_OPTIONS)


class SiteArticles(scrapy.Spider):
    """What every part of the `site` spider shares: its options, its run's state, and what becomes of article links."""

    def __init__(self, profile: Profile | str | Path, **kwargs: Any) -> None:
        options = {k: kwargs.pop(k, None) for k in SITE_OPTIONS}
        for ignored in ("categories", "scripts"):
            if kwargs.pop(ignored, None) not in (None, False):
                raise ConfigError(f"--{ignored} is for the abai spider, not for site profiles")
        super().__init__(**kwargs)
        self.profile = resolve_profile(profile)
        self.site = self.profile.site
        """The site the run crawls, for its record (`crawl_runs.site`)."""
        self.name = self.profile.name
        self.incremental_options = {k: options.pop(k) for k in INCREMENTAL_OPTIONS}  # read in from_crawler, with the settings
        self.params = SiteParams.parse(**options)
        self.allowed_domains = [d.removeprefix("www.") for d in self.profile.allowed_domains]
        self.run_args = {"profile": str(self.profile.path.resolve()), "max_articles": self.params.max_articles,
                         "since": str(self.params.since) if self.params.since else None}
        self.requested: set[str] = set()
        self.exhausted: set[str] = set()
        self.since = SincePaging()
        self.pages_read: dict[str, int] = {}
        self.known_old: set[str] = set()
        """Articles a sitemap or feed dated before --since."""
        self.paged: set[str] = set()
        """Listing pages asked for by following pagination: a series is paged one page at a time, so a page
        that reaches --since or `stop_after_known` stops it (numbered pagination links many pages at once)."""
        self.incremental = IncrementalParams()
        self.frontier: Frontier | None = None  # set in start()
        self.robots_watch: RobotsWatch | None = None
        self.parsers = ParsePool(0)  # from_crawler gives the crawl's pool of parser processes

    def _articles(self, page_url: str, series: str, found: list[tuple[str, str]]) -> Iterator[Any]:
        """A page's article links (URL, link as written) → requests for those the frontier fetches, and the sightings.

        Every link is a sighting (`LinksSeen`), fetched or not, of the page
        the archive files its URL under (`pages_of`). One that was asked for
        already, dated before --since by a sitemap, a feed or the archive (a
        stored article, or a page an earlier run dropped as older), or past
        --max-articles is not requested; the archive's dates of the entries
        new to the series, with the pages requested, decide whether it reached
        --since (`SincePaging.page`).
        """
        links: list[UrlSeen] = []
        entries: list[tuple[str, str | None, str]] = []
        asked = [as_requested(url) for url, _ in found]  # the URLs as requested, and in `errors` if they failed
        for (url, link), requested, (canonical, key) in zip(found, asked, pages_of(self.frontier, asked), strict=True):
            links.append(UrlSeen(join_url(url, link) or url, canonical, key, None))
            entries.append((key, None, requested))
        fresh = self.since.fresh(series, (seen.key for seen in links))
        decisions = decide(self.frontier, series, entries, fresh)
        # The date the archive knows of each linked page (--since only): a link tells none.
        dates = {key: day for key, text in published(self.frontier, [seen.key for seen in links]).items()
                 if (day := parse_time(text))} if self.params.since else {}
        waiting = 0
        for seen, (_, _, url), decision in zip(links, entries, decisions, strict=True):
            if seen.canonical_url in self.known_old or self._too_old(dates.get(seen.key)):
                continue
            if decision not in FETCH:
                self._stat(f"incremental/skipped_{decision}")
            elif seen.canonical_url not in self.requested and not self._full():
                self.requested.add(seen.canonical_url)
                self._stat(f"incremental/{decision}")
                waiting += seen.key in fresh
                yield self._article(url, seen.key, page_url)
        known = [self._too_old(dates[key]) if key in dates else None for key in fresh]
        if self.params.since and fresh and self.since.page(series, page_url, older=[], known=known, waiting=waiting):
            stop_series(self.exhausted, series, self.crawler.stats)
        yield from LinksSeen.of(page_url, links)

    def _article(self, url: str, key: str | None, listing: str | None) -> scrapy.Request:
        """The request for an article page; its key goes with it, so its WARC record's `pages` row names the article."""
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed, cb_kwargs={"listing": listing},
                              meta={"article_key": key}, priority=ARTICLE_PRIORITY)

    async def parse_article(self, response: Response, listing: str | None = None) -> AsyncIterator[Any]:
        """Article page → ArticleItem, parsed with the profile's time zone and selectors (or a PageError)."""
        if not isinstance(response, scrapy.http.TextResponse):
            yield PageError(response.url, "parse", "not_html", f"content type {response.headers.get('Content-Type')!r}")
            return
        try:
            item: ArticleItem = await self.parsers.run(parse_article, response.text, response.url, fetched_time(response),
                                                       tz=self.profile.timezone, overrides=self.profile.overrides)
        except ParseError as err:
            yield PageError(response.url, "parse", "parse_error", str(err))
            return
        item.language = item.language or self.profile.language
        if not self.profile.may_be_article(item.url) and self.profile.may_be_article(response.url):
            # Its <link rel=canonical> names a section or a listing (a template's mistake): filed under it, every
            # article of the template would be one row. The page is its own.
            item.url, item.key = link_page(response.url)
            item.strategies.pop("url", None)  # no claim on another page's URL any more
        too_old = bool(item.published_at and self._too_old(datetime.fromisoformat(item.published_at)))
        if (reached := self.since.article(listing, too_old)) is not None:
            # the last of its listing page's new articles came back, and all were older
            stop_series(self.exhausted, reached, self.crawler.stats)
        if too_old:
            self._stat("articles/too_old")  # not stored, but its URLs are, with its date: the next runs need not fetch it
        else:
            yield item
        for page_url in fetched_from(response, item, self.profile):
            yield page_url

    def failed(self, failure: Failure) -> Iterator[PageError]:
        """Errback: every failed request becomes a row in `errors`."""
        yield download_error(failure)

    def _too_old(self, moment: datetime | None) -> bool:
        since = self.params.since
        return bool(since and moment and moment.date() < since)

    def _full(self) -> bool:
        limit = self.params.max_articles
        return limit is not None and len(self.requested) >= limit

    def _stat(self, name: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(name)
