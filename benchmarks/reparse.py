"""Reparse speed: stored pages per second re-extracted from the WARC files (`python -m crawler reparse`).

Crawls a synthetic mirror once with the full pipeline (`benchmarks/crawlrun.py
full`, which writes the WARC files and their `pages` index), then runs
`crawler.reparse.reparse` on copies of that archive, in this process, twice:

* unchanged: the parsers are those that made the archive, so every page is
  read back, parsed, validated, normalized and compared, and nothing is written;
* rewrite: the parser version is bumped, so every variant is also written back
  (articles, variants, FTS, quotes, sidebar lists, metrics), as after a parser change.

Pages are the article pages re-extracted plus the listing pages re-read for
their counts; the figure per core is pages per CPU second of this process.

    python -m benchmarks.reparse [--articles 300]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import at_least_one  # noqa: E402
from benchmarks.harness import CACHE, machine, mirror, run_child, served  # noqa: E402


def crawled_archive(articles: int) -> Path:
    """Folder with `archive.sqlite` and its `warc/` from one full crawl of the mirror (made once per schema version, then reused).

    An archive of an older schema would be migrated on open and its new
    columns found empty: every page would count as changed.
    """
    from crawler.schema import SCHEMA_VERSION

    folder = CACHE / f"archive-{articles}-v{SCHEMA_VERSION}"
    if not (folder / "complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        directory = mirror(articles)
        with served(directory) as address:
            run_child(["-m", "benchmarks.crawlrun", "full", address, str(folder / "archive.sqlite")])
        (folder / "complete").touch()
    return folder


def timed_reparse(folder: Path, bump_version: bool) -> tuple[int, float, float]:
    """(pages, wall seconds, CPU seconds) of one reparse of a copy of the archive."""
    from crawler import reparse as module
    from crawler.storage import Store

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "archive"
        shutil.copytree(folder, copy)
        version = int(getattr(module, "PARSER_VERSION"))
        if bump_version:  # every stored variant then counts as made by an older parser
            setattr(module, "PARSER_VERSION", version + 1)
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            report = module.reparse(Store(copy / "archive.sqlite", create=False))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            setattr(module, "PARSER_VERSION", version)
    if report.failed:
        print(f"  warning: {len(report.failed)} pages failed, first: {report.failed[0]}")
    if bump_version and report.restamped + report.changed != report.pages:
        print(f"  warning: {report.restamped + report.changed} of {report.pages} variants rewritten")
    return report.pages + report.listing_pages, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=at_least_one, default=300, help="articles in the crawled mirror (×3 scripts)")
    args = parser.parse_args()
    folder = crawled_archive(args.articles)
    print(f"machine: {machine()}")
    print(f"archive: {folder} ({args.articles} articles × 3 scripts, crawled with WARC)\n")
    for label, bump in (("unchanged (read, parse, compare)", False), ("rewrite (parser version bumped)", True)):
        pages, wall, cpu = timed_reparse(folder, bump)
        print(f"{label:34s} {pages:5d} pages: {pages / wall:6.1f} pages/s wall, {pages / cpu:6.1f} pages per CPU second "
              f"(goal ≥ 100 per core)")


if __name__ == "__main__":
    main()
