"""The `site` spider: any news site described by a profile (`seeds/<site>.toml`), with one generic parser.

It reads the profile's start pages and listings (following their
pagination), robots.txt `Sitemap:` lines, sitemaps and sitemap indexes,
news sitemaps and RSS/Atom feeds, and fetches every URL that matches the
profile's article patterns. Options (as `-a name=value` or `python -m
crawler crawl site --profile seeds/<site>.toml --name value`): profile (a
path or a name), max_articles, since (YYYY-MM-DD: sitemap and feed entries,
and listing series, stop at older items where the date is known).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals

from crawler.discovery import Found, read_feed, read_sitemap, robots_sitemaps
from crawler.errors import ConfigError, ParseError
from crawler.failures import download_error
from crawler.items import ArticleItem, LinksSeen, PageError, UrlSeen
from crawler.parsepool import ParsePool
from crawler.parsers import canonical_url, parse_article
from crawler.profiles import Profile, find_profile, load_profile
from crawler.spiders.abai import fetched_time
from crawler.spiders.params import max_articles_arg, since_arg
from crawler.urls import join_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

ARTICLE_PRIORITY = 10  # articles before further listing pages, so --since can stop paging early
DISCOVERY_PRIORITY = 5  # sitemaps and feeds before listings: they carry dates
SITE_OPTIONS = ("max_articles", "since")


@dataclass(frozen=True, slots=True)
class SiteParams:
    """The spider's arguments, checked up front."""

    max_articles: int | None = None
    since: date | None = None

    @classmethod
    def parse(cls, max_articles: Any = None, since: Any = None) -> SiteParams:
        limit, day = max_articles_arg(max_articles), since_arg(since)
        return cls(limit, day)


