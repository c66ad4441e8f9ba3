"""A fixture mirror of a site, served over HTTP on 127.0.0.1, and the download handler that reaches it.

A mirror is a folder with `manifest.jsonl` (one line per page: url, file,
status, content_type, headers, source) and the page files, or a folder of such
site folders. `MirrorServer` serves it on an ephemeral loopback port;
`MirrorDownloadHandler` sends every request to that server through Scrapy's
own HTTP/1.1 handler, carrying the real host and scheme in
`X-Forwarded-Host`/`X-Forwarded-Proto`, and hands the response back under the
site's real URL. Spiders, parsers and the store never see a loopback address.
A browser (no `X-Forwarded-Host`) gets pages by path, and an index of the
mirror at `/_mirror/`.
"""

from __future__ import annotations

import html
import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured

from crawler.errors import ConfigError
from crawler.parsers import canonical_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"
MIRROR_HANDLER = "crawler.mirror.MirrorDownloadHandler"
INDEX_PATH = "/_mirror/"
# Headers the server computes itself instead of replaying them from the manifest.
_COMPUTED_HEADERS = frozenset({
    "content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "date", "server",
})


@dataclass(frozen=True, slots=True)
class MirrorPage:
    """One manifest line."""

    url: str
    file: Path
    status: int
    content_type: str
    entry: dict[str, Any]


class Mirror:
    """The pages of a mirror folder (or of a folder of site mirrors), looked up by canonical URL."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.pages: dict[str, MirrorPage] = {}
        if (self.directory / MANIFEST).is_file():
            self._read(self.directory / MANIFEST)
            return
        if not self.directory.is_dir():
            raise ConfigError(f"mirror folder {self.directory} does not exist")
        sites = sorted(d / MANIFEST for d in self.directory.glob("*") if (d / MANIFEST).is_file())
        if not sites:
            raise ConfigError(f"no {MANIFEST} in mirror folder {self.directory} nor in its subfolders")
        for manifest in sites:
            self._read(manifest)

    def _read(self, manifest: Path) -> None:
        for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                page = MirrorPage(
                    url=entry["url"], file=manifest.parent / entry["file"], status=int(entry.get("status", 200)),
                    content_type=entry.get("content_type", "text/html; charset=utf-8"), entry=entry,
                )
            except (ValueError, KeyError) as err:
                raise ConfigError(f"{manifest}:{number}: bad manifest line ({err})") from err
            self.pages[canonical_url(page.url)] = page

    def lookup(self, url: str) -> MirrorPage | None:
        """The page a request for `url` gets, as the live site would serve it."""
        return self.pages.get(canonical_url(url))

    def lookup_path(self, path: str) -> MirrorPage | None:
        """The first page whose canonical path and query are `path`'s, whatever its host (for browsing)."""
        wanted = urlsplit(canonical_url("http://mirror" + path))
        for key, page in self.pages.items():
            parts = urlsplit(key)
            if (parts.path, parts.query) == (wanted.path, wanted.query):
                return page
        return None


