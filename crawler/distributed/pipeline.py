"""The one item pipeline of a distributed worker: every item to the Redis list `ingest` drains.

It is scrapy-redis's `RedisPipeline` (the push runs in a thread, off the
reactor) with our JSON codec, so the ingester rebuilds the same dataclasses.
Validation, normalization, dedupe and storage all happen in the ingester,
through the same pipeline classes a single-machine crawl uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_redis.pipelines import RedisPipeline
from twisted.internet.threads import deferToThread

from crawler.distributed.codec import encode_item

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class ItemQueuePipeline(RedisPipeline):  # type: ignore[misc]  # scrapy-redis ships no types
    """Pushes each item, JSON-encoded with its type, to REDIS_ITEMS_KEY (`<spider>:items`)."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemQueuePipeline:
        pipeline: ItemQueuePipeline = cls.from_settings(crawler.settings)
        pipeline.serialize = encode_item
        pipeline.crawler = crawler
        return pipeline

    async def process_item(self, item: Any) -> Any:
        """Push in a thread (a remote Redis must not stall the reactor); done before the item's request is."""
        await maybe_deferred_to_future(deferToThread(self._process_item, item, self.crawler.spider))
        self.crawler.stats.inc_value("redis/items")
        return item
