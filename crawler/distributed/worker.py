"""Run one distributed worker: the project's crawl, with its frontier, dupe filter and output in Redis.

`python -m crawler crawl abai --redis URL` (or a site profile's crawl:
`crawl egemen --redis URL`, `crawl site --profile FILE --redis URL`) calls
`run_worker`. The Redis keys start with the spider's name: `abai`, or the
profile's name (`egemen`), which `ingest --spider` takes. Start as many
as you like, on as many machines: the first one's start requests seed the
shared queue, later ones find them already seen. A worker closes when the
whole crawl is done (nothing queued, nothing leased by anyone); stopping one
early (Ctrl-C, SIGTERM) gives its unfinished requests back, and killing it
outright leaves them leased until its heartbeat expires and another worker
takes them back (crawler/distributed/scheduler.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from scrapy.settings import Settings

from crawler.crawl import answered, crawl_settings, scrapy_process, spider_for
from crawler.distributed.keys import Keys, client_params, connect, redact, seconds_setting
from crawler.distributed.leaving import GONE, unsent_counts
from crawler.distributed.scheduler import default_worker_id
from crawler.errors import ConfigError, FrontierError
from crawler.incremental import INCREMENTAL_OPTIONS
from crawler.mirror import Mirror, with_mirror
from crawler.profiles import Profile

WARC_MIDDLEWARE = "crawler.warc.WarcMiddleware"


def worker_settings(redis_url: str, *, db: Path, mirror: Path | None = None, log_level: str = "WARNING",
                    overrides: dict[str, Any] | None = None, worker_id: str | None = None) -> Settings:
    """The project's crawl settings, turned into a scrapy-redis worker that writes nothing to SQLite."""
    settings = crawl_settings(db, mirror, log_level)
    overrides = dict(overrides or {})
    worker = overrides.get("REDIS_WORKER_ID") or worker_id or settings.get("REDIS_WORKER_ID") or default_worker_id()
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    if WARC_MIDDLEWARE in middlewares:
        middlewares["crawler.distributed.warc.RedisWarcMiddleware"] = middlewares.pop(WARC_MIDDLEWARE)
    warc_dir = Path(overrides.pop("WARC_DIR", None) or settings.get("WARC_DIR") or Path(db).parent / "warc") / worker
    settings.setdict({
        "REDIS_URL": redis_url,
        "REDIS_WORKER_ID": worker,
        "SCHEDULER": "crawler.distributed.scheduler.LeasingScheduler",
        "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.CanonicalDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "ITEM_PIPELINES": {"crawler.distributed.pipeline.ItemQueuePipeline": 900},
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "WARC_DIR": str(warc_dir),
        # Workers have no archive to read: every listed article is fetched (a full pass).
        "INCREMENTAL_FROM_DB": False,
        # The stored report belongs to the ingester's run; a worker has none.
        "EXTENSIONS": {**settings.getdict("EXTENSIONS"), "crawler.runstats.RunReport": None},
    }, priority="cmdline")
    settings.setdict(with_mirror(overrides), priority="cmdline")
    params = client_params(seconds_setting(settings, "REDIS_TIMEOUT"))
    settings.set("REDIS_PARAMS", {**params, **settings.getdict("REDIS_PARAMS")}, priority="cmdline")
    return settings


def crawl_seen_before(redis_url: str, keys: Keys, timeout: float) -> int:
    """The start-up check: Redis answers (else one line, within `timeout` seconds a call), and how many requests a
    crawl whose queue is empty saw before (0 while requests are queued: the crawl goes on)."""
    client = connect(redis_url, timeout)
    try:
        return 0 if client.zcard(keys.requests) else int(client.scard(keys.dupefilter))
    except redis.RedisError as err:
        raise FrontierError(f"Redis at {redact(redis_url)} stopped answering as the worker started: {err}") from err


def run_worker(spider: str, *, redis_url: str, db: Path, mirror: Path | None = None,
               options: dict[str, Any] | None = None, log_level: str = "WARNING",
               overrides: dict[str, Any] | None = None, profile: Profile | None = None) -> dict[str, Any]:
    """Crawl as one worker until the shared crawl is done or this worker is stopped; return what it did.

    With a site `profile`, the generic `site` spider crawls that site (`spider` is then the profile's name).
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    incremental = sorted(k for k in options if k in INCREMENTAL_OPTIONS)
    if incremental:
        flags = ", ".join("--" + k.replace("_", "-") for k in incremental)
        verb = "needs" if len(incremental) == 1 else "need"
        raise ConfigError(f"{flags} {verb} the archive, which distributed workers do not read: they always do full passes")
    settings = worker_settings(redis_url, db=db, mirror=mirror, log_level=log_level, overrides=overrides)
    spider_class, spider_args = spider_for(settings, options, profile)
    if mirror is not None:
        Mirror(mirror)
    seen_before = crawl_seen_before(redis_url, Keys(spider), seconds_setting(settings, "REDIS_TIMEOUT"))
    process = scrapy_process(settings)
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler, **spider_args, **options)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    seconds = float(stats.get("elapsed_time_seconds") or 0.0)
    pages = int(stats.get("downloader/response_count", 0))  # as a crawl counts them: retried responses too
    return {
        "worker": settings.get("REDIS_WORKER_ID"), "redis": redact(redis_url), "spider": spider,
        "finish_reason": str(stats.get("finish_reason") or ""), "seconds": seconds, "pages": pages,
        "pages_per_second": pages / seconds if seconds else 0.0, "items": int(stats.get("redis/items", 0)),
        "warc_records": int(stats.get("warc/records", 0)), "warc_dir": settings.get("WARC_DIR"),
        "recovered": int(stats.get("redis/recovered", 0)),
        "redis_gone": stats.get(GONE), "unsent": unsent_counts(stats),
        "seen_before": seen_before, "answered": answered(stats),
        "tried": int(stats.get("downloader/request_count", 0)) - int(stats.get("robotstxt/request_count", 0)),
        # no answer, or one a site that is down gives (a 5xx): not a redirect another worker follows, nor a 404
        "unanswered": int(stats.get("downloader/exception_count", 0)) + sum(
            int(stats.get(f"downloader/response_status_count/{status}", 0)) for status in range(500, 600)),
    }