class MirrorServer:
    """Serves a `Mirror` on 127.0.0.1 in a background thread; records every request."""

    def __init__(self, mirror: Mirror, port: int = 0) -> None:
        self.mirror = mirror
        self.requests: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mirror", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{host!s}:{port}"

    def record(self, url: str, status: int) -> None:
        with self._lock:
            self.requests.append((url, status))

    def start(self) -> MirrorServer:
        self._thread.start()
        logger.info("Serving mirror %s on http://%s", self.mirror.directory, self.address)
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(server: MirrorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            scheme = self.headers.get("X-Forwarded-Proto", "http")
            forwarded = self.headers.get("X-Forwarded-Host")
            url = f"{scheme}://{forwarded or self.headers.get('Host', '')}{self.path}"
            page = server.mirror.lookup(url)
            if page is None and not forwarded:  # a browser: find the page by path
                if self.path == INDEX_PATH:
                    server.record(url, 200)
                    return self._send(200, _index(server.mirror), "text/html; charset=utf-8")
                page = server.mirror.lookup_path(self.path)
            if page is None:
                server.record(url, 404)
                return self._send(404, b"Not in mirror", "text/plain; charset=utf-8")
            server.record(url, page.status)
            encoding = "gzip" if page.file.suffix == ".gz" else None
            saved = {k: str(v) for k, v in page.entry.get("headers", {}).items() if k.lower() not in _COMPUTED_HEADERS}
            self._send(page.status, page.file.read_bytes(), page.content_type, encoding, saved)

        def _send(self, status: int, body: bytes, ctype: str, encoding: str | None = None,
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", ctype)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            logger.debug("mirror: " + format, *args)

    return Handler


def _index(mirror: Mirror) -> bytes:
    """An HTML list of the mirror's pages, linked by path, for browsing."""
    rows = []
    for page in mirror.pages.values():
        parts = urlsplit(page.url)
        path = html.escape(parts.path + (f"?{parts.query}" if parts.query else ""))
        kind = html.escape(str(page.entry.get("kind", "")))
        rows.append(f'<li><a href="{path}">{html.escape(page.url)}</a> {page.status} {kind}</li>')
    title = html.escape(f"Mirror {mirror.directory}")
    return f"<!DOCTYPE html><title>{title}</title><h1>{title}</h1><ul>{''.join(rows)}</ul>".encode()


def offline_settings(mirror: Path | str | None = None, address: str | None = None) -> dict[str, Any]:
    """Scrapy settings that send every request to a mirror (a folder to serve, or a running server's host:port).

    A loopback server needs no politeness; everything else stays as it is for
    the live sites.
    """
    settings: dict[str, Any] = {
        "DOWNLOAD_HANDLERS": {"http": MIRROR_HANDLER, "https": MIRROR_HANDLER},
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    }
    if address:
        settings["MIRROR_ADDRESS"] = address
    if mirror is not None:
        settings["MIRROR_DIR"] = str(mirror)
    return settings


def source_of(settings: Any) -> str:
    """Where a crawl's pages come from: "mirror server at HOST:PORT", "offline mirror DIR" or "live".

    The summary says it, and the run's row and the warcinfo record of its WARC
    files keep it: their records carry the site's real URLs either way, and
    a mirror's pages may be reconstructed, not captured.
    """
    if settings.get("MIRROR_ADDRESS"):
        return f"mirror server at {settings.get('MIRROR_ADDRESS')}"
    if settings.get("MIRROR_DIR"):
        return f"offline mirror {Path(settings.get('MIRROR_DIR')).resolve()}"
    return "live"


def with_mirror(overrides: dict[str, Any]) -> dict[str, Any]:
    """`-s` settings that name a mirror (MIRROR_ADDRESS, MIRROR_DIR) with what routes requests to it; others as they are.

    MIRROR_ADDRESS alone would be read by no download handler, and the
    requests would go to the live site instead of the mirror.
    """
    if not (overrides.get("MIRROR_ADDRESS") or overrides.get("MIRROR_DIR")):
        return overrides
    return {**offline_settings(), **overrides}


def setting_pairs(settings: dict[str, Any]) -> list[str]:
    """Settings as `NAME=VALUE` strings (a dict as JSON), the form Scrapy's `-s` and scrapyd's `setting=` take."""
    return [f"{name}={json.dumps(value) if isinstance(value, dict) else value}" for name, value in settings.items()]


def setting_args(settings: dict[str, Any]) -> list[str]:
    """Settings as `-s NAME=VALUE` command-line arguments, for `scrapy crawl` or `fixtures record`."""
    return [arg for pair in setting_pairs(settings) for arg in ("-s", pair)]


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler, pointed at a mirror server instead of the internet.

    Enabled by the MIRROR_ADDRESS setting (host:port of a running server) or
    MIRROR_DIR (a mirror folder: the handler then serves it itself).
    """

    def __init__(self, crawler: Crawler) -> None:
        address = crawler.settings.get("MIRROR_ADDRESS")
        directory = crawler.settings.get("MIRROR_DIR")
        if not address and not directory:
            raise NotConfigured("no MIRROR_ADDRESS or MIRROR_DIR")
        super().__init__(crawler)
        self._own_server = None if address else MirrorServer(Mirror(directory)).start()
        self.address = address or self._own_server.address  # type: ignore[union-attr]

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        headers = request.headers.copy()
        headers["X-Forwarded-Host"] = parts.netloc
        headers["X-Forwarded-Proto"] = parts.scheme
        local = request.replace(url=urlunsplit(("http", self.address, parts.path or "/", parts.query, "")), headers=headers)
        response = await super().download_request(local)
        return response.replace(url=request.url)

    async def close(self) -> None:
        await super().close()
        if self._own_server is not None:
            self._own_server.stop()
