"""The one item pipeline of a distributed worker: every item to the Redis list `ingest` drains, with its request counts.

It is scrapy-redis's `RedisPipeline` (the push runs in a thread, off the
reactor) with our JSON codec, so the ingester rebuilds the same dataclasses.
Validation, normalization, dedupe and storage all happen in the ingester,
through the same pipeline classes a single-machine crawl uses.

The worker's request counts (responses by status, download exceptions,
retries) travel the same way: each push carries what was counted since the
last one, as a numbered line ahead of the item, so the ingester's run has
the counts behind the items and errors it stores, and `health` an error rate
for it. A line that reaches Redis twice (a push retried after its reply was
lost) is added once (crawler/distributed/codec.py `Counts`). A request's
counts are in Redis before its lease ends, as its items are. Counts no item
took (requests that failed and are retried, redirects, pages with no item
yet) go on their own every REDIS_COUNTS_INTERVAL seconds, in line as the
heartbeat is, and the rest when the worker closes, before it leaves the
frontier (Scrapy closes the pipelines first). So a killed worker loses at
most its last REDIS_COUNTS_INTERVAL seconds of counts (and those of a push
in flight); the requests it held are fetched, and counted, again by another
worker. An item whose push fails mid-crawl is not lost: the push raises, and
on Scrapy's item_error the scheduler puts its page back in the queue once
done (crawler/distributed/scheduler.py `items_lost`). A worker stopping
without Redis sends nothing after its first failed push
(crawler/distributed/leaving.py).
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import redis
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_redis.pipelines import RedisPipeline
from twisted.internet.defer import DeferredLock
from twisted.internet.task import LoopingCall
from twisted.internet.threads import deferToThread

from crawler.distributed import leaving
from crawler.distributed.codec import Counts, encode_item, encode_stats

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# The stats a worker sends its ingester: what the run report, health's error rate and ingest's summary read of
# a crawl's requests (crawler/runstats.py, crawler/health.py, crawler.crawl.answered).
FORWARDED_STATS = ("downloader/", "retry/", "robotstxt/")


class ItemQueuePipeline(RedisPipeline):  # type: ignore[misc]  # scrapy-redis ships no types
    """Pushes each item, JSON-encoded with its type, to REDIS_ITEMS_KEY (`<spider>:items`), after the counts since the last push."""

    crawler: Crawler
    sent: dict[str, int]
    """Forwarded stat → the value the ingester has been sent so far."""
    stream: str
    lines: int
    """Stats lines numbered so far (`Counts.number`)."""
    unsent: list[str]
    """Stats lines whose push failed, sent again as they were: if one did reach Redis, the ingester skips its copy."""
    one_push: DeferredLock
    """Pushes go one at a time, so a stream's lines reach Redis in their numbers' order."""
    interval: float
    timer: LoopingCall | None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemQueuePipeline:
        pipeline: ItemQueuePipeline = cls.from_settings(crawler.settings)
        pipeline.crawler = crawler
        pipeline.sent = {}
        pipeline.stream = uuid.uuid4().hex
        pipeline.lines = 0
        pipeline.unsent = []
        pipeline.one_push = DeferredLock()
        pipeline.interval = crawler.settings.getfloat("REDIS_COUNTS_INTERVAL")
        pipeline.timer = None
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.timer = LoopingCall(self._counts_on_time)
        self.timer.start(self.interval, now=False)

    async def process_item(self, item: Any) -> Any:
        """Push in a thread (a remote Redis must not stall the reactor); done before the item's request is."""
        line = encode_item(item)  # an item it cannot send fails before any counts are taken
        await maybe_deferred_to_future(self.one_push.acquire())
        try:
            if leaving.gone(self.crawler):
                leaving.unsent(self.crawler, "items", 1)
                raise DropItem("not sent: Redis did not answer as this worker stopped; its page stays leased, and "
                               "another worker fetches it again", log_level="INFO")
            lines = [*self.unsent, *self._stats_line()]
            try:
                await maybe_deferred_to_future(deferToThread(self._push, [*lines, line]))
            except redis.RedisError as err:
                self.unsent = lines  # the next push sends them
                leaving.failed(self.crawler, err)
                raise
            self.unsent = []
        finally:
            self.one_push.release()
        self.crawler.stats.inc_value("redis/items")
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        """Send the counts no item followed; in line: the worker leaves the frontier right after."""
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self._push_counts()
        leaving.unsent(self.crawler, "count_lines", len(self.unsent))

    def _counts_on_time(self) -> None:
        """Every REDIS_COUNTS_INTERVAL: the counts no item took; not while an item's push, which takes them, is on."""
        if not self.one_push.locked:
            self._push_counts()

    def _push_counts(self) -> None:
        """The count lines not sent yet, pushed in line; kept for the next push if Redis does not take them."""
        lines = [*self.unsent, *self._stats_line()]
        if lines and not leaving.gone(self.crawler):
            try:
                self._push(lines)
                lines = []
            except redis.RedisError as err:
                leaving.failed(self.crawler, err)
        self.unsent = lines

    def _push(self, lines: list[str]) -> None:
        spider = self.crawler.spider
        assert spider is not None  # items and counts come only while a spider crawls
        self.server.rpush(self.key % {"spider": spider.name}, *lines)

    def _stats_line(self) -> list[str]:
        """The line of the forwarded stats counted since the last one (name → increment), now taken as sent; or none."""
        assert self.crawler.stats is not None
        counts = {}
        for name, value in self.crawler.stats.get_stats().items():
            if name.startswith(FORWARDED_STATS) and type(value) is int and value != self.sent.get(name, 0):
                counts[name] = value - self.sent.get(name, 0)
                self.sent[name] = value
        if not counts:
            return []
        self.lines += 1
        return [encode_stats(Counts(self.stream, self.lines, counts))]
