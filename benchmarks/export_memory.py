"""Peak memory and time of `python -m crawler export` on a large synthetic archive: is it flat?

    python benchmarks/export_memory.py                       # 10,000 and 100,000 articles, every table format
    python benchmarks/export_memory.py --articles 100000 --formats parquet --workdir /tmp/bench

The archive is filled with `Store.save_articles` in batches: the bundled
fixture's seed article (post-100000: 15 quotes, 3 sidebar links, a 7 kB
body) cloned under new ids, one Cyrillic variant each, with the id woven
into title and body so no two rows are equal. Each export runs in its own
process; its peak RSS comes from `os.wait4`. Flat memory means the figure
does not grow with the number of articles.

This script itself stays small (the archive is built in a child process):
Linux carries the parent's peak RSS into a child's at fork and exec, so a
parent grown by building the archive would inflate every figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import at_least_one  # noqa: E402

SEED_PAGE = ROOT / "tests" / "fixtures" / "sites" / "abai.kz" / "pages" / "post-100000.html"
BATCH = 1000


def build_archive(db: Path, articles: int) -> None:
    """An archive of `articles` clones of the seed article, unless `db` already holds that many."""
    sys.path.insert(0, str(ROOT))
    from crawler.encoding import read_page
    from crawler.parsers import parse_article
    from crawler.storage import Store

    if db.exists() and Store(db).count("articles") == articles:
        return
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    seed = parse_article(read_page(SEED_PAGE), "https://abai.kz/post/100000", "2018-09-19T12:00:00+00:00")
    store = Store(db)
    run = store.start_run("synthetic", {"articles": articles})
    started = time.perf_counter()
    for first in range(0, articles, BATCH):
        batch = [
            replace(seed, article_id=str(n), key=f"abai.kz:{n}", url=f"https://abai.kz/post/{n}",
                    title=f"{seed.title} №{n}", body=f"{seed.body}\n\n№{n}")
            for n in range(first + 1, min(first + BATCH, articles) + 1)
        ]
        store.save_articles(batch, run)
    store.finish_run(run, {})
    print(f"built {db} with {articles} articles in {time.perf_counter() - started:.0f} s "
          f"({db.stat().st_size / 1e6:.0f} MB)", flush=True)


def measure(db: Path, fmt: str, out: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, bytes written) of one export in a fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "crawler", "export", "--format", fmt, "--out", str(out), "--db", str(db)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"export --format {fmt} failed with exit {process.returncode}")
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return seconds, usage.ru_maxrss / 1024, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=at_least_one, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["jsonl", "csv", "parquet"])
    parser.add_argument("--workdir", type=Path, help="keep the archives here (default: a temporary folder)")
    parser.add_argument("--build", type=Path, metavar="DB", help=argparse.SUPPRESS)  # the child that builds one archive
    args = parser.parse_args()
    if args.build:
        build_archive(args.build, args.articles[0])
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="export-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'articles':>9} {'format':>8} {'seconds':>8} {'peak RSS MB':>12} {'output MB':>10}")
    for articles in args.articles:
        db = workdir / f"archive-{articles}.sqlite"
        subprocess.run([sys.executable, __file__, "--build", str(db), "--articles", str(articles)], check=True)
        for fmt in args.formats:
            seconds, peak, size = measure(db, fmt, workdir / f"out-{articles}-{fmt}")
            print(f"{articles:>9} {fmt:>8} {seconds:>8.1f} {peak:>12.0f} {size / 1e6:>10.0f}", flush=True)
    if not args.workdir:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
