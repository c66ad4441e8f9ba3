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
page by the key the archive files its URL under
(crawler/spiders/site_page_keys.py). Its script shows only once the page is
parsed, so any stored script of the key matches.

This module puts the spider together and starts its run (start pages,
sitemaps, feeds, robots.txt, resumed listings, retries and revisits). Its
parts: site_articles.py (options, run state, article links and pages),
site_listings.py (listing pages and pagination) and site_discovery.py
(sitemaps, feeds and robots.txt).

Options (as `-a name=value` or `python -m crawler crawl site --profile
seeds/<site>.toml --name value`): profile (a path or a name), max_articles,
since (YYYY-MM-DD: sitemap and feed entries, and listing series, stop at
older items where the date is known); refresh (true: a full pass),
stop_after_known (N) and revisit_ages (days, "1,7,30").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, get_args

import scrapy

from crawler.dates import parse_time
from crawler.incremental import IncrementalParams, known_pages, open_frontier, resume_points, retries
from crawler.items import Script
from crawler.middlewares.robots import RobotsWatch
from crawler.parsepool import ParsePool
from crawler.parsers import canonical_url
from crawler.spiders.site_discovery import DISCOVERY_PRIORITY, SiteDiscovery
from crawler.spiders.site_listings import SiteListings
from crawler.urls import as_requested

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# What a stored page of this spider can be filed under: the script detected in its text, else "und" (Store).
STORED_SCRIPTS: tuple[str, ...] = (*get_args(Script), "und")
# Spider attributes a paused job (JOBDIR) keeps, besides the frontier's own state.
JOB_STATE = ("requested", "exhausted", "pages_read", "known_old", "paged")


class SiteSpider(SiteDiscovery, SiteListings):
    """The `site` spider: its listings and its sitemaps and feeds together, and the requests a run starts with."""

    name = "site"

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
