"""Every fetched response kept raw in gzip WARC files, indexed in the `pages` table (read back by
`crawler/warc_reads.py`).

`WarcMiddleware` sits next to the downloader (priority 950), so it records
each response as the server sent it: still compressed, before a redirect or
a retry is acted on, robots.txt included. It sits above the download handler,
so it sees the site's real URL even when the offline mirror's handler sends
the request to a loopback address. Each response is a `response` record
followed by its `request` record (WARC/1.0, `WARC-Concurrent-To` linking
them), both dated with the fetch time, each record its own gzip member so a
`pages` row's offset and length read one record back without the rest of
the file. One file per crawl run, rotated at WARC_MAX_SIZE bytes.

Records are built, compressed and indexed on a writer thread: digests and
gzip run outside the GIL, so on a machine with a spare core they cost the
crawl's Scrapy thread almost nothing (WARC_THREAD; off = written in line).
"""

from __future__ import annotations

import base64
import io
import logging
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import __version__
from crawler.fulldisk import is_disk_full, stop_crawl, stopping_when_full
from crawler.mirror import source_of
from crawler.parsers.abai import SITE as ABAI
from crawler.parsers.abai import article_ref
from crawler.parsers.abai.urls import article_key
from crawler.pipelines.store import run_closing
from crawler.storage import Store
from crawler.urls import site_of

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# Headers describing a transfer that no longer applies to the stored (de-chunked) body.
_DROPPED_HEADERS = frozenset({b"transfer-encoding"})


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and the response it got, as they went over the wire."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    protocol: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime


def warc_dir(settings: BaseSettings) -> Path:
    """WARC_DIR, or a `warc` folder beside the database, so `--db` moves both."""
    configured = settings.get("WARC_DIR")
    return Path(configured) if configured else Path(settings.get("DB_PATH")).parent / "warc"


class WarcFiles:
    """Gzip WARC files of one crawl run: `<prefix>-<stamp>-<seq>.warc.gz`, a new one past `max_size` bytes."""

    def __init__(self, directory: Path, prefix: str, max_size: int, db_dir: Path | None = None,
                 info: dict[str, str] | None = None, level: int = 3) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_size = max_size
        self.level = level
        self.db_dir = db_dir.resolve() if db_dir else None
        self.info = info or {}
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.sequence = -1
        self.path: Path | None = None
        self._out: IO[bytes] | None = None

    def write(self, exchange: Exchange) -> dict[str, Any]:
        """Append a response and its request; return the `pages` columns locating the response record."""
        if self._out is None or self._out.tell() >= self.max_size:
            self._rotate()
        assert self._out is not None and self.path is not None
        response = _response_record(exchange)
        request = _request_record(exchange, response.rec_headers.get_header("WARC-Record-ID"))
        offset = self._out.tell()
        self._out.write(_gzip_member(response, self.level))
        length = self._out.tell() - offset
        self._out.write(_gzip_member(request, self.level))
        return {
            "url": exchange.url, "status": exchange.status, "fetched_at": _iso(exchange.fetched_at),
            "content_type": _header(exchange.response_headers, "content-type"),
            "warc_file": self._stored_name(self.path), "warc_offset": offset, "warc_length": length,
            "warc_record_id": response.rec_headers.get_header("WARC-Record-ID"),
            "payload_sha1": _hex_digest(response.rec_headers.get_header("WARC-Payload-Digest")),
        }

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _rotate(self) -> None:
        """Open the next file. A name taken (another database's run of the same id, started in the same second, in a
        shared folder) moves on to the next sequence number: never over another run's records."""
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        while self._out is None:
            self.sequence += 1
            path = self.directory / f"{self.prefix}-{self.stamp}-{self.sequence:05d}.warc.gz"
            try:
                self._out = path.open("xb")
            except FileExistsError:
                continue
            self.path = path
        info = {"software": f"newsarchive/{__version__} (warcio)", "format": "WARC File Format 1.0", **self.info}
        self._out.write(_gzip_member(WARCWriter(io.BytesIO()).create_warcinfo_record(path.name, info), self.level))

    def _stored_name(self, path: Path) -> str:
        if self.db_dir is not None:
            try:
                return path.resolve().relative_to(self.db_dir).as_posix()
            except ValueError:
                pass
        return str(path.resolve())


