"""The archive's tables and how a database reaches the current schema: part of the storage layer (crawler/storage.py).

`PRAGMA user_version` holds the schema version. Version 1 is the first
released schema; each later version is the tables below plus, where data
has to move, a step in `MIGRATIONS`. Opening an older database backs it up
beside itself and migrates it in place, in one transaction; a newer one is
refused, since this code cannot know what it would break. Additive changes
(a new table, column or index in `TABLES`) are applied on every open, so a
column added here reaches existing databases without a step of its own;
a read-only file that lacks only such columns and indexes is read as it is.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.encoded_keys import encode_keys
from crawler.errors import StorageError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 4

TABLES: dict[str, dict[str, Any]] = {
    "crawl_runs": {
        "columns": {"id": int, "spider": str, "args": str, "started_at": str, "finished_at": str,
                    "articles_new": int, "articles_updated": int, "articles_unchanged": int,
                    "errors": int, "stats": str,
                    # The run report (crawler/runstats.py), read by `python -m crawler health`.
                    "site": str, "finish_reason": str, "items": int, "requests_by_status": str,
                    "errors_by_kind": str, "fill_rates": str, "field_strategies": str},
        "pk": "id",
    },
    "articles": {
        "columns": {"key": str, "site": str, "article_id": str, "url": str, "script": str, "language": str,
                    "title": str, "category": str, "published_at": str, "views": int, "comments": int,
                    "authors": str, "source": str, "body": str, "body_html": str, "images": str,
                    "page_date": str, "fetched_at": str, "first_seen": str, "last_seen": str,
                    "content_hash": str, "strategies": str, "crawl_run": int, "parser_version": int,
                    # v3: item fields that had no column (tags as a JSON list, like authors).
                    "modified_at": str, "tags": str, "image": str},
        "pk": "key",
        # The last: what the incremental planner reads of every article of a site (`Reads.revisit_candidates`),
        # answered from the index; from the rows, each first_seen sits behind the body's overflow pages.
        "indexes": [["site", "published_at"], ["category"], ["published_at"], ["site", "key", "published_at", "first_seen"]],
    },
    "article_variants": {
        "columns": {"key": str, "script": str, "url": str, "language": str, "title": str, "category": str,
                    "published_at": str, "views": int, "comments": int, "authors": str, "source": str,
                    "body": str, "body_html": str, "images": str, "page_date": str, "fetched_at": str,
                    "strategies": str, "content_hash": str, "first_seen": str, "last_seen": str, "crawl_run": int,
                    "parser_version": int, "modified_at": str, "tags": str, "image": str},
        "pk": ("key", "script"),
        "foreign_keys": [("key", "articles", "key")],
        # The second: a variant's crawl state (`Reads.variant_states`, `revisit_candidates`), as above.
        "indexes": [["url"], ["key", "script", "url", "first_seen", "fetched_at", "last_seen"]],
    },
    "urls": {
        # published_at: the date the page last fetched from the URL gave, kept even when --since dropped the page, so
        # that the next runs with --since do not fetch it again to learn it (crawler/incremental.py `published`).
        "columns": {"url": str, "canonical_url": str, "key": str, "script": str, "first_seen": str, "last_seen": str,
                    "published_at": str},
        "pk": "url",
        "indexes": [["key"], ["canonical_url"]],
    },
    "best_materials": {
        "columns": {"key": str, "script": str, "list": str, "position": int, "linked_key": str, "url": str,
                    "title": str, "category": str, "author": str, "views": int},
        "pk": ("key", "script", "list", "position"),
        "foreign_keys": [("key", "articles", "key")],
        "indexes": [["linked_key"]],
    },
    "quotes": {
        "columns": {"key": str, "script": str, "position": int, "speaker": str, "role": str, "kind": str,
                    "text": str, "paragraph": int, "start": int, "end": int},
        "pk": ("key", "script", "position"),
        "foreign_keys": [("key", "articles", "key")],
        "indexes": [["speaker"]],
    },
    "errors": {
        # answered_at: when the page answered a later fetch (a listing that showed its links), which ends it as a
        # resume point (crawler/incremental.py) where no `pages` row records that fetch (WARC_ENABLED off).
        "columns": {"id": int, "crawl_run": int, "url": str, "stage": str, "kind": str, "reason": str, "occurred_at": str,
                    "answered_at": str},
        "pk": "id",
        "indexes": [["crawl_run"], ["url"], ["occurred_at"]],
    },
    # v2: the raw responses, as an index into the WARC files.
    "pages": {
        "columns": {"id": int, "crawl_run": int, "url": str, "site": str, "key": str, "kind": str, "status": int,
                    "content_type": str, "fetched_at": str, "warc_file": str, "warc_offset": int,
                    "warc_length": int, "warc_record_id": str, "payload_sha1": str},
        "pk": "id",
        "indexes": [["url"], ["key"], ["crawl_run"]],
    },
    # v2: every sighting of an article's counts. No foreign key: a listing shows articles never fetched.
    "metrics": {
        "columns": {"key": str, "observed_at": str, "source_kind": str, "source_url": str,
                    "views": int, "comments": int, "crawl_run": int},
        "pk": ("key", "observed_at", "source_kind", "source_url"),
        "indexes": [["crawl_run"]],
    },
    # v2: a variant's title and body as they were before a recrawl found them changed.
    "article_revisions": {
        "columns": {"id": int, "key": str, "script": str, "url": str, "observed_at": str, "last_seen": str,
                    "replaced_at": str, "title": str, "body": str, "content_hash": str, "parser_version": int,
                    "crawl_run": int},
        "pk": "id",
        "foreign_keys": [("key", "articles", "key")],
        "indexes": [["key", "script"]],
    },
    # Batches of items a distributed crawl's ingester committed (crawler/distributed/ingest.py): a batch
    # re-read from Redis after a crash between the commit and its acknowledgement is not stored twice.
    "ingest_batches": {
        "columns": {"id": str, "crawl_run": int, "items": int, "ingested_at": str},
        "pk": "id",
    },
}

# Full-text indexes: table → indexed columns. Each gets `<table>_fts` (FTS5, external
# content) and the `<table>_ai/_ad/_au` triggers sqlite-utils would create, so every
# write to the table, by any code, keeps the index in sync (and Datasette finds it);
# since v3 the update trigger re-indexes a row only when an indexed column changed.
FTS: dict[str, tuple[str, ...]] = {"article_variants": ("title", "body")}
# Segments of one level FTS5 lets pile up before it merges them (its default is 4; 16 is also the level
# at which it merges at once, `crisismerge`). Each batch's statements add segments of their own, and every
# merge rewrites the terms it merges: fewer, larger merges rewrite each term about half as often (ingest
# +10 %; searching a 15,000-variant archive took as long). A setting of the index, kept in the file.
FTS_AUTOMERGE = 16


def _metrics_from_v1(db: sqlite_utils.Database) -> None:
    """v1 kept only the last counts: keep them as the first observations of each article."""
    db.execute(
        """insert or ignore into metrics (key, observed_at, source_kind, source_url, views, comments, crawl_run)
           select key, coalesce(fetched_at, last_seen), 'article', url, views, comments, crawl_run
           from article_variants where views is not null or comments is not null"""
    )
    db.execute(
        """insert or ignore into metrics (key, observed_at, source_kind, source_url, views, comments, crawl_run)
           select b.linked_key, coalesce(v.fetched_at, v.last_seen), 'best_materials', v.url, b.views, null, v.crawl_run
           from best_materials b join article_variants v using (key, script)
           where b.linked_key is not null and b.views is not null"""
    )


def _fts_triggers_from_v2(db: sqlite_utils.Database) -> None:
    """v2 re-indexed a variant on every update, even one that only moved `last_seen`: ~1 ms of tokenizing per page."""
    for table, columns in FTS.items():
        _create_fts_triggers(db, table, columns)


# Version N → N+1 data steps, run after the tables of the current schema exist.
MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _metrics_from_v1, 2: _fts_triggers_from_v2, 3: encode_keys,
}


def refuse_non_archive(db: sqlite_utils.Database, path: Path, *, create: bool) -> None:
    """Raise StorageError, before anything is written, unless `db` is an archive (or, with `create`, an empty file to make one in).

    An archive has a schema version. A file without one that has tables is
    another program's database, and a reader (`create=False`: export, search,
    `reparse --dry-run`) given an empty file makes no archive in it either.
    """
    if int(db.execute("PRAGMA user_version").fetchone()[0]) != 0:
        return
    tables = db.table_names()
    if any(name in TABLES for name in tables):
        raise StorageError(f"database {path} has archive tables but no schema version: not made by newsarchive")
    if tables:
        raise StorageError(f"database {path} holds another program's tables ({', '.join(tables[:3])}"
                           f"{', …' if len(tables) > 3 else ''}): not a newsarchive archive")
    if not create:
        raise StorageError(f"{path} is not a newsarchive database: it holds no archive")


def ensure_schema(db: sqlite_utils.Database, path: Path) -> None:
    """Bring `db` to SCHEMA_VERSION: create it, migrate it (after a backup) or refuse it.

    A current database with every table, column and index is left alone:
    opening it writes nothing, so a reader never waits for a running crawl.
    """
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"database {path} has schema version {version}, newer than this newsarchive understands "
            f"({SCHEMA_VERSION}): upgrade newsarchive, or open a copy made for this version"
        )
    missing = _missing(db)
    if version == SCHEMA_VERSION and not missing:
        return
    backup = backup_copy(db, path, version) if 0 < version < SCHEMA_VERSION else None
    db.execute("BEGIN IMMEDIATE")  # another connection may be doing this very work: wait for it, then look again
    additions_only = False
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StorageError(f"database {path} was moved to schema version {version} while we opened it")
        missing = _missing(db)
        if version == SCHEMA_VERSION and not missing:  # done by the other connection
            db.conn.execute("ROLLBACK")
            return
        additions_only = version == SCHEMA_VERSION and _only_additions(missing)
        if additions_only:
            db.conn.execute(f"PRAGMA user_version = {version}")  # a write as it is: a read-only file fails here, unannounced
            if indexes := sum(_sql(step).startswith("CREATE INDEX") for step in missing):
                logger.warning("Adding %d index(es) to %s, once: it reads every row of their tables", indexes, path)
        for create in missing:
            create(db)
        for step in range(version, SCHEMA_VERSION) if version else ():  # a new file has nothing to move
            if step in MIGRATIONS:
                MIGRATIONS[step](db)
        db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.conn.execute("COMMIT")
    except sqlite3.OperationalError as err:
        db.conn.execute("ROLLBACK")
        if additions_only and getattr(err, "sqlite_errorname", "") == "SQLITE_READONLY":
            # A current archive on a read-only file reads the same without the indexes added since it was made (only
            # slower) and without the columns (only a crawl, which writes, reads them): export, search, health.
            return
        raise
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    if backup is not None:
        logger.warning("Migrated %s from schema version %s to %s; the old file is kept as %s",
                       path, version, SCHEMA_VERSION, backup)


def backup_copy(db: sqlite_utils.Database, path: Path, version: int) -> Path:
    """A consistent copy of the database (WAL included) beside it, named for its version and the time."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.v{version}-{stamp}-{counter}.bak")
        counter += 1
    copy = sqlite3.connect(target)
    try:
        db.conn.backup(copy)
    finally:
        copy.close()
    return target


