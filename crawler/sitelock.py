"""One writer of a site into an archive at a time: a crawl (or `ingest`) of a site holds a lock beside its database.

Two crawls of one site into one database would fetch the same pages twice
and write each other's count observations under their own run. Crawls of
different sites may share a database. The lock is `flock` on
`<database>.<site>.lock`, so the system drops it when its process dies,
even by SIGKILL: a killed crawl never blocks the next one.

A file has one lock beside it per name, though, and hard links give one
database several names, in any folder of its file system. So the crawl also
locks the database by its identity (device and inode), in a folder of this
user's under the system's temporary folder: two names of one file meet there.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.errors import StorageError


@contextmanager
def site_lock(db: Path, site: str, instead: str = "or crawl into another --db") -> Iterator[None]:
    """Hold the lock of `site` in database `db` for the block, or raise StorageError when another process holds it
    (its message ends with what to do `instead`). A database not there yet is made, empty, to have an identity."""
    real = db.resolve()  # one file under two names (a symbolic link, a relative path) has one lock
    refused = f"another crawl (or ingest) of {site} is writing {db}; wait for it to end, {instead}"
    with _held(real.with_name(f"{real.name}.{site}.lock"), "beside the database", refused):
        with _held(_identity_locks() / f"{_identity(real)}.{site}.lock", "in the lock folder", refused):
            yield


@contextmanager
def _held(path: Path, where: str, refused: str) -> Iterator[None]:
    """`flock` on `path` (made if missing) for the block, or StorageError(`refused`) when another process holds it."""
    try:  # read-only: flock needs no more, and a lock file another user made is still usable
        path.parent.mkdir(parents=True, exist_ok=True)  # taken before the store opens, which would make the folder
        handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_CREAT, 0o644), "rb")
    except OSError as err:
        raise StorageError(f"cannot create the lock {path} {where}: {err.strerror or err}") from err
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageError(refused) from None
        yield


def _identity(real: Path) -> str:
    """`<device>-<inode>` of the database file, the same under each of its names."""
    try:
        os.close(os.open(real, os.O_RDONLY | os.O_CREAT, 0o644))  # an empty file is an empty SQLite database
        info = os.stat(real)
    except OSError as err:
        raise StorageError(f"cannot create the database {real}: {err.strerror or err}") from err
    return f"{info.st_dev}-{info.st_ino}"


def _identity_locks() -> Path:
    """This user's folder of identity locks under the temporary folder; refused unless it is this user's alone,
    so that no other user can hold (or plant links in place of) the locks."""
    folder = Path(tempfile.gettempdir()) / f"newsarchive-{os.getuid()}-locks"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as err:
        raise StorageError(f"cannot create the lock folder {folder}: {err.strerror or err}") from err
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise StorageError(f"the lock folder {folder} is not this user's alone; remove it and run the same command again")
    return folder
