"""Plumbing the performance benchmarks share: the machine they ran on, cached synthetic mirrors, a mirror server process.

The mirror server runs in its own process, so a crawl's figures (time, peak
memory) are the crawler's alone and the server does not compete with it for
the interpreter lock. Usable as `python -m benchmarks.harness serve DIR`,
which prints the server's address and serves until killed.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import SCRIPTS, make_mirror  # noqa: E402

CACHE = Path(os.environ.get("NEWSARCHIVE_BENCH_DIR", "/tmp/newsarchive-bench"))
PACKAGES = ("scrapy", "twisted", "lxml", "parsel", "trafilatura", "sqlite-utils", "dateparser")


def machine() -> str:
    """One line on the machine and the versions that matter for the figures."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; " + ", ".join(versions))


def mirror(n_articles: int, *, seed: int = 0, scripts: Sequence[str] = SCRIPTS) -> Path:
    """A synthetic mirror of `n_articles`, generated once and reused from the cache folder."""
    directory = CACHE / f"mirror-{n_articles}-{seed}-{'-'.join(scripts)}"
    stamp = directory / "complete.json"
    if not stamp.exists():
        started = time.perf_counter()
        made = make_mirror(directory, n_articles, seed=seed, scripts=tuple(scripts))
        stamp.write_text(json.dumps({"pages": made.pages, "bytes": made.bytes_written}))
        print(f"  generated {made.pages} pages ({made.bytes_written / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.0f} s → {directory}", file=sys.stderr)
    return directory


@contextmanager
def served(directory: Path) -> Iterator[str]:
    """Serve a mirror from a separate process on 127.0.0.1; yield its host:port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.harness", "serve", str(directory)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        if not address:
            raise RuntimeError(f"mirror server for {directory} did not start")
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: its exit code, wall time, peak RSS and what it printed."""

    returncode: int
    seconds: float
    peak_rss_mb: float
    stdout: str


def run_child(args: Sequence[str]) -> ChildRun:
    """Run a Python child from the repository root and measure its peak RSS (wait4's ru_maxrss)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if code != 0:
        sys.stderr.write(stderr[-4000:])
        raise RuntimeError(f"child {' '.join(args)} failed with exit code {code}")
    return ChildRun(code, seconds, usage.ru_maxrss / 1024, stdout)


def serve(directory: str) -> None:
    """Serve a mirror until killed; print the address first."""
    import logging
    import signal
    import threading

    from crawler.mirror import Mirror, MirrorServer

    logging.basicConfig(level=logging.WARNING)
    server = MirrorServer(Mirror(directory)).start()
    server.requests = _Discard()  # a long benchmark would otherwise keep every request in memory
    print(server.address, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()


class _Discard(list):  # type: ignore[type-arg]
    """A request log that keeps nothing."""

    def append(self, item: object) -> None:
        pass


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit("usage: python -m benchmarks.harness serve MIRROR_DIR")
