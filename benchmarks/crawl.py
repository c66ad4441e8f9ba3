"""Crawl throughput: our full pipeline against a bare Scrapy spider, same pages, same server, same fetch settings.

One run of this script serves a synthetic mirror (`benchmarks/synthetic.py`)
from its own process on 127.0.0.1 and crawls it several times, alternating:

* bare: a Scrapy spider that requests every page of the mirror and does nothing;
* full: `python -m crawler crawl abai`'s engine — spider, abai parsers, quotes,
  validate/normalize/dedupe/store pipelines, SQLite with FTS, WARC files.

Each crawl runs in a fresh child process with a fresh database
(`benchmarks/crawlrun.py`); pages/s is Scrapy's `response_received_count`
over its `elapsed_time_seconds`. The figure compared is the best run of each
kind, so a burst of load from other processes does not decide the ratio.

    python -m benchmarks.crawl [--articles 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import at_least_one  # noqa: E402
from benchmarks.harness import machine, mirror, run_child, served  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=at_least_one, default=300, help="articles in the mirror (×3 scripts)")
    parser.add_argument("--rounds", type=at_least_one, default=3)
    args = parser.parse_args()
    directory = mirror(args.articles)
    print(f"machine: {machine()}")
    results: dict[str, list[dict[str, float]]] = {"bare": [], "full": []}
    with served(directory) as address, tempfile.TemporaryDirectory() as tmp:
        print(f"mirror: {directory} ({args.articles} articles × 3 scripts) served on {address}\n")
        print(f"{'run':10s} {'pages':>6s} {'seconds':>8s} {'pages/s':>8s} {'CPU s':>7s} {'peak RSS':>9s}")
        for round_ in range(args.rounds):
            for kind in ("bare", "full"):
                db = Path(tmp) / f"{kind}-{round_}.sqlite"
                child = run_child(["-m", "benchmarks.crawlrun", kind, address, str(db), "--mirror", str(directory)])
                figures = json.loads(child.stdout.strip().splitlines()[-1])
                figures["rate"] = figures["pages"] / figures["seconds"]
                results[kind].append(figures)
                print(f"{kind + ' ' + str(round_ + 1):10s} {figures['pages']:6d} {figures['seconds']:8.1f} "
                      f"{figures['rate']:8.1f} {figures['cpu']:7.1f} {child.peak_rss_mb:7.0f} MB")
                if kind == "full" and figures.get("articles_new") != args.articles:
                    print(f"  warning: the full crawl stored {figures.get('articles_new')} new articles, not {args.articles}")
    bare = max(r["rate"] for r in results["bare"])
    full = max(r["rate"] for r in results["full"])
    cpu_per_page = {k: statistics.median(r["cpu"] / r["pages"] * 1000 for r in v) for k, v in results.items()}
    print(f"\nbest: bare Scrapy {bare:.1f} pages/s, full pipeline {full:.1f} pages/s → {full / bare:.2f}× (goal ≥ 0.5)")
    print(f"CPU per page (median, startup included): bare {cpu_per_page['bare']:.1f} ms, full {cpu_per_page['full']:.1f} ms")


if __name__ == "__main__":
    main()
