"""The `abai` spider: abai.kz's homepage and category listings, paged, and every article they link.

Options (as `-a name=value` or `python -m crawler crawl abai --name value`):
max_articles, since (YYYY-MM-DD), categories (comma-separated ids or "all"),
scripts (comma-separated: cyrl, latn, arab); and for incremental crawls
(crawler/incremental.py) refresh (true: a full pass), stop_after_known (N)
and revisit_ages (days, "1,7,30").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy

from crawler.errors import ConfigError, ParseError
from crawler.failures import download_error, empty_listing
from crawler.incremental import (
    FETCH,
    INCREMENTAL_OPTIONS,
    Frontier,
    IncrementalParams,
    decide,
    keep_paging,
    open_frontier,
    published,
    resume_points,
    retries,
)
from crawler.items import ArticleItem, LinksSeen, PageError, PageUrl, UrlSeen
from crawler.parsepool import ParsePool
from crawler.parsers import parse_article  # abai's parser, then what the page declares (as reparse and extract do)
from crawler.parsers.abai import article_ref, parse_listing
from crawler.seeds import SCRIPTS, Seed, load_seed
from crawler.since import SincePaging, stop_series
from crawler.spiders.params import max_articles_arg, since_arg
from crawler.warc import fetched_time

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.items import ListingEntry

logger = logging.getLogger(__name__)

ARTICLE_PRIORITY = 10  # articles before the next listing page, so --since can stop paging early


@dataclass(frozen=True, slots=True)
class CrawlParams:
    """The spider's arguments, checked up front."""

    max_articles: int | None = None
    since: date | None = None
    categories: tuple[str, ...] = ()
    scripts: tuple[str, ...] = SCRIPTS

    @classmethod
    def parse(cls, seed: Seed, max_articles: Any = None, since: Any = None,
              categories: Any = None, scripts: Any = None) -> CrawlParams:
        limit, day = max_articles_arg(max_articles), since_arg(since)
        return cls(limit, day, _choose(categories, seed.categories, seed.default_categories, "category"),
                   _choose(scripts, seed.scripts, seed.default_scripts, "script"))


