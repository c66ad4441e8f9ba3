"""Crash safety: a crawl SIGKILLed at random points, then run again, ends with every article exactly once and sound files.

Real `scrapy crawl abai` subprocesses crawl the fixture mirror, served slowly
(`FaultServer(delay=...)`) so a crawl lasts a few seconds and one article is
written four per transaction (STORE_BATCH_SIZE=4): the kills land before, between
and inside writes. Each kill waits until the database holds a random number
of fetched pages (1 to 39 of a run's ~90 for the first kill, fewer for each later one,
since each rerun has less left to fetch), then a random few milliseconds more.
After the kills one run goes to the end; then the database must pass
`PRAGMA integrity_check` and `foreign_key_check`, hold each mirrored article
and variant once, and every WARC file must read back record by record, the
last one of a killed run losing at most its unfinished record.
"""

from __future__ import annotations

import io
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

import faultserver as fs
from conftest import SITES, mirror_pages
from crawler.mirror import Mirror, offline_settings, setting_args
from crawler.parsers.abai import article_ref
from crawler.warc_reads import read_response, resolve

ROOT = Path(__file__).resolve().parent.parent
KILLS = {"rerun": 3, "jobdir": 2}  # crawls SIGKILLed before the one that runs to the end
DELAY = 0.0  # seconds the server waits before each answer (the crawl is slow enough: one transaction per item)


def command(server: fs.FaultServer, db: Path, jobdir: Path | None) -> list[str]:
    settings = {
        **offline_settings(address=server.address), "DB_PATH": str(db), "LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "STORE_BATCH_SIZE": "4", "TELNETCONSOLE_ENABLED": "0",
        # Stop paging after one stored article in a row: a rerun that took a killed run's articles for an
        # earlier run's would stop paging before the articles the killed run never reached.
        "INCREMENTAL_STOP_AFTER_KNOWN": "1",
    }
    if jobdir is not None:
        settings["JOBDIR"] = str(jobdir)
    return [sys.executable, "-m", "scrapy", "crawl", "abai", *setting_args(settings)]


def pages_fetched(db: Path) -> int:
    """Responses indexed so far (read-only; 0 while the database does not exist yet)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("select count(*) from pages").fetchone()[0])
    except sqlite3.Error:
        return 0


def kill_at(args: list[str], db: Path, after_pages: int, extra: float, deadline: float = 60) -> int:
    """Start a crawl, SIGKILL it once it indexed `after_pages` responses and `extra` seconds more; return its pages then."""
    before = pages_fetched(db)
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + deadline
    try:
        while pages_fetched(db) - before < after_pages and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.01)
        time.sleep(extra)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return pages_fetched(db) - before


def expected_variants() -> set[tuple[str, str]]:
    return {(f"abai.kz:{article_ref(p.url)[0]}", article_ref(p.url)[1]) for p in mirror_pages("abai.kz", "article")}


@pytest.mark.parametrize("resume", ["rerun", "jobdir"])
def test_sigkill_at_random_points_then_rerun_loses_nothing(tmp_path: Path, resume: str) -> None:
    rng = random.Random(f"issue-11-{resume}")
    db = tmp_path / "archive.sqlite"
    jobdir = tmp_path / "job" if resume == "jobdir" else None
    with fs.FaultServer(Mirror(SITES / "abai.kz"), home=False, delay=DELAY) as server:
        args = command(server, db, jobdir)
        # Each rerun has less left to fetch, so each later kill comes sooner (1–39, 1–19, 1–9 pages in):
        # a kill point past a run's end would let the run finish unkilled.
        seen_at_kill = [kill_at(args, db, rng.randrange(1, 40 >> n), rng.uniform(0, 0.15)) for n in range(KILLS[resume])]
        final = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr[-3000:]
    assert any(0 < n for n in seen_at_kill), f"no kill landed mid-crawl: {seen_at_kill}"
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        variants = conn.execute("select key, script from article_variants").fetchall()
        articles = conn.execute("select key from articles").fetchall()
        runs = conn.execute("select finished_at, stats from crawl_runs order by id").fetchall()
        counted_new = conn.execute("select sum(articles_new) from crawl_runs").fetchone()[0]
        runs_ids = [i for (i,) in conn.execute("select id from crawl_runs order by id")]
    assert sorted(variants) == sorted(expected_variants())
    assert sorted(k for (k,) in articles) == sorted({k for k, _ in expected_variants()})
    assert runs[-1][0], "the last run did not finish"
    assert counted_new == len(articles), "each article counts as new in exactly one run, a killed one too"
    killed = [r for r in runs[:-1] if r[0] is None]
    assert len(killed) == KILLS[resume], f"a run ended before its kill (pages at each kill: {seen_at_kill})"
    if jobdir is not None:  # the guard saw the killed run's JOBDIR and started the job over
        assert json.loads(runs[-1][1]).get("jobdir/cleared_after_crash") == 1
    check_warc_files(db, final_run=runs_ids[-1])


def check_warc_files(db: Path, final_run: int) -> None:
    """Every WARC file is whole gzip members, each one WARC record; only a killed run's file may end in a torn member.

    A torn tail must be the start of a gzip member that never finished (the
    record being written at the kill), not corrupt data; every `pages` row
    points at a whole record that reads back with its URL.
    """
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select warc_file, warc_offset, warc_length, url from pages").fetchall()
    files = sorted((db.parent / "warc").glob("*.warc.gz"))
    assert files, "no WARC files written"
    whole: dict[Path, set[int]] = {}
    for path in files:
        whole[path], torn = members(path.read_bytes())
        if torn:
            assert f"-run{final_run:05d}-" not in path.name, f"{path.name}: the run that finished left a torn record"
    for warc_file, offset, length, url in rows:
        path = resolve(db, warc_file)
        assert offset in whole[path], f"{path.name}:{offset} is not the start of a whole record"
        assert read_response(path, offset, length)[0] == url


def members(data: bytes) -> tuple[set[int], bool]:
    """Offsets of the whole gzip members (each must hold one readable WARC record), and whether the data ends in a torn one."""
    offsets: set[int] = set()
    position = 0
    while position < len(data):
        unpacker = zlib.decompressobj(zlib.MAX_WBITS | 16)
        plain = unpacker.decompress(data[position:])  # raises zlib.error on corrupt data
        if not unpacker.eof:
            return offsets, True  # an unfinished member: only the last thing in the file can be one
        size = len(data) - position - len(unpacker.unused_data)
        records = list(ArchiveIterator(io.BytesIO(plain)))
        assert len(records) == 1, f"member at {position} holds {len(records)} records"
        offsets.add(position)
        position += size
    return offsets, False
