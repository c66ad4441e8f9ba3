"""Distributed crawls of site profiles: `crawl egemen --redis` workers and `ingest --spider egemen` give the archive one machine does.

The abai spider's distributed crawl is tested at length in tests/test_distributed.py,
whose process helpers this file reuses (the throwaway redis-server is conftest's `redis_url`). Here two workers
crawl the egemen.kz fixture mirror (robots.txt, its sitemap, a feed, listings with
pagination, two 404s) through one Redis on 127.0.0.1, and the ingester writes it.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from crawler.cli import main
from crawler.distributed.keys import Keys
from crawler.mirror import Mirror, MirrorServer
from test_distributed import ROOT, cli, finish, ingester, rows, spawn

MIRROR = ROOT / "tests" / "fixtures" / "sites" / "egemen.kz"
KEYS = Keys("egemen")  # the profile's name (seeds/egemen.kz.toml), not the `site` spider's


@pytest.fixture(scope="module")
def egemen_crawl(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A single-machine `crawl egemen --offline`, and beside it two `--redis` workers on one mirror server, then `ingest`.

    The workers share the server (MIRROR_ADDRESS), whose request log shows who
    fetched what; a download delay and one request at a time keep the first
    worker busy long enough for the second to take part.
    """
    folder = tmp_path_factory.mktemp("egemen")
    url = f"{redis_url}/4"
    single, shared, unused = folder / "single.sqlite", folder / "shared.sqlite", folder / "worker-side.sqlite"
    server = MirrorServer(Mirror(MIRROR)).start()
    started = time.monotonic()
    try:
        alone = spawn(cli("crawl", "egemen", "--offline", "--db", str(single)), folder / "single.log")
        workers = [spawn(cli("crawl", "egemen", "--redis", url, "--offline", "--db", str(unused),
                             "-s", f"MIRROR_ADDRESS={server.address}", "-s", f"REDIS_WORKER_ID=e{n}",
                             "-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS=1"), folder / f"e{n}.log")
                   for n in (1, 2)]
        done = {"single": finish(alone, started), **{f"e{n}": finish(w, started) for n, w in enumerate(workers, 1)}}
    finally:
        server.stop()
    done["wrong spider"] = finish(ingester(url, folder / "wrong.sqlite", log="ingest-abai"), started)
    done["ingest"] = finish(ingester(url, shared, "--spider", "egemen"), started)
    return {"single": single, "shared": shared, "unused": unused, "done": done, "requests": list(server.requests),
            "client": redis.Redis.from_url(url), "folder": folder}


def test_two_workers_crawl_a_profile_and_ingest_writes_it(egemen_crawl) -> None:
    done = egemen_crawl["done"]
    assert done["single"][0] == 0, done["single"][1][-3000:]
    for name in ("e1", "e2"):
        code, output = done[name]
        assert code == 0 and f"Worker {name} (egemen, " in output and "stopped (finished)" in output, output[-3000:]
    code, output = done["ingest"]
    assert code == 0 and "(drained)" in output and "3 new" in output, output[-3000:]
    assert not egemen_crawl["unused"].exists()  # a worker writes no database, only WARC files beside it
    assert list(egemen_crawl["folder"].glob("warc/e*/*.warc.gz"))


def test_the_archive_holds_the_rows_a_single_machine_crawl_stores(egemen_crawl) -> None:
    single, shared = egemen_crawl["single"], egemen_crawl["shared"]
    for sql in ("select * from articles order by key", "select * from article_variants order by key, script",
                "select url, canonical_url, key, script from urls order by url",  # the listings' LinksSeen items
                "select url, stage, kind from errors order by url",
                "select distinct url, status, site, key, kind from pages order by url"):  # robots.txt: once a worker
        assert rows(shared, sql) == rows(single, sql), sql
    assert len(rows(single, "select key from articles")) == 3
    assert {r["kind"] for r in rows(single, "select kind from errors")} == {"http_404"}
    run = sqlite_utils.Database(shared)["crawl_runs"].get(1)
    assert (run["spider"], run["site"], run["finish_reason"]) == ("egemen", "egemen.kz", "finished")
    assert run["fill_rates"] and '"title": 1.0' in run["fill_rates"]


def test_every_page_is_fetched_once_whichever_worker_found_it(egemen_crawl) -> None:
    """Start pages, the feed, the sitemap robots.txt names and the listings' links: one fetch each, across workers."""
    counts = Counter(url for url, _ in egemen_crawl["requests"] if not url.endswith("/robots.txt"))
    fetched_alone = {r["url"] for r in rows(egemen_crawl["single"], "select url from pages")} - {"https://egemen.kz/robots.txt"}
    assert set(counts) == fetched_alone and "https://egemen.kz/sitemap.xml" in counts
    assert max(counts.values()) == 1
    robots = [url for url, _ in egemen_crawl["requests"] if url.endswith("/robots.txt")]
    assert 1 <= len(robots) <= 2  # Scrapy obeys robots.txt per process: at most once per worker
    by_worker = {name: fetched_by(egemen_crawl["folder"] / "warc" / name) - {"https://egemen.kz/robots.txt"}
                 for name in ("e1", "e2")}
    assert all(by_worker.values()), by_worker  # both workers took part: else this tested one worker alone
    assert by_worker["e1"].isdisjoint(by_worker["e2"]) and by_worker["e1"] | by_worker["e2"] == set(counts)


def fetched_by(warc_folder: Path) -> set[str]:
    """The URLs of the responses in a worker's WARC files."""
    uris = set()
    for path in warc_folder.glob("*.warc.gz"):
        with path.open("rb") as stream:
            uris |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream) if r.rec_type == "response"}
    return uris


def test_the_workers_warc_records_are_found_through_the_ingested_rows(egemen_crawl) -> None:
    reparse = subprocess.run(cli("reparse", "--db", str(egemen_crawl["shared"]), "--dry-run"), cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert reparse.returncode == 0 and "unchanged  3 pages" in reparse.stdout, reparse.stdout + reparse.stderr[-2000:]


def test_redis_is_left_empty_but_for_the_profiles_seen_set(egemen_crawl) -> None:
    client = egemen_crawl["client"]
    assert client.zcard(KEYS.requests) == 0 and client.llen(KEYS.items) == 0 and client.llen(KEYS.processing) == 0
    assert client.scard(KEYS.dupefilter) > 0
    assert client.keys("abai:*") == []


def test_an_ingest_pointed_at_another_spider_says_where_the_items_are(egemen_crawl) -> None:
    code, output = egemen_crawl["done"]["wrong spider"]
    assert code == 0 and "Ingested 0 items" in output, output[-3000:]
    assert "items of egemen wait there" in output and "ingest --spider egemen" in output, output[-3000:]


@pytest.mark.parametrize("argv", [
    ["crawl", "egemen", "--refresh"],
    ["crawl", "site", "--profile", "seeds/egemen.kz.toml", "--stop-after-known", "5"],
])
def test_an_incremental_option_with_redis_on_a_profile_is_one_line_and_exit_2(argv: list[str], tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Workers read no archive, for a profile as for abai: refused before Redis is even reached."""
    code = main([*argv, "--redis", "redis://127.0.0.1:1/0", "--db", str(tmp_path / "db.sqlite")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: --") and "they always do full passes" in err, err
