"""Sitemaps, news sitemaps, RSS/Atom feeds and robots.txt `Sitemap:` lines, for the `site` spider.

A part of `SiteSpider` (crawler/spiders/site.py), apart from its listing
pages (crawler/spiders/site_listings.py): these list articles with their
dates and are not paged, and a sitemap index or robots.txt leads to more
sitemaps. The callbacks read them with the safe XML readers of
crawler/discovery.py and hand their article entries to
`SiteArticles._articles` (crawler/spiders/site_articles.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy

from crawler.discovery import read_feed, read_sitemap, robots_sitemaps
from crawler.middlewares.robots import has_robots_rules
from crawler.parsers import canonical_url
from crawler.spiders.site_articles import SiteArticles

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.discovery import Found

logger = logging.getLogger(__name__)

DISCOVERY_PRIORITY = 5  # sitemaps and feeds before listings: they carry dates


class SiteDiscovery(SiteArticles):
    """The `site` spider's sitemaps, feeds and robots.txt files: read, and their article entries handed on."""

    def _sitemap(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, priority=DISCOVERY_PRIORITY)

    @property
    def robots_hosts(self) -> set[str]:
        """`scheme://host` of the profile's start URLs, sitemaps and feeds: whose robots.txt may list sitemaps."""
        profile = self.profile
        return {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in profile.start_urls + profile.sitemaps + profile.feeds}

    def parse_robots(self, response: Response) -> Iterator[Any]:
        """robots.txt → its `Sitemap:` lines (those the profile does not list already)."""
        if not has_robots_rules(response.body):
            self.robots_missing(response.url)
        yield from self._robots_sitemaps(response.body, response.url)

    def robots_found(self, body: bytes, url: str) -> None:
        """The robots.txt Scrapy fetched for obeying it (`robots_watch`) → requests for its `Sitemap:` lines."""
        for sitemap in self._robots_sitemaps(body, url):
            self.crawler.engine.crawl(sitemap)

    def robots_missing(self, url: str) -> None:
        """A start host without a robots.txt to read: normal, not an error."""
        logger.debug("No robots.txt to read at %s", url)
        self._stat("discovery/no_robots")

    def _robots_sitemaps(self, body: bytes, url: str) -> Iterator[scrapy.Request]:
        for found in robots_sitemaps(body, url):
            self._stat("discovery/robots_sitemaps")
            if found.url not in self.profile.sitemaps:
                yield self._sitemap(found.url)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """Sitemap index → its sitemaps; sitemap (news sitemaps included) → its article URLs."""
        entries = read_sitemap(response.body, response.url, self.profile.timezone)
        if any(not found.sitemap for found in entries):  # a list of pages; an index lists only sitemaps
            self._stat("listings/read")
        if not entries:
            self._stat("discovery/empty_sitemaps")
        articles: list[tuple[str, str]] = []
        for found in entries:
            if found.sitemap:
                if self._too_old(found.published):  # lastmod: nothing in it changed since before --since
                    self._stat("discovery/old_sitemaps")
                    continue
                yield self._sitemap(found.url)
            elif self._wanted(found, "sitemap"):
                articles.append((found.url, found.url))
        yield from self._articles(response.url, response.url, articles)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """RSS or Atom feed → its article URLs."""
        self._stat("listings/read")
        entries = read_feed(response.body, response.url, self.profile.timezone)
        yield from self._articles(response.url, response.url, [(f.url, f.url) for f in entries if self._wanted(f, "feed")])

    def _wanted(self, found: Found, source: str) -> bool:
        """Whether a sitemap or feed entry is an article of the profile not dated before --since."""
        self._stat(f"discovery/{source}_urls")
        if not self.profile.allows(found.url):
            return False
        if not self.profile.may_be_article(found.url):
            self._stat(f"discovery/{source}_not_articles")
            return False
        self._stat("listings/article_links")
        if self._too_old(found.published):
            self.known_old.add(canonical_url(found.url))  # a listing linking it later does not fetch it either
            self._stat("discovery/too_old")
            return False
        return True

    def failed_quietly(self, failure: Failure) -> None:
        """Errback for robots.txt, when the spider fetches it itself (ROBOTSTXT_OBEY off)."""
        self.robots_missing(failure.request.url)  # type: ignore[attr-defined]  # Scrapy sets it on errback failures
