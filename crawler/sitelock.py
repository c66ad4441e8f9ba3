"""One writer of a site into an archive at a time: a crawl (or `ingest`) of a site holds a lock beside its database.

Two crawls of one site into one database would fetch the same pages twice
and write each other's count observations under their own run. Crawls of
different sites may share a database. The lock is `flock` on
`<database>.<site>.lock`, so the system drops it when its process dies,
even by SIGKILL: a killed crawl never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.errors import StorageError


@contextmanager
def site_lock(db: Path, site: str, instead: str = "or crawl into another --db") -> Iterator[None]:
    """Hold the lock of `site` in database `db` for the block, or raise StorageError when another process holds it
    (its message ends with what to do `instead`)."""
    real = db.resolve()  # one file under two names (a symbolic link, a relative path) has one lock
    path = real.with_name(f"{real.name}.{site}.lock")
    try:  # read-only: flock needs no more, and a lock file another user made is still usable
        path.parent.mkdir(parents=True, exist_ok=True)  # taken before the store opens, which would make the folder
        handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_CREAT, 0o644), "rb")
    except OSError as err:
        raise StorageError(f"cannot create the lock {path} beside the database: {err.strerror or err}") from err
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageError(f"another crawl (or ingest) of {site} is writing {db}; wait for it to end, {instead}") from None
        yield
