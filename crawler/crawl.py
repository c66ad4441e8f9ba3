"""Run a crawl in this process and report what it did: the engine behind `python -m crawler crawl`."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawler import CLI_LOG_HANDLER
from crawler import settings as project_settings
from crawler.errors import ConfigError, CrawlerError, StorageError
from crawler.interrupts import handlers_restored
from crawler.incremental import INCREMENTAL_OPTIONS, IncrementalParams
from crawler.mirror import Mirror, offline_settings, source_of, with_mirror
from crawler.profiles import Profile
from crawler.seeds import load_seed
from crawler.sitelock import site_lock
from crawler.spiders.abai import AbaiSpider, CrawlParams
from crawler.spiders.params import SiteParams
from crawler.spiders.site import SiteSpider
from crawler.spiders.site_articles import SITE_OPTIONS
from crawler.storage import Store


def scrapy_process(settings: Settings) -> _Process:
    """Scrapy's process, logging through Scrapy's own root handler (LOG_LEVEL, LOG_FILE) alone.

    `python -m crawler` logs through a handler of its own until here (a
    database migrated on opening says so before Scrapy starts); left beside
    Scrapy's, it would print every line twice.
    """
    for handler in [h for h in logging.root.handlers if h.get_name() == CLI_LOG_HANDLER]:
        logging.root.removeHandler(handler)
    robots_log = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if _without_traceback not in robots_log.filters:
        robots_log.addFilter(_without_traceback)
    return _Process(settings)


def _without_traceback(record: logging.LogRecord) -> bool:
    """A robots.txt that could not be fetched is one line: its message says why ("Connection was refused"), and its
    traceback, two chained ones of Twisted's, said it again in 30 lines for every site that was down."""
    record.exc_info, record.exc_text = None, None
    return True


class _Process(CrawlerProcess):
    """Scrapy's process, knowing whether a second Ctrl-C or SIGTERM stopped it at once: it then closes nothing,
    its stats have no finish reason, and the run stays unfinished. Once it ends, Ctrl-C and SIGTERM act as before it.

    Scrapy 2.19 marks a second interrupt by no signal, setting or public method: the handler it arms for one,
    `_signal_kill`, is private, so it is overridden here (test_pause_resume.py checks that Scrapy still arms it)."""

    forced = False

    def start(self, stop_after_crawl: bool = True, install_signal_handlers: bool = True) -> None:
        with handlers_restored():
            super().start(stop_after_crawl, install_signal_handlers)

    def _signal_kill(self, signum: int, frame: Any) -> None:
        self.forced = True
        super()._signal_kill(signum, frame)


def crawl_settings(db: Path, mirror: Path | None, log_level: str = "WARNING") -> Settings:
    """Project settings for one crawl; with `mirror`, tuned for a local server instead of a live site."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.set("DB_PATH", str(db), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    if mirror is not None:
        settings.setdict(offline_settings(mirror), priority="cmdline")
    return settings


def crawl(spider: str, *, db: Path, mirror: Path | None = None, options: dict[str, Any] | None = None,
          log_level: str = "WARNING", jobdir: Path | None = None,
          overrides: dict[str, Any] | None = None, profile: Profile | None = None) -> dict[str, Any]:
    """Crawl with `spider` into `db`, offline on `mirror` when given; return the run's summary.

    With a site `profile`, the generic `site` spider crawls that site (`spider` is then the profile's name).

    Arguments are checked before Scrapy starts, so a bad option fails fast
    with a ConfigError instead of a log line. With `jobdir`, Scrapy keeps
    the crawl's queue there: Ctrl-C pauses the crawl (in-flight pages are
    finished and stored), the same call resumes it, and a run that finishes
    clears the folder so the next one starts afresh.
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    settings = crawl_settings(db, mirror, log_level)
    settings.setdict(with_mirror(overrides or {}), priority="cmdline")  # `crawl -s NAME=VALUE`
    spider_class, spider_args = spider_for(settings, options, profile)
    IncrementalParams.parse(settings, **{k: v for k, v in options.items() if k in INCREMENTAL_OPTIONS})
    if mirror is not None:
        Mirror(mirror)  # a missing or broken manifest fails here, not in the downloader
    store = Store(db)
    store.check_writable()  # likewise an unusable database
    if jobdir is not None:
        if jobdir.exists() and not jobdir.is_dir():
            raise ConfigError(f"--jobdir {jobdir} is a file, not a folder")
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
    with site_lock(store.path, (profile or spider_args["seed"]).site):
        process = scrapy_process(settings)
        crawler = process.create_crawler(spider_class)
        failures: list[Failure] = []
        process.crawl(crawler, **spider_args, **options).addErrback(failures.append)
        process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = str(stats.get("finish_reason") or ("forced" if process.forced else ""))
    if jobdir is not None and reason == "finished":
        clear_jobdir(jobdir)
    run_id = stats.get("newsarchive/crawl_run")
    if run_id is None:
        raise _not_started(failures[0].value if failures else None)
    summary = store.run_summary(int(run_id))
    seconds = float(stats.get("elapsed_time_seconds") or 0.0)
    # Every response the server sent, as archived: a response retried (a 500) never reaches the engine's count.
    pages = int(stats.get("downloader/response_count") or stats.get("response_received_count") or 0)
    summary.update(
        seconds=seconds, pages=pages, pages_per_second=pages / seconds if seconds else 0.0, db=str(db),
        answered=answered(stats),
        source=source_of(settings), finish_reason=reason, jobdir=jobdir,
        warc_errors=int(stats.get("warc/errors", 0)),
        incremental={k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("incremental/")},
        since={"older": int(stats.get("articles/too_old", 0)), "reached": int(stats.get("since/reached", 0))},
        listed={"pages": int(stats.get("listings/read", 0)), "articles": int(stats.get("listings/article_links", 0))},
    )
    return summary


