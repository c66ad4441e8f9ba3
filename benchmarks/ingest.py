"""Ingest speed: article items (parsed pages) per second into a fresh SQLite archive, every table and the FTS index included.

Parses the pages of a synthetic mirror once, then stores `--articles` articles
(each in the mirror's three scripts: three `ArticleItem`s, as a crawl yields
them) through `Store.save_articles` in batches of STORE_BATCH_SIZE, as the
store pipeline does: articles, variants, quotes, sidebar lists, URLs, metrics
and the full-text index. Items are copies of the parsed ones under new ids, so
every one is a new article. Parsing is not timed; `benchmarks/parse.py`
measures it.

Prints article items per second (wall and per CPU second) and distinct
articles per second (a third of it). The goal of issue 12, ≥ 2,000 per second,
counts article items: pages stored, whatever their script.

    python -m benchmarks.ingest [--articles 2000] [--profile]
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import at_least_one  # noqa: E402
from benchmarks.harness import machine, mirror  # noqa: E402
from crawler import settings  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from crawler.parsers import PARSER_VERSION  # noqa: E402
from crawler.parsers.abai import parse_article  # noqa: E402
from crawler.pipelines.normalize import NormalizePipeline  # noqa: E402
from crawler.storage import Store  # noqa: E402

TEMPLATES = 100  # distinct articles parsed (×3 scripts); copies reuse them


def templates(directory: Path) -> list[list[ArticleItem]]:
    """The mirror's articles parsed and normalized, grouped by article: [cyrl, latn, arab] items each."""
    by_key: dict[str, list[ArticleItem]] = {}
    normalize = NormalizePipeline()
    for line in (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["kind"] == "article":
            html = (directory / entry["file"]).read_text(encoding="utf-8")
            item = normalize.process_item(parse_article(html, entry["url"], entry["fetched_at"]))
            by_key.setdefault(item.key, []).append(item)
    return list(by_key.values())


def renamed(item: ArticleItem, article_id: str) -> ArticleItem:
    """A copy of `item` as another article: new id, key and URL."""
    new = copy.copy(item)
    new.article_id, new.key = article_id, f"abai.kz:{article_id}"
    new.url = item.url.rsplit("/", 1)[0] + f"/{article_id}"
    return new


def batches(groups: list[list[ArticleItem]], articles: int, size: int) -> list[list[ArticleItem]]:
    items = [renamed(item, str(1_000_000 + n)) for n in range(articles) for item in groups[n % len(groups)]]
    return [items[i : i + size] for i in range(0, len(items), size)]


def ingest(db: Path, work: list[list[ArticleItem]]) -> tuple[float, float]:
    """Store every batch; (wall seconds, CPU seconds)."""
    store = Store(db)
    run_id = store.start_run("benchmark", {})
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in work:
        store.save_articles(batch, run_id, PARSER_VERSION)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=at_least_one, default=2000, help="articles stored (×3 scripts = article items)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the ingest")
    args = parser.parse_args()
    groups = templates(mirror(TEMPLATES))
    work = batches(groups, args.articles, settings.STORE_BATCH_SIZE)
    items = sum(len(b) for b in work)
    print(f"machine: {machine()}")
    print(f"ingest: {args.articles} articles = {items} article items, batches of {settings.STORE_BATCH_SIZE}, "
          f"into a fresh database with every table and the FTS index")
    with tempfile.TemporaryDirectory() as tmp:
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be busy
            profiler.enable()
        wall, cpu = ingest(Path(tmp) / "ingest.sqlite", work)
        if args.profile:
            profiler.disable()
        size = (Path(tmp) / "ingest.sqlite").stat().st_size
    print(f"  {items / wall:,.0f} article items/s wall ({items / cpu:,.0f} per CPU second; goal ≥ 2,000 items/s)")
    print(f"  {args.articles / wall:,.0f} distinct articles/s wall ({args.articles / cpu:,.0f} per CPU second)")
    print(f"  {wall:.1f} s, database {size / 1e6:.0f} MB")
    if args.profile:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
