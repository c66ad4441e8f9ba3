"""A worker that stops while Redis does not answer: the first Redis call that fails then ends its use of Redis.

A stopping worker still pushes the items and WARC index rows of the pages it
finishes, then its last request counts, then gives its leases back and
leaves the worker set. Each call waits up to REDIS_TIMEOUT for a Redis that
does not answer, and there are dozens (a page's items go one at a time), so
tried in turn they kept a stopped worker for minutes. Instead, once the
worker is stopping (or stops because Redis stayed away), the first call that
fails marks Redis as gone (stat `redis/gone`: that call's error) and the
others are not tried; what they would have sent is counted under
`redis/unsent/<what>` for the worker's summary (crawler/cli/crawl.py),
which says it on one line and exits 1. The frontier loses nothing by it:
the worker's requests stay in its lease in Redis, and another worker
fetches them again once its heartbeat expires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# The error (text) of the first Redis call that failed while the worker was stopping.
GONE = "redis/gone"
# What a stopping worker did not send (`redis/unsent/items`, …), by how many.
UNSENT = "redis/unsent/"


def stopping(crawler: Crawler) -> bool:
    """True once the engine closes the spider (Ctrl-C, SIGTERM, the crawl's end, a limit): nothing new is fetched."""
    try:
        engine = crawler.engine
    except RuntimeError:  # Scrapy's answer before the crawl starts: no engine, nothing to stop
        return False
    slot: Any = getattr(engine, "_slot", None)  # where Scrapy keeps its closing Deferred
    return slot is not None and slot.closing is not None


def gone(crawler: Crawler) -> bool:
    """True once a Redis call failed while the worker was stopping: later ones are not tried."""
    assert crawler.stats is not None
    return crawler.stats.get_value(GONE) is not None


def failed(crawler: Crawler, err: Exception, *, stopped: bool = False) -> None:
    """A Redis call failed: if the worker is stopping (or `stopped` by this outage), Redis is gone from now on."""
    assert crawler.stats is not None
    if (stopped or stopping(crawler)) and not gone(crawler):
        crawler.stats.set_value(GONE, str(err) or type(err).__name__)


def unsent(crawler: Crawler, what: str, count: int) -> None:
    """Count `count` things of a kind (`items`, `leased`, …) that the stopping worker could not send to Redis."""
    assert crawler.stats is not None
    if count:
        crawler.stats.inc_value(UNSENT + what, count)


def unsent_counts(stats: dict[str, Any]) -> dict[str, int]:
    """What a worker's stats say it could not send: kind → how many."""
    return {name[len(UNSENT):]: int(value) for name, value in stats.items() if name.startswith(UNSENT)}
