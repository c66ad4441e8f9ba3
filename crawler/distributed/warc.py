"""WARC records in a distributed crawl: each worker writes its own files, the `pages` rows travel through Redis.

The worker keeps `WarcMiddleware`'s files (in WARC_DIR, one folder per
worker so two workers never write one file) and, instead of inserting the
`pages` rows that locate each record into SQLite, pushes them to the items
list, where the ingester stores them with the articles, under its own crawl
run (a worker has none: `WarcMiddleware` archives only under a run, so this
subclass gives it run 0 and names its files after the worker; it overrides
`WarcMiddleware._run_id`, `_files` and `flush`). A row names its file
relative to the worker's database folder (`warc/<worker>/…warc.gz`), so
once the files are copied or mounted beside the ingester's database,
`reparse` finds every record. A response whose row Redis did not take
mid-crawl is fetched again, as a retry is (its record stays in the file,
unindexed). Stopping without Redis, it keeps the rows it could not push and
counts them (crawler/distributed/leaving.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from scrapy_redis.connection import from_settings

from crawler.distributed import leaving
from crawler.distributed.codec import encode_page
from crawler.warc import WarcFiles, WarcMiddleware

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response


class RedisWarcMiddleware(WarcMiddleware):
    """`WarcMiddleware` whose index rows go to Redis, one per response, right after the record is written."""

    # In line: a row still queued for a writer thread when the worker is killed would be lost, while its
    # request, already finished, would not be fetched again.
    THREADED = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.server: redis.Redis = from_settings(crawler.settings)
        self.key = crawler.settings.get("REDIS_ITEMS_KEY")
        self.batch_size = 1  # one row per push, for the same reason

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisWarcMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response,  # type: ignore[override]  # a Request too, as
                         spider: Spider | None = None) -> Response | Request:  # Scrapy's middlewares may return
        """The response archived; one whose index row Redis did not take is fetched again, as a retry is, not parsed:
        it failed, its spider's errback stored a download error for a page that had answered, and its lease ended
        without its row. A stopping worker without Redis fails it: its page stays leased (leaving.py)."""
        try:
            return super().process_response(request, response, spider)
        except redis.RedisError:
            if leaving.gone(self.crawler):
                raise
            return request.replace(dont_filter=True)  # the dupe filter saw it: as RetryMiddleware does

    def _run_id(self) -> int | None:
        """A worker has no crawl run of its own (0 in its rows): the ingester files them under its run."""
        return 0

    def _files(self, run_id: int) -> WarcFiles:
        if self.files is None:
            worker = self.crawler.settings.get("REDIS_WORKER_ID") or "worker"
            self.files = WarcFiles(self.directory, f"newsarchive-{worker}", self.max_size, self.db_path.parent,
                                   self._warcinfo(f"distributed crawl, worker {worker}"))
        return self.files

    def flush(self) -> None:
        """The records made durable in their file, then their rows pushed for the ingester; a push that fails raises
        (`process_response` fetches the page again), except once the files are closing. Its rows are not sent again:
        the new fetch has a new record and row (a row Redis took late would arrive twice)."""
        if not self.pending:
            return
        assert self.files is not None
        self.files.flush()
        if leaving.gone(self.crawler):
            return
        spider = self.crawler.spider
        assert spider is not None  # rows are only written while a spider crawls
        key = self.key % {"spider": spider.name}
        try:
            self.server.rpush(key, *(encode_page(row) for row in self.pending))
        except redis.RedisError as err:
            leaving.failed(self.crawler, err)
            if self.closed:
                return
            if not leaving.gone(self.crawler):  # a stopping worker counts them as not sent, and leaves its page leased
                self.pending = []
            raise
        self.pending = []

    def _close(self) -> None:
        """The files closed; the rows no push took counted as not sent."""
        super()._close()
        leaving.unsent(self.crawler, "index_rows", len(self.pending))
