"""Politeness (issue 9): a crawl with the live defaults reads robots.txt, names itself, paces itself and waits when asked.

`scrapy crawl abai` runs with the project's live settings (only the download
handler is pointed at a test server on 127.0.0.1). The server serves the
fixture mirror, a robots.txt that forbids the category listings, answers the
homepage's first request with 503 and Retry-After, and logs when each
request came, its User-Agent and how many were in flight.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import SITES
from crawler import settings
from crawler.mirror import Mirror, offline_settings, setting_args

ROOT = Path(__file__).resolve().parent.parent
ROBOTS = b"User-agent: *\nDisallow: /part/\n"
LATENCY = 0.1  # seconds each answer takes, so overlapping requests would show


@dataclass(frozen=True)
class Hit:
    at: float
    path: str
    user_agent: str


class PoliteServer:
    """The fixture mirror with a robots.txt and one 503 + Retry-After; logs hits and the peak of requests in flight."""

    def __init__(self) -> None:
        self.mirror = Mirror(SITES / "abai.kz")
        self.hits: list[Hit] = []
        self.in_flight = self.peak = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return "%s:%s" % self.httpd.server_address[:2]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                with server.lock:
                    server.in_flight += 1
                    server.peak = max(server.peak, server.in_flight)
                    first_home = self.path == "/" and not any(h.path == "/" for h in server.hits)
                    server.hits.append(Hit(time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                try:
                    time.sleep(LATENCY)
                    if self.path == "/robots.txt":
                        self.answer(200, ROBOTS, "text/plain")
                    elif first_home:
                        self.answer(503, b"busy", "text/plain", {"Retry-After": "2"})
                    else:
                        page = server.mirror.lookup(f"https://{self.headers['X-Forwarded-Host']}{self.path}")
                        if page is None:
                            self.answer(404, b"Not in mirror", "text/plain")
                        else:
                            self.answer(page.status, page.file.read_bytes(), page.content_type)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def answer(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in {**(headers or {}), "Content-Type": ctype, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture(scope="module")
def polite_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[PoliteServer, str]:
    server = PoliteServer()
    db = tmp_path_factory.mktemp("polite") / "archive.sqlite"
    # The mirror's handler and address only: the politeness settings under test stay the live ones.
    settings = {"MIRROR_ADDRESS": server.address, "DOWNLOAD_HANDLERS": offline_settings()["DOWNLOAD_HANDLERS"],
                "DB_PATH": str(db), "LOG_LEVEL": "INFO"}
    command = [sys.executable, "-m", "scrapy", "crawl", "abai", "-a", "scripts=cyrl", "-a", "max_articles=3",
               *setting_args(settings)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    server.httpd.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    return server, result.stderr


def test_robots_txt_is_read_first_and_obeyed(polite_crawl) -> None:
    server, _ = polite_crawl
    assert server.hits[0].path == "/robots.txt"
    assert [h.path for h in server.hits].count("/robots.txt") == 1
    assert not [h.path for h in server.hits if h.path.startswith("/part/")]  # Disallow: /part/
    assert sum(h.path.startswith("/post/") for h in server.hits) == 3  # the homepage's articles still are fetched


def test_user_agent_names_the_project_and_its_contact_url(polite_crawl) -> None:
    server, _ = polite_crawl
    assert {h.user_agent for h in server.hits} == {settings.USER_AGENT}
    assert settings.CONTACT_URL in settings.USER_AGENT


def test_requests_to_the_site_are_paced(polite_crawl) -> None:
    server, _ = polite_crawl
    assert server.peak <= settings.CONCURRENT_REQUESTS_PER_DOMAIN
    gaps = [b.at - a.at for a, b in zip(server.hits, server.hits[1:])]
    # Scrapy randomizes DOWNLOAD_DELAY between 0.5 and 1.5 times itself; AutoThrottle never goes below it.
    assert min(gaps) >= 0.5 * settings.DOWNLOAD_DELAY, gaps


def test_autothrottle_is_on(polite_crawl) -> None:
    _, log = polite_crawl
    enabled = re.search(r"Enabled extensions:\n\[(.*?)\]", log, re.S)
    assert enabled and "scrapy.extensions.throttle.AutoThrottle" in enabled.group(1)


def test_retry_after_is_honoured(polite_crawl) -> None:
    server, _ = polite_crawl
    home = [h.at for h in server.hits if h.path == "/"]
    # 503 with Retry-After: 2, then the retry (paced alone, it would come within about 1 s)
    assert len(home) == 2 and home[1] - home[0] >= 2.0


def test_politeness_defaults_are_documented_as_set() -> None:
    """docs/operations.md's table of politeness settings states the values crawler/settings.py sets."""
    table = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8").split("## Politeness", 1)[1]
    documented = dict(re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", table, re.M))
    assert {"ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
            "USER_AGENT", "CONTACT_URL", "RETRY_AFTER_MAX"} <= set(documented)
    for name, value in documented.items():
        assert value == str(getattr(settings, name)), name
