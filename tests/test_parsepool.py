"""Parsing in worker processes (crawler/parsepool.py): same rows as parsing in line, errors and dead workers handled."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlite_utils
from conftest import offline_crawl
from scrapy.settings import Settings

from crawler.errors import ConfigError
from crawler.parsepool import MAX_AUTO_PROCESSES, ParsePool, processes_setting

ROOT = Path(__file__).resolve().parent.parent

# Runs in its own process: the pool needs a running reactor (the asyncio one, as in a crawl).
POOL_SCRIPT = textwrap.dedent("""
    import logging, multiprocessing, os, signal, sys, time
    logging.basicConfig()
    from scrapy.utils.reactor import install_reactor
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor
    from crawler.errors import ParseError
    from crawler.parsepool import ParsePool

    def double(value):
        return value * 2, multiprocessing.parent_process() is not None

    def refuse(value):
        raise ParseError(f"no article in {value}")

    def die_in_worker(value):
        if multiprocessing.parent_process() is not None:
            os._exit(3)
        return value, False

    async def main():
        pool = ParsePool(1)
        print("double", *await pool.run(double, 21))
        os.kill(await pool.run(os.getpid), signal.SIGINT)  # Ctrl-C reaches the workers too: it is for the crawl
        time.sleep(0.5)
        print("after ctrl-c", *await pool.run(double, 4))
        try:
            await pool.run(refuse, "page.html")
        except ParseError as err:
            print("refused", err)
        print("after death", *await pool.run(die_in_worker, 5))
        print("still", *await pool.run(double, 1))
        pool.close()
        print("closed", *await pool.run(double, 2))

    def run():
        d = deferred_from_coro(main())  # as Scrapy runs an async callback
        d.addErrback(lambda failure: print("failed", failure.getTraceback()))
        d.addBoth(lambda _: reactor.stop())

    if __name__ == "__main__":
        reactor.callWhenRunning(run)
        reactor.run()
""")


def test_pool_returns_results_raises_errors_and_survives_a_dead_worker(tmp_path: Path) -> None:
    script = tmp_path / "pool_script.py"
    script.write_text(POOL_SCRIPT, encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "double 42 True",  # parsed in the worker
        "after ctrl-c 8 True",  # the worker ignored it
        "refused no article in page.html",  # the parser's exception, raised in the caller
        "after death 5 False",  # the worker died: the page was parsed in line, not lost
        "still 2 False",  # and every later page too
        "closed 4 False",
    ]
    assert "Parser worker process failed" in result.stderr


# Runs in its own process, which the test kills: a crawl's pool, kept for the whole run, whose worker has done a job.
KILLED_CRAWL_SCRIPT = textwrap.dedent("""
    import os
    from scrapy.utils.reactor import install_reactor
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor
    from crawler.parsepool import ParsePool

    def report_worker(pool):
        deferred_from_coro(pool.run(os.getpid)).addCallback(lambda pid: print(pid, flush=True))

    if __name__ == "__main__":
        pool = ParsePool(1)
        reactor.callWhenRunning(report_worker, pool)
        reactor.run()  # until killed
""")


def children(pid: int) -> set[int]:
    """The processes that `pid` started, from whichever of its threads (Linux's /proc/PID/task/TID/children)."""
    return {int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()}


def running(pid: int) -> bool:
    """Whether `pid` still runs: one that exited but that its new parent (PID 1) has not reaped yet does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
                    reason="finds the worker through Linux's /proc/PID/task/TID/children")
def test_a_killed_crawl_leaves_no_worker_or_resource_tracker_running(tmp_path: Path) -> None:
    """SIGKILL of a crawl used to leave its parser worker and multiprocessing's resource tracker running under PID 1."""
    script = tmp_path / "killed_crawl.py"
    script.write_text(KILLED_CRAWL_SCRIPT, encoding="utf-8")
    crawl = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    started: set[int] = set()
    try:
        assert crawl.stdout is not None
        assert select.select([crawl.stdout], [], [], 60)[0], "the pool's worker did not answer"
        worker = int(crawl.stdout.readline())
        started = children(crawl.pid)
        assert worker in started and len(started) == 2, started  # the worker and the resource tracker
        crawl.kill()
        crawl.wait()
        deadline = time.monotonic() + 3
        while (left := {pid for pid in started if running(pid)}) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not left, f"still running after the crawl was killed: {left} (worker {worker})"
    finally:
        crawl.kill()
        for pid in started:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("2", 2), (3, 3)])
def test_processes_setting(value: object, expected: int) -> None:
    assert processes_setting(Settings({"PARSE_PROCESSES": value})) == expected


def test_auto_leaves_a_core_to_the_crawl(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, expected in ((1, 0), (2, 1), (4, 3), (64, MAX_AUTO_PROCESSES)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert processes_setting(Settings({"PARSE_PROCESSES": "auto"})) == expected


@pytest.mark.parametrize("value", ["-1", "many", "1.5"])
def test_bad_processes_setting_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="PARSE_PROCESSES must be 'auto' or a whole number"):
        processes_setting(Settings({"PARSE_PROCESSES": value}))


def rows(db: Path, table: str) -> list[dict[str, object]]:
    """A table's rows without its times and run ids, in a stable order."""
    drop = {"fetched_at", "first_seen", "last_seen", "crawl_run", "observed_at", "occurred_at", "id"}
    found = [{k: v for k, v in row.items() if k not in drop} for row in sqlite_utils.Database(db)[table].rows]
    return sorted(found, key=repr)


def test_a_crawl_stores_the_same_rows_with_and_without_worker_processes(tmp_path: Path) -> None:
    offline_crawl(tmp_path / "in-line.sqlite", "abai", "-s", "PARSE_PROCESSES=0")
    offline_crawl(tmp_path / "workers.sqlite", "abai", "-s", "PARSE_PROCESSES=2")
    for table in ("articles", "article_variants", "quotes", "best_materials", "urls", "metrics", "errors"):
        in_line, workers = rows(tmp_path / "in-line.sqlite", table), rows(tmp_path / "workers.sqlite", table)
        assert in_line == workers, table
        assert in_line or table == "errors", table
    stats = {run["id"]: run["stats"] for run in sqlite_utils.Database(tmp_path / "workers.sqlite")["crawl_runs"].rows}
    assert '"parse/processes": 2' in next(iter(stats.values()))


def test_a_machine_without_process_support_parses_in_line(monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError("[Errno 38] Function not implemented")

    monkeypatch.setattr("crawler.parsepool.ProcessPoolExecutor", no_processes)
    pool = ParsePool(2)
    assert pool.processes == 0
    assert "Cannot start parser processes" in caplog.text
    with pytest.raises(StopIteration) as done:  # no worker: the coroutine finishes without waiting
        pool.run(sorted, [3, 1, 2]).send(None)
    assert done.value.value == [1, 2, 3]
