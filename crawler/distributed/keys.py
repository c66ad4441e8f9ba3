"""The Redis keys of one spider's distributed crawl, and the connection to Redis.

Every key starts with the spider's name (`abai`, or a site profile's:
`egemen`), so several spiders can share one Redis database. scrapy-redis owns the first two; the rest are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from crawler.errors import ConfigError, FrontierError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


@dataclass(frozen=True, slots=True)
class Keys:
    """Names of a spider's keys (`abai:requests`, ...)."""

    spider: str

    @property
    def requests(self) -> str:
        """Sorted set: the requests still to fetch, scored by -priority (scrapy-redis's PriorityQueue)."""
        return f"{self.spider}:requests"

    @property
    def dupefilter(self) -> str:
        """Set: the fingerprint (hex, of the canonical URL) of every request ever scheduled (scrapy-redis's dupe filter)."""
        return f"{self.spider}:dupefilter"

    @property
    def items(self) -> str:
        """List: JSON items from the workers, oldest first, waiting for `ingest`."""
        return f"{self.spider}:items"

    @property
    def processing(self) -> str:
        """List: the batch `ingest` is writing; back in `items`' place if the ingester dies before its commit."""
        return f"{self.spider}:items:processing"

    @property
    def batch(self) -> str:
        """String: the id of the batch in `processing`, recorded in the database's `ingest_batches` when committed."""
        return f"{self.spider}:items:batch"

    @property
    def ingester(self) -> str:
        """String with a time to live: held by the one running ingester."""
        return f"{self.spider}:ingester"

    @property
    def workers(self) -> str:
        """Set: ids of the workers that may hold leased requests."""
        return f"{self.spider}:workers"

    def lease(self, worker: str) -> str:
        """Hash: the requests a worker has taken from the queue and not finished (encoded request → score)."""
        return f"{self.spider}:lease:{worker}"

    def heartbeat(self, worker: str) -> str:
        """String with a time to live: present while the worker is alive."""
        return f"{self.spider}:heartbeat:{worker}"

    def stopped(self, worker: str) -> str:
        """String: set by a worker that closed, with its reason (kept an hour, for monitoring)."""
        return f"{self.spider}:stopped:{worker}"


def connect(url: str, timeout: float) -> redis.Redis:
    """A client for `url` (redis://[:password@]host:port/db) with `client_params(timeout)`, checked with a PING: a
    Redis that refuses or does not answer fails here within seconds, with one line."""
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise FrontierError(f"--redis takes a URL like redis://127.0.0.1:6379/0, not {url!r}")
    try:
        client = redis.Redis.from_url(url, **client_params(timeout))
        client.ping()
    except (redis.RedisError, ValueError) as err:
        raise FrontierError(f"cannot reach Redis at {redact(url)}: {err}") from err
    return client


def client_params(timeout: float) -> dict[str, Any]:
    """The parameters of every Redis client of ours (a worker's REDIS_PARAMS, the ingester's, the start-up check's):
    at most `timeout` seconds (REDIS_TIMEOUT) to connect or for an answer, and no second try after a timeout.

    redis-py's and scrapy-redis's defaults (30 s, and three retries,
    timeouts included) held a worker or an ingester for minutes on each
    call to a Redis that does not answer, with Ctrl-C and SIGTERM waiting
    too. A refused or reset connection (Redis restarting) is still tried
    again, within about two seconds; a call that timed out is left to the
    caller's own retries (a worker's next poll or push, `ingest --follow`'s
    wait for Redis).
    """
    retry = Retry(ExponentialWithJitterBackoff(cap=1.0, base=0.01), 3, supported_errors=(redis.ConnectionError,))
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry_on_timeout": False, "retry": retry}


def seconds_setting(settings: BaseSettings, name: str) -> float:
    """A setting in seconds read before Scrapy runs (REDIS_TIMEOUT, REDIS_OUTAGE_LIMIT): a bad `-s` value is a usage
    error (one line, exit 2), not a traceback; and 0, which makes a socket that never waits, is refused."""
    value = settings.get(name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not number > 0:  # NaN too
        raise ConfigError(f"-s {name} takes seconds, more than 0, not {value!r}")
    return number


def redact(url: str) -> str:
    """`url` without its password, for messages and the run's recorded arguments."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
