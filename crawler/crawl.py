"""Run a crawl in this process and report what it did: the engine behind `python -m crawler crawl`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.errors import CrawlerError
from crawler.mirror import Mirror
from crawler.seeds import load_seed
from crawler.spiders.abai import AbaiSpider, CrawlParams
from crawler.storage import Store

MIRROR_HANDLER = "crawler.mirror.MirrorDownloadHandler"


def crawl_settings(db: Path, mirror: Path | None, log_level: str = "WARNING") -> Settings:
    """Project settings for one crawl; with `mirror`, tuned for a local server instead of a live site."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.set("DB_PATH", str(db), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    if mirror is not None:
        settings.set("MIRROR_DIR", str(mirror), priority="cmdline")
        settings.set("DOWNLOAD_HANDLERS", {"http": MIRROR_HANDLER, "https": MIRROR_HANDLER}, priority="cmdline")
        # A loopback server needs no politeness; everything else stays as live.
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, priority="cmdline")
    return settings


def crawl(spider: str, *, db: Path, mirror: Path | None = None, options: dict[str, Any] | None = None,
          log_level: str = "WARNING") -> dict[str, Any]:
    """Crawl with `spider` into `db`, offline on `mirror` when given; return the run's summary.

    Arguments are checked before Scrapy starts, so a bad option fails fast
    with a ConfigError instead of a log line.
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    seed = load_seed(Path(project_settings.SEEDS_DIR) / "abai.kz.toml")
    CrawlParams.parse(seed, **options)
    if mirror is not None:
        Mirror(mirror)  # a missing or broken manifest fails here, not in the downloader
    Store(db)  # likewise an unusable database
    process = CrawlerProcess(crawl_settings(db, mirror, log_level))
    crawler = process.create_crawler(AbaiSpider)
    process.crawl(crawler, seed=seed, **options)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    run_id = stats.get("newsarchive/crawl_run")
    if run_id is None:
        raise CrawlerError("the crawl did not start; run again with --log-level INFO to see why")
    summary = Store(db).run_summary(int(run_id))
    seconds = float(stats.get("elapsed_time_seconds") or 0.0)
    pages = int(stats.get("response_received_count", 0))
    summary.update(
        seconds=seconds, pages=pages, pages_per_second=pages / seconds if seconds else 0.0, db=str(db),
        source=f"offline mirror {mirror}" if mirror else "live",
    )
    return summary
