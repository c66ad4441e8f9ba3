"""A crawl's progress, a line on standard error every PROGRESS_INTERVAL seconds, whatever the log level.

A live crawl of an archive runs for hours, and Scrapy's own `LogStats`
speaks only at INFO, which the CLI's default WARNING hides: without this the
summary at the end would be the first word of a long crawl. The line counts
pages fetched (and their rate), article pages parsed and errors recorded.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class CrawlProgress:
    """Prints `progress_line` of the crawl's stats every `interval` seconds while the spider runs."""

    def __init__(self, crawler: Crawler, interval: float, stream: TextIO | None = None) -> None:
        self.stats = crawler.stats
        self.interval = interval
        self.stream = stream
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured  # without a message: Scrapy would log one as a WARNING on every run asked for none
        return cls(crawler, interval)

    def spider_opened(self, spider: Any = None) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        print(progress_line(self.stats.get_stats(), time.monotonic() - self.started),
              file=self.stream or sys.stderr, flush=True)

    def spider_closed(self, spider: Any = None, reason: str | None = None) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()


def progress_line(stats: dict[str, Any], seconds: float) -> str:
    """"crawl: 12 min: 3456 pages fetched (4.8/s); 1240 article pages parsed; 14 errors".

    The errors are the rows recorded so far (`errors/<stage>/<kind>`, as the
    summary counts them; a callback's exception is also counted on its own,
    but is one row). How many articles are new or updated the summary says:
    the store counts articles, not pages, and only once a batch is written.
    """
    pages = int(stats.get("downloader/response_count", 0))
    errors = sum(int(value) for name, value in stats.items() if name.startswith("errors/") and name.count("/") == 2)
    elapsed = f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
    rate = pages / seconds if seconds else 0.0
    parsed = int(stats.get("fields/pages", 0))
    return f"crawl: {elapsed}: {pages} pages fetched ({rate:.1f}/s); {parsed} article pages parsed; {errors} errors"
