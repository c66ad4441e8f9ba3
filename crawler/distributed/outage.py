"""A Redis that does not answer: for how long, whether to give up, and how long to wait before the next try.

A worker goes on without Redis for REDIS_OUTAGE_LIMIT seconds, trying every
poll interval, then stops (crawler/distributed/scheduler.py); `ingest
--follow` keeps the same limit, its tries waiting longer each time (0.5 s
doubling, at most 5 s): each may itself take REDIS_TIMEOUT against a frozen
Redis, and a fixed short wait would log a line every half second for a minute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

LONGEST_WAIT = 5.0
"""Seconds between tries, at most."""


@dataclass(slots=True)
class Outage:
    """Redis calls that failed in a row, from the first failure to the next call that succeeds."""

    limit: float
    """Seconds without an answer after which the caller gives up (REDIS_OUTAGE_LIMIT)."""
    first_wait: float = 0.5
    """Seconds before the first try again; each next wait doubles, up to LONGEST_WAIT."""
    error: str | None = None
    """The error of the call that failed last; None while Redis answers."""
    since: float | None = None
    """When (time.monotonic) the first call of the outage failed."""
    tries: int = 0

    def failed(self, err: Exception) -> float | None:
        """A call failed: seconds to wait before trying again, or None once Redis has not answered for `limit`."""
        now = time.monotonic()
        self.since = now if self.since is None else self.since
        self.error = str(err) or type(err).__name__
        left = self.since + self.limit - now
        if left <= 0:
            return None
        wait = min(self.first_wait * 2.0 ** self.tries, LONGEST_WAIT, left)
        self.tries += 1
        return wait

    def seconds(self) -> float:
        """How long Redis has not answered (0 while it answers)."""
        return 0.0 if self.since is None else time.monotonic() - self.since

    def answered(self) -> float | None:
        """A call succeeded: the outage is over; how long it lasted, or None if there was none."""
        if self.since is None:
            return None
        lasted = self.seconds()
        self.error, self.since, self.tries = None, None, 0
        return lasted
