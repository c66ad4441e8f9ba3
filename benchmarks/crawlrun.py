"""One benchmark crawl in this process, against a running mirror server; prints its figures as one JSON line.

    python -m benchmarks.crawlrun full ADDRESS DB [--mirror DIR]   # our crawl: spider, parsers, pipelines, SQLite, WARC
    python -m benchmarks.crawlrun bare ADDRESS DB --mirror DIR     # a Scrapy spider that fetches every page and does nothing

`full` runs the same engine as `python -m crawler crawl abai` (`crawler.crawl.crawl`)
with the project's settings, pointed at the server. `bare` fetches every URL of
the mirror's manifest with Scrapy's defaults plus the settings that shape
fetching (concurrency, delay, robots.txt, User-Agent, timeouts, download
handler), copied from the full crawl's settings, so both fetch the same pages
from the same server the same way. The parent measures time and peak RSS
(`benchmarks/harness.py`); this prints what Scrapy counted.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.settings import Settings  # noqa: E402

from crawler.crawl import crawl, crawl_settings  # noqa: E402
from crawler.mirror import offline_settings  # noqa: E402

# Settings that decide how pages are fetched: the bare spider copies them from the full crawl.
FETCH_SETTINGS = (
    "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
    "ROBOTSTXT_OBEY", "USER_AGENT", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "RETRY_TIMES",
    "DOWNLOAD_HANDLERS", "MIRROR_ADDRESS", "TELNETCONSOLE_ENABLED",
)


class BareSpider(scrapy.Spider):
    """Requests every page it is given and does nothing with the responses."""

    name = "bare"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: scrapy.http.Response) -> None:
        return None


EXTRA: dict[str, Any] = {}  # --set NAME=VALUE


def full_settings(address: str) -> dict[str, Any]:
    return {**offline_settings(address=address), **EXTRA}


def run_full(address: str, db: Path, scripts: str | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    summary = crawl("abai", db=db, overrides=full_settings(address), options={"scripts": scripts})
    run = summary["run"]
    return {
        "kind": "full", "pages": summary["pages"], "seconds": summary["seconds"],
        "wall": time.perf_counter() - started, "articles_new": run["articles_new"],
        "variants": summary["variants"], "quotes": summary["quotes"], "errors": run["errors"],
    }


def run_bare(address: str, db: Path, mirror: Path) -> dict[str, Any]:
    started = time.perf_counter()
    reference = crawl_settings(db, None, "WARNING")
    reference.setdict(full_settings(address), priority="cmdline")
    settings = Settings()
    for name in FETCH_SETTINGS:
        settings.set(name, reference[name], priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    urls = [json.loads(line)["url"] for line in (mirror / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls=urls)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {
        "kind": "bare", "pages": int(stats.get("response_received_count", 0)),
        "seconds": float(stats.get("elapsed_time_seconds") or 0.0), "wall": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("kind", choices=("full", "bare"))
    parser.add_argument("address", help="host:port of a running mirror server")
    parser.add_argument("db", type=Path)
    parser.add_argument("--mirror", type=Path, help="the served mirror folder (bare: its manifest gives the URLs)")
    parser.add_argument("--scripts", help="full: the crawl's --scripts (default: all three)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting for the crawl")
    args = parser.parse_args()
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        EXTRA[name] = value
    if args.kind == "full":
        result = run_full(args.address, args.db, args.scripts)
    else:
        if args.mirror is None:
            parser.error("bare needs --mirror")
        result = run_bare(args.address, args.db, args.mirror)
    result["cpu"] = time.process_time()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
