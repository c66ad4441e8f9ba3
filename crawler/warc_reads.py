"""Responses read back from the crawl's gzip WARC files: one record at its `pages` offset for `reparse`, every
response of a file for `extract`, and what a damaged record raises, for the WARC exports too.

Apart from `crawler/warc.py`, which writes those files during a crawl: a
reader needs only warcio, not the writer's Scrapy middleware. A record cut
short or damaged is refused with StorageError rather than read as far as it
goes: a page parsed from half a record would pass for the whole one.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from crawler.errors import StorageError

# Bytes read at a time from the rest of a record that `responses_in` does not keep (a request, a warcinfo).
CHUNK = 1 << 16


def resolve(db_path: Path, warc_file: str) -> Path:
    """Where a `pages.warc_file` is: relative paths are relative to the database's folder."""
    path = Path(warc_file)
    return path if path.is_absolute() else db_path.parent / path

def read_response(path: Path, offset: int, length: int) -> tuple[str, int, list[tuple[str, str]], bytes]:
    """(target URL, status, headers, body with its content encoding undone) of the response record at `offset`."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            member = handle.read(length)
    except OSError as err:
        raise StorageError(f"cannot read the WARC record at {path}:{offset}: {err.strerror or err}") from err
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        if record.rec_type != "response":
            raise StorageError(f"{path}:{offset} is a {record.rec_type} record, not a response")
        http = record.http_headers
        return (record.rec_headers.get_header("WARC-Target-URI"), int(http.get_statuscode()), list(http.headers),
                record.content_stream().read())
    except DAMAGED as err:
        raise StorageError(f"cannot read the WARC record at {path}:{offset}: {damage(err)}") from err


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """A response record as `extract` reads it from a WARC file without the archive that indexed it."""

    record_id: str
    url: str
    date: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    """With its content encoding undone."""


def responses_in(path: Path) -> Iterator[ResponseRecord]:
    """Every response record of a WARC file (a crawl's or an export's), in order; a damaged or truncated one ends it
    with StorageError."""
    try:
        with path.open("rb") as handle:
            yield from read_responses(handle, os.fstat(handle.fileno()).st_size, str(path))
    except OSError as err:
        raise StorageError(f"cannot read {path}: {err.strerror or err}") from err


def read_responses(stream: IO[bytes], size: int, name: str) -> Iterator[ResponseRecord]:
    """Every response record of the WARC file `stream` reads (`size` bytes; `name` in errors), as `responses_in`."""
    read = 0  # records read whole
    try:
        records = ArchiveIterator(stream)
        for record in records:
            response = record.rec_type == "response" and record.http_headers is not None
            body = record.content_stream().read() if response else b""
            _check_whole_block(record, name, read + 1)
            if response:
                http, head = record.http_headers, record.rec_headers
                yield ResponseRecord(head.get_header("WARC-Record-ID"), head.get_header("WARC-Target-URI"),
                                     head.get_header("WARC-Date"), int(http.get_statuscode()), list(http.headers), body)
            read += 1
        # A file cut before a record's headers are whole ends warcio's iteration as if it had ended there.
        left = size - records.offset
        if left > 0 and not _nothing_from(stream, records.offset):
            raise StorageError(f"cannot read {name}: its record {read + 1} is truncated"
                               f" (the file's last {left} bytes are no whole record)")
    except DAMAGED as err:
        raise StorageError(f"cannot read {name}: its record {read + 1} is {damage(err)}") from err


def _nothing_from(stream: IO[bytes], offset: int) -> bool:
    """Whether the bytes after the last whole record hold no record: blank lines or empty gzip members, which a
    writer may close a file with (warcio stops before them), and not the head of one cut short."""
    stream.seek(offset)
    rest = stream.read(CHUNK + 1)
    if len(rest) > CHUNK:
        return False
    while rest.startswith(b"\x1f\x8b"):
        member = zlib.decompressobj(wbits=31)
        if member.decompress(rest, CHUNK).strip() or not member.eof:
            return False
        rest = member.unused_data
    return not rest.strip()


def _check_whole_block(record: Any, name: str, number: int) -> None:
    """Read the rest of a record's block, and refuse the record when the file ends first.

    A file cut inside a gzip member (or a plain WARC cut inside a record) reads
    without an error from warcio or zlib, as far as it goes: the page would be
    parsed short, as if whole. Only what its block reader still had to give,
    by the record's Content-Length, shows it.
    """
    while record.raw_stream.read(CHUNK):
        pass
    # No block reader of a length: no Content-Length to hold the file to (warcio's empty record for blank lines
    # after the last gzip member).
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise StorageError(f"cannot read {name}: its record {number} is truncated"
                           f" (the file ends {missing} bytes before the record does)")


# What reading a damaged record raises: warcio's own errors, those of the gzip member or HTTP head it cuts, and
# AttributeError where warcio reads a header the record lacks (no WARC-Target-URI, no HTTP status line).
DAMAGED = (StopIteration, EOFError, ValueError, zlib.error, AttributeError, ArchiveLoadFailed,
           StatusAndHeadersParserException)


def damage(err: BaseException) -> str:
    """A damaged record's error in a few words: warcio's messages quote the bytes it choked on, its kind says enough."""
    return f"damaged ({type(err).__name__})"
