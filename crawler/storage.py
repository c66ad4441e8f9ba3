"""The SQLite archive: opening it, and the `Store` that callers use. Only the `crawler/storage*.py` modules talk to SQLite.

One row per article in `articles` (keyed `site:id`), one per script in
`article_variants`; the article row is derived from its variants (the
Cyrillic one first), so whichever order the variants arrive in, the row is
the same. Writes go in batched transactions; WAL mode lets readers in while
a crawl writes. `Store` gathers one class per concern, each in its module:

* `storage_articles`: article pages, counts, URLs and fetched pages, in batches;
* `storage_runs`: crawl runs, their reports, errors, ingested batches;
* `storage_reads`: search, quotes, stored variants, crawl state;
* `storage_exports`: the selected articles' rows for exports;
* `storage_rows`: how an item becomes rows; `storage_sql`: transactions and prepared writes;
* `schema`: the tables, and migrations of older files.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from crawler.errors import StorageError
from crawler.schema import SCHEMA_VERSION, TABLES, ensure_schema, refuse_non_archive
from crawler.storage_articles import ArticleWrites
from crawler.storage_exports import ExportReads, Selection
from crawler.storage_reads import Reads, VariantState, casefold, fts_query
from crawler.storage_rows import (
    HASHED_FIELDS,
    JSON_COLUMNS,
    SCRIPT_ORDER,
    VARIANT_FIELDS,
    Status,
    content_hash,
    merge_variants,
    observations_of,
)
from crawler.storage_runs import RunBook, RunTally
from crawler.storage_sql import utcnow

__all__ = [
    "HASHED_FIELDS", "JSON_COLUMNS", "SCHEMA_VERSION", "SCRIPT_ORDER", "TABLES", "VARIANT_FIELDS", "Selection",
    "Status", "Store", "VariantState", "casefold", "content_hash", "ensure_schema", "fts_query", "merge_variants",
    "observations_of", "utcnow",
]

logger = logging.getLogger(__name__)

# Pages of 4 kB the WAL may hold before a commit checkpoints it (SQLite's default is 1,000).
WAL_CHECKPOINT_PAGES = 10_000
# The page cache of a connection, in KiB (SQLite's default is 2,000): a batch of 100 pages writes ~4 MB,
# twice the default, and ingest is 7 % faster with this one (benchmarks/RESULTS.md).
CACHE_KIB = 16_000


def _cannot_write_beside(err: sqlite3.OperationalError) -> bool:
    """True when SQLite could not create the WAL's `-shm` file next to the archive (a read-only folder, mount or file)."""
    name = getattr(err, "sqlite_errorname", "")
    return name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN")


def read_only(path: Path) -> sqlite_utils.Database:
    """The archive at `path` opened for reading only, for a reader that may not write beside it.

    An archive in WAL mode is read through its `-shm` file, which SQLite makes
    next to the archive when none is there: in a read-only folder (a shared
    dataset, a mounted snapshot) even a reader cannot open it the usual way.
    `mode=ro` reads it when the `-shm` is there; else the file is read as
    immutable, which only a log holding commits not yet in the file forbids:
    they would be missed without a word.
    """
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError as err:
        conn.close()
        if not _cannot_write_beside(err):
            raise
        log = path.with_name(f"{path.name}-wal")
        if log.is_file() and log.stat().st_size:
            raise StorageError(f"cannot read database {path}: its write-ahead log {log.name} holds commits not yet in "
                               "the file, and its folder may not be written to fold them in; open it once where it "
                               "can be written, or copy the folder") from err
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
    logger.info("Reading %s read-only: its folder may not be written", path)
    return sqlite_utils.Database(conn)


class Store(ArticleWrites, RunBook, Reads, ExportReads):
    """An archive database; creates its schema on first open, migrates an older one."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StorageError(f"no database at {self.path}")
        if self.path.parent and not self.path.parent.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StorageError(f"cannot create the folder of database {self.path}: {err.strerror or err}") from err
        try:
            db = sqlite_utils.Database(self.path)
            try:
                self.db = self._prepared(db, create=create)
            except sqlite3.OperationalError as err:
                db.close()
                if create or not _cannot_write_beside(err):
                    raise
                self.db = self._prepared(read_only(self.path), create=False, wal=False)
        except StorageError:
            raise
        except Exception as err:  # sqlite3.DatabaseError and friends: not a usable archive
            raise StorageError(f"cannot open database {self.path}: {err}") from err
        self._tally = RunTally()

    def _prepared(self, db: sqlite_utils.Database, *, create: bool, wal: bool = True) -> sqlite_utils.Database:
        """`db` refused unless an archive, set up for this process, its schema brought to SCHEMA_VERSION."""
        refuse_non_archive(db, self.path, create=create)  # before WAL mode, which writes the file's header
        db.execute("PRAGMA foreign_keys = ON")
        # A row deleted by INSERT OR REPLACE fires its delete trigger, keeping the FTS index in sync.
        db.execute("PRAGMA recursive_triggers = ON")
        db.register_function(casefold, deterministic=True, replace=True)
        if wal:
            db.enable_wal()
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crawl commits small batches
        # (URLs seen, errors, WARC index rows) and an fsync each cost more than the rest of the crawl.
        # The database stays consistent; a power cut can lose the last commits, which a re-crawl redoes.
        db.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint (copy the WAL into the file, and fsync) every ~40 MB, not every 4 MB: a batch of
        # 100 pages writes ~4 MB, pages an index rewrites often are copied once, not once per batch
        # (ingest +11 %, benchmarks/RESULTS.md). Readers and a crash are as safe with a longer WAL.
        db.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        ensure_schema(db, self.path)
        return db

    def check_writable(self) -> None:
        """Fail now, with one line, when the file cannot be written (a read-only file, folder or mount).

        Opening reads only; a crawl's first write comes after Scrapy started. A
        write of the schema version as it is, rolled back, asks SQLite itself.
        """
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"PRAGMA user_version = {int(conn.execute('PRAGMA user_version').fetchone()[0])}")
            finally:
                conn.rollback()
        except sqlite3.OperationalError as err:
            if "locked" in str(err):  # another writer holds it (a second crawl, an ingester): writable, and busy
                return
            raise StorageError(f"cannot write to database {self.path}: {err}") from err
        except sqlite3.Error as err:
            raise StorageError(f"cannot write to database {self.path}: {err}") from err

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around many writes: every save_* and record_error inside it commits with it, or none does."""
        with self._batch():
            yield
