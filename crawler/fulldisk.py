"""A full disk stops a crawl: no page fetched after it can be archived or stored, and a long crawl would otherwise fetch
every page of the site, logging a traceback for each, and end as if it had run well."""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# The errors of a write the disk has no room for: full, over its quota, or a file past the size it may grow to.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# The crawl's finish reason when a full disk stopped it.
DISK_FULL = "disk_full"


def is_disk_full(error: BaseException) -> bool:
    """True for a write that failed for want of room: an OSError of NO_ROOM, or SQLite's SQLITE_FULL, raised as it is
    or as the cause of one of our errors (the store's StorageError)."""
    err: BaseException | None = error
    while err is not None:
        if isinstance(err, OSError) and err.errno in NO_ROOM:
            return True
        if isinstance(err, sqlite3.OperationalError) and getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        err = err.__cause__
    return False


def stop_crawl(crawler: Crawler, error: BaseException, what: str) -> None:
    """Close the crawl with the finish reason DISK_FULL, saying why once, in one line: `what` could not be written."""
    if crawler.stats.get_value("newsarchive/disk_full"):
        return  # the writes queued before it stopped fail too: said already
    crawler.stats.set_value("newsarchive/disk_full", 1)
    logger.error("Could not write %s: %s; stopping the crawl: nothing more can be stored. Free some space and run the "
                 "same command to go on", what, error)
    engine = getattr(crawler, "engine", None)
    if engine is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=DISK_FULL))


@contextmanager
def stopping_when_full(crawler: Crawler, what: str) -> Iterator[None]:
    """Inside, a write that fails for want of room stops the crawl (`stop_crawl`) instead of raising: the store's
    last batch and the run's counts at its close, whose tracebacks (an item's whole repr in Scrapy's) said it again."""
    try:
        yield
    except Exception as err:
        if not is_disk_full(err):
            raise
        stop_crawl(crawler, err, what)