def _missing(db: sqlite_utils.Database) -> list[Callable[[sqlite_utils.Database], Any]]:
    """What `db` lacks of TABLES and FTS (tables, columns, indexes, full-text indexes), as steps to run in order.

    Additive only: nothing is dropped or changed, so this also brings an
    older database up to date before its migration steps run.
    """
    steps: list[Callable[[sqlite_utils.Database], Any]] = []
    indexes = {row[0] for row in db.execute("select name from sqlite_master where type = 'index'")}
    for name, spec in TABLES.items():
        table = db.table(name)
        if not table.exists():
            steps.append(partial(_create_table, name=name, spec=spec))
        else:
            have = {column.name for column in table.columns}
            steps += [partial(_execute, sql=f"ALTER TABLE [{name}] ADD COLUMN [{column}] {_SQL_TYPES[kind]}")
                      for column, kind in spec["columns"].items() if column not in have]
        for columns in spec.get("indexes", []):
            index = f"idx_{name}_{'_'.join(columns)}"
            if index not in indexes:
                cols = ", ".join(f"[{c}]" for c in columns)
                steps.append(partial(_execute, sql=f"CREATE INDEX [{index}] ON [{name}] ({cols})"))
    for name, columns in FTS.items():
        if not db.table(f"{name}_fts").exists():
            steps.append(partial(_create_fts, table=name, columns=columns))
    return steps