def answered(stats: dict[str, Any]) -> int:
    """Pages the site answered with a 2xx, robots.txt aside: a site down behind a working robots.txt, or answering
    every page with a 5xx, still fetched something, but no page."""
    def ok(prefix: str) -> int:
        return sum(int(stats.get(f"{prefix}/response_status_count/{status}", 0)) for status in range(200, 300))

    return ok("downloader") - ok("robotstxt")


def _not_started(cause: BaseException | None) -> BaseException:
    """Why a crawl did not start, as the CLI reports it: our own errors as they are (a JOBDIR in use,
    a database that fails on its first write), Ctrl-C as an interruption, anything else in one line."""
    if isinstance(cause, (CrawlerError, KeyboardInterrupt)):
        return cause
    if isinstance(cause, sqlite3.Error):
        return StorageError(f"the crawl did not start: database error: {cause}")
    detail = f": {type(cause).__name__}: {cause}" if cause is not None else ""
    return CrawlerError(f"the crawl did not start{detail}; run again with --log-level INFO to see why")


def spider_for(settings: Settings, options: dict[str, Any],
               profile: Profile | None) -> tuple[type[AbaiSpider | SiteSpider], dict[str, Any]]:
    """The spider class and its arguments, as `crawl()` picks them: abai's own, or the generic `site` spider with `profile`.

    The options are checked here, before Scrapy starts, so a bad one fails
    with a ConfigError rather than a log line. The incremental ones are left
    out: they need the settings (`IncrementalParams`), and a worker refuses them.
    """
    checked = {k: v for k, v in options.items() if k not in INCREMENTAL_OPTIONS}
    if profile is not None:
        abai_only = sorted(set(options) - set(SITE_OPTIONS))
        if abai_only:
            raise ConfigError(f"--{abai_only[0].replace('_', '-')} is for the abai spider, not for site profiles")
        SiteParams.parse(**checked)
        return SiteSpider, {"profile": profile}
    seed = load_seed(Path(settings["SEEDS_DIR"]) / "abai.kz.toml")  # `-s SEEDS_DIR=...` included
    CrawlParams.parse(seed, **checked)
    return AbaiSpider, {"seed": seed}


# What Scrapy keeps in a JOBDIR: the dupe filter's fingerprints, the queue, the spider's state.
JOBDIR_FILES = ("requests.seen", "requests.queue", "spider.state")


def has_job(jobdir: Path) -> bool:
    """True when `jobdir` holds a job's state (a paused crawl's, or a dead one's)."""
    return any((jobdir / name).exists() for name in JOBDIR_FILES)


def clear_jobdir(jobdir: Path) -> None:
    """Remove a finished job's files (only Scrapy's own), so the next run with this folder starts a new job."""
    for name in JOBDIR_FILES:
        path = jobdir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
