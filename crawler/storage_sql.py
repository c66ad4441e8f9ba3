"""The connection every part of the store shares: transactions and prepared row writes (part of crawler/storage.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import jsonify_if_needed, quote_identifier

from crawler.errors import StorageError
from crawler.fulldisk import is_disk_full

# Values sqlite-utils' `jsonify_if_needed` passes through unchanged: skipping the call for them is most of its cost.
_PLAIN = frozenset({str, int, float, type(None), bytes})
# Rows in one INSERT at most (fewer when SQLite's limit on parameters says so). A cached statement keeps
# its last bound values (SQLite copies them), so longer ones cost memory: a crawl's peak RSS is 129 MB
# with one row a statement, 137 with 32, 142 with 256; ingest is as fast with 32 as with 256.
MAX_ROWS_PER_STATEMENT = 32


def utcnow() -> str:
    """Current UTC time, ISO 8601 with offset."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@lru_cache(maxsize=256)
def insert_sql(table: str, columns: tuple[str, ...], upsert: tuple[str, ...], ignore: bool, rows: int = 1) -> str:
    """The INSERT statement sqlite-utils builds for these columns (ON CONFLICT ... DO UPDATE for an upsert), for `rows` rows."""
    names = ", ".join(quote_identifier(c) for c in columns)
    values = ", ".join([f"({', '.join('?' * len(columns))})"] * rows)
    sql = f"INSERT{' OR IGNORE' if ignore else ''} INTO {quote_identifier(table)} ({names}) VALUES {values}"
    if upsert:
        updates = [f"{quote_identifier(c)} = excluded.{quote_identifier(c)}" for c in columns if c not in upsert]
        conflict = ", ".join(quote_identifier(c) for c in upsert)
        sql += f" ON CONFLICT({conflict}) " + (f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING")
    return sql


def chunks(values: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """Slices small enough for SQLite's limit on query parameters."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def marks(values: Sequence[Any]) -> str:
    """`?, ?, ?`: one placeholder per value, for an `in (...)` list."""
    return ", ".join("?" * len(values))


class Connected:
    """The open database, and the two ways the store writes to it: in one transaction, a prepared statement per table."""

    db: sqlite_utils.Database
    path: Path

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """One explicit transaction around a batch of writes.

        sqlite-utils' helpers commit on their own when no transaction is
        open, and Python's sqlite3 opens one only before plain DML, so without
        this a batch could commit once per row (an fsync each in WAL mode).
        Inside an open transaction (`Store.transaction()`) it is part of that one.
        IMMEDIATE: the write lock is taken (or waited for) up front. A deferred
        transaction that reads before it writes fails at once with "database is
        locked" when another connection (the WARC writer thread, a second
        crawl) committed in between: SQLite cannot upgrade its stale snapshot.
        """
        if self.db.conn.in_transaction:
            yield
            return
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.conn.commit()  # inside: a commit that fails (disk full) rolls back like any other error
        except BaseException as err:
            self.db.conn.rollback()
            self._transaction_ended(committed=False)
            if is_disk_full(err):
                raise StorageError(f"cannot write to database {self.path}: {err}") from err  # one line, not a traceback
            raise
        self._transaction_ended(committed=True)

    def _transaction_ended(self, committed: bool) -> None:
        """Told when a batch's transaction committed or rolled back, for state kept beside the rows it wrote."""

    def _write_rows(self, table: str, rows: list[dict[str, Any]], *, upsert: tuple[str, ...] = (),
                    ignore: bool = False) -> None:
        """Insert rows (or upsert them on the `upsert` key columns, or skip those already there with `ignore`).

        What sqlite-utils' `insert_all`/`upsert` write, values converted by its own
        `jsonify_if_needed`, with statements prepared here: its helpers read the
        table's schema on every call, which cost more than the writes themselves
        (`benchmarks/ingest.py`).
        """
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(
                [v if type(v) in _PLAIN else jsonify_if_needed(v) for v in row.values()])
        for columns, values in groups.items():
            self._insert_rows(partial(insert_sql, table, columns, upsert, ignore), values)

    def _insert_rows(self, statement: Callable[[int], str], rows: Sequence[Sequence[Any]]) -> None:
        """Run `statement(n)`, an INSERT of n rows, over `rows`, in a few statements of many rows each.

        Not one execution per row: every execution of a statement whose
        triggers write the full-text index makes FTS5 flush its pending terms as
        a segment of its own, which cost twice the tokenizing (0.57 against
        0.29 ms a page), and each execution has its own overhead. Nor one
        statement of exactly len(rows): a statement of a new length is prepared
        anew (2 ms for a thousand rows), so the rows go in chunks whose lengths
        are powers of two (100 = 32 + 32 + 32 + 4), prepared once each and then
        taken from the connection's statement cache. SQLite applies the rows in
        order, so a later row's upsert still sees an earlier one.
        """
        if not rows:
            return
        most = min(MAX_ROWS_PER_STATEMENT, self.db.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(rows[0]))
        start = 0
        while start < len(rows):
            size = 1 << (min(most, len(rows) - start).bit_length() - 1)
            chunk = rows[start:start + size]
            self.db.conn.execute(statement(size), [value for row in chunk for value in row])
            start += size
