"""Write items to the archive in batched transactions, and record the crawl run.

A page whose text differs from the stored one is a revision only when the
site changed it, not our reading (crawler/revisions.py). Also listens for
items the validate pipeline rejected and writes them to `errors`, so no page
is dropped silently.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.http import Response

from crawler.fulldisk import is_disk_full, stop_crawl, stopping_when_full
from crawler.items import ArticleItem, LinksSeen, Observation, PageError, PageUrl, UrlSeen
from crawler.mirror import source_of
from crawler.parsers import PARSER_VERSION
from crawler.pipelines.validate import InvalidItem, invalid_page
from crawler.revisions import ReadAgain
from crawler.storage import Store

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

run_closing = object()
"""Sent by `StorePipeline.close_spider` before it stores the run's stats: components that still count stats as they
finish (the WARC writer thread, crawler/warc.py) finish on it. Scrapy closes the pipelines before it sends
`spider_closed`, and every download has ended by then."""


class StorePipeline:
    """Buffers articles, the URLs they were fetched from, and listing pages' links and counts; writes them every
    STORE_BATCH_SIZE items, in one transaction."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("DB_PATH")
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE")
        self.pending: list[ArticleItem] = []
        self.links: list[UrlSeen] = []
        self.page_urls: list[PageUrl] = []
        self.observations: list[Observation] = []
        self.listings: list[str] = []  # the pages of the LinksSeen items buffered in `links` and `observations`
        self.store: Store | None = None
        self.read_again: ReadAgain | None = None
        self.run_id: int | None = None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.item_dropped, signal=invalid_page)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = Store(self.db_path)
        spider = spider or self.crawler.spider
        args = {"source": source_of(self.crawler.settings), **getattr(spider, "run_args", {})}
        self.run_id = self.store.start_run(getattr(spider, "name", "?"), args, getattr(spider, "site", None))
        self.read_again = ReadAgain(self.store, getattr(spider, "profile", None))  # the profile its pages are parsed with
        self.crawler.stats.set_value("newsarchive/crawl_run", self.run_id)
        self.crawler.stats.set_value("newsarchive/db_path", str(self.store.path))

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        if isinstance(item, ArticleItem):
            self.pending.append(item)
        elif isinstance(item, LinksSeen):
            self.links.extend(item.links)
            self.observations.extend(item.observations)
            self.listings.append(item.page_url)
        elif isinstance(item, PageUrl):
            self.page_urls.append(item)
        elif isinstance(item, PageError):
            with stopping_when_full(self.crawler, f"the error of {item.url} into {self.store.path}"):
                self.store.record_error(item.url, item.stage, item.kind, item.reason, self.run_id)
            self.crawler.stats.inc_value(f"errors/{item.stage}/{item.kind}")
        # A sitemap's LinksSeen may carry thousands of links: they count too.
        if len(self.pending) + len(self.listings) >= self.batch_size or len(self.links) >= self.batch_size * 100:
            self.flush()
        return item

    def flush(self) -> None:
        """Write what is buffered in one transaction.

        A batch that fails is rolled back and logged, and its articles go to
        `errors` (stage `store`), so one bad page cannot stop every later
        write; inside a caller's transaction (`ingest`, which retries its
        batch) the failure is the caller's.
        """
        assert self.store is not None and self.read_again is not None
        nested = self.store.db.conn.in_transaction
        try:
            self.read_again.prepare(self.pending)  # parses: not while holding the archive's write lock
            with self.store.transaction():
                if self.listings:  # they answered: a failed one is no resume point now
                    self.store.mark_answered(self.listings)
                if self.links:
                    self.store.save_urls([(seen.url, seen.canonical_url, seen.key, seen.script) for seen in self.links])
                if self.page_urls:  # after the sightings: what a page says of its URL replaces what a link said
                    self.store.save_page_urls(
                        [(p.url, p.canonical_url, p.key, p.script, p.published_at, p.fetched_at) for p in self.page_urls], self.run_id)
                if self.observations:
                    self.store.save_observations(self.observations, self.run_id)
                statuses = (self.store.save_articles(self.pending, self.run_id, PARSER_VERSION, self.read_again)
                            if self.pending else [])
        except Exception as err:
            if nested:
                raise
            self._failed(err)
        else:
            if self.observations:
                self.crawler.stats.inc_value("metrics/observations", len(self.observations))
            for status in statuses:
                self.crawler.stats.inc_value(f"articles/{status}")
            for outcome, pages in self.read_again.outcomes.items():
                self.crawler.stats.inc_value(f"revisions/{outcome}", pages)
        finally:
            self.read_again.clear()
            self.links.clear()
            self.page_urls.clear()
            self.observations.clear()
            self.pending.clear()
            self.listings.clear()

    def _failed(self, error: Exception) -> None:
        assert self.store is not None
        if is_disk_full(error):  # recording its articles in `errors` needs the room that is missing
            stop_crawl(self.crawler, error, f"a batch of {len(self.pending)} articles")  # the error names the file
            return
        logger.error("Could not store a batch of %d articles, %d links and %d counts; its articles are in `errors`",
                     len(self.pending), len(self.links), len(self.observations), exc_info=error)
        self.crawler.stats.inc_value("store/failed_batches")
        reason = f"{type(error).__name__}: {error}"
        for item in self.pending:
            self.store.record_error(item.url, "store", "store_failed", reason, self.run_id)
            self.crawler.stats.inc_value("errors/store/store_failed")

    def item_dropped(self, exception: BaseException, response: Any = None, **_: Any) -> None:
        if isinstance(exception, InvalidItem) and self.store is not None:
            url = response.url if isinstance(response, Response) else exception.url  # the page's own, as it was fetched
            self.store.record_error(url, "validate", exception.kind, exception.reason, self.run_id)
            self.crawler.stats.inc_value(f"errors/validate/{exception.kind}")

    def close_spider(self, spider: Spider | None = None) -> None:
        assert self.store is not None and self.run_id is not None
        self.crawler.signals.send_catch_log(signal=run_closing, spider=spider)
        self.flush()
        stats = self.crawler.stats.get_stats()
        with stopping_when_full(self.crawler, f"the run's counts into {self.store.path}"):
            self.store.finish_run(self.run_id, stats)
