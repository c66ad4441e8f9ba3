"""Distributed crawls (issue 10): workers share a scrapy-redis frontier in a real Redis; `ingest` is the single writer.

The Redis server is Debian's `redis-server`, started here on a free loopback
port (.ci/run installs it). The big test crawls a synthetic abai.kz mirror of
1,000 articles with three worker processes and kills one of them mid-crawl.
"""

from __future__ import annotations

import json
import pickle
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlite_utils
from conftest import a_terminal, free_port, screen_lines, start_redis
from warcio.archiveiterator import ArchiveIterator

from benchmarks.synthetic import SyntheticMirror, make_mirror
from crawler import settings
from crawler.distributed.codec import Counts, decode, encode_item, encode_page, encode_stats
from crawler.distributed.dupefilter import CanonicalDupeFilter
from crawler.distributed.ingest import WORKERS_SOURCE, Ingester
from crawler.distributed.keys import Keys, connect, redact
from crawler.errors import FrontierError, StorageError
from crawler.fingerprint import CanonicalRequestFingerprinter
from crawler.items import LinksSeen, PageError, PageUrl, UrlSeen
from crawler.mirror import Mirror, MirrorServer
from crawler.parsers import parse_article
from crawler.storage import Store
from crawler.warc_reads import resolve

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "tests" / "fixtures" / "sites" / "abai.kz" / "pages" / "post-100000.html"
KEYS = Keys("abai")
DEADLINE = 400  # seconds any one crawl in this file may take before the test fails (generous: CI machines are shared)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


def spawn(command: list[str], log: Path) -> subprocess.Popen[str]:
    """A CLI process whose output goes to `log` (a pipe nobody reads while it runs could fill and block it)."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    process.log = log  # type: ignore[attr-defined]
    return process


def worker(url: str, mirror: Path, server: MirrorServer, db: Path, name: str, *extra: str) -> subprocess.Popen[str]:
    """One `crawl --redis` worker process on the test's mirror server (whose request log is the ground truth)."""
    command = cli("crawl", "abai", "--redis", url, "--offline", "--mirror", str(mirror), "--db", str(db),
                  "-s", f"MIRROR_ADDRESS={server.address}", "-s", f"REDIS_WORKER_ID={name}", *extra)
    return spawn(command, db.parent / f"{name}.log")


def ingester(url: str, db: Path, *extra: str, log: str = "ingest") -> subprocess.Popen[str]:
    return spawn(cli("ingest", "--redis", url, "--db", str(db), *extra), db.parent / f"{log}.log")


def finish(process: subprocess.Popen[str], started: float) -> tuple[int, str]:
    """Wait (within the file's deadline) for a process; its exit code and its output."""
    try:
        process.wait(timeout=max(1.0, DEADLINE - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"{process.args} still running after {DEADLINE} s:\n{output_of(process)[-3000:]}")
    return process.returncode, output_of(process)


def output_of(process: subprocess.Popen[str]) -> str:
    return process.log.read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]


