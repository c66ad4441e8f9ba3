"""How a distributed crawl scales with its workers on this machine: pages/s for 1, 2, 3 workers sharing a Redis frontier.

    python benchmarks/distributed.py [--articles 2000] [--workers 1,2,3] [--repeat 1]

For each worker count it starts a fresh Redis database, launches the workers
(`crawl abai --redis`) against one synthetic mirror served by a separate
process, waits for all of them, then runs `ingest` once over everything they
pushed and checks that the database holds every article. It prints, per run:
the wall time from launching the workers to the last one's exit (process
start-up included) and the pages/s over it; the crawl time (Scrapy's own
elapsed time of the longest-running worker, from its spider opening to its
close: start-up excluded) and the pages/s over that; and the ingester's
items/s, and the CPU time the processes used per page (or per item): unlike
the wall time, CPU time hardly depends on what else runs on the machine. The
single-process crawl without Redis (`crawl --offline`, which
parses and writes SQLite in one process) is measured the same way, as the
baseline. The machine's load average is printed too: other processes on a
shared machine take cores from the crawl, and the figures say nothing without it.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import at_least_one, worker_counts  # noqa: E402
from benchmarks.harness import machine, mirror, served  # noqa: E402

PAGES = re.compile(r"pages\s+(\d+) fetched")
ELAPSED = re.compile(r"\) after ([\d.]+) s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            return process, port
        time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def launch(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def wait_all(processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> list[str]:
    outputs = []
    for process, log in zip(processes, logs, strict=True):
        process.wait(timeout=3600)
        output = log.read_text(errors="replace")
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, process.args))} failed ({process.returncode}):\n{output[-3000:]}")
        outputs.append(output)
    return outputs


def children_cpu() -> float:
    """CPU seconds (user + system) of every child waited for so far: the crawl's own cost, whatever else loads the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def articles_in(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("select count(*) from articles").fetchone()[0])


def run_distributed(workers: int, folder: Path, mirror_dir: Path, address: str, port: int, db_number: int,
                    expected: int) -> dict[str, float]:
    url = f"redis://127.0.0.1:{port}/{db_number}"
    db = folder / f"workers-{workers}-{db_number}.sqlite"
    common = ["--offline", "--mirror", str(mirror_dir), "--scripts", "cyrl", "--db", str(db), "-s", f"MIRROR_ADDRESS={address}"]
    logs = [folder / f"w{workers}-{n}-{db_number}.log" for n in range(workers)]
    started, cpu = time.perf_counter(), children_cpu()
    processes = [launch(["crawl", "abai", "--redis", url, *common, "-s", f"REDIS_WORKER_ID=bench-{n}"], log)
                 for n, log in enumerate(logs)]
    outputs = wait_all(processes, logs)
    crawl_seconds, crawl_cpu = time.perf_counter() - started, children_cpu() - cpu
    pages = sum(int(m.group(1)) for out in outputs for m in PAGES.finditer(out))
    # Scrapy's own elapsed time of the longest-running worker: from its spider opening to its close.
    busy = max(float(m.group(1)) for out in outputs for m in ELAPSED.finditer(out))
    log = folder / f"ingest-{workers}-{db_number}.log"
    started, cpu = time.perf_counter(), children_cpu()
    ingest = wait_all([launch(["ingest", "--redis", url, "--db", str(db)], log)], [log])[0]
    ingest_seconds, ingest_cpu = time.perf_counter() - started, children_cpu() - cpu
    items = int(re.search(r"Ingested (\d+) items", ingest).group(1))  # type: ignore[union-attr]
    stored = articles_in(db)
    if stored != expected:
        raise SystemExit(f"{workers} workers stored {stored} articles, not {expected}")
    return {"pages": pages, "seconds": crawl_seconds, "busy": busy, "cpu": crawl_cpu, "items": items,
            "ingest_seconds": ingest_seconds, "ingest_cpu": ingest_cpu}


def run_single(folder: Path, mirror_dir: Path, address: str, expected: int, tag: int) -> dict[str, float]:
    db = folder / f"single-{tag}.sqlite"
    log = folder / f"single-{tag}.log"
    started, cpu = time.perf_counter(), children_cpu()
    output = wait_all([launch(["crawl", "abai", "--offline", "--mirror", str(mirror_dir), "--scripts", "cyrl",
                               "--db", str(db), "-s", f"MIRROR_ADDRESS={address}"], log)], [log])[0]
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    busy = float(re.search(r"in ([\d.]+) s", output).group(1))  # type: ignore[union-attr]
    if articles_in(db) != expected:
        raise SystemExit(f"the single-process crawl stored {articles_in(db)} articles, not {expected}")
    return {"pages": int(PAGES.search(output).group(1)), "seconds": seconds, "busy": busy,  # type: ignore[union-attr]
            "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=at_least_one, default=2000, help="articles in the synthetic mirror (Cyrillic only)")
    parser.add_argument("--workers", type=worker_counts, default=[1, 2, 3],
                        help="comma-separated worker counts to measure (default: 1,2,3)")
    parser.add_argument("--repeat", type=at_least_one, default=1, help="runs per configuration; the table shows each")
    args = parser.parse_args()
    mirror_dir = mirror(args.articles, scripts=("cyrl",))
    print(f"machine: {machine()}")
    print(f"mirror: {args.articles} articles (+ listings), Cyrillic only, served by a separate process on 127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="newsarchive-distributed-") as tmp, served(mirror_dir) as address:
        folder = Path(tmp)
        redis_server, port = start_redis(folder)
        try:
            print(f"{'setup':<22} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'crawl s':>8} {'pages/s':>8} {'CPU ms/page':>12} "
                  f"{'ingest items/s':>15} {'ingest CPU ms/item':>19} {'load avg':>9}")
            db_number = 0
            for run in range(args.repeat):
                load = os.getloadavg()[0]
                single = run_single(folder, mirror_dir, address, args.articles, run)
                print(f"{'1 process, no Redis':<22} {single['pages']:>6} {single['seconds']:>7.1f} "
                      f"{single['pages'] / single['seconds']:>8.1f} {single['busy']:>8.1f} "
                      f"{single['pages'] / single['busy']:>8.1f} {1000 * single['cpu'] / single['pages']:>12.0f} "
                      f"{'(writes itself)':>15} {'':>19} {load:>9.1f}", flush=True)
                for workers in args.workers:
                    db_number += 1
                    load = os.getloadavg()[0]
                    r = run_distributed(workers, folder, mirror_dir, address, port, db_number % 16, args.articles)
                    print(f"{f'{workers} worker(s) + Redis':<22} {r['pages']:>6} {r['seconds']:>7.1f} "
                          f"{r['pages'] / r['seconds']:>8.1f} {r['busy']:>8.1f} {r['pages'] / r['busy']:>8.1f} "
                          f"{1000 * r['cpu'] / r['pages']:>12.0f} "
                          f"{r['items'] / r['ingest_seconds']:>15.0f} {1000 * r['ingest_cpu'] / r['items']:>19.1f} "
                          f"{load:>9.1f}", flush=True)
        finally:
            redis_server.terminate()
            redis_server.wait(timeout=10)


if __name__ == "__main__":
    main()