def _response_record(exchange: Exchange) -> Any:
    try:
        reason = HTTPStatus(exchange.status).phrase
    except ValueError:
        reason = ""
    http = StatusAndHeaders(f"{exchange.status} {reason}".strip(), exchange.response_headers, protocol=exchange.protocol)
    return WARCWriter(io.BytesIO()).create_warc_record(
        exchange.url, "response", payload=io.BytesIO(exchange.body), length=len(exchange.body), http_headers=http,
        warc_headers_dict={"WARC-Date": _warc_date(exchange.fetched_at)},
    )


def _request_record(exchange: Exchange, response_id: str) -> Any:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc), *((k, v) for k, v in exchange.request_headers if k.lower() != "host")]
    http = StatusAndHeaders(f"{exchange.method} {target} HTTP/1.1", headers, is_http_request=True)
    return WARCWriter(io.BytesIO()).create_warc_record(
        exchange.url, "request", payload=io.BytesIO(exchange.request_body), length=len(exchange.request_body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": _warc_date(exchange.fetched_at), "WARC-Concurrent-To": response_id},
    )


def _gzip_member(record: Any, level: int) -> bytes:
    """One record as one gzip member, the layout WARC readers expect of .warc.gz.

    Packed here rather than by warcio, which always uses level 9: on HTML,
    level 3 is five times faster and a tenth larger, level 1 faster still.
    """
    plain = io.BytesIO()
    WARCWriter(plain, gzip=False).write_record(record)
    packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(plain.getvalue()) + packer.flush()


def page_key(url: str) -> str | None:
    """The article key a URL names, for sites whose URLs carry one (a spider may say it instead: `meta["article_key"]`)."""
    if site_of(url) == ABAI:
        ref = article_ref(url)
        return article_key(ref[0]) if ref else None
    return None


def page_kind(request: Request, url: str) -> str:
    """What a fetched page is: `meta["page_kind"]`, else the callback's name (`parse_listing` → listing), else its URL."""
    if request.meta.get("page_kind"):
        return str(request.meta["page_kind"])
    path = urlsplit(url).path.lower()
    if path.endswith("/robots.txt"):
        return "robots"
    name = getattr(request.callback, "__name__", "")
    if name.startswith("parse_"):
        return name.removeprefix("parse_")
    if "sitemap" in path:
        return "sitemap"
    return "article" if page_key(url) else "other"


def fetched_time(response: Response) -> str:
    """When the response arrived: `WarcMiddleware`'s stamp (so items, metrics and `pages` agree), else now."""
    request = response.request
    stamped = request.meta.get("fetched_at") if request is not None else None
    return str(stamped) if stamped else datetime.now(UTC).isoformat(timespec="seconds")


class WarcMiddleware:
    """Downloader middleware: every response of a crawl run into its WARC file, the index rows into `pages` in batches.

    The run is the one the store pipeline opened (`newsarchive/crawl_run` in
    the stats); without one, as under `scrapy check` or `scrapy shell`,
    nothing is archived. With WARC_THREAD on, files and `pages` are written
    only by the writer thread (SQLite connections stay in their thread), at
    most MAX_QUEUED responses and MAX_QUEUED_BYTES of their bodies behind the
    crawl (a page may be as large as DOWNLOAD_MAXSIZE: thirty-two of them
    would hold half a gigabyte while the writer lags); a record that fails to be
    written is logged and counted (`warc/errors`), and the crawl goes on.
    The writer finishes before the store pipeline stores the run's stats, so
    they count the failures of the last queued records too. Written in line
    (WARC_THREAD off, and always on distributed workers), a failure fails the
    response: the page becomes a download error.
    """

    MAX_QUEUED = 32
    MAX_QUEUED_BYTES = 32 * 1024 * 1024
    THREADED = True  # False: always in line, whatever WARC_THREAD says

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        self.crawler = crawler
        self.directory = warc_dir(settings)
        self.db_path = Path(settings.get("DB_PATH"))
        self.max_size = settings.getint("WARC_MAX_SIZE")
        self.level = settings.getint("WARC_GZIP_LEVEL")
        self.batch_size = settings.getint("STORE_BATCH_SIZE")
        self.user_agent = settings.get("USER_AGENT")
        self.source = source_of(settings)
        self.files: WarcFiles | None = None
        self.pending: list[dict[str, Any]] = []
        self.store: Store | None = None
        threaded = self.THREADED and settings.getbool("WARC_THREAD", True)
        self.writer = ThreadPoolExecutor(1, "warc-writer") if threaded else None
        self.queued: deque[tuple[str, int, Future[None]]] = deque()
        self.queued_bytes = 0
        self.closed = False
        crawler.signals.connect(self.close, signal=run_closing)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        fetched_at = datetime.now(UTC).replace(microsecond=0)
        request.meta["fetched_at"] = _iso(fetched_at)  # the spider stamps its items with the same time
        run_id = self._run_id()
        if run_id is None:  # no crawl run (`scrapy check`, `scrapy shell`): nothing to archive it under
            return response
        exchange = Exchange(
            url=request.url, method=request.method, request_headers=_pairs(request.headers), request_body=request.body,
            status=response.status, protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            response_headers=_pairs(response.headers), body=response.body, fetched_at=fetched_at,
        )
        labels = {"crawl_run": run_id, "site": site_of(request.url),
                  "key": request.meta.get("article_key") or page_key(request.url),
                  "kind": page_kind(request, request.url)}
        self.crawler.stats.inc_value("warc/records")
        if self.writer is None:
            try:
                self._archive(run_id, exchange, labels)
            except Exception as err:  # the file, or the index in `pages`
                if is_disk_full(err):
                    stop_crawl(self.crawler, err, f"{request.url} into its WARC file")
                raise
        else:
            size = len(response.body)
            self._settle(self.MAX_QUEUED, self.MAX_QUEUED_BYTES - size)
            self.queued.append((request.url, size, self.writer.submit(self._archive, run_id, exchange, labels)))
            self.queued_bytes += size
        return response

    def _archive(self, run_id: int, exchange: Exchange, labels: dict[str, Any]) -> None:
        row = self._files(run_id).write(exchange)
        row.update(labels)
        self.pending.append(row)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def drain(self) -> None:
        """Wait until every queued response is in its file (and, batch by batch, in `pages`)."""
        self._settle(0, 0)

    def _settle(self, keep: int, room: int) -> None:
        """Account for finished writes; wait for the oldest while more than `keep` responses, or more than `room`
        bytes of their bodies, are queued."""
        while self.queued and (len(self.queued) > keep or self.queued_bytes > room or self.queued[0][2].done()):
            url, size, future = self.queued.popleft()
            self.queued_bytes -= size
            error = future.exception()
            if error is None:
                continue
            self.crawler.stats.inc_value("warc/errors")
            if is_disk_full(error):
                stop_crawl(self.crawler, error, f"{url} into its WARC file")
            else:
                logger.error("Could not archive %s in WARC: %s", url, error, exc_info=error)

    def flush(self) -> None:
        """Make the records durable, then index them: a `pages` row never points past the file's end."""
        if not self.pending:
            return
        assert self.files is not None
        self.files.flush()
        if self.store is None:
            self.store = Store(self.db_path)
        self.store.save_pages(self.pending)
        self.pending = []

    def close(self, spider: Spider | None = None) -> None:
        """Write what is queued, close the files, stop the writer thread; once.

        First called as the store pipeline closes (`run_closing`), so what is
        counted meanwhile (`warc/errors`) is in the run's stored stats; then on
        spider_closed, which alone closes a crawl without the store pipeline
        (a distributed worker's).
        """
        if self.closed:
            return
        self.closed = True
        if self.writer is None:
            with stopping_when_full(self.crawler, f"the index of its WARC records into {self.db_path}"):
                self._close()
            return
        self.queued.append(("(closing the WARC files)", 0, self.writer.submit(self._close)))  # the writer owns them
        self.drain()
        self.writer.shutdown()

    def _close(self) -> None:
        try:
            self.flush()
        finally:
            if self.files is not None:
                self.files.close()

    def _run_id(self) -> int | None:
        run = self.crawler.stats.get_value("newsarchive/crawl_run")
        return int(run) if run is not None else None

    def _files(self, run_id: int) -> WarcFiles:
        if self.files is None:
            name = f"newsarchive-run{run_id:05d}"
            self.files = WarcFiles(self.directory, name, self.max_size, self.db_path.parent,
                                   self._warcinfo(f"crawl run {run_id}"), self.level)
        return self.files

    def _warcinfo(self, part_of: str) -> dict[str, str]:
        """The warcinfo fields of the crawl's files: what they are part of, the User-Agent, where the pages came from."""
        return {"isPartOf": part_of, "http-header-user-agent": self.user_agent or "", "source": self.source}


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) text pairs, one per value, minus transfer-only headers."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items() if name.lower() not in _DROPPED_HEADERS
        for value in values
    ]


def _hex_digest(warc_digest: str) -> str:
    """`sha1:<base32>` (WARC-Payload-Digest) as hex, the form the rest of the archive uses."""
    algorithm, _, value = warc_digest.partition(":")
    assert algorithm == "sha1", warc_digest
    return base64.b32decode(value).hex()


def _header(pairs: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in pairs if k.lower() == name), None)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
