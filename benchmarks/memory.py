"""Memory at scale: peak RSS of a full crawl of a small and of a ten times larger synthetic archive.

Each size gets its own synthetic mirror (`benchmarks/synthetic.py`), served
from a separate process, and one full crawl (`benchmarks/crawlrun.py full`:
spider, parsers, pipelines, SQLite, WARC) in a fresh child process whose peak
RSS is read from `wait4` when it exits. The server's memory is not counted.
By default the mirrors hold the Cyrillic pages only, so the large crawl
fetches 20,000 article pages rather than 60,000: what grows with an archive
is the number of pages and articles a crawl goes through, whatever their script.

    python -m benchmarks.memory [--articles 2000 20000] [--scripts cyrl]
"""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--articles", type=at_least_one, nargs="+", default=[2000, 20000])
    parser.add_argument("--scripts", default="cyrl", help="comma-separated scripts of the mirrors (default: cyrl)")
    args = parser.parse_args()
    scripts = tuple(args.scripts.split(","))
    print(f"machine: {machine()}")
    peaks: dict[int, float] = {}
    for count in args.articles:
        directory = mirror(count, scripts=scripts)
        with served(directory) as address, tempfile.TemporaryDirectory() as tmp:
            child = run_child(["-m", "benchmarks.crawlrun", "full", address, str(Path(tmp) / "archive.sqlite"),
                               "--scripts", args.scripts])
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        peaks[count] = child.peak_rss_mb
        print(f"{count:>7,} articles ({args.scripts}): {figures['pages']:,} pages in {figures['seconds']:.0f} s "
              f"({figures['pages'] / figures['seconds']:.1f} pages/s), {figures['articles_new']:,} articles stored, "
              f"peak RSS {child.peak_rss_mb:.0f} MB")
    small, large = min(peaks), max(peaks)
    if small != large:
        print(f"\npeak RSS {large:,} / {small:,} articles: {peaks[large] / peaks[small]:.2f}× (goal ≤ 1.3)")


if __name__ == "__main__":
    main()
