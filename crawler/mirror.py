"""A fixture mirror of a site, served over HTTP on 127.0.0.1, and the download handler that reaches it.

A mirror is a folder with `manifest.jsonl` (one line per page: url, file,
status, content_type, source) and the page files. `MirrorServer` serves it on
an ephemeral loopback port; `MirrorDownloadHandler` sends every request to
that server through Scrapy's own HTTP/1.1 handler, carrying the real host and
scheme in `X-Forwarded-Host`/`X-Forwarded-Proto`, and hands the response back
under the site's real URL. Spiders, parsers and the store never see a
loopback address.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class MirrorPage:
    """One manifest line."""

    url: str
    file: Path
    status: int
    content_type: str
    entry: dict[str, Any]


class Mirror:
    """The pages of a mirror folder, looked up by canonical URL."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        manifest = self.directory / MANIFEST
        if not manifest.is_file():
            raise ConfigError(f"no {MANIFEST} in mirror folder {self.directory}")
        self.pages: dict[str, MirrorPage] = {}
        for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                page = MirrorPage(
                    url=entry["url"], file=self.directory / entry["file"], status=int(entry.get("status", 200)),
                    content_type=entry.get("content_type", "text/html; charset=utf-8"), entry=entry,
                )
            except (ValueError, KeyError) as err:
                raise ConfigError(f"{manifest}:{number}: bad manifest line ({err})") from err
            self.pages[canonical_url(page.url)] = page

    def lookup(self, url: str) -> MirrorPage | None:
        """The page a request for `url` gets, as the live site would serve it."""
        return self.pages.get(canonical_url(url))


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
        return f"{host}:{port}"

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
            host = self.headers.get("X-Forwarded-Host") or self.headers.get("Host", "")
            url = f"{scheme}://{host}{self.path}"
            page = server.mirror.lookup(url)
            if page is None:
                body, status, ctype, encoding = b"Not in mirror", 404, "text/plain; charset=utf-8", None
            else:
                body, status, ctype = page.file.read_bytes(), page.status, page.content_type
                encoding = "gzip" if page.file.suffix == ".gz" else None
            server.record(url, status)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            logger.debug("mirror: " + format, *args)

    return Handler


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
