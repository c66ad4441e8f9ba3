"""Parsing in worker processes, so the crawl's one Scrapy thread keeps fetching while other cores parse.

Scrapy runs the engine, the spider's callbacks and the pipelines in one
thread. Parsing a 100 kB page (every field, the body, the quotes) costs more
than Scrapy's own work for that page, so a crawl that parses in that thread
goes no faster than one core can parse. Our parsers are pure functions of
(HTML, URL, …) that return picklable items, so a spider can hand them to a
`ParsePool` and await the item: `await pool.run(parse_article, text, url)`.

PARSE_PROCESSES sets the number of worker processes: `auto` (the default) is
one fewer than the machine's cores, at most 4; `0` parses in the crawl's own
thread, which is what a one-core machine should do. Workers are spawned (not
forked: the crawl process has threads and open databases) and import the
parsers once, while the crawl opens. A worker that dies takes no page with
it: the page is parsed in the crawl's thread, and so is every later one. A
worker whose crawl dies (even by SIGKILL, with no chance to shut the pool
down) exits at once instead of waiting for work forever, see
`_exit_when_the_crawl_dies`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from crawler.errors import ConfigError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MAX_AUTO_PROCESSES = 4


def processes_setting(settings: BaseSettings) -> int:
    """PARSE_PROCESSES as a number of workers: `auto` → cores − 1 (at most MAX_AUTO_PROCESSES), else the integer ≥ 0."""
    value = str(settings.get("PARSE_PROCESSES", "auto")).strip().lower()
    if value == "auto":
        return max(0, min(MAX_AUTO_PROCESSES, (os.cpu_count() or 1) - 1))
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ConfigError(f"PARSE_PROCESSES must be 'auto' or a whole number ≥ 0, not {value!r}")
    return number


def _start_worker() -> None:
    """A new worker ignores Ctrl-C (for the crawl, which shuts the pool down), dies with the crawl and imports the parsers once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    crawl = multiprocessing.parent_process()
    assert crawl is not None, "the initializer runs in a worker, whose parent is the crawl"
    threading.Thread(target=_exit_when_the_crawl_dies, args=(crawl,), name="exit-with-crawl", daemon=True).start()
    import crawler.parsers
    import crawler.quotes  # noqa: F401


def _exit_when_the_crawl_dies(crawl: BaseProcess) -> None:
    """Wait, in a worker's daemon thread, until the crawl process is gone, then end the worker at once.

    A crawl killed outright (SIGKILL, the OOM killer, a cron timeout) never
    shuts the pool down, and a worker waiting for its next page would wait
    forever, reparented to PID 1: it holds the write end of its own call queue,
    so that read never ends, and the write end of the resource tracker's pipe,
    so the tracker lives on too (it exits by itself once the workers are gone).

    `crawl.join()` waits on multiprocessing's parent sentinel: a pipe whose
    write end only the crawl holds, so it reads EOF the moment the crawl dies,
    by any signal, with no polling. It works wherever multiprocessing does,
    whichever thread of the crawl spawned the worker. Linux's
    `prctl(PR_SET_PDEATHSIG)` fires when the spawning *thread* exits (a pool
    made in a short-lived thread would lose its workers early), needs a race
    check once set and exists nowhere else; polling `os.getppid()` costs a
    wake-up per interval and a delay. `os._exit`, because `sys.exit` would end
    only this thread, and the page the main thread may be parsing has nobody
    left to take it.
    """
    crawl.join()
    os._exit(1)


class ParsePool:
    """Runs pure parse functions in worker processes (or, with none, in the calling thread) for awaiting callbacks."""

    def __init__(self, processes: int, crawler: Crawler | None = None) -> None:
        self.processes = processes
        self.crawler = crawler
        self._executor: ProcessPoolExecutor | None = None
        if processes > 0:
            try:
                self._executor = ProcessPoolExecutor(
                    processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker)
                for _ in range(processes):  # start the workers now, while the crawl opens, not on its first page
                    self._executor.submit(os.getpid)
            except (OSError, ImportError, NotImplementedError) as err:  # no process support (some sandboxes)
                logger.warning("Cannot start parser processes (%s); parsing in the crawl's own thread", err)
                self._executor, self.processes = None, 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePool:
        """The crawl's pool, made on first use and shut down when the spider closes."""
        pool: ParsePool | None = getattr(crawler, "_newsarchive_parse_pool", None)
        if pool is None:
            pool = cls(processes_setting(crawler.settings), crawler)
            crawler._newsarchive_parse_pool = pool  # type: ignore[attr-defined]
            crawler.signals.connect(pool.close, signal=signals.spider_closed)
            crawler.signals.connect(pool.report, signal=signals.spider_opened)
        return pool

    def report(self) -> None:
        """Put the number of worker processes in the crawl's stats (they exist from spider_opened on)."""
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.set_value("parse/processes", self.processes)

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args, **kwargs)` in a worker; its exception, if it raises, is raised here."""
        if self._executor is None:
            return function(*args, **kwargs)
        try:
            future = self._executor.submit(function, *args, **kwargs)
        except (BrokenProcessPool, RuntimeError) as err:  # RuntimeError: submitted after close()
            return self._fall_back(err, function, *args, **kwargs)
        try:
            return await maybe_deferred_to_future(_deferred(future))
        except BrokenProcessPool as err:
            return self._fall_back(err, function, *args, **kwargs)

    def _fall_back(self, error: BaseException, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._executor is not None:
            logger.error("Parser worker process failed (%s); parsing in the crawl's own thread from now on", error)
            if self.crawler is not None and self.crawler.stats is not None:
                self.crawler.stats.inc_value("parse/worker_failures")
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        return function(*args, **kwargs)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _deferred(future: Future[T]) -> defer.Deferred[T]:
    """A Deferred fired in the reactor's thread when `future` (done in the executor's thread) is."""
    from twisted.internet import reactor

    result: defer.Deferred[T] = defer.Deferred()

    def fire(done: Future[T]) -> None:
        if done.cancelled():  # the pool was shut down under it: the caller parses in line
            result.errback(BrokenProcessPool("the parser pool was shut down before this page was parsed"))
            return
        error = done.exception()
        if error is not None:
            result.errback(error)
        else:
            result.callback(done.result())

    future.add_done_callback(lambda done: reactor.callFromThread(fire, done))
    return result
