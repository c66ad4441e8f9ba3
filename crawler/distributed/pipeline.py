"""The one item pipeline of a distributed worker: every item to the Redis list `ingest` drains, with its request counts.

It is scrapy-redis's `RedisPipeline` (the push runs in a thread, off the
reactor) with our JSON codec, so the ingester rebuilds the same dataclasses.
Validation, normalization, dedupe and storage all happen in the ingester,
through the same pipeline classes a single-machine crawl uses.

The worker's request counts (responses by status, download exceptions,
retries) travel the same way: each push carries what was counted since the
last one, ahead of the item, so the ingester's run has the counts behind
the items and errors it stores, and `health` an error rate for it. A
request's counts are in Redis before its lease ends, as its items are; what
no item followed (the last redirects) is sent when the worker closes,
before it leaves the frontier (Scrapy closes the pipelines first).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import redis
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_redis.pipelines import RedisPipeline
from twisted.internet.threads import deferToThread

from crawler.distributed.codec import encode_item, encode_stats

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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemQueuePipeline:
        pipeline: ItemQueuePipeline = cls.from_settings(crawler.settings)
        pipeline.crawler = crawler
        pipeline.sent = {}
        return pipeline

    async def process_item(self, item: Any) -> Any:
        """Push in a thread (a remote Redis must not stall the reactor); done before the item's request is."""
        counts = self._take_counts()
        lines = [encode_stats(counts)] if counts else []
        try:
            await maybe_deferred_to_future(deferToThread(self._push, [*lines, encode_item(item)]))
        except redis.RedisError:
            self._give_back(counts)  # the next push sends them
            raise
        self.crawler.stats.inc_value("redis/items")
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        """Send the counts no item followed; in line: the worker leaves the frontier right after."""
        counts = self._take_counts()
        if not counts:
            return
        try:
            self._push([encode_stats(counts)])
        except redis.RedisError as err:
            logger.warning("Could not send the counts of this worker's last %d requests to Redis (%s): the ingester's "
                           "run will not count them", counts.get("downloader/request_count", 0), err)

    def _push(self, lines: list[str]) -> None:
        spider = self.crawler.spider
        assert spider is not None  # items and counts come only while a spider crawls
        self.server.rpush(self.key % {"spider": spider.name}, *lines)

    def _take_counts(self) -> dict[str, int]:
        """The forwarded stats counted since the last push (name → increment), now taken as sent."""
        assert self.crawler.stats is not None
        counts = {}
        for name, value in self.crawler.stats.get_stats().items():
            if name.startswith(FORWARDED_STATS) and type(value) is int and value != self.sent.get(name, 0):
                counts[name] = value - self.sent.get(name, 0)
                self.sent[name] = value
        return counts

    def _give_back(self, counts: dict[str, int]) -> None:
        for name, count in counts.items():
            self.sent[name] -= count