def _execute(db: sqlite_utils.Database, sql: str) -> None:
    db.execute(sql)


def _sql(step: Callable[[sqlite_utils.Database], Any]) -> str:
    """The statement of a step of `_missing` that is one (`_execute`), else ''."""
    return str(step.keywords["sql"]) if isinstance(step, partial) and step.func is _execute else ""


def _only_additions(steps: list[Callable[[sqlite_utils.Database], Any]]) -> bool:
    """Whether `steps` only add indexes and columns (`_missing` adds a column by ALTER TABLE, and nothing else)."""
    return all(_sql(step).startswith(("CREATE INDEX", "ALTER TABLE")) for step in steps)


def _create_table(db: sqlite_utils.Database, name: str, spec: dict[str, Any]) -> None:
    # SQL made when run: sqlite-utils checks that a foreign key's table exists already.
    db.execute(db.create_table_sql(name, spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys")))


_SQL_TYPES = {int: "INTEGER", str: "TEXT", float: "FLOAT", bytes: "BLOB"}


def _create_fts(db: sqlite_utils.Database, table: str, columns: tuple[str, ...]) -> None:
    fts = f"{table}_fts"
    cols = ", ".join(f"[{c}]" for c in columns)
    db.execute(f"CREATE VIRTUAL TABLE [{fts}] USING FTS5 ({cols}, content=[{table}])")
    db.execute(f"INSERT INTO [{fts}] ([{fts}], rank) VALUES ('automerge', {FTS_AUTOMERGE})")
    _create_fts_triggers(db, table, columns)
    db.execute(f"INSERT INTO [{fts}] ([{fts}]) VALUES ('rebuild')")


def _create_fts_triggers(db: sqlite_utils.Database, table: str, columns: tuple[str, ...]) -> None:
    """The triggers that keep `<table>_fts` in step with every insert, delete and update of `table`, replacing any.

    An update re-indexes the row only when an indexed column (or the rowid)
    changed: an external-content index stays right as long as the indexed
    values of a rowid are the ones it tokenized, and tokenizing is the cost.
    """
    fts = f"{table}_fts"
    cols = ", ".join(f"[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    changed = " OR ".join(f"old.[{c}] IS NOT new.[{c}]" for c in ("rowid", *columns))
    for suffix in ("ai", "ad", "au"):
        db.execute(f"DROP TRIGGER IF EXISTS [{table}_{suffix}]")
    db.execute(f"""CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN
  INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new});
END""")
    db.execute(f"""CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN
  INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old});
END""")
    db.execute(f"""CREATE TRIGGER [{table}_au] AFTER UPDATE ON [{table}] WHEN {changed} BEGIN
  INSERT INTO [{fts}] ([{fts}], rowid, {cols}) VALUES('delete', old.rowid, {old});
  INSERT INTO [{fts}] (rowid, {cols}) VALUES (new.rowid, {new});
END""")
