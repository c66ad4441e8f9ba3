"""`fixtures serve`: a mirror on 127.0.0.1 that a browser can read by path and a crawl can use by real URL."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from conftest import SITES

ROOT = Path(__file__).resolve().parent.parent
PAGES = SITES / "abai.kz" / "pages"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """`fixtures serve abai.kz` in a subprocess: (process, address, the crawl hint it printed)."""
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "fixtures", "serve", "abai.kz"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header = [proc.stdout.readline() for _ in range(4)]  # type: ignore[union-attr]
        assert header[0].startswith("Serving "), header + [proc.stderr.read()]  # type: ignore[union-attr]
        address = header[0].rsplit("http://", 1)[1].strip()
        yield proc, address, header[2].split("crawl", 1)[1].strip()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_serve_prints_a_loopback_address(served) -> None:
    _, address, _ = served
    host, port = address.split(":")
    assert host == "127.0.0.1" and int(port) > 0


def test_a_browser_reads_pages_by_path_and_an_index(served) -> None:
    _, address, _ = served
    assert get(f"http://{address}/lt/post/94535") == (200, (PAGES / "lt-post-94535.html").read_bytes())
    assert get(f"http://{address}/part/1?page=2") == (200, (PAGES / "part-1-page-2.html").read_bytes())
    status, index = get(f"http://{address}/_mirror/")
    assert status == 200
    assert index.count(b"<li>") == 23 and b'href="/tt/post/211030"' in index


def test_a_crawl_request_gets_the_page_of_its_real_url(served) -> None:
    _, address, _ = served
    assert get(f"http://{address}/index.php/post/124675", **{"X-Forwarded-Host": "www.abai.kz"}) == (
        200, (PAGES / "post-124675.html").read_bytes())
    status, _ = get(f"http://{address}/post/999999", **{"X-Forwarded-Host": "abai.kz"})
    assert status == 404
    status, _ = get(f"http://{address}/post/1", **{"X-Forwarded-Host": "abai.kz"})
    assert status == 404


def test_the_printed_crawl_command_crawls_the_served_mirror(served, tmp_path: Path) -> None:
    proc, address, hint = served
    db = tmp_path / "served.sqlite"
    assert hint.startswith("scrapy crawl abai ")  # the site's own spider
    command = shlex.split(hint.replace("scrapy crawl", "crawl", 1))
    result = subprocess.run([sys.executable, "-m", "scrapy", *command, "-s", f"DB_PATH={db}", "-s", "LOG_LEVEL=WARNING",
                             "-a", "scripts=latn", "-a", "max_articles=2"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(sqlite_utils.Database(db)["article_variants"].rows)
    assert len(rows) == 2 and {r["script"] for r in rows} == {"latn"}
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    served_count = int(out.strip().splitlines()[-1].split("served ")[1].split()[0])
    assert served_count >= 2 + 4  # the two articles, and before them robots.txt and the listing pages


def test_a_profile_sites_crawl_hint_names_the_site_spider_and_its_profile() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "fixtures", "serve", "egemen.kz"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        header = [proc.stdout.readline() for _ in range(3)]  # type: ignore[union-attr]
    finally:
        proc.kill()
        proc.wait()
    assert header[2].split("crawl", 1)[1].strip().startswith("scrapy crawl site -a profile=seeds/egemen.kz.toml -s ")
