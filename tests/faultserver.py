"""A fault-injecting abai.kz mirror on 127.0.0.1: the fixture mirror plus one URL per way a server can fail.

`FaultServer` serves the bundled mirror (reached the same way as
`crawler.mirror.MirrorServer`: `MirrorDownloadHandler` sends the real host in
`X-Forwarded-Host`), except that its homepage is a listing linking every
fault URL, `/robots.txt` says what the test wants, and each fault URL is
answered by a `Serve` function that can do what a broken or hostile server
does: fail with a status, stall, reset the connection, cut the body short,
lie about the encoding, or send far too much. Every request is logged with
its host, path and attempt number, so tests assert on what was asked.
"""

from __future__ import annotations

import gzip
import html
import os
import socket
import struct
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crawler.mirror import Mirror

Serve = Callable[["FaultHandler", int], None]
"""Answers one request; gets the handler and the attempt number (1 for the first request of a path)."""


@dataclass(frozen=True)
class Fault:
    """One URL of the mirror and how the server answers it."""

    path: str
    """Path (with query) on abai.kz, such as `/post/900001`."""
    serve: Serve
    title: str = "Fault"
    """Link text of its card on the fault homepage."""
    linked: bool = True
    """False keeps the URL off the homepage (reached only by redirect, or never)."""


@dataclass(frozen=True)
class Hit:
    """One request the server received."""

    host: str
    path: str
    attempt: int
    at: float


