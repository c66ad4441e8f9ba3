"""A JOBDIR left behind by a crawl that died (SIGKILL, power loss, a second Ctrl-C) is cleared, not resumed from.

Scrapy writes a job's queue and spider state only when the spider closes,
while the dupe filter appends to `requests.seen` as requests are scheduled.
After an unclean death the folder holds fingerprints of requests whose queue
entries are gone, and resuming from it would skip those pages for good.
`JobdirGuard` holds an exclusive lock on `JOBDIR/newsarchive.lock` while the
crawl runs, with "running" written in it; a clean close (finished, or paused
with Ctrl-C) empties it. A crawl that can take the lock but finds "running"
knows its predecessor died, and clears the folder's state before Scrapy reads
it: the job starts over, and what the dead run stored is stored again, once.

A folder's job belongs to the crawl that started it: `newsarchive-job.json`
records its spider, database and options, and a different crawl given the
folder of a paused job stops with one line instead of taking over its queue
(another site's requests, pages stored into another database, or options its
run record would not match).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.crawl import clear_jobdir, has_job
from crawler.errors import ConfigError
from crawler.files import write_whole

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

LOCK_FILE = "newsarchive.lock"
OWNER_FILE = "newsarchive-job.json"
RUNNING = "running"


class JobdirGuard:
    """Extension: lock the JOBDIR for this process; clear it first if the last process using it died."""

    def __init__(self, crawler: Crawler, jobdir: Path) -> None:
        self.crawler = crawler
        jobdir.mkdir(parents=True, exist_ok=True)
        self.lock: IO[str] = (jobdir / LOCK_FILE).open("a+", encoding="utf-8")
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.lock.close()
            raise ConfigError(f"JOBDIR {jobdir} is in use by another running crawl") from None
        self.lock.seek(0)
        if self.lock.read().startswith(RUNNING) and has_job(jobdir):
            logger.warning("JOBDIR %s was left by a crawl that did not close (killed?); its queue is not "
                           "trustworthy, so this crawl starts the job over", jobdir)
            crawler.stats.set_value("jobdir/cleared_after_crash", 1)
            clear_jobdir(jobdir)
        try:
            _claim(jobdir, _owner(crawler))
        except ConfigError:
            self.lock.close()
            raise
        self._write(f"{RUNNING} pid {os.getpid()}\n")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobdirGuard:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured
        return cls(crawler, Path(jobdir))

    def spider_closed(self, spider: Any = None, reason: str | None = None) -> None:
        """Closed cleanly (finished or paused): Scrapy has saved the queue, so the folder may be resumed."""
        self._write("")
        self.lock.close()  # releases the lock

    def _write(self, text: str) -> None:
        self.lock.seek(0)
        self.lock.truncate()
        self.lock.write(text)
        self.lock.flush()
        os.fsync(self.lock.fileno())


def _owner(crawler: Crawler) -> dict[str, Any]:
    """What a job is: the spider, the database it stores into, and the options of its run (as JSON reads them back)."""
    spider = crawler.spider  # made before the extensions
    owner = {"spider": getattr(spider, "name", None), "db": str(Path(crawler.settings["DB_PATH"]).resolve()),
             "options": getattr(spider, "run_args", {})}
    return json.loads(json.dumps(owner, default=str))  # type: ignore[no-any-return]


def _claim(jobdir: Path, owner: dict[str, Any]) -> None:
    """Record `owner` as the job of `jobdir`, unless the folder holds a paused job of another crawl (ConfigError)."""
    path = jobdir / OWNER_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8")) if has_job(jobdir) else None
    except (OSError, ValueError):
        saved = None  # a folder of an earlier version, or a record cut short: nothing to hold against this crawl
    if isinstance(saved, dict) and saved != owner:
        raise ConfigError(f"JOBDIR {jobdir} holds a paused crawl {_difference(saved, owner)}: resume it with the "
                          "command that started it, or give this crawl another --jobdir")
    write_whole(path, json.dumps(owner, ensure_ascii=False, sort_keys=True) + "\n")


def _difference(saved: dict[str, Any], owner: dict[str, Any]) -> str:
    """How the paused job differs from this crawl, the first of spider, database, options that does."""
    if saved.get("spider") != owner["spider"]:
        return f"of {saved.get('spider')}, not of {owner['spider']}"
    if saved.get("db") != owner["db"]:
        return f"into {saved.get('db')}, not into {owner['db']}"
    old, new = saved.get("options") or {}, owner["options"]
    return "with " + ", ".join(f"{key} {old.get(key)!r} (this crawl: {new.get(key)!r})"
                               for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key))
