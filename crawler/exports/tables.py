"""Table files: the selected articles and their rows as JSON Lines, CSV or Parquet, streamed.

Rows come from one SQL cursor per table (`Store.export_rows`, ordered by
article key) and are written as they come, so memory stays flat however many
articles are exported. JSON Lines writes one article per line with its
variants, quotes, sidebar links, metrics and revisions nested, merging the
tables' cursors on the key; CSV and Parquet write one file per table, Parquet in row
groups of at most `BATCH_ROWS` rows and `BATCH_BYTES` of text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Any

from crawler.errors import ExportError
from crawler.storage import JSON_COLUMNS, Selection, Store

if TYPE_CHECKING:
    from crawler.exports.outdir import OutDir
    from crawler.progress import Progress

ROOT_TABLE = "articles"
# Tables exported with the articles, when the database has them; JSON Lines nests them under these names.
CHILD_TABLES = {
    "article_variants": "variants", "quotes": "quotes", "best_materials": "best_materials",
    "metrics": "metrics", "article_revisions": "revisions",
    "pages": "pages", "urls": "urls",  # provenance: each fetch and its WARC record, each spelling of the URL
}
# A Parquet row group closes at this many rows or this much text, whichever comes first,
# so memory holds one bounded batch however long the articles are.
BATCH_ROWS = 10_000
BATCH_BYTES = 8 * 1024 * 1024
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Line breaks to `str.splitlines()` that JSON leaves raw (it escapes those below U+0020), with their escapes.
LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(record: Any) -> bytes:
    """One JSON Lines record in UTF-8, with U+0085, U+2028 and U+2029 escaped: raw they are valid JSON, but
    `str.splitlines()` (and JavaScript before ES2019, at the last two) ends a line at them, and the record with it."""
    text = json.dumps(record, ensure_ascii=False)
    for char, escape in LINE_BREAKS.items():
        text = text.replace(char, escape)
    return text.encode("utf-8") + b"\n"


@dataclass
class Written:
    """What an export wrote: files as (name, table or None, rows or None), and rows per table."""

    tables: list[str]
    files: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    without_pages: list[str] | None = None
    """Of a WARC or WACZ export, the selected articles it holds no raw page of (their keys); None for tables."""


def exported_tables(store: Store) -> list[str]:
    return [ROOT_TABLE, *(t for t in CHILD_TABLES if store.has_table(t))]


def export_tables(store: Store, selection: Selection, out: OutDir, fmt: str, progress: Progress,
                  raw_csv: bool = False) -> Written:
    """Write the selected rows in `fmt` (jsonl, csv or parquet) into `out`."""
    written = Written(exported_tables(store))
    if fmt == "jsonl":
        _write_jsonl(store, selection, out, progress, written)
        return written
    for table in written.tables:
        progress.start(table, store.export_count(table, selection))
        rows = store.export_rows(table, selection)
        columns = [name for name, _ in store.columns(table)]
        if fmt == "csv":
            count = _write_csv(out, f"{table}.csv", columns, rows, progress, raw_csv)
        else:
            count = _write_parquet(out, f"{table}.parquet", store.columns(table), rows, progress)
        progress.finish()
        written.files.append((f"{table}.{fmt}", table, count))
        written.counts[table] = count
    return written


# -- JSON Lines -----------------------------------------------------------------


def _write_jsonl(store: Store, selection: Selection, out: OutDir, progress: Progress, written: Written) -> None:
    children = {table: KeyGroups(store.export_rows(table, selection)) for table in written.tables[1:]}
    written.counts = dict.fromkeys(written.tables, 0)
    progress.start(ROOT_TABLE, store.export_count(ROOT_TABLE, selection))
    with out.create("articles.jsonl") as handle:
        for article in store.export_rows(ROOT_TABLE, selection):
            record = decoded(article)
            for table, groups in children.items():
                nested = [decoded(row) for row in groups.take(article["key"])]
                record[CHILD_TABLES[table]] = nested
                written.counts[table] += len(nested)
            handle.write(json_line(record))
            written.counts[ROOT_TABLE] += 1
            progress.advance(1)
    progress.finish()
    for table, groups in children.items():
        if not groups.exhausted():
            raise ExportError(f"{table} rows came out of article-key order; the JSON Lines export is incomplete")
    written.files.append(("articles.jsonl", ROOT_TABLE, written.counts[ROOT_TABLE]))


class KeyGroups:
    """One table's rows grouped by article key, taken in the articles' key order."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self._groups = groupby(rows, key=lambda row: row["key"])
        self._head: tuple[str, Iterator[dict[str, Any]]] | None = next(self._groups, None)

    def take(self, key: str, skip_before: bool = False) -> list[dict[str, Any]]:
        """The rows of `key` (without their `key`), or none when the next group is another article's.

        With `skip_before`, groups of smaller keys (articles the caller passed over) are dropped first.
        """
        while skip_before and self._head is not None and self._head[0] < key:
            self._head = next(self._groups, None)
        if self._head is None or self._head[0] != key:
            return []
        rows = [{k: v for k, v in row.items() if k != "key"} for row in self._head[1]]
        self._head = next(self._groups, None)
        return rows

    def exhausted(self) -> bool:
        return self._head is None


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its JSON text columns (authors, images, tags, strategies) as JSON values."""
    out = dict(row)
    for name in JSON_COLUMNS & out.keys():
        if isinstance(out[name], str):
            try:
                out[name] = json.loads(out[name])
            except ValueError as err:
                raise ExportError(f"{row.get('key')}: column {name} is not valid JSON ({err})") from err
    return out


# -- CSV --------------------------------------------------------------------------


def _write_csv(out: OutDir, name: str, columns: list[str], rows: Iterable[dict[str, Any]], progress: Progress,
               raw: bool) -> int:
    count = 0
    with out.create(name) as binary, io.TextIOWrapper(binary, encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(columns)
        for count, row in enumerate(rows, 1):
            writer.writerow([csv_cell(row[c], raw) for c in columns])
            if count % BATCH_ROWS == 0:
                progress.advance(BATCH_ROWS)
    progress.advance(count % BATCH_ROWS)
    return count


def csv_cell(value: Any, raw: bool = False) -> Any:
    """A CSV cell: NULL as empty, text a spreadsheet would run as a formula prefixed with `'` unless `raw`."""
    if value is None:
        return ""
    if not raw and isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# -- Parquet ----------------------------------------------------------------------


def _write_parquet(out: OutDir, name: str, columns: list[tuple[str, str]], rows: Iterable[dict[str, Any]],
                   progress: Progress) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ExportError("Parquet exports need pyarrow: pip install 'newsarchive[export]'") from err
    types = {"INTEGER": pa.int64(), "INT": pa.int64(), "REAL": pa.float64(), "FLOAT": pa.float64(), "BLOB": pa.binary()}
    schema = pa.schema([(column, types.get(declared, pa.string())) for column, declared in columns])
    count = 0
    with out.create(name) as handle, pq.ParquetWriter(handle, schema) as writer:
        for batch in _batches(rows):
            try:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            except (pa.ArrowException, TypeError, ValueError) as err:
                raise ExportError(f"{name}: a row does not fit the column types ({err})") from err
            count += len(batch)
            progress.advance(len(batch))
    return count


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of at most BATCH_ROWS rows and about BATCH_BYTES of text."""
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += sum(len(v) for v in row.values() if isinstance(v, (str, bytes)))
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
