"""The `site` spider: any news site described by a profile (`seeds/<site>.toml`), with one generic parser.

It reads the profile's start pages and listings (following their
pagination), robots.txt `Sitemap:` lines, sitemaps and sitemap indexes,
news sitemaps and RSS/Atom feeds, and fetches the URLs that match the
profile's article patterns. Like the abai spider it is incremental
(crawler/incremental.py): against an existing archive it fetches an article
page only when it is new, due for a revisit or the run is a full pass, stops
paging a listing after `stop_after_known` stored articles in a row, resumes
paging at a listing page an earlier run failed to fetch, and skips links
that answered 404 or 410 lately. A link is matched to the stored
page by the key the archive files its URL under: the key of the page
fetched from it, which its `<link rel=canonical>` may have set to another
URL's (`PageUrl`), else the key the generic parser would give it
(`page_key`). Its script shows only once the page is parsed, so any stored
script of the key matches.

Options (as `-a name=value` or `python -m crawler crawl site --profile
seeds/<site>.toml --name value`): profile (a path or a name), max_articles,
since (YYYY-MM-DD: sitemap and feed entries, and listing series, stop at
older items where the date is known); refresh (true: a full pass),
stop_after_known (N) and revisit_ages (days, "1,7,30").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import urlsplit

import scrapy

from crawler.dates import parse_time
from crawler.discovery import Found, next_page, read_feed, read_sitemap, robots_sitemaps
from crawler.errors import ConfigError, ParseError
from crawler.failures import download_error, empty_listing
from crawler.incremental import (
    FETCH,
    INCREMENTAL_OPTIONS,
    Frontier,
    IncrementalParams,
    decide,
    gone,
    keep_paging,
    known_pages,
    open_frontier,
    published,
    resume_points,
    retries,
)
from crawler.items import ArticleItem, LinksSeen, PageError, PageUrl, Script, UrlSeen
from crawler.middlewares.robots import RobotsWatch, has_robots_rules
from crawler.parsepool import ParsePool
from crawler.parsers import canonical_url, parse_article
from crawler.profiles import Profile
from crawler.site_profiles import resolve_profile
from crawler.spiders.abai import fetched_time
from crawler.since import SincePaging, stop_series
from crawler.spiders.params import SiteParams
from crawler.urls import as_requested, join_url, site_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

ARTICLE_PRIORITY = 10  # articles before further listing pages, so --since can stop paging early
DISCOVERY_PRIORITY = 5  # sitemaps and feeds before listings: they carry dates
# Redirect statuses that move a page for good: the URL asked for may be filed under the page it led to.
PERMANENT_REDIRECTS = frozenset({301, 308})
# The next page a listing declares: `rel=next` in its pager or its head, or a pager link of class "next".
_DECLARED_NEXT = "a[rel~=next]::attr(href), link[rel~=next]::attr(href), a.next::attr(href), .next > a::attr(href)"
SITE_OPTIONS = ("max_articles", "since", *INCREMENTAL_OPTIONS)
# What a stored page of this spider can be filed under: the script detected in its text, else "und" (Store).
STORED_SCRIPTS: tuple[str, ...] = (*get_args(Script), "und")
# Spider attributes a paused job (JOBDIR) keeps, besides the frontier's own state.
JOB_STATE = ("requested", "exhausted", "pages_read", "known_old", "paged")


def page_key(canonical: str) -> str:
    """The key the generic parser gives the page at this canonical URL (`site:path`), unless the page says otherwise.

    A page whose `<link rel=canonical>` names another URL of the site is
    stored under that URL's key. Its link is then known by what the archive
    files the link's URL under once the page was fetched (`PageUrl`), which
    `SiteSpider._pages_of` reads before falling back on this.
    """
    return f"{site_of(canonical)}:{urlsplit(canonical).path}"


def link_page(url: str) -> tuple[str, str]:
    """(canonical URL, key) of the page a link leads to, as far as the link tells."""
    canonical = canonical_url(url)
    return canonical, page_key(canonical)


class SiteSpider(scrapy.Spider):
    name = "site"

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

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.incremental = IncrementalParams.parse(crawler.settings, **spider.incremental_options)
        spider.run_args.update(spider.incremental.as_args())
        spider.parsers = ParsePool.from_crawler(crawler)
        if crawler.settings.getbool("ROBOTSTXT_OBEY") and spider.profile.robots_sitemaps:
            spider.robots_watch = RobotsWatch(crawler, spider.robots_hosts, spider.robots_found, spider.robots_missing)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        profile = self.profile
        # Distributed workers have no archive to read (INCREMENTAL_FROM_DB off): they do full passes.
        self.frontier = open_frontier(self, self.incremental, kept=JOB_STATE)
        # With ROBOTSTXT_OBEY, Scrapy fetches each host's robots.txt before its first request, and
        # `robots_watch` hands us the file: asking for it here too would fetch it twice.
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
        for url in resume_points(self.frontier, self._is_later_page):
            self._stat("incremental/resumed")
            self.paged.add(canonical_url(url))
            yield self._listing(url, series=url)  # a series of its own: stored articles in a row count from it
        for url in retries(self.frontier, lambda url: self.profile.allows(url) and self.profile.is_article(url)):
            if canonical_url(url) not in self.requested and not self._full():
                self.requested.add(canonical_url(url))
                self._stat("incremental/retried")
                yield self._article(url, None, None)
        for request in self._revisits():
            yield request

    def _revisits(self) -> Iterator[scrapy.Request]:
        """Stored pages of the profile's domains due for a revisit, found in the archive: listed anywhere or not.

        Not a page whose URL the archive now files under another article
        (its last fetch named that one as canonical, or moved there for good):
        that article's own revisits cover it, and this one's fetch time would
        never move, so it would be due on every run.
        """
        frontier = self.frontier
        if frontier is None:
            return
        due = [state for site in dict.fromkeys(self.allowed_domains)
               for state in frontier.due_revisits(site, STORED_SCRIPTS)]
        filed = known_pages(frontier, [as_requested(state.url) for state in due])
        for state in due:
            canonical = canonical_url(state.url)
            if self._too_old(parse_time(state.published_at)):
                continue  # its item would be dropped, its fetch time never move: due on every run
            if canonical_url(filed.get(as_requested(state.url), (state.url, state.key))[0]) != canonical:
                continue  # its URL leads to another stored article now
            if canonical not in self.requested and not self._full() and self.profile.allows(state.url):
                self.requested.add(canonical)
                self._stat("incremental/revisit")
                yield self._article(state.url, state.key, None)

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

    # -- listings ---------------------------------------------------------------

    def _is_later_page(self, url: str) -> bool:
        """A page the profile's pagination reaches (not a start page), such as one an earlier run failed to fetch."""
        profile = self.profile
        return profile.allows(url) and profile.is_next_page(url) and url not in profile.start_urls

    def _listing(self, url: str, series: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed, cb_kwargs={"series": series})

    def parse_listing(self, response: Response, series: str) -> Iterator[Any]:
        """Listing → its article links, its next page unless done, and (from start pages) the listings it links."""
        if not isinstance(response, scrapy.http.TextResponse):
            yield PageError(response.url, "parse", "not_html", f"content type {response.headers.get('Content-Type')!r}")
            return
        self.pages_read[series] = self.pages_read.get(series, 0) + 1
        self.paged.add(canonical_url(response.url))  # a link back to it is no next page
        is_start = response.url in self.profile.start_urls or series in self.profile.start_urls
        articles: list[tuple[str, str]] = []
        next_pages: list[str] = []
        listings: dict[str, str] = {}  # as requested (and in `errors` if it failed) → as linked
        for link in dict.fromkeys(response.css("a::attr(href)").getall()):
            url = join_url(response.url, link.strip())
            if url is None or not url.startswith(("http://", "https://")) or not self.profile.allows(url):
                continue
            if self.profile.is_article(url):
                articles.append((url, link))
            elif self.profile.is_next_page(url):
                next_pages.append(url)
            elif is_start and self.profile.is_listing(url):
                listings[as_requested(url)] = url
        declared = [url for link in response.css(_DECLARED_NEXT).getall()
                    if (url := join_url(response.url, link.strip())) and self._is_later_page(url)]
        self._stat("listings/read")
        if articles and self.crawler.stats is not None:
            self.crawler.stats.inc_value("listings/article_links", len(articles))
        if not (articles or next_pages or listings or declared):
            yield empty_listing(response.url)
            return
        dead = gone(self.frontier, list(listings))  # a linked listing that answered 404 lately is skipped like an article
        for requested, url in listings.items():
            if requested in dead:
                self._stat("incremental/skipped_gone")
            else:
                yield self._listing(url, series=canonical_url(url))
        yield from self._articles(response.url, series, articles)  # first: they decide whether to page on
        following = next_page([url for url in dict.fromkeys([*next_pages, *declared])
                               if canonical_url(url) not in self.paged], declared)
        if (following and series not in self.exhausted and not self._full()
                and self.pages_read[series] < self.profile.max_listing_pages):
            if keep_paging(self.frontier, series):
                self.paged.add(canonical_url(following))
                yield self._listing(following, series)
            else:
                self._stat("incremental/stopped_paging")

    def _articles(self, page_url: str, series: str, found: list[tuple[str, str]]) -> Iterator[Any]:
        """A page's article links (URL, link as written) → requests for those the frontier fetches, and the sightings.

        Every link is a sighting (`LinksSeen`), fetched or not, of the page
        the archive files its URL under (`_pages_of`). One that was asked for
        already, dated before --since by a sitemap, a feed or the archive (a
        stored article, or a page an earlier run dropped as older), or past
        --max-articles is not requested; the archive's dates of the entries
        new to the series, with the pages requested, decide whether it reached
        --since (`SincePaging.page`).
        """
        links: list[UrlSeen] = []
        entries: list[tuple[str, str | None, str]] = []
        asked = [as_requested(url) for url, _ in found]  # the URLs as requested, and in `errors` if they failed
        for (url, link), requested, (canonical, key) in zip(found, asked, self._pages_of(asked), strict=True):
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

    def _pages_of(self, urls: list[str]) -> list[tuple[str, str]]:
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
        known = known_pages(self.frontier, list(dict.fromkeys([*urls, *forms.values()])))
        stored = {url: (canonical_url(canonical), key) for url, (canonical, key) in known.items()}
        return [stored.get(forms[url]) or stored.get(url) or link_page(url) for url in urls]

    def _article(self, url: str, key: str | None, listing: str | None) -> scrapy.Request:
        """The request for an article page; its key goes with it, so its WARC record's `pages` row names the article."""
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed, cb_kwargs={"listing": listing},
                              meta={"article_key": key}, priority=ARTICLE_PRIORITY)

    # -- articles ---------------------------------------------------------------

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
        for fetched_from in self._fetched_from(response, item):
            yield fetched_from

    def _fetched_from(self, response: Response, item: ArticleItem) -> Iterator[PageUrl]:
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
        is_page = self.profile.may_be_article(item.url)
        fetched_at = response.meta.get("fetched_at")
        for url in dict.fromkeys([*response.meta.get("redirect_urls", []), response.url]):
            filed = is_page and (url == response.url or permanent)
            page = (item.url, item.key, item.script) if filed else (*link_page(url), None)
            for form in dict.fromkeys([url, canonical_url(url)]):  # as requested, and as other spellings find it
                yield PageUrl(form, *page, fetched_at, item.published_at if filed else None)

    def failed(self, failure: Failure) -> Iterator[PageError]:
        """Errback: every failed request becomes a row in `errors`."""
        yield download_error(failure)

    def failed_quietly(self, failure: Failure) -> None:
        """Errback for robots.txt, when the spider fetches it itself (ROBOTSTXT_OBEY off)."""
        self.robots_missing(failure.request.url)  # type: ignore[attr-defined]  # Scrapy sets it on errback failures

    def _too_old(self, moment: datetime | None) -> bool:
        since = self.params.since
        return bool(since and moment and moment.date() < since)

    def _full(self) -> bool:
        limit = self.params.max_articles
        return limit is not None and len(self.requested) >= limit

    def _stat(self, name: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(name)