class FaultServer:
    """The fixture mirror with faults, on an ephemeral 127.0.0.1 port, in a background thread."""

    def __init__(self, mirror: Mirror, faults: Sequence[Fault] = (), *, robots: str = "",
                 extra_links: Sequence[tuple[str, str]] = (), next_page: str | None = None, delay: float = 0.0,
                 home: bool = True) -> None:
        """`extra_links` and `next_page` go on the fault homepage; `delay` slows every answer;
        `home=False` serves the mirror's own homepage instead of the fault listing."""
        self.mirror = mirror
        self.delay = delay
        self.serve_home = home
        self.faults = {f.path: f for f in faults}
        self.robots = robots
        self.home = listing_html([(f.path, f.title) for f in faults if f.linked] + list(extra_links), next_page)
        self.hits: list[Hit] = []
        self._attempts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="faults", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{host!s}:{port}"

    def record(self, host: str, path: str) -> int:
        with self._lock:
            self._attempts[(host, path)] += 1
            attempt = self._attempts[(host, path)]
            self.hits.append(Hit(host, path, attempt, time.monotonic()))
        return attempt

    def requests_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a killed crawl, a cancelled download) is no error worth printing."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FaultHandler(BaseHTTPRequestHandler):
    """Request handler; `Serve` functions use its low-level helpers."""

    protocol_version = "HTTP/1.1"
    server_ref: FaultServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        host = (self.headers.get("X-Forwarded-Host") or self.headers.get("Host") or "").lower()
        attempt = self.server_ref.record(host, self.path)
        if self.server_ref.delay:
            time.sleep(self.server_ref.delay)
        fault = self.server_ref.faults.get(self.path)
        if fault is not None:
            fault.serve(self, attempt)
        elif self.path == "/robots.txt":
            self.send(200, self.server_ref.robots.encode(), "text/plain")
        elif self.path == "/" and self.server_ref.serve_home:
            self.send(200, self.server_ref.home.encode(), "text/html; charset=utf-8")
        else:
            page = self.server_ref.mirror.lookup(f"https://{host}{self.path}")
            if page is None:
                self.send(404, b"Not in mirror", "text/plain; charset=utf-8")
            else:
                self.send(page.status, page.file.read_bytes(), page.content_type)

    def send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_half(self, body: bytes) -> None:
        """A 200 whose headers promise all of the HTML `body`, then only its first half, flushed."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing server or middlebox does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _handler_for(server: FaultServer) -> type[FaultHandler]:
    return type("BoundFaultHandler", (FaultHandler,), {"server_ref": server})


# -- what a fault URL answers ---------------------------------------------------


def status(code: int, headers: dict[str, str] | None = None, body: bytes = b"<html><body>Error</body></html>") -> Serve:
    """Always the same error status."""
    return lambda h, attempt: h.send(code, body, "text/html; charset=utf-8", headers)


def fail_then(code: int, failures: int, then: Serve, headers: dict[str, str] | None = None) -> Serve:
    """`code` for the first `failures` attempts, then whatever `then` answers."""
    def serve(h: FaultHandler, attempt: int) -> None:
        if attempt <= failures:
            h.send(code, b"<html><body>Busy</body></html>", "text/html; charset=utf-8", headers)
        else:
            then(h, attempt)
    return serve


def page(body: bytes, content_type: str | None = "text/html; charset=utf-8", headers: dict[str, str] | None = None) -> Serve:
    """A normal 200 response with this body."""
    return lambda h, attempt: h.send(200, body, content_type, headers)


def stall(seconds: float) -> Serve:
    """Accept the request, say nothing for `seconds`, then hang up."""
    def serve(h: FaultHandler, attempt: int) -> None:
        time.sleep(seconds)
        h.close_connection = True
    return serve


def stall_mid_body(body: bytes, seconds: float) -> Serve:
    """Headers and half the body, then silence for `seconds` (a server stuck mid-response)."""
    def serve(h: FaultHandler, attempt: int) -> None:
        h.send_half(body)
        time.sleep(seconds)
        h.close_connection = True
    return serve


def reset() -> Serve:
    """Read the request, then reset the connection before answering."""
    return lambda h, attempt: h.reset()


def truncated(body: bytes) -> Serve:
    """Promise the whole body in Content-Length, send half, close."""
    def serve(h: FaultHandler, attempt: int) -> None:
        h.send_half(body)
        h.close_connection = True
    return serve


def redirect(location: str, code: int = 302) -> Serve:
    return lambda h, attempt: h.send(code, b"", "text/html; charset=utf-8", {"Location": location})


def huge(size: int, *, chunked: bool) -> Serve:
    """`size` bytes of HTML, streamed in 1 MiB pieces; with or without a Content-Length up front."""
    piece = (b"<p>" + b"x" * 1020 + b"</p>") * 1024

    def serve(h: FaultHandler, attempt: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(size))
        h.end_headers()
        sent = 0
        try:
            while sent < size:
                part = piece[: size - sent]
                h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                sent += len(part)
            if chunked:
                h.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up, as it should
            pass
        h.close_connection = True
    return serve


def gzip_bomb(unpacked: int) -> bytes:
    """A valid gzip stream of `unpacked` zero bytes, about 1/1000 of that on the wire.

    Built as concatenated gzip members of 1 MiB each (RFC 1952 allows that),
    so making a 1 GiB bomb costs one 1 MiB compression.
    """
    member = gzip.compress(b"\0" * (1 << 20), compresslevel=9)
    return member * (unpacked >> 20)


def bad_gzip(body: bytes) -> bytes:
    """Says gzip, is not: a valid header followed by garbage."""
    return gzip.compress(body)[:10] + os.urandom(64) + body[:100]


def deflate(body: bytes) -> bytes:
    return zlib.compress(body)


# -- page bodies ---------------------------------------------------------------


def article_html(title: str, paragraphs: Sequence[str], *, head: str = "", raw_body: str | None = None) -> str:
    """An abai.kz-like article page; `title` and `paragraphs` are text, escaped here."""
    body = raw_body if raw_body is not None else "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html>\n<html lang=\"kk\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title, quote=False)} | Abai.kz</title>\n{head}</head>\n<body>\n"
        "<div class=\"container main-content\"><div class=\"row\"><div class=\"col-md-8\">\n"
        "<article class=\"single-post\">\n"
        f"<h1 class=\"post-title\">{html.escape(title, quote=False)}</h1>\n"
        f"<div class=\"post-content\">\n{body}\n</div>\n"
        "</article>\n</div></div></div>\n</body>\n</html>\n"
    )


def listing_html(links: Sequence[tuple[str, str]], next_page: str | None = None) -> str:
    """A listing page in the site's card markup, one card per (href, title), and a rel=next link."""
    cards = "\n".join(
        f' <div class="with-frame"><div class="wf-block"><h3><a href="{html.escape(href)}">{html.escape(title)}</a></h3></div></div>'
        for href, title in links
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"kk\">\n<head>\n<meta charset=\"utf-8\">\n<title>Abai.kz</title>\n</head>\n<body>\n"
        f"<div class=\"container main-content\">\n{cards}\n</div>\n"
        + (f'<a rel="next" href="{html.escape(next_page)}">Next</a>\n' if next_page else "")
        + "</body>\n</html>\n"
    )


def undeclared(html_text: str, codec: str) -> bytes:
    """The page in a single-byte code page with every charset declaration removed.

    Characters the code page lacks become numeric character references, so
    the parsed text stays exactly that of `html_text`.
    """
    for declaration in ('<meta charset="utf-8">', "<meta charset=utf-8>"):
        html_text = html_text.replace(declaration, "")
    return html_text.encode(codec, errors="xmlcharrefreplace")
