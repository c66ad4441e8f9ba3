"""A spider callback that raises still leaves a row in `errors`, never only a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crawler.items import PageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class CallbackErrorsMiddleware:
    """Spider middleware: an exception from a callback becomes a PageError (stage parse, kind parser_exception).

    Parsers raise ParseError for pages they cannot read, and the spider
    records those itself; anything else (a page that trips a parser bug, a
    listing that is not text) would otherwise be logged and lost. The
    traceback goes to the log at ERROR, the page to `errors`, and the crawl
    goes on.
    """

    def __init__(self, stats: StatsCollector | None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CallbackErrorsMiddleware:
        return cls(crawler.stats)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[PageError]:
        logger.error("Callback failed on %s; recorded in errors", response.url, exc_info=exception)
        if self.stats is not None:
            self.stats.inc_value("errors/callback_exception")
        reason = f"{type(exception).__name__}: {exception}"
        return [PageError(response.url, "parse", "parser_exception", reason)]
