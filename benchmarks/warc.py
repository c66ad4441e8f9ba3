"""What keeping every response in WARC costs: the writer alone, and a whole crawl with WARC on and off.

1. Writer: the pages of a synthetic mirror (`benchmarks/synthetic.py`, ~100 kB
   pages in three scripts) go through `crawler.warc.WarcFiles` (response +
   request record, one gzip member each) and their `pages` rows through
   `Store.save_pages` in batches of STORE_BATCH_SIZE; prints pages/s, MB/s
   and the size on disk.
2. Crawl: the same mirror, served from its own process on 127.0.0.1, crawled
   into a fresh database with WARC_ENABLED on and off, alternately, `--rounds`
   times each; prints each run's pages/s and the median of each setting.

    python -m benchmarks.warc [--articles 150] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import at_least_one  # noqa: E402
from benchmarks.harness import machine, mirror, run_child, served  # noqa: E402


def bench_writer(directory: Path, work: Path) -> None:
    from crawler import settings
    from crawler.mirror import Mirror
    from crawler.storage import Store
    from crawler.warc import Exchange, WarcFiles

    pages = list(Mirror(directory).pages.values())
    bodies = [(page.url, page.file.read_bytes(), page.content_type) for page in pages]
    store = Store(work / "writer.sqlite")
    run = store.start_run("bench", {})
    files = WarcFiles(work / "warc", f"newsarchive-run{run:05d}", settings.WARC_MAX_SIZE, work, level=settings.WARC_GZIP_LEVEL)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    batch = []
    for url, body, ctype in bodies:
        row = files.write(Exchange(url, "GET", [("User-Agent", settings.USER_AGENT)], b"", 200, "HTTP/1.1",
                                   [("Content-Type", ctype), ("Content-Length", str(len(body)))], body, now))
        batch.append({**row, "crawl_run": run, "site": "abai.kz", "key": None, "kind": "article"})
        if len(batch) >= settings.STORE_BATCH_SIZE:
            files.flush()
            store.save_pages(batch)
            batch = []
    files.flush()
    store.save_pages(batch)
    files.close()
    seconds = time.perf_counter() - started
    size_in = sum(len(b) for _, b, _ in bodies)
    size_out = sum(p.stat().st_size for p in (work / "warc").glob("*.warc.gz"))
    print(f"writer: {len(bodies)} pages, {size_in / 1e6:.1f} MB in {seconds:.2f} s = {len(bodies) / seconds:.0f} pages/s, "
          f"{size_in / 1e6 / seconds:.1f} MB/s; {size_out / 1e6:.1f} MB on disk ({size_out / size_in:.0%})")


def crawl_child(db: str, address: str, warc: str) -> None:
    """One crawl of the served mirror, in this (child) process; prints its figures as JSON."""
    from scrapy.crawler import CrawlerProcess

    from crawler import settings as project_settings
    from crawler.crawl import crawl_settings
    from crawler.mirror import offline_settings
    from crawler.seeds import load_seed
    from crawler.spiders.abai import AbaiSpider

    settings = crawl_settings(Path(db), None)
    settings.setdict(offline_settings(address=address), priority="cmdline")
    settings.set("WARC_ENABLED", warc == "on", priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(AbaiSpider)
    process.crawl(crawler, seed=load_seed(Path(project_settings.SEEDS_DIR) / "abai.kz.toml"))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({"seconds": float(stats.get("elapsed_time_seconds") or 0),
                      "pages": int(stats.get("response_received_count", 0)),
                      "records": int(stats.get("warc/records", 0))}))


def bench_crawl(directory: Path, work: Path, rounds: int) -> None:
    rates: dict[str, list[float]] = {"off": [], "on": []}
    with served(directory) as address:
        for n in range(rounds):
            for warc in ("off", "on"):
                db = work / f"crawl-{warc}-{n}" / "archive.sqlite"
                child = run_child(["-m", "benchmarks.warc", "--crawl-child", str(db), address, warc])
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                rate = figures["pages"] / figures["seconds"]
                rates[warc].append(rate)
                size = sum(p.stat().st_size for p in (db.parent / "warc").glob("*.warc.gz"))
                print(f"crawl WARC {warc:>3}: {figures['pages']} pages in {figures['seconds']:.1f} s = {rate:.1f} pages/s, "
                      f"{figures['records']} records, {size / 1e6:.1f} MB of WARC, peak RSS {child.peak_rss_mb:.0f} MB")
    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    print(f"median: WARC off {off:.1f} pages/s, on {on:.1f} pages/s ({on / off - 1:+.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=at_least_one, default=150, help="articles in the synthetic mirror (x3 scripts)")
    parser.add_argument("--rounds", type=at_least_one, default=3, help="crawls per setting")
    parser.add_argument("--crawl-child", nargs=3, metavar=("DB", "ADDRESS", "WARC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.crawl_child:
        crawl_child(*args.crawl_child)
        return
    print(machine())
    directory = mirror(args.articles)
    with tempfile.TemporaryDirectory(prefix="bench-warc-") as tmp:
        bench_writer(directory, Path(tmp))
        bench_crawl(directory, Path(tmp), args.rounds)


if __name__ == "__main__":
    main()
