"""The `abai` spider: abai.kz's homepage and category listings, paged, and every article they link.

Options (as `-a name=value` or `python -m crawler crawl abai --name value`):
max_articles, since (YYYY-MM-DD), categories (comma-separated ids or "all"),
scripts (comma-separated: cyrl, latn, arab).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.errors import ConfigError, ParseError
from crawler.items import ArticleItem, PageError, UrlSeen
from crawler.parsers.abai import article_ref, parse_article, parse_listing
from crawler.seeds import SCRIPTS, Seed, load_seed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

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
        try:
            limit = int(max_articles) if max_articles not in (None, "") else None
        except ValueError:
            raise ConfigError(f"--max-articles must be a whole number, not {max_articles!r}") from None
        if limit is not None and limit < 1:
            raise ConfigError("--max-articles must be at least 1")
        try:
            day = date.fromisoformat(str(since)) if since not in (None, "") else None
        except ValueError:
            raise ConfigError(f"--since must be a date like 2024-01-31, not {since!r}") from None
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
        super().__init__(**kwargs)
        self.seed = seed
        self.params = CrawlParams.parse(seed, **options)
        self.allowed_domains = list(seed.allowed_domains)
        self.run_args = {k: (str(v) if isinstance(v, date) else v) for k, v in asdict(self.params).items()}
        self.requested: set[str] = set()
        self.exhausted: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> AbaiSpider:
        kwargs.setdefault("seed", load_seed(Path(crawler.settings["SEEDS_DIR"]) / "abai.kz.toml"))
        return super().from_crawler(crawler, *args, **kwargs)  # type: ignore[return-value]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._listing(self.seed.homepage, series="home")
        for script in self.params.scripts:
            prefix = self.seed.scripts[script]
            for category in self.params.categories:
                url = f"https://{self.seed.site}{prefix}/part/{category}"
                yield self._listing(url, series=url)

    def _listing(self, url: str, series: str, priority: int = 0) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                              cb_kwargs={"series": series}, priority=priority)

    def parse_listing(self, response: Response, series: str) -> Iterator[Any]:
        """Listing → article requests (and URL sightings), then the next page unless done."""
        if series in self.exhausted:
            return
        listing = parse_listing(response.text, response.url)
        for entry in listing.entries:
            ref = article_ref(entry.url)
            if ref is None or ref[1] not in self.params.scripts:
                continue
            yield UrlSeen(entry.link, entry.url, entry.key, ref[1])
            if self._too_old(entry.published_at):
                self.exhausted.add(series)
                continue
            if entry.url not in self.requested and not self._full():
                self.requested.add(entry.url)
                yield scrapy.Request(entry.url, callback=self.parse_article, errback=self.failed,
                                     cb_kwargs={"series": series}, priority=ARTICLE_PRIORITY)
        if listing.next_page and series not in self.exhausted and not self._full():
            yield self._listing(listing.next_page, series)

    def parse_article(self, response: Response, series: str | None = None) -> Iterator[Any]:
        """Article page → ArticleItem (or a PageError saying why not)."""
        if not isinstance(response, scrapy.http.TextResponse):
            yield PageError(response.url, "parse", "not_html", f"content type {response.headers.get('Content-Type')!r}")
            return
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            item: ArticleItem = parse_article(response.text, response.url, fetched_at)
        except ParseError as err:
            yield PageError(response.url, "parse", "parse_error", str(err))
            return
        if self._too_old(item.published_at):
            if series:
                self.exhausted.add(series)
            self.crawler.stats.inc_value("articles/too_old")  # type: ignore[union-attr]
            return
        yield item

    def failed(self, failure: Failure) -> Iterator[PageError]:
        """Errback: every failed request becomes a row in `errors`."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            status = failure.value.response.status
            kind, reason = f"http_{status}", f"HTTP {status}"
        elif failure.check(DNSLookupError):
            kind, reason = "dns", str(failure.value)
        elif failure.check(TimeoutError, TCPTimedOutError):
            kind, reason = "timeout", str(failure.value)
        else:
            kind, reason = type(failure.value).__name__.lower(), str(failure.value)
        yield PageError(request.url, "download", kind, reason)

    def _too_old(self, published_at: str | None) -> bool:
        since = self.params.since
        return bool(since and published_at and date.fromisoformat(published_at[:10]) < since)

    def _full(self) -> bool:
        limit = self.params.max_articles
        return limit is not None and len(self.requested) >= limit