def resolve_profile(value: Profile | str | Path) -> Profile:
    """A profile given as a Profile, a path to a `.toml` file, or a name from the seeds folder."""
    if isinstance(value, Profile):
        return value
    path = Path(value)
    return load_profile(path) if path.suffix == ".toml" or path.exists() else find_profile(str(value))


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(self, profile: Profile | str | Path, **kwargs: Any) -> None:
        options = {k: kwargs.pop(k, None) for k in SITE_OPTIONS}
        for ignored in ("categories", "scripts", "refresh", "stop_after_known", "revisit_ages"):
            if kwargs.pop(ignored, None) not in (None, False):
                raise ConfigError(f"--{ignored.replace('_', '-')} is for the abai spider, not for site profiles")
        super().__init__(**kwargs)
        self.profile = resolve_profile(profile)
        self.name = self.profile.name
        self.params = SiteParams.parse(**options)
        self.allowed_domains = [d.removeprefix("www.") for d in self.profile.allowed_domains]
        self.run_args = {"profile": str(self.profile.path), "max_articles": self.params.max_articles,
                         "since": str(self.params.since) if self.params.since else None}
        self.requested: set[str] = set()
        self.exhausted: set[str] = set()
        self.pages_read: dict[str, int] = {}
        self.known_old: set[str] = set()
        """Articles a sitemap or feed dated before --since."""
        self.parsers = ParsePool(0)  # from_crawler gives the crawl's pool of parser processes

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.parsers = ParsePool.from_crawler(crawler)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        profile = self.profile
        # With ROBOTSTXT_OBEY, Scrapy fetches each host's robots.txt before its first request, and
        # `robots_parsed` hands us the file: asking for it here too would fetch it twice.
        if profile.robots_sitemaps and not self.settings.getbool("ROBOTSTXT_OBEY"):
            for host in sorted(self.robots_hosts):
                yield scrapy.Request(f"{host}/robots.txt", callback=self.parse_robots, errback=self.failed_quietly,
                                     priority=DISCOVERY_PRIORITY)
        for url in profile.sitemaps:
            yield self._sitemap(url)
        for url in profile.feeds:
            yield scrapy.Request(url, callback=self.parse_feed, errback=self.failed, priority=DISCOVERY_PRIORITY)
        for url in profile.start_urls:
            yield self._listing(url, series=url)

    # -- discovery --------------------------------------------------------------

    def _sitemap(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.failed, priority=DISCOVERY_PRIORITY)

    @property
    def robots_hosts(self) -> set[str]:
        """`scheme://host` of the profile's start URLs, sitemaps and feeds: whose robots.txt may list sitemaps."""
        profile = self.profile
        return {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in profile.start_urls + profile.sitemaps + profile.feeds}

    def parse_robots(self, response: Response) -> Iterator[Any]:
        """robots.txt → its `Sitemap:` lines (those the profile does not list already)."""
        yield from self._robots_sitemaps(response.body, response.url)

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Signal handler: the robots.txt Scrapy fetched for obeying it → requests for its `Sitemap:` lines."""
        body = getattr(robotparser, "body", None)  # crawler.middlewares.robots.BodyKeepingRobotParser
        parts = urlsplit(request.url)
        host = f"{parts.scheme}://{parts.netloc}"
        if body is None or not self.profile.robots_sitemaps or host not in self.robots_hosts:
            return
        for sitemap in self._robots_sitemaps(body, f"{host}/robots.txt"):
            self.crawler.engine.crawl(sitemap)

    def _robots_sitemaps(self, body: bytes, url: str) -> Iterator[scrapy.Request]:
        for found in robots_sitemaps(body, url):
            self._stat("discovery/robots_sitemaps")
            if found.url not in self.profile.sitemaps:
                yield self._sitemap(found.url)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """Sitemap index → its sitemaps; sitemap (news sitemaps included) → its article URLs."""
        entries = read_sitemap(response.body, response.url, self.profile.timezone)
        if not entries:
            self._stat("discovery/empty_sitemaps")
        links: list[UrlSeen] = []
        for found in entries:
            if found.sitemap:
                if self._too_old(found.published):  # lastmod: nothing in it changed since before --since
                    self._stat("discovery/old_sitemaps")
                    continue
                yield self._sitemap(found.url)
            else:
                yield from self._discovered(found, "sitemap", links)
        yield from LinksSeen.of(response.url, links)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        """RSS or Atom feed → its article URLs."""
        links: list[UrlSeen] = []
        for found in read_feed(response.body, response.url, self.profile.timezone):
            yield from self._discovered(found, "feed", links)
        yield from LinksSeen.of(response.url, links)

    def _discovered(self, found: Found, source: str, links: list[UrlSeen]) -> Iterator[scrapy.Request]:
        self._stat(f"discovery/{source}_urls")
        if not self.profile.allows(found.url):
            return
        if self.profile.article_patterns and not self.profile.is_article(found.url):
            self._stat(f"discovery/{source}_not_articles")
            return
        if self._too_old(found.published):
            self.known_old.add(canonical_url(found.url))  # a listing linking it later does not fetch it either
            self._stat("discovery/too_old")
            return
        yield from self._article_request(found.url, found.url, None, links)

    # -- listings ---------------------------------------------------------------

    def _listing(self, url: str, series: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed, cb_kwargs={"series": series})

    def parse_listing(self, response: Response, series: str) -> Iterator[Any]:
        """Listing → its article links, its next page, and (from start pages) the listings it links."""
        if not isinstance(response, scrapy.http.TextResponse):
            yield PageError(response.url, "parse", "not_html", f"content type {response.headers.get('Content-Type')!r}")
            return
        self.pages_read[series] = self.pages_read.get(series, 0) + 1
        is_start = response.url in self.profile.start_urls or series in self.profile.start_urls
        links: list[UrlSeen] = []
        for link in dict.fromkeys(response.css("a::attr(href)").getall()):
            url = join_url(response.url, link.strip())
            if url is None or not url.startswith(("http://", "https://")) or not self.profile.allows(url):
                continue
            if self.profile.is_article(url):
                yield from self._article_request(url, link, series, links)
            elif self.profile.is_next_page(url) and series not in self.exhausted:
                if self.pages_read[series] < self.profile.max_listing_pages:
                    yield self._listing(url, series)
            elif is_start and self.profile.is_listing(url):
                yield self._listing(url, series=canonical_url(url))
        yield from LinksSeen.of(response.url, links)

    def _article_request(self, url: str, link: str, series: str | None, links: list[UrlSeen]) -> Iterator[scrapy.Request]:
        """The request for an article link (unless asked already, known too old or over --max-articles); notes the sighting in `links`."""
        canonical = canonical_url(url)
        key = f"{self.profile.site}:{urlsplit(canonical).path}"
        links.append(UrlSeen(join_url(url, link) or url, canonical, key, None))
        if canonical in self.requested or canonical in self.known_old or self._full():
            return
        self.requested.add(canonical)
        yield scrapy.Request(url, callback=self.parse_article, errback=self.failed,
                             cb_kwargs={"series": series}, priority=ARTICLE_PRIORITY)

    # -- articles ---------------------------------------------------------------

    async def parse_article(self, response: Response, series: str | None = None) -> AsyncIterator[Any]:
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
        if item.published_at and self._too_old(datetime.fromisoformat(item.published_at)):
            if series:
                self.exhausted.add(series)  # a listing reached --since: read no further page of it
            self._stat("articles/too_old")
            return
        yield item

    def failed(self, failure: Failure) -> Iterator[PageError]:
        """Errback: every failed request becomes a row in `errors`."""
        yield download_error(failure)

    def failed_quietly(self, failure: Failure) -> None:
        """Errback for robots.txt: a site without one is normal, not an error."""
        self._stat("discovery/no_robots")

    def _too_old(self, moment: datetime | None) -> bool:
        since = self.params.since
        return bool(since and moment and moment.date() < since)

    def _full(self) -> bool:
        limit = self.params.max_articles
        return limit is not None and len(self.requested) >= limit

    def _stat(self, name: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(name)