def _choose(value: Any, known: dict[str, str], default: tuple[str, ...], what: str) -> tuple[str, ...]:
    if value in (None, ""):
        return default
    names = list(known) if value == "all" else [v.strip() for v in str(value).split(",") if v.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"unknown {what} {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(names)


class AbaiSpider(scrapy.Spider):
    name = "abai"

    def __init__(self, seed: Seed, **kwargs: Any) -> None:
        options = {k: kwargs.pop(k, None) for k in ("max_articles", "since", "categories", "scripts")}
        self.incremental_options = {k: kwargs.pop(k, None) for k in INCREMENTAL_OPTIONS}
        super().__init__(**kwargs)
        self.seed = seed
        self.site = seed.site
        """The site the run crawls, for its record (`crawl_runs.site`)."""
        self.params = CrawlParams.parse(seed, **options)
        self.allowed_domains = list(seed.allowed_domains)
        self.run_args = {k: (str(v) if isinstance(v, date) else v) for k, v in asdict(self.params).items()}
        self.requested: set[str] = set()
        self.exhausted: set[str] = set()
        self.since = SincePaging()
        self.incremental = IncrementalParams()
        self.frontier: Frontier | None = None  # set in start(); `scrapy check` replaces start() and gets full passes
        self.parsers = ParsePool(0)  # from_crawler gives the crawl's pool of parser processes

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> AbaiSpider:
        kwargs.setdefault("seed", load_seed(Path(crawler.settings["SEEDS_DIR"]) / "abai.kz.toml"))
        spider: AbaiSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.incremental = IncrementalParams.parse(crawler.settings, **spider.incremental_options)
        spider.run_args.update(spider.incremental.as_args())
        spider.parsers = ParsePool.from_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Distributed workers have no archive to read (INCREMENTAL_FROM_DB off): they do full passes.
        self.frontier = open_frontier(self, self.incremental, kept=("requested", "exhausted"))
        for url, series in self._series():
            yield self._listing(url, series)
        for url in resume_points(self.frontier, self._is_later_page):
            self.crawler.stats.inc_value("incremental/resumed")
            yield self._listing(url, series=url)  # a series of its own: stored articles in a row count from it
        for url in retries(self.frontier, self._is_chosen_article):
            if url not in self.requested and not self._full():
                self.requested.add(url)
                self.crawler.stats.inc_value("incremental/retried")
                yield scrapy.Request(url, callback=self.parse_article, errback=self.failed, priority=ARTICLE_PRIORITY)
        for state in self.frontier.due_revisits(self.seed.site, self.params.scripts) if self.frontier else ():
            if self._too_old(state.published_at):
                continue  # its item would be dropped, its fetch time never move: due on every run
            if state.url not in self.requested and not self._full():
                self.requested.add(state.url)
                self.crawler.stats.inc_value("incremental/revisit")
                yield scrapy.Request(state.url, callback=self.parse_article, errback=self.failed, priority=ARTICLE_PRIORITY)

    def _series(self) -> list[tuple[str, str]]:
        """(first page, series) of each listing the run reads: the homepage, each chosen category in each chosen script."""
        found = [(self.seed.homepage, "home")]
        for script in self.params.scripts:
            for category in self.params.categories:
                url = f"https://{self.seed.site}{self.seed.scripts[script]}/part/{category}"
                found.append((url, url))
        return found

    def _is_chosen_article(self, url: str) -> bool:
        """An article page in one of the run's scripts (`--scripts cyrl` asks for no Latin page an earlier run missed)."""
        ref = article_ref(url)
        return ref is not None and ref[1] in self.params.scripts

    def _is_later_page(self, url: str) -> bool:
        """A page past the first of one of the run's listings (`?page=N`), such as one an earlier run failed to fetch."""
        first = urlsplit(url)._replace(query="", fragment="").geturl()
        return url != first and first in {page for page, _ in self._series()}

    def _listing(self, url: str, series: str, priority: int = 0) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                              cb_kwargs={"series": series}, priority=priority)

    def parse_listing(self, response: Response, series: str) -> Iterator[Any]:
        """Listing → article requests (and URL sightings), then the next page unless done.

        Contracts (`scrapy check abai`, run on the fixture mirror): page 1 of
        the Latin news listing links two articles and has a next page.

        @url https://abai.kz/lt/part/1
        @cb_kwargs {"series": "https://abai.kz/lt/part/1"}
        @returns requests 3 3
        @fields LinksSeen page_url links observations
        """
        if series in self.exhausted:
            return
        # Parsed here, not in a parser process: the next requests wait on it, and in the
        # process's queue it would wait behind every article fetched before it.
        listing = parse_listing(response.text, response.url)
        self.crawler.stats.inc_value("listings/read")
        self.crawler.stats.inc_value("listings/article_links", len(listing.entries))
        if not listing.entries and not listing.next_page:
            yield empty_listing(response.url)
            return
        entries = [(entry, ref[1]) for entry in listing.entries
                   if (ref := article_ref(entry.url)) is not None and ref[1] in self.params.scripts]
        # The links for `urls`, the cards' counts for `metrics`: one item for the whole page.
        links = [UrlSeen(entry.link, entry.url, entry.key, script) for entry, script in entries]
        yield from LinksSeen.of(response.url, links, listing.observations(fetched_time(response), response.url))
        fresh = self.since.fresh(series, (entry.key for entry, _ in entries))
        decisions = decide(self.frontier, series, [(entry.key, script, entry.url) for entry, script in entries], fresh)
        dates = self._dates([entry for entry, _ in entries])
        waiting = 0  # undated new entries requested: their articles tell whether the listing reached --since
        for (entry, script), day, decision in zip(entries, dates, decisions, strict=True):
            if self._too_old(day):
                continue
            if decision not in FETCH:
                self.crawler.stats.inc_value(f"incremental/skipped_{decision}")
            elif entry.url not in self.requested and not self._full():
                self.requested.add(entry.url)
                self.crawler.stats.inc_value(f"incremental/{decision}")
                waiting += entry.key in fresh and day is None
                yield scrapy.Request(entry.url, callback=self.parse_article, errback=self.failed,
                                     cb_kwargs={"listing": response.url}, priority=ARTICLE_PRIORITY)
        new = [(entry.published_at, day) for (entry, _), day in zip(entries, dates, strict=True) if entry.key in fresh]
        older = [self._too_old(day) for printed, day in new if printed]
        known = [self._too_old(day) if day else None for printed, day in new if not printed]  # the archive's date, if any
        if self.params.since and fresh and self.since.page(series, response.url, older=older, known=known, waiting=waiting):
            stop_series(self.exhausted, series, self.crawler.stats)
        if listing.next_page and series not in self.exhausted and not self._full():
            if keep_paging(self.frontier, series):
                yield self._listing(listing.next_page, series)
            else:
                self.crawler.stats.inc_value("incremental/stopped_paging")

    def _dates(self, entries: list[ListingEntry]) -> list[str | None]:
        """Each entry's publication date: its card's, else (with --since) the one the archive knows of its article.

        The archive knows the date of a stored article, and of one a run with
        --since fetched and dropped as older: a card that prints no date does
        not send each run to fetch that page again (`Frontier.published`).
        """
        known = published(self.frontier, [e.key for e in entries if e.published_at is None]) if self.params.since else {}
        return [entry.published_at or known.get(entry.key) for entry in entries]

    async def parse_article(self, response: Response, listing: str | None = None) -> AsyncIterator[Any]:
        """Article page → ArticleItem (or a PageError saying why not).

        Contracts (`scrapy check abai`, run on the fixture mirror): the seed
        article gives one full item and follows no link.

        @url https://abai.kz/post/100000
        @returns requests 0 0
        @fields ArticleItem url key title category published_at authors body quotes best_materials
        """
        if not isinstance(response, scrapy.http.TextResponse):
            yield PageError(response.url, "parse", "not_html", f"content type {response.headers.get('Content-Type')!r}")
            return
        fetched_at = fetched_time(response)
        try:
            item: ArticleItem = await self.parsers.run(parse_article, response.text, response.url, fetched_at)
        except ParseError as err:
            yield PageError(response.url, "parse", "parse_error", str(err))
            return
        too_old = self._too_old(item.published_at)
        if (reached := self.since.article(listing, too_old)) is not None:
            # the last of its listing page's new articles came back, and all were older
            stop_series(self.exhausted, reached, self.crawler.stats)
        if too_old:
            self.crawler.stats.inc_value("articles/too_old")
            # Its date is kept (in `urls`): the next runs with --since know it without fetching the page again.
            yield PageUrl(response.url, item.url, item.key, item.script, response.meta.get("fetched_at"), item.published_at)
            return
        yield item

    def failed(self, failure: Failure) -> Iterator[PageError]:
        """Errback: every failed request becomes a row in `errors` (kinds: crawler/failures.py), under the URL first asked for."""
        yield download_error(failure)

    def _too_old(self, published_at: str | None) -> bool:
        since = self.params.since
        return bool(since and published_at and date.fromisoformat(published_at[:10]) < since)

    def _full(self) -> bool:
        limit = self.params.max_articles
        return limit is not None and len(self.requested) >= limit