def end_and_resume(process: subprocess.Popen[str], redis_server: subprocess.Popen[bytes]) -> None:
    """The process killed if it still runs, and the Redis server a test froze (SIGSTOP) resumed: the next test needs it."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    redis_server.send_signal(signal.SIGCONT)


def wait_for(condition: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


# -- three workers, one killed, two ingesters --------------------------------------------------------


@pytest.fixture(scope="module")
def big_mirror(tmp_path_factory: pytest.TempPathFactory) -> SyntheticMirror:
    """1,000 articles in Cyrillic, 20 a listing page: 1,051 pages, every one a 200."""
    return make_mirror(tmp_path_factory.mktemp("mirror"), 1000, seed=10, scripts=("cyrl",))


@pytest.fixture(scope="module")
def distributed_crawl(redis_url: str, big_mirror: SyntheticMirror, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Three workers and an ingester; mid-crawl, worker w3 is SIGKILLed and the ingester is stopped and restarted."""
    url = f"{redis_url}/1"
    client = redis.Redis.from_url(url)
    db = tmp_path_factory.mktemp("distributed") / "archive.sqlite"
    server = MirrorServer(Mirror(big_mirror.directory)).start()
    started = time.monotonic()
    try:
        first_ingester = ingester(url, db, "--follow", "--batch-size", "200", log="ingest-1")
        workers = {name: worker(url, big_mirror.directory, server, db, name, "--scripts", "cyrl",
                                "-s", "REDIS_WORKER_TIMEOUT=10", "-s", "REDIS_POLL_INTERVAL=0.2",
                                "--log-level", "INFO")
                   for name in ("w1", "w2", "w3")}
        articles = set(big_mirror.article_urls)
        fetched = lambda: sum(1 for u, _ in list(server.requests) if u in articles)  # noqa: E731
        wait_for(lambda: fetched() >= len(articles) // 4, "a quarter of the articles fetched", timeout=DEADLINE)
        wait_for(lambda: client.hlen(KEYS.lease("w3")) >= 2, "w3 to hold leased requests")
        workers["w3"].send_signal(signal.SIGKILL)
        workers["w3"].wait(timeout=10)
        leased = [pickle.loads(member)["url"] for member in client.hkeys(KEYS.lease("w3"))]
        first_ingester.send_signal(signal.SIGTERM)
        stopped_code, stopped_output = finish(first_ingester, started)
        second_ingester = ingester(url, db, "--follow", "--batch-size", "200", log="ingest-2")
        results = {name: finish(process, started) for name, process in workers.items() if name != "w3"}
        ingest_code, ingest_output = finish(second_ingester, started)
    finally:
        server.stop()
    return {"db": db, "client": client, "requests": list(server.requests), "leased": leased, "workers": results,
            "stopped": (stopped_code, stopped_output), "ingest": (ingest_code, ingest_output)}


def test_workers_and_ingesters_exit_cleanly(distributed_crawl) -> None:
    for name, (code, output) in distributed_crawl["workers"].items():
        assert code == 0 and "stopped (finished)" in output, f"{name}: {output[-3000:]}"
    code, output = distributed_crawl["stopped"]
    assert code == 130 and "(stopped)" in output, output[-3000:]
    code, output = distributed_crawl["ingest"]
    assert code == 0 and "(finished)" in output, output[-3000:]


def test_every_page_is_fetched_once_except_the_killed_workers_unfinished_ones(distributed_crawl, big_mirror) -> None:
    """The server's log: every mirror page asked; a second fetch only for what w3 held when it died."""
    counts = Counter(url for url, _ in distributed_crawl["requests"] if not url.endswith("/robots.txt"))
    leased = set(distributed_crawl["leased"])
    assert leased, "w3 held no requests when it was killed: the kill tested nothing"
    expected = set(big_mirror.article_urls) | set(big_mirror.listing_urls)
    assert set(counts) == expected
    twice = {url for url, n in counts.items() if n > 1}
    recoveries = [line for _, out in distributed_crawl["workers"].values() for line in out.splitlines()
                  if "stopped answering" in line or "retry/" in line]
    assert twice <= leased, f"fetched twice without having been w3's: {sorted(twice - leased)[:5]}; {recoveries[:5]}"
    assert max(counts.values()) <= 2
    assert all(status == 200 for url, status in distributed_crawl["requests"] if not url.endswith("/robots.txt"))


def test_survivors_took_back_exactly_what_the_killed_worker_held(distributed_crawl) -> None:
    recovered = 0
    for output in (out for _, out in distributed_crawl["workers"].values()):
        line = next(line for line in output.splitlines() if "requests taken back" in line)
        recovered += int(line.split(";")[1].split()[0])
    assert recovered == len(distributed_crawl["leased"])


def test_database_holds_exactly_the_mirrors_articles(distributed_crawl, big_mirror) -> None:
    db = sqlite_utils.Database(distributed_crawl["db"])
    assert {r["key"] for r in db["articles"].rows} == big_mirror.keys
    variants = list(db.query("select key, script, url from article_variants"))
    assert len(variants) == len(big_mirror.article_ids)
    assert {v["url"] for v in variants} == set(big_mirror.article_urls)
    assert db["errors"].count == 0
    assert db.execute("select count(*) from articles where title is null or body = ''").fetchone()[0] == 0
    # Every fetch left one WARC index row: pages fetched once have exactly one.
    rows = Counter(r["url"] for r in db.query("select url from pages where kind = 'article'"))
    once = set(big_mirror.article_urls) - set(distributed_crawl["leased"])
    assert all(rows[url] == 1 for url in once)
    runs = list(db.query("select finish_reason, args from crawl_runs order by id"))
    assert [r["finish_reason"] for r in runs] == ["shutdown", "finished"]
    # Where the pages came from: each worker's WARC files say it; the ingester's runs point there.
    assert {json.loads(r["args"])["source"] for r in runs} == {WORKERS_SOURCE}
    for warc_file in {r[0] for r in db.execute("select distinct warc_file from pages")}:
        with resolve(distributed_crawl["db"], warc_file).open("rb") as handle:
            info = next(iter(ArchiveIterator(handle)))
            assert info.rec_type == "warcinfo" and b"\r\nsource: mirror server at 127.0.0.1:" in info.raw_stream.read()


def test_redis_is_left_empty_but_for_the_seen_set(distributed_crawl, big_mirror) -> None:
    client = distributed_crawl["client"]
    assert client.zcard(KEYS.requests) == 0
    assert client.llen(KEYS.items) == 0 and client.llen(KEYS.processing) == 0
    assert client.scard(KEYS.workers) == 0 and not client.keys("abai:lease:*")
    assert client.scard(KEYS.dupefilter) == big_mirror.pages  # one fingerprint per page ever scheduled
    batches = sqlite_utils.Database(distributed_crawl["db"])["ingest_batches"]
    assert sum(r["items"] for r in batches.rows) > big_mirror.pages


def test_a_restarted_worker_finds_the_crawl_done(distributed_crawl, big_mirror, tmp_path) -> None:
    """The frontier persists: a worker started after the crawl fetches nothing (its seeds are already seen)."""
    server = MirrorServer(Mirror(big_mirror.directory)).start()
    try:
        late = worker(_url_of(distributed_crawl["client"]), big_mirror.directory, server, tmp_path / "db.sqlite", "late",
                      "--scripts", "cyrl")
        code, output = finish(late, time.monotonic())
    finally:
        server.stop()
    assert code == 0, output[-3000:]
    assert [u for u, _ in server.requests if not u.endswith("/robots.txt")] == []
    assert not (tmp_path / "db.sqlite").exists()  # a worker writes no database
    # and it says why, and how to start the crawl over
    assert re.search(r"nothing to do: the crawl in Redis had run to its end before \(\d+ requests seen, none queued\);"
                     r" to crawl again once `ingest` has drained abai:items, delete its frontier:"
                     r" redis-cli del abai:requests abai:dupefilter", output), output[-3000:]


def _url_of(client: redis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}"


def test_the_dupe_filter_in_redis_holds_the_crawlers_canonical_fingerprints(distributed_crawl, big_mirror) -> None:
    """scrapy-redis's own RFPDupeFilter ignores REQUEST_FINGERPRINTER_CLASS; ours stores the crawler's fingerprints."""
    from scrapy import Request

    fingerprinter = CanonicalRequestFingerprinter()
    expected = {fingerprinter.fingerprint(Request(url)).hex().encode() for url in big_mirror.article_urls}
    assert expected <= distributed_crawl["client"].smembers(KEYS.dupefilter)


# -- the same crawl with and without Redis (point 4) ---------------------------------------------------

VOLATILE = {"first_seen", "last_seen", "crawl_run", "fetched_at"}  # when and by which run, not what


def rows(db: Path, sql: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in sqlite_utils.Database(db).query(sql)]


def test_a_crawl_with_redis_stores_the_same_rows_as_one_without(redis_url, tmp_path) -> None:
    mirror = make_mirror(tmp_path / "mirror", 40, seed=4)  # all three scripts: variants merge into one row
    single, shared = tmp_path / "single.sqlite", tmp_path / "shared.sqlite"
    url = f"{redis_url}/2"
    started = time.monotonic()
    alone = spawn(cli("crawl", "abai", "--offline", "--mirror", str(mirror.directory), "--db", str(single)),
                  tmp_path / "single.log")
    unused = tmp_path / "worker-side.sqlite"  # workers write no database; their WARC files go beside it
    workers = [spawn(cli("crawl", "abai", "--redis", url, "--offline", "--mirror", str(mirror.directory), "--db", str(unused),
                         "-s", f"REDIS_WORKER_ID=p4-{n}"), tmp_path / f"p4-{n}.log") for n in (1, 2)]
    for process in (alone, *workers):
        code, output = finish(process, started)
        assert code == 0, output[-3000:]
    code, output = finish(ingester(url, shared), started)
    assert code == 0, output[-3000:]

    for sql in ("select * from articles order by key", "select * from article_variants order by key, script",
                "select * from quotes order by key, script, position",
                "select * from best_materials order by key, script, list, position",
                "select url, canonical_url, key, script from urls order by url",
                "select url, stage, kind from errors order by url"):
        assert rows(shared, sql) == rows(single, sql), sql
    assert len(rows(single, "select key from articles")) == 40
    # The workers' requests reach the ingested run, as the crawl's reach its own: every page answered 200, and
    # robots.txt (which the mirror lacks) 404, once per worker that fetched it.
    [alone_run], [ingested_run] = (Store(db).finished_runs() for db in (single, shared))
    assert alone_run["requests_by_status"] == {"200": 127, "404": 1}
    assert ingested_run["requests_by_status"] in ({"200": 127, "404": 1}, {"200": 127, "404": 2})
    assert len(rows(single, "select key from article_variants")) == 120
    assert not unused.exists()
    # The WARC records the workers wrote are found through the rows the ingester stored.
    reparse = subprocess.run(cli("reparse", "--db", str(shared), "--dry-run"), cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
    assert reparse.returncode == 0 and "unchanged  120 pages" in reparse.stdout, reparse.stdout + reparse.stderr[-2000:]


# -- the ingester on its own -------------------------------------------------------------------------


@pytest.fixture
def frontier(redis_url: str) -> Iterator[tuple[str, redis.Redis]]:
    url = f"{redis_url}/3"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url, client
    client.flushdb()


def sample_lines() -> list[str]:
    item = parse_article(SEED_PAGE.read_text(encoding="utf-8"), "https://abai.kz/post/100000", "2024-05-01T06:00:00+00:00")
    page = {"url": item.url, "status": 200, "fetched_at": "2024-05-01T06:00:00+00:00", "content_type": "text/html",
            "warc_file": "warc/w1/a.warc.gz", "warc_offset": 0, "warc_length": 10, "warc_record_id": "<urn:uuid:1>",
            "payload_sha1": "0" * 40, "crawl_run": 0, "site": "abai.kz", "key": item.key, "kind": "article"}
    return [encode_item(item), encode_item(LinksSeen("https://abai.kz/", [UrlSeen("http://www.abai.kz/post/100000", item.url, item.key, "cyrl")])),
            encode_item(PageError("https://abai.kz/post/1", "download", "http_404", "Not Found")), encode_page(page)]


def counts(db: Path) -> dict[str, int]:
    database = sqlite_utils.Database(db)
    return {t: database[t].count for t in ("articles", "article_variants", "quotes", "urls", "errors", "pages",
                                           "ingest_batches")}


def test_ingest_stores_every_kind_of_item_as_the_pipelines_do(frontier, tmp_path) -> None:
    url, client = frontier
    client.rpush(KEYS.items, *sample_lines())
    db = tmp_path / "new" / "archive.sqlite"  # in a folder not made yet: the ingester makes it, as a crawl does
    ingester = Ingester(url, db)
    assert ingester.run() == "drained"
    assert (ingester.items, ingester.records) == (3, 1)  # the page row is no item
    assert counts(db) == {"articles": 1, "article_variants": 1, "quotes": 15, "urls": 2, "errors": 1, "pages": 1,
                          "ingest_batches": 1}
    database = sqlite_utils.Database(db)
    run = database["crawl_runs"].get(1)
    assert (run["articles_new"], run["errors"], run["finish_reason"], run["items"]) == (1, 1, "finished", 1)
    assert database["pages"].get(1)["crawl_run"] == 1  # a worker's rows join the ingester's run
    assert client.llen(KEYS.items) == 0 and client.llen(KEYS.processing) == 0


def test_ingest_counts_the_items_it_writes_on_standard_error(frontier, tmp_path, capsys) -> None:
    """`ingest` (even `--follow`, for hours) said nothing until it ended: it counts the items each batch commits, a
    bar on a terminal, plain lines otherwise (every 10,000 items, and one at the end)."""
    from crawler.cli import main

    url, client = frontier
    client.rpush(KEYS.items, *sample_lines())
    assert main(["ingest", "--redis", url, "--db", str(tmp_path / "archive.sqlite")]) == 0
    output = capsys.readouterr()
    assert output.err.splitlines() == ["ingest: items: 3 items written (batches: 1)"]
    assert output.out.startswith("Ingested 3 items")


def test_ingest_gives_ctrl_c_back_when_it_ends(frontier, tmp_path) -> None:
    """While it runs, Ctrl-C and SIGTERM ask `ingest` to end its batch and stop; it left them so, and a caller in the
    same process (a test, a script) then ignored Ctrl-C: the suite's next Ctrl-C test saw its export run to the end."""
    import signal

    from crawler.cli import main

    url, client = frontier
    client.rpush(KEYS.items, *sample_lines())
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    assert main(["ingest", "--redis", url, "--db", str(tmp_path / "archive.sqlite")]) == 0
    assert {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)} == before


def test_the_ingest_bar_counts_the_batches_committed_beside_the_items(frontier, tmp_path) -> None:
    """On a terminal the bar counted items alone: how far the batches (the commits, `--batch-size`) had come showed
    only in the summary at the end. Here 3 items and a page row in batches of 2: two batches."""
    from crawler.progress import progress_for

    url, client = frontier
    client.rpush(KEYS.items, *sample_lines())
    drawn: list[str] = []
    with a_terminal(drawn) as terminal:
        progress = progress_for(terminal, "ingest", "items", "written")
        Ingester(url, tmp_path / "archive.sqlite", batch_size=2, progress=progress).run()
        progress.close()
    bar = [line for line in screen_lines(drawn[0]) if "━" in line][-1]
    assert bar.startswith("items ━") and bar.split()[-3:] == ["3/?", "batches:", "2"], bar


def test_a_batch_left_uncommitted_is_written_and_one_left_unacknowledged_is_not_written_twice(frontier, tmp_path) -> None:
    """What a killed ingester leaves in `processing`: written by the next one if not committed, else dropped."""
    url, client = frontier
    db = tmp_path / "archive.sqlite"
    client.rpush(KEYS.processing, *sample_lines())  # taken, then the ingester died before its commit
    client.set(KEYS.batch, "batch-1")
    Ingester(url, db).run()
    assert counts(db) == {"articles": 1, "article_variants": 1, "quotes": 15, "urls": 2, "errors": 1, "pages": 1,
                          "ingest_batches": 1}
    client.rpush(KEYS.processing, *sample_lines())  # committed, then the ingester died before deleting it
    client.set(KEYS.batch, "batch-1")
    Ingester(url, db).run()
    assert counts(db)["errors"] == 1 and counts(db)["pages"] == 1 and counts(db)["ingest_batches"] == 1
    assert client.llen(KEYS.processing) == 0 and not client.exists(KEYS.batch)


def test_the_workers_request_counts_make_the_ingested_runs_request_report(frontier, tmp_path) -> None:
    """Counts from two workers are summed into the run's stats, so `health` has an error rate for a distributed run."""
    url, client = frontier
    client.rpush(KEYS.items, encode_stats(Counts("w1", 1, {"downloader/response_status_count/200": 3, "retry/count": 2})),
                 *sample_lines(),
                 encode_stats(Counts("w2", 1, {"downloader/response_status_count/200": 1, "downloader/response_status_count/404": 1,
                                               "downloader/exception_type_count/twisted.internet.error.TimeoutError": 2})))
    db = tmp_path / "archive.sqlite"
    ingester = Ingester(url, db)
    assert ingester.run() == "drained"
    assert (ingester.items, ingester.records) == (3, 3)  # count lines are no items
    run = sqlite_utils.Database(db)["crawl_runs"].get(1)
    assert json.loads(run["requests_by_status"]) == {"200": 4, "404": 1, "TimeoutError": 2}
    assert json.loads(run["stats"])["retry/count"] == 2
    assert counts(db)["errors"] == 1  # a stats line is no item, and no bad one


def test_the_ingester_waits_for_live_workers_before_it_calls_the_crawl_finished(frontier, tmp_path) -> None:
    """A closing worker sends its last counts after the frontier is done, before its heartbeat goes."""
    url, client = frontier
    client.sadd(KEYS.dupefilter, "seen")  # a crawl was seeded; nothing queued, nothing leased
    client.sadd(KEYS.workers, "w1")
    client.set(KEYS.heartbeat("w1"), "1", px=60_000)
    ingester = Ingester(url, tmp_path / "archive.sqlite")
    assert not ingester.crawl_finished()
    client.delete(KEYS.heartbeat("w1"))  # it closed (or died and its heartbeat expired)
    assert ingester.crawl_finished()


def test_a_stats_line_takes_names_and_whole_numbers_only() -> None:
    line = Counts("w1", 1, {"retry/count": 2})
    assert decode(encode_stats(line)) == ("stats", line)
    for counts in ({"retry/count": "2"}, {"retry/count": 1.5}, {"retry/count": True}, ["retry/count"]):
        with pytest.raises(FrontierError, match="whole numbers"):
            decode(json.dumps({"type": "stats", "data": {"stream": "w1", "number": 1, "counts": counts}}))
    for stream, number in ((None, 1), ("w1", "1"), ("w1", True)):
        with pytest.raises(FrontierError, match="stream and number"):
            decode(json.dumps({"type": "stats", "data": {"stream": stream, "number": number, "counts": {}}}))


def test_a_malformed_line_becomes_an_error_row_and_the_rest_is_stored(frontier, tmp_path) -> None:
    url, client = frontier
    client.rpush(KEYS.items, "not json", *sample_lines())
    db = tmp_path / "archive.sqlite"
    Ingester(url, db).run()
    errors = list(sqlite_utils.Database(db).query("select stage, kind from errors order by stage"))
    assert errors == [{"stage": "download", "kind": "http_404"}, {"stage": "ingest", "kind": "bad_item"}]
    assert counts(db)["articles"] == 1


def test_only_one_ingester_writes_at_a_time(frontier, tmp_path) -> None:
    url, client = frontier
    client.set(KEYS.ingester, "another", px=60_000)
    with pytest.raises(FrontierError, match="another ingester"):
        Ingester(url, tmp_path / "archive.sqlite").run()


def test_an_ingester_holds_its_sites_lock_on_the_database(frontier, tmp_path) -> None:
    """Not only the CLI: a program that runs an `Ingester` while a crawl of its site writes the database is refused."""
    from crawler.sitelock import site_lock

    url, client = frontier
    client.rpush(KEYS.items, *sample_lines())
    db = tmp_path / "archive.sqlite"
    with site_lock(db, "abai.kz"), pytest.raises(StorageError, match="another crawl"):
        Ingester(url, db).run()
    assert client.llen(KEYS.items) == len(sample_lines())  # nothing taken
    assert Ingester(url, db).run() == "drained"
    with site_lock(db, "abai.kz"):  # and released once the run is over
        pass


def test_items_cross_redis_as_the_same_dataclasses() -> None:
    lines = sample_lines()
    item = parse_article(SEED_PAGE.read_text(encoding="utf-8"), "https://abai.kz/post/100000", "2024-05-01T06:00:00+00:00")
    assert decode(lines[0]) == ("ArticleItem", item)
    assert decode(lines[2]) == ("PageError", PageError("https://abai.kz/post/1", "download", "http_404", "Not Found"))
    assert decode(lines[3])[0] == "page"
    with pytest.raises(FrontierError):
        decode(b'{"type": "Pickle", "data": {}}')
    with pytest.raises(FrontierError, match="item field 'reason' is missing"):  # a worker of another version
        decode(json.dumps({"type": "PageError", "data": {"url": "https://abai.kz/post/1", "stage": "download",
                                                         "kind": "http_404"}}))


def test_a_redis_password_is_never_shown_nor_recorded() -> None:
    """Messages and `crawl_runs.args` carry the Redis URL as redacted: a password there would sit in logs and exports."""
    assert redact("redis://user:s3cret@127.0.0.1:6380/2") == "redis://user:***@127.0.0.1:6380/2"
    assert redact("redis://127.0.0.1:6380/2") == "redis://127.0.0.1:6380/2"
    with pytest.raises(FrontierError) as refused:
        connect("redis://:s3cret@127.0.0.1:1/0", 5.0)  # nothing listens on port 1
    assert "s3cret" not in str(refused.value) and ":***@127.0.0.1:1/0" in str(refused.value)


def test_what_a_page_says_of_the_url_it_was_fetched_from_crosses_redis_and_outlasts_the_links_guess(
        frontier, tmp_path) -> None:
    """A site profile's page whose rel=canonical names another URL (`PageUrl`), queued by a worker after a listing's
    sighting; its date with it, which runs with --since read."""
    url, client = frontier
    fetched = PageUrl("https://egemen.kz/article/1-old", "https://egemen.kz/article/1-new", "egemen.kz:/article/1-new", "cyrl",
                      published_at="2024-05-02T10:30:00+05:00")
    assert decode(encode_item(fetched)) == ("PageUrl", fetched)
    seen = LinksSeen("https://egemen.kz/", [UrlSeen(fetched.url, fetched.url, "egemen.kz:/article/1-old", None)])
    client.rpush(KEYS.items, encode_item(seen), encode_item(fetched), encode_item(seen))
    db = tmp_path / "archive.sqlite"
    assert Ingester(url, db).run() == "drained"
    assert Store(db).url_pages([fetched.url]) == {fetched.url: (fetched.canonical_url, fetched.key)}
    assert Store(db).known_dates([fetched.key]) == {fetched.key: "2024-05-02T10:30:00+05:00"}


def test_the_dupe_filter_fingerprints_canonical_urls(frontier) -> None:
    from scrapy import Request
    from scrapy_redis.dupefilter import RFPDupeFilter

    _, client = frontier
    ours = CanonicalDupeFilter(client, "test:ours", fingerprinter=CanonicalRequestFingerprinter())
    assert not ours.request_seen(Request("http://www.abai.kz/index.php/post/1"))
    assert ours.request_seen(Request("https://abai.kz/post/1"))
    theirs = RFPDupeFilter(client, "test:theirs")  # why the subclass exists
    assert not theirs.request_seen(Request("http://www.abai.kz/index.php/post/1"))
    assert not theirs.request_seen(Request("https://abai.kz/post/1"))


@pytest.mark.parametrize("command", [
    ("crawl", "abai", "--redis", "redis://127.0.0.1:1/0"),
    ("ingest", "--redis", "redis://127.0.0.1:1/0"),
    ("crawl", "abai", "--redis", "http://127.0.0.1:6379"),
    ("crawl", "abai", "--redis", "redis://127.0.0.1:1/0", "--refresh"),
])
def test_a_bad_redis_or_option_is_one_line_and_exit_2(command, tmp_path) -> None:
    result = subprocess.run(cli(*command, "--db", str(tmp_path / "db.sqlite")), cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(("command", "setting"), [
    (("ingest",), "REDIS_TIMEOUT=abc"),
    (("ingest",), "REDIS_OUTAGE_LIMIT=soon"),
    (("ingest",), "REDIS_TIMEOUT=0"),
    (("crawl", "abai", "--offline"), "REDIS_TIMEOUT=abc"),
])
def test_a_bad_redis_setting_given_with_s_is_one_line_and_exit_2(redis_url, tmp_path, command, setting) -> None:
    """A traceback and exit 1 (as if Redis had failed) for a typo in `-s`; REDIS_TIMEOUT=0, a socket that never waits,
    failed as if Redis could not be reached."""
    result = subprocess.run(cli(*command, "--redis", f"{redis_url}/11", "--db", str(tmp_path / "db.sqlite"), "-s", setting),
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    name, value = setting.split("=")
    assert (result.returncode, result.stderr.strip()) == (2, f"error: -s {name} takes seconds, more than 0, not {value!r}")


def test_a_worker_stopped_by_a_limit_it_was_given_exits_0_as_a_crawl_does(redis_url, tmp_path) -> None:
    """A worker's exit status is `crawl`'s: a CLOSESPIDER_* limit is a normal end, not an interruption (130)."""
    process = spawn(cli("crawl", "abai", "--redis", f"{redis_url}/4", "--offline", "--db", str(tmp_path / "db.sqlite"),
                        "-s", "CLOSESPIDER_PAGECOUNT=3", "-s", "REDIS_WORKER_ID=limited"), tmp_path / "limited.log")
    code, output = finish(process, time.monotonic())
    assert (code, "stopped (closespider_pagecount)" in output) == (0, True), output[-3000:]


def test_an_ingest_is_refused_while_a_crawl_of_its_site_writes_the_database(redis_url, tmp_path) -> None:
    from crawler.sitelock import site_lock

    db = tmp_path / "archive.sqlite"
    with site_lock(db, "abai.kz"):
        result = subprocess.run(cli("ingest", "--redis", f"{redis_url}/5", "--db", str(db)), cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr.strip()) == (
        2, f"error: another crawl (or ingest) of abai.kz is writing {db}; wait for it to end, or crawl into another --db")


def test_a_worker_stops_when_redis_stays_away(redis_url: str, tmp_path: Path) -> None:  # redis_url: skip without redis-server
    """Redis gone for good mid-crawl: the worker stops after REDIS_OUTAGE_LIMIT seconds with exit 1, not tries forever."""
    redis_server, port = start_redis(tmp_path)
    try:
        client = redis.Redis(port=port)
        command = cli("crawl", "abai", "--redis", f"redis://127.0.0.1:{port}/0", "--offline", "--db", str(tmp_path / "w.sqlite"),
                      "-s", "REDIS_OUTAGE_LIMIT=2", "-s", "DOWNLOAD_DELAY=0.5", "-s", "CONCURRENT_REQUESTS=1")
        process = spawn(command, tmp_path / "worker.log")
        for _ in range(300):  # until it holds a lease: it is crawling
            if any(key.startswith(b"abai:lease:") for key in client.keys()) or process.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        redis_server.kill()
        redis_server.wait(timeout=10)
    started = time.monotonic()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the worker still ran 60 s after Redis went away:\n{output_of(process)[-3000:]}")
    assert process.returncode == 1 and time.monotonic() - started < 30, output_of(process)[-3000:]
    assert "has not reached Redis for" in output_of(process) and "redis_unreachable" in output_of(process)


def test_a_worker_whose_site_is_down_exits_1(redis_url: str, tmp_path: Path) -> None:
    """Every page request refused: the worker says so and fails, as a single-machine crawl does."""
    down = f"127.0.0.1:{free_port()}"  # nothing listens there
    result = subprocess.run(cli("crawl", "abai", "--redis", f"{redis_url}/9", "--offline", "--db", str(tmp_path / "w.sqlite"),
                                "-s", f"MIRROR_ADDRESS={down}", "-s", "REDIS_WORKER_ID=down"),
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "  nothing fetched: every page request failed (exit 1); is the site, or the mirror server, up?" in result.stdout
    # The data team sees it too, where the archive is: in what `ingest` says, and in `health`'s error rate.
    db = tmp_path / "archive.sqlite"
    ingest = subprocess.run(cli("ingest", "--redis", f"{redis_url}/9", "--db", str(db)), cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert ingest.returncode == 1, ingest.stdout + ingest.stderr[-3000:]
    assert "  nothing fetched: every page request failed (exit 1); is the site, or the mirror server, up?" in ingest.stdout
    health = subprocess.run(cli("health", "--db", str(db)), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert health.returncode == 1, health.stdout + health.stderr[-3000:]
    # As for a crawl on one machine: 4 pages refused after their retries, and robots.txt's request (5 requests).
    assert "ALARM    errors          80.0% of 5 requests (connection_refused 4); no comparable earlier run to compare with;" \
           " 80.0% failed as when a site is down: is it, or is it refusing the crawler?" in health.stdout, health.stdout


def test_worker_settings_are_documented_as_set() -> None:
    """docs/distributed.md's table of worker settings names settings crawler/settings.py sets, at their defaults."""
    table = (ROOT / "docs" / "distributed.md").read_text(encoding="utf-8").split("Settings (`crawler/settings.py`", 1)[1]
    documented = dict(re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", table, re.M))
    assert {"REDIS_WORKER_TIMEOUT", "REDIS_OUTAGE_LIMIT", "REDIS_POLL_INTERVAL", "REDIS_ITEMS_KEY"} <= set(documented)
    for name, value in documented.items():
        default = getattr(settings, name, None)
        assert (float(value) if isinstance(default, float) else value) == default, name


def test_a_stats_line_that_reaches_redis_twice_is_counted_once(frontier, tmp_path, monkeypatch) -> None:
    """A push whose reply was lost (a timeout after Redis ran it) is sent again: by redis-py, which retries it, or by
    the pipeline, whose next push carried the same counts; the ingester counted those requests twice."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler
    from twisted.internet import defer

    from crawler.distributed import pipeline

    url, client = frontier
    crawler = get_crawler(Spider, {"REDIS_URL": url})
    crawler.spider = Spider("abai")
    queue = pipeline.ItemQueuePipeline.from_crawler(crawler)
    replies = ["lost", "retried", "ok"]

    def push_in_line(function, lines):  # no thread, no reactor: Redis runs each push, and its reply is as told
        function(lines)
        reply = replies.pop(0)
        if reply == "retried":
            function(lines)  # redis-py sent it again after a timeout
        return defer.fail(redis.TimeoutError("Timeout reading from socket")) if reply == "lost" else defer.succeed(None)

    monkeypatch.setattr(pipeline, "deferToThread", push_in_line)
    monkeypatch.setattr(pipeline, "maybe_deferred_to_future", lambda deferred: deferred)
    item = PageError("https://abai.kz/post/1", "download", "http_404", "Not Found")
    failed = []
    for sent in (item, item, object(), item):  # and an item of no type the frontier takes: its counts go with the next
        crawler.stats.inc_value("downloader/request_count")
        defer.Deferred.fromCoroutine(queue.process_item(sent)).addErrback(failed.append)
    assert [failure.type for failure in failed] == [redis.TimeoutError, TypeError]
    crawler.stats.inc_value("downloader/request_count")
    queue.close_spider()
    db = tmp_path / "archive.sqlite"
    assert Ingester(url, db).run() == "drained"
    assert json.loads(sqlite_utils.Database(db)["crawl_runs"].get(1)["stats"])["downloader/request_count"] == 5


def test_a_batch_that_failed_to_commit_has_its_counts_in_the_run_that_stores_it(frontier, tmp_path, monkeypatch) -> None:
    """The failed run's report counted the requests behind items it did not store, and the next run, which stores
    them, counted them again."""
    import sqlite3

    url, client = frontier
    client.rpush(KEYS.items, encode_stats(Counts("w1", 1, {"downloader/request_count": 3})), *sample_lines())
    db = tmp_path / "archive.sqlite"

    def disk_full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "mark_batch_ingested", disk_full)
    with pytest.raises(Exception, match="disk is full"):
        Ingester(url, db).run()
    monkeypatch.undo()
    assert Ingester(url, db).run() == "drained"
    runs = sqlite_utils.Database(db)["crawl_runs"].rows
    assert {run["id"]: json.loads(run["stats"]).get("downloader/request_count") for run in runs} == {1: None, 2: 3}


@pytest.fixture
def leasing(frontier, tmp_path, monkeypatch) -> tuple[object, redis.Redis]:
    """A worker's scheduler (worker `w1`) on the test's Redis, with no reactor: its poll is run by hand (`_tick`), and
    the engine is a stand-in whose slot says which requests are in progress (`inprogress`, empty until a test fills it)."""
    from types import SimpleNamespace

    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from crawler.distributed import scheduler as module

    monkeypatch.setattr(module, "LoopingCall", lambda tick: SimpleNamespace(start=lambda *a, **k: None, running=False))
    url, client = frontier
    crawler = get_crawler(Spider, {"REDIS_URL": url, "REDIS_WORKER_ID": "w1", "WARC_ENABLED": True,
                                   "WARC_DIR": str(tmp_path / "warc"), "DB_PATH": str(tmp_path / "w.sqlite"),
                                   "REDIS_ITEMS_KEY": settings.REDIS_ITEMS_KEY,
                                   "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.CanonicalDupeFilter"})
    slot = SimpleNamespace(inprogress=set(), closing=None, nextcall=SimpleNamespace(schedule=lambda: None))
    crawler.engine = SimpleNamespace(_slot=slot)  # type: ignore[assignment]
    crawler.spider = Spider.from_crawler(crawler, "abai")
    scheduler = module.LeasingScheduler.from_crawler(crawler)
    slot.scheduler = scheduler
    scheduler.open(crawler.spider)
    return scheduler, client


def test_a_request_found_while_redis_is_away_is_queued_once_it_answers(leasing) -> None:
    """Scrapy stops a crawl whose start requests fail to be scheduled ("shutdown", exit 130): a worker that lost Redis
    for a moment while reading them stopped as if interrupted, and the request was gone."""
    from scrapy.http import Request

    scheduler, client = leasing
    enqueue = scheduler._enqueue

    def away(*args: object, **kwargs: object) -> object:
        raise redis.ConnectionError("Redis is away")

    scheduler._enqueue = away
    assert scheduler.enqueue_request(Request("https://abai.kz/post/1")) is True  # held, no error
    assert client.zcard(KEYS.requests) == 0
    scheduler._enqueue = enqueue  # Redis answers again
    scheduler._tick()
    assert client.zcard(KEYS.requests) == 1 and not scheduler.held
    scheduler.close("finished")


def test_a_warc_index_row_redis_took_late_is_not_sent_again(leasing) -> None:
    """A push whose answer came too late (Redis ran it after REDIS_TIMEOUT) left its row pending, and the next push sent
    it again: two `pages` rows for one record. Its page is fetched again (a new record, a new row), so it is dropped."""
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse, Request

    from crawler.distributed.warc import RedisWarcMiddleware

    scheduler, client = leasing
    middleware = RedisWarcMiddleware(scheduler.crawler)
    server, late = middleware.server, [True]

    def rpush(*args: object) -> object:
        answer = server.rpush(*args)
        if late and late.pop():
            raise redis.TimeoutError("Timeout reading from socket")
        return answer

    middleware.server = SimpleNamespace(rpush=rpush)
    for n in (1, 2):
        request = Request(f"https://abai.kz/post/{n}")
        middleware.process_response(request, HtmlResponse(request.url, body=b"<html></html>", request=request))
    rows = [decode(line)[1] for line in client.lrange(KEYS.items, 0, -1)]
    assert [row["url"] for row in rows] == ["https://abai.kz/post/1", "https://abai.kz/post/2"]


def test_a_request_held_while_redis_was_away_is_queued_before_the_page_that_found_it_is_released(leasing) -> None:
    """Held requests were queued at the next poll, after the leases had ended: the engine's own next ask released the
    page that found them first, and a worker killed (or stopped with Redis gone) then lost them; closing before that
    poll dropped them without a word."""
    from scrapy.http import Request

    scheduler, client = leasing
    scheduler.enqueue_request(Request("https://abai.kz/post/1"))
    page = scheduler.next_request()
    scheduler.crawler.engine._slot.inprogress.add(page)
    enqueue = scheduler._enqueue
    scheduler._enqueue = lambda *args, **kwargs: (_ for _ in ()).throw(redis.ConnectionError("Redis is away"))
    for found in ("https://abai.kz/post/2", "https://abai.kz/post/3"):  # while the page is parsed
        scheduler.enqueue_request(Request(found))
    scheduler.crawler.engine._slot.inprogress.clear()
    with pytest.raises(redis.ConnectionError):  # Redis still away: the page stays leased
        scheduler.release_finished()
    assert client.hlen(KEYS.lease("w1")) == 1
    scheduler._enqueue = enqueue  # Redis answers again; the engine asks for work before the next poll
    assert scheduler.next_request() is not None
    assert not scheduler.held and client.zcard(KEYS.requests) == 1  # one queued, one taken
    assert client.hlen(KEYS.lease("w1")) == 1  # the page released, the new request leased
    scheduler._enqueue = lambda *args, **kwargs: (_ for _ in ()).throw(redis.ConnectionError("Redis is away"))
    scheduler.enqueue_request(Request("https://abai.kz/post/4"))
    scheduler._enqueue = enqueue
    scheduler.close("shutdown")  # before any poll
    assert client.zcard(KEYS.requests) == 2  # post/3, and post/4 (post/2 was done: released)


@pytest.mark.parametrize("then", ["poll", "close"])
def test_a_request_taken_by_a_take_whose_answer_was_lost_goes_back_to_the_queue(leasing, then) -> None:
    """A take that timed out (Redis frozen past REDIS_TIMEOUT) ran once Redis woke: the request sat in the worker's
    lease, unknown to it. Every worker then saw the crawl unfinished, for as long as the worker lived, and when it
    closed it gave back only the requests it knew of: the page was never fetched."""
    from scrapy.http import Request

    scheduler, client = leasing
    scheduler.enqueue_request(Request("https://abai.kz/post/1"))
    take = scheduler._take

    def answer_lost(*args: object, **kwargs: object) -> object:
        take(*args, **kwargs)  # Redis ran it
        raise redis.TimeoutError("Timeout reading from socket")

    scheduler._take = answer_lost
    with pytest.raises(redis.TimeoutError):
        scheduler.next_request()
    scheduler._take = take
    assert (client.zcard(KEYS.requests), client.hlen(KEYS.lease("w1"))) == (0, 1) and not scheduler.leases
    if then == "poll":
        scheduler._tick()
        assert (client.zcard(KEYS.requests), client.hlen(KEYS.lease("w1"))) == (1, 0)
        assert scheduler.next_request().url == "https://abai.kz/post/1"  # fetched after all
        scheduler.release_finished()
        assert not scheduler.has_pending_requests()  # and the crawl can end
    else:
        scheduler.close("shutdown")
        assert (client.zcard(KEYS.requests), client.hlen(KEYS.lease("w1"))) == (1, 0)


STOP_BOUND = 10.0  # seconds a worker told to stop may take with REDIS_TIMEOUT=1 and Redis gone (1-4 s measured)


@pytest.mark.parametrize("outage", ["killed", "frozen"])
def test_a_worker_stopped_while_redis_is_gone_stops_within_seconds_and_says_what_it_did_not_send(
        redis_url: str, tmp_path: Path, outage: str) -> None:  # redis_url: skip without redis-server
    """A stopping worker pushes its last items and counts and gives its lease back. To a Redis that did not answer
    (frozen, as a lost host is), each call waited 30 s and was tried again, with the reactor blocked: SIGTERM took
    minutes; to one that refused (killed), it printed tracebacks and exited 130 as if everything had been sent."""
    redis_server, port = start_redis(tmp_path)
    client = redis.Redis(port=port)
    command = cli("crawl", "abai", "--redis", f"redis://127.0.0.1:{port}/0", "--offline", "--db", str(tmp_path / "w.sqlite"),
                  "-s", "REDIS_TIMEOUT=1", "-s", "REDIS_WORKER_ID=gone", "-s", "DOWNLOAD_DELAY=0.5",
                  "-s", "CONCURRENT_REQUESTS=1")
    process = spawn(command, tmp_path / "worker.log")
    try:
        wait_for(lambda: client.exists(KEYS.lease("gone")) or process.poll() is not None, "the worker to hold a lease")
        redis_server.send_signal(signal.SIGKILL if outage == "killed" else signal.SIGSTOP)
        time.sleep(1.0)  # the worker meets the outage mid-crawl
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        while process.poll() is None and time.monotonic() - stopped < STOP_BOUND:
            time.sleep(0.1)
        took = time.monotonic() - stopped
    finally:
        end_and_resume(process, redis_server)
    try:
        output = output_of(process)
        assert took < STOP_BOUND and process.returncode == 1, f"exit {process.returncode} after {took:.1f} s:\n{output[-3000:]}"
        [line] = [line for line in output.splitlines() if line.startswith("  redis ")]
        said = re.fullmatch(r"  redis     did not answer as the worker stopped \(.+\); not sent: [^;]+"
                            r"(; another worker takes back its (\d+) leased requests? once its heartbeat expires"
                            r" \(REDIS_WORKER_TIMEOUT\))? \(exit 1\)", line)
        assert said, line
        if outage == "frozen":  # Redis back: the lease the worker names is there for the others to take back
            assert client.hlen(KEYS.lease("gone")) == int(said.group(2) or 0)
        assert "close failure" not in output and "Error caught on signal handler" not in output, output[-3000:]
    finally:
        redis_server.kill()
        redis_server.wait(timeout=10)


def test_a_lease_whose_release_failed_stays_the_workers_to_release_or_give_back(leasing) -> None:
    """The worker forgot a finished request as it asked Redis to end its lease, before Redis answered: when it did not,
    the request stayed in the lease hash, unknown to the worker (never released, counted or given back)."""
    from types import SimpleNamespace

    from scrapy.http import Request

    scheduler, client = leasing
    scheduler.enqueue_request(Request("https://abai.kz/post/1"))
    request = scheduler.next_request()
    assert request is not None and client.hlen(KEYS.lease("w1")) == 1  # fetched; the engine is done with it
    server = scheduler.server
    scheduler.server = SimpleNamespace(hdel=lambda *args: (_ for _ in ()).throw(redis.ConnectionError("Redis is away")))
    with pytest.raises(redis.ConnectionError):
        scheduler.release_finished()
    assert list(scheduler.leases) == [request]
    scheduler.server = server  # Redis answers again
    scheduler.release_finished()
    assert not scheduler.leases and client.hlen(KEYS.lease("w1")) == 0


@pytest.mark.parametrize("output", ["item", "WARC index row"])
def test_a_page_whose_output_redis_did_not_take_is_fetched_again(leasing, monkeypatch, output) -> None:
    """A push that failed mid-crawl (Redis away longer than REDIS_TIMEOUT) was logged as an error, and the page's lease
    then ended as if its item (or its WARC index row, whose failure failed the response and stored a download error
    for it) were in Redis: lost for good. Only that page is fetched again, not the others in progress."""
    from types import SimpleNamespace

    from scrapy import signals
    from scrapy.http import HtmlResponse, Request
    from twisted.internet import defer

    from crawler.distributed import pipeline
    from crawler.distributed.warc import RedisWarcMiddleware

    scheduler, client = leasing
    crawler = scheduler.crawler
    for n in (1, 2):
        scheduler.enqueue_request(Request(f"https://abai.kz/post/{n}"))
    inprogress = crawler.engine._slot.inprogress
    page = scheduler.next_request()
    inprogress.add(page)  # downloaded, being scraped
    inprogress.add(scheduler.next_request())  # and another, whose output Redis takes
    response = HtmlResponse(page.url, body=b"<html><body>1</body></html>", request=page)
    timeout = redis.TimeoutError("Timeout reading from socket")
    if output == "item":
        monkeypatch.setattr(pipeline, "deferToThread", lambda function, lines: defer.fail(timeout))
        monkeypatch.setattr(pipeline, "maybe_deferred_to_future", lambda deferred: deferred)
        failed: list = []
        item = PageError(page.url, "download", "http_404", "Not Found")
        defer.Deferred.fromCoroutine(pipeline.ItemQueuePipeline.from_crawler(crawler).process_item(item)).addErrback(
            failed.append)
        assert [failure.type for failure in failed] == [redis.TimeoutError]
        crawler.signals.send_catch_log(signals.item_error, item=item, response=response, spider=crawler.spider,
                                       failure=failed[0])  # as Scrapy's scraper does
    else:
        middleware = RedisWarcMiddleware(crawler)
        middleware.server = SimpleNamespace(rpush=lambda *lines: (_ for _ in ()).throw(timeout))
        retry = middleware.process_response(page, response)  # no error, no errback: a retry, not parsed
        assert isinstance(retry, Request) and retry.url == page.url and retry.dont_filter
        scheduler.enqueue_request(retry)  # as the engine does with a request a middleware returns
    inprogress.clear()  # the engine is done with both pages
    scheduler.release_finished()
    assert (client.zcard(KEYS.requests), client.hlen(KEYS.lease("w1"))) == (1, 0)  # queued again, or released
    assert scheduler.next_request().url == page.url
    scheduler.close("finished")


def test_a_killed_workers_request_counts_reach_redis_within_the_counts_interval(redis_url: str, tmp_path: Path) -> None:
    """Counts went only ahead of an item and at close: a worker killed while its requests yielded no item (a site
    that stalls, retries, redirects) took all its counts since its last item with it."""
    url = f"{redis_url}/10"
    client = redis.Redis.from_url(url)
    client.flushdb()
    with socket.socket() as silent:  # a site that takes connections and never answers: requests made, no item
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        process = spawn(cli("crawl", "abai", "--redis", url, "--offline", "--db", str(tmp_path / "w.sqlite"),
                            "-s", f"MIRROR_ADDRESS=127.0.0.1:{silent.getsockname()[1]}", "-s", "REDIS_WORKER_ID=quiet",
                            "-s", "REDIS_COUNTS_INTERVAL=0.5"), tmp_path / "quiet.log")
        try:
            wait_for(lambda: client.llen(KEYS.items) or process.poll() is not None, "the worker's counts in Redis",
                     timeout=20)
        finally:
            process.kill()
            process.wait(timeout=10)
    kind, line = decode(client.lindex(KEYS.items, 0))
    assert kind == "stats" and line.counts.get("downloader/request_count") == 1, line


# -- Redis that stops answering: the ingester and the start-up checks --------------------------------

FROZEN_BOUND = 15.0  # seconds a command may take to give up on a frozen Redis with REDIS_TIMEOUT=1 (1-3 s measured)


@pytest.fixture
def own_redis(redis_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, redis.Redis]]:
    """A redis-server of the test's own, to freeze (SIGSTOP) and resume (SIGCONT); its URL and a client."""
    folder = tmp_path / "redis"
    folder.mkdir()
    server, port = start_redis(folder)
    try:
        yield server, f"redis://127.0.0.1:{port}/0", redis.Redis(port=port)
    finally:
        server.send_signal(signal.SIGCONT)
        server.kill()
        server.wait(timeout=10)


def freeze(server: subprocess.Popen[bytes]) -> None:
    """SIGSTOP `server`, and wait until it is stopped: a signal is delivered when the kernel gets to it, and a Redis
    still running for a moment answers a command the test meant it to miss."""
    server.send_signal(signal.SIGSTOP)
    wait_for(lambda: Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T",
             "redis-server to stop", timeout=5)


@pytest.mark.parametrize("command", [("crawl", "abai", "--offline"), ("ingest",)])
def test_a_start_up_check_against_a_frozen_redis_fails_within_seconds(own_redis, tmp_path, command) -> None:
    """The worker's start-up check and the ingester's PING waited 30 s, tried four times: two minutes for one line."""
    server, url, _ = own_redis
    freeze(server)
    started = time.monotonic()
    result = subprocess.run(cli(*command, "--redis", url, "--db", str(tmp_path / "db.sqlite"), "-s", "REDIS_TIMEOUT=1"),
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert (result.returncode, result.stderr.strip()) == (2, f"error: cannot reach Redis at {url}: Timeout reading from socket")
    assert took < FROZEN_BOUND, f"{took:.1f} s"


def test_an_ingest_whose_redis_froze_after_a_commit_ends_within_seconds_and_the_next_stores_nothing_twice(
        own_redis, tmp_path, monkeypatch) -> None:
    """Redis frozen between a batch's commit and its acknowledgement: the ingester waited 30 s a try, four tries, on
    this call and then on giving its hold back. Now the run ends after REDIS_TIMEOUT, says the batch is committed, and
    the next ingester drops its copy from Redis and writes the rest, each line once."""
    import threading

    from crawler.distributed.ingest import ingest_settings

    server, url, client = own_redis
    client.rpush(KEYS.items, *sample_lines())
    db = tmp_path / "archive.sqlite"
    commit = Store.mark_batch_ingested

    def commit_then_freeze(store: Store, *args: object) -> None:
        commit(store, *args)
        monkeypatch.undo()  # the first batch's only
        freeze(server)

    monkeypatch.setattr(Store, "mark_batch_ingested", commit_then_freeze)
    thaw = threading.Timer(2 * FROZEN_BOUND, server.send_signal, (signal.SIGCONT,))  # the code before: 2 minutes
    thaw.start()
    ingester = Ingester(url, db, batch_size=2, lock_ttl=2.0, settings=ingest_settings({"REDIS_TIMEOUT": "1"}))
    started = time.monotonic()
    try:
        reason = ingester.run()
    finally:
        took = time.monotonic() - started
        thaw.cancel()
        server.send_signal(signal.SIGCONT)
    assert took < FROZEN_BOUND and reason == "redis_unreachable", f"{reason} after {took:.1f} s"
    assert ingester.batches == 1 and ingester.in_hand is not None and ingester.in_hand[1]  # committed, not acknowledged
    assert client.llen(KEYS.items) == 2  # (its acknowledgement, sent, reached Redis as it woke up, or not: either is fine)
    assert sqlite_utils.Database(db)["crawl_runs"].get(1)["finish_reason"] == "redis_unreachable"
    wait_for(lambda: not client.exists(KEYS.ingester), "the first ingester's hold to expire", timeout=10)
    assert Ingester(url, db, batch_size=2).run() == "drained"
    assert counts(db) == {"articles": 1, "article_variants": 1, "quotes": 15, "urls": 2, "errors": 1, "pages": 1,
                          "ingest_batches": 2}
    assert client.llen(KEYS.processing) == 0 and not client.exists(KEYS.batch)


@pytest.mark.parametrize("outage", ["answers again", "stays away", "stopped meanwhile"])
def test_ingest_follow_waits_for_a_frozen_redis_up_to_the_outage_limit(own_redis, tmp_path, outage) -> None:
    """`ingest --follow` and a Redis that stops answering: it waited two minutes a call, then ended with a traceback,
    and Ctrl-C or SIGTERM waited as long. Now it tries again after a growing wait, saying so: Redis back within
    REDIS_OUTAGE_LIMIT, it goes on; not, it stops with one line (exit 1); a stop meanwhile ends it at once."""
    server, url, client = own_redis
    client.sadd(KEYS.dupefilter, "seen")  # a crawl was seeded, and a worker is alive: the crawl is not finished
    client.sadd(KEYS.workers, "w1")
    client.set(KEYS.heartbeat("w1"), "1", px=600_000)
    client.rpush(KEYS.items, *sample_lines())
    limit = "3" if outage == "stays away" else "120"
    process = ingester(url, tmp_path / "archive.sqlite", "--follow", "-s", "REDIS_TIMEOUT=1", "-s", f"REDIS_OUTAGE_LIMIT={limit}")
    try:
        wait_for(lambda: not client.exists(KEYS.items, KEYS.processing) or process.poll() is not None,
                 "the first batch to be committed and acknowledged")
        freeze(server)
        if outage != "stays away":
            wait_for(lambda: "did not answer" in output_of(process) or process.poll() is not None, "ingest to wait",
                     timeout=FROZEN_BOUND)
        if outage == "answers again":
            server.send_signal(signal.SIGCONT)
            wait_for(lambda: "answers again" in output_of(process) or process.poll() is not None, "ingest to go on",
                     timeout=FROZEN_BOUND)
            client.rpush(KEYS.items, encode_item(PageError("https://abai.kz/post/2", "download", "http_404", "Not Found")))
            client.delete(KEYS.heartbeat("w1"))  # the worker is gone: the crawl is finished once its item is stored
        elif outage == "stopped meanwhile":
            process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        process.wait(timeout=FROZEN_BOUND + (int(limit) if outage == "stays away" else 0))
        took = time.monotonic() - stopped
    finally:
        end_and_resume(process, server)
    output = output_of(process)
    if outage == "answers again":
        assert process.returncode == 0 and "(finished)" in output, output[-3000:]
        assert counts(tmp_path / "archive.sqlite")["errors"] == 2 and client.llen(KEYS.items) == 0
        return
    assert process.returncode == 1, output[-3000:]
    [line] = [line for line in output.splitlines() if line.startswith("error: ")]
    waited = r" for \d+ s \(REDIS_OUTAGE_LIMIT\)" if outage == "stays away" else ""
    assert re.fullmatch(rf"error: Redis at {re.escape(url)} did not answer \(.+\){waited}: ingest stopped; kept: 1 batch"
                        r" \(3 items\) committed(; a batch it may have taken waits in abai:items:processing for the next"
                        r" ingest to write)?; its hold \(abai:ingester\) expires within 30 s \(exit 1\)", line), line
    if outage == "stopped meanwhile":
        assert took < 5, f"{took:.1f} s from SIGTERM to exit"
