"""Shared test setup: where the fixtures are, no proxies, the project's own pytest plugin, and helpers many tests use.

The saved-page helpers (`mirror`, `parse_fixture`, `--update-expected`) live in
the package's pytest plugin, `crawler/pytest_plugin.py`. An installed package
loads it through its `pytest11` entry point; `pytest_plugins` below loads the
same module, under the same name, from an uninstalled checkout.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pytest
import redis
import sqlite_utils

from crawler.fixtures import SavedPage, saved_pages
from crawler.mirror import offline_settings, setting_args
from crawler.storage import Store

pytest_plugins = ["crawler.pytest_plugin", "pytester"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SITES = FIXTURES / "sites"

# Tests never reach the network: no proxy may redirect loopback traffic.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)


def mirror_pages(site: str, *kinds: str) -> list[SavedPage]:
    """The saved pages of a site's mirror under tests/fixtures/sites, optionally only those of some kinds."""
    return saved_pages(SITES / site, *kinds)


def read_manifest(directory: Path) -> list[dict[str, Any]]:
    """The lines of a mirror folder's `manifest.jsonl`, as JSON objects."""
    return [json.loads(line) for line in (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a subprocess (a crawl runs Twisted's reactor, which starts once per process)."""
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def on_a_terminal(*args: str) -> tuple[str, str]:
    """`python -m crawler ARGS` with standard error on a terminal and standard output to a pipe: (output, what the
    terminal got)."""
    leader, follower = os.openpty()
    with subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=follower, text=True) as process:
        os.close(follower)
        drawn = terminal_output(leader, 60)
        output = process.stdout.read() if process.stdout else ""
    return output, drawn


def terminal_output(leader: int, quiet: float) -> str:
    """All a pseudo-terminal's leader end `leader` receives until its follower end is closed, or nothing came for `quiet`
    seconds (one read may return a first redraw only); the leader is closed."""
    received = b""
    while select.select([leader], [], [], quiet)[0]:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # the follower end is closed and drained (Linux: EIO)
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return received.decode("utf-8", "replace")


@contextmanager
def a_terminal(drawn: list[str]) -> Iterator[TextIO]:
    """A pseudo-terminal to write to; once closed, what it received is appended to `drawn`."""
    leader, follower = os.openpty()
    with open(follower, "w", encoding="utf-8") as terminal:
        yield terminal
    drawn.append(terminal_output(leader, 0.5))


def screen_lines(drawn: str) -> list[str]:
    """The lines a terminal shows of `drawn`: each line's text after its last carriage return (a bar's redraw starts
    with one), escape sequences (colours, erase) dropped."""
    return [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line.rstrip("\r")).rpartition("\r")[2] for line in drawn.split("\n")]


def as_reader(command: list[str]) -> list[str]:
    """`command` run without the power to write what its mode bits forbid: root writes read-only files, so it drops that capability."""
    if os.geteuid() != 0:
        return command
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search", *command]


def offline_crawl(db: Path, *args: str) -> str:
    """`crawl ARGS --offline --db DB` on the bundled mirrors in a subprocess; its output, once it exited 0."""
    result = cli("crawl", *args, "--offline", "--db", str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def scrapy_crawl(spider: str, address: str, db: Path, *spider_args: str, settings: dict[str, Any] | None = None) -> None:
    """`scrapy crawl SPIDER -a ARG… [-s NAME=VALUE…]` in a subprocess, against the mirror server at `address`, into `db`; it must exit 0."""
    settings = {**offline_settings(address=address), "DB_PATH": str(db), "LOG_LEVEL": "WARNING", **(settings or {})}
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *setting_args(settings)]
    for arg in spider_args:
        command += ["-a", arg]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def crawl_seen(spider: str, server: Any, db: Path, *spider_args: str) -> set[str]:
    """`scrapy crawl SPIDER` on a running MirrorServer; the canonical URLs the server saw during the run (each once)."""
    from crawler.parsers import canonical_url

    before = len(server.requests)
    scrapy_crawl(spider, server.address, db, *spider_args)
    seen = [canonical_url(url) for url, _ in server.requests[before:]]
    assert len(seen) == len(set(seen)), "a page was fetched twice in one run"
    return set(seen)


def copy_archive(source: Path, target: Path) -> Path:
    """A private copy of an archive (SQLite's backup: consistent even in WAL mode)."""
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    reader.backup(writer)
    reader.close(), writer.close()
    return target


def run_row(db: Path, run_id: int) -> dict[str, Any]:
    """A `crawl_runs` row with its `stats` and `args` decoded."""
    row = dict(sqlite_utils.Database(db)["crawl_runs"].get(run_id))
    row["stats"], row["args"] = json.loads(row["stats"]), json.loads(row["args"])
    return row


def fetched_variants(db: Path, run_id: int) -> set[tuple[str, str]]:
    """(key, script) of the article pages a crawl run fetched and stored, new or not: fetched since the run began."""
    started = run_row(db, run_id)["started_at"]
    rows = sqlite_utils.Database(db).query("select key, script from article_variants where fetched_at >= ?", [started])
    return {(row["key"], row["script"]) for row in rows}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago, for a server the test starts as a process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A fresh, empty archive of the test's own."""
    return Store(tmp_path / "a.sqlite")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 (no persistence); each test takes its own database number."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install -y redis-server; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server, port = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A redis-server on a free 127.0.0.1 port (no persistence, files in `folder`), once it answers; and its port."""
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return server, port
        except redis.ConnectionError:
            time.sleep(0.1)
    server.kill()
    pytest.fail("redis-server did not answer within 10 s")
