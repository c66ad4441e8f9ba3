"""WARC writing (issue 6, point 1): request and response records under the real URL with the fetch
time, one gzip member each so a `pages` row reads one back, rotation by size, batched index rows."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from conftest import cli
from warcio.archiveiterator import ArchiveIterator

from crawler.storage import Store
from crawler.warc import Exchange, WarcFiles, WarcMiddleware
from crawler.warc_reads import read_response, resolve

FETCHED = datetime(2024, 11, 23, 6, 0, 5, tzinfo=UTC)
HTML = "<html><head><title>Мақала</title></head><body><p>Қазақ тілі</p></body></html>".encode()


def exchange(url: str = "https://abai.kz/post/7", body: bytes = HTML, headers: list[tuple[str, str]] | None = None) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("User-Agent", "newsarchive/0.1"), ("Accept-Encoding", "gzip")],
                    request_body=b"", status=200, protocol="HTTP/1.1",
                    response_headers=headers or [("Content-Type", "text/html; charset=utf-8")], body=body, fetched_at=FETCHED)


def records(path: Path) -> list:
    with path.open("rb") as handle:
        return [(r.rec_type, dict(r.rec_headers.headers), r.http_headers, r.content_stream().read())
                for r in ArchiveIterator(handle)]


def test_a_fetch_is_a_response_then_its_request_dated_with_the_fetch_time(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path / "warc", "newsarchive-run00007", 10**9, tmp_path, {"isPartOf": "crawl run 7"})
    row = files.write(exchange())
    files.close()
    assert row["warc_file"].startswith("warc/newsarchive-run00007-") and row["warc_file"].endswith("-00000.warc.gz")
    (kind0, info, _, payload), (kind1, response, http, body), (kind2, request, req_http, _) = records(resolve(tmp_path / "db", row["warc_file"]))
    assert (kind0, kind1, kind2) == ("warcinfo", "response", "request")
    assert b"isPartOf: crawl run 7" in payload and b"software: newsarchive/" in payload
    assert response["WARC-Target-URI"] == request["WARC-Target-URI"] == "https://abai.kz/post/7"
    assert response["WARC-Date"] == request["WARC-Date"] == "2024-11-23T06:00:05Z"
    assert request["WARC-Concurrent-To"] == response["WARC-Record-ID"] == row["warc_record_id"]
    assert http.statusline == "200 OK" and http.get_header("Content-Type") == "text/html; charset=utf-8"
    assert body == HTML
    assert req_http.protocol == "GET" and req_http.statusline.startswith("/post/7 HTTP/1.1")
    assert req_http.get_header("Host") == "abai.kz" and req_http.get_header("User-Agent") == "newsarchive/0.1"
    assert row["payload_sha1"] == hashlib.sha1(HTML).hexdigest()
    assert (row["status"], row["fetched_at"], row["content_type"]) == (200, "2024-11-23T06:00:05+00:00", "text/html; charset=utf-8")


def test_a_pages_row_reads_its_record_back_alone_and_unpacked(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "x", 10**9)
    packed = gzip.compress(HTML)
    rows = [files.write(exchange(f"https://abai.kz/post/{n}", packed, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]))
            for n in range(3)]
    files.close()
    url, status, headers, body = read_response(Path(rows[1]["warc_file"]), rows[1]["warc_offset"], rows[1]["warc_length"])
    assert (url, status, body) == ("https://abai.kz/post/1", 200, HTML)
    assert ("Content-Encoding", "gzip") in headers
    assert rows[1]["payload_sha1"] == hashlib.sha1(packed).hexdigest()  # the payload as stored: still compressed
    with open(rows[2]["warc_file"], "rb") as handle:  # each record is its own gzip member
        handle.seek(rows[2]["warc_offset"])
        record = gzip.decompress(handle.read(rows[2]["warc_length"]))
    assert record.startswith(b"WARC/1.0\r\n") and b"\r\nWARC-Type: response\r\n" in record
    assert record.endswith(packed + b"\r\n\r\n")


def test_files_rotate_at_the_configured_size(tmp_path: Path) -> None:
    files = WarcFiles(tmp_path, "newsarchive-run00001", max_size=1)
    rows = [files.write(exchange(f"https://abai.kz/post/{n}")) for n in range(3)]
    files.close()
    names = sorted(p.name for p in tmp_path.glob("*.warc.gz"))
    assert [n.rsplit("-", 1)[1] for n in names] == ["00000.warc.gz", "00001.warc.gz", "00002.warc.gz"]
    assert [Path(r["warc_file"]).name for r in rows] == names
    for path in tmp_path.glob("*.warc.gz"):
        assert [r[0] for r in records(path)] == ["warcinfo", "response", "request"]


def test_two_runs_of_one_id_in_one_second_share_a_folder_without_a_clash(tmp_path: Path) -> None:
    """Two databases beside each other, each at its run 1, started in the same second: the second takes the next name."""
    first, second = (WarcFiles(tmp_path, "newsarchive-run00001", max_size=10**9) for _ in range(2))
    second.stamp = first.stamp
    rows = [files.write(exchange("https://abai.kz/post/1")) for files in (first, second)]
    first.close()
    second.close()
    assert [Path(r["warc_file"]).name.rsplit("-", 1)[1] for r in rows] == ["00000.warc.gz", "00001.warc.gz"]
    for path in tmp_path.glob("*.warc.gz"):
        assert [r[0] for r in records(path)] == ["warcinfo", "response", "request"]


def crawler_for(tmp_path: Path, **settings: object) -> Crawler:
    values = {"DB_PATH": str(tmp_path / "db" / "archive.sqlite"), "WARC_ENABLED": True, "WARC_DIR": "",
              "WARC_MAX_SIZE": 10**9, "WARC_GZIP_LEVEL": 1, "STORE_BATCH_SIZE": 2, "USER_AGENT": "newsarchive-test"}
    values.update(settings)
    return get_crawler(settings_dict=values)


def test_middleware_indexes_responses_in_batches_beside_the_database(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path)
    store = Store(tmp_path / "db" / "archive.sqlite")
    run = store.start_run("abai", {})
    crawler.stats.set_value("newsarchive/crawl_run", run)
    middleware = WarcMiddleware.from_crawler(crawler)
    urls = ["https://abai.kz/robots.txt", "https://abai.kz/post/7", "https://abai.kz/lt/part/1"]
    requests = []
    for url in urls:
        request = Request(url, headers={"User-Agent": "newsarchive-test"})
        response = HtmlResponse(url, status=200, headers={"Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked"},
                                body=HTML, request=request)
        assert middleware.process_response(request, response) is response
        requests.append(request)
    middleware.drain()  # the writer thread has caught up
    assert store.count("pages") == 2  # the first batch; the third row waits for the next batch or the close
    middleware.close()
    rows = list(store.rows("select * from pages order by id"))
    assert [(r["url"], r["kind"], r["key"], r["site"], r["crawl_run"]) for r in rows] == [
        ("https://abai.kz/robots.txt", "robots", None, "abai.kz", run),
        ("https://abai.kz/post/7", "article", "abai.kz:7", "abai.kz", run),
        ("https://abai.kz/lt/part/1", "other", None, "abai.kz", run),
    ]
    assert all(r["warc_file"].startswith(f"warc/newsarchive-run{run:05d}-") for r in rows)  # beside the database
    assert (tmp_path / "db" / rows[0]["warc_file"]).is_file()
    # The spider stamps its items with the fetch time the WARC record and `pages` carry.
    assert [q.meta["fetched_at"] for q in requests] == [r["fetched_at"] for r in rows]
    _, _, headers, _ = read_response(resolve(store.path, rows[1]["warc_file"]), rows[1]["warc_offset"], rows[1]["warc_length"])
    assert "Transfer-Encoding" not in dict(headers)  # the stored body is de-chunked
    assert crawler.stats.get_value("warc/records") == 3


def test_middleware_is_switched_off_by_its_setting(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        WarcMiddleware.from_crawler(crawler_for(tmp_path, WARC_ENABLED=False))


def test_nothing_is_archived_outside_a_crawl_run(tmp_path: Path) -> None:
    middleware = WarcMiddleware.from_crawler(crawler_for(tmp_path))  # no store pipeline: `scrapy check`, `scrapy shell`
    request = Request("https://abai.kz/post/7")
    response = HtmlResponse(request.url, body=HTML, request=request)
    assert middleware.process_response(request, response) is response
    middleware.close()
    assert request.meta["fetched_at"]
    assert not (tmp_path / "db").exists()


def test_warc_dir_setting_moves_the_files(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, WARC_DIR=str(tmp_path / "elsewhere"))
    crawler.stats.set_value("newsarchive/crawl_run", Store(tmp_path / "db" / "archive.sqlite").start_run("abai", {}))
    middleware = WarcMiddleware.from_crawler(crawler)
    request = Request("https://abai.kz/post/7")
    middleware.process_response(request, HtmlResponse(request.url, body=HTML, request=request))
    middleware.close()
    row = next(Store(tmp_path / "db" / "archive.sqlite").rows("select warc_file from pages"))
    assert row["warc_file"].startswith(str(tmp_path / "elsewhere" / "newsarchive-")) and Path(row["warc_file"]).is_file()
    assert not (tmp_path / "db" / "warc").exists()


def test_reader_refuses_what_is_not_a_response_record(tmp_path: Path) -> None:
    from crawler.errors import StorageError

    files = WarcFiles(tmp_path, "x", 10**9)
    files.write(exchange())
    files.close()
    path = next(tmp_path.glob("*.warc.gz"))
    with pytest.raises(StorageError, match="warcinfo record, not a response"):
        read_response(path, 0, 10**6)
    with pytest.raises(StorageError, match="cannot read"):
        read_response(tmp_path / "missing.warc.gz", 0, 10)


@pytest.mark.parametrize("thread", [True, False])
def test_in_line_and_threaded_writers_archive_alike(tmp_path: Path, thread: bool) -> None:
    crawler = crawler_for(tmp_path, WARC_THREAD=thread, STORE_BATCH_SIZE=100)
    store = Store(tmp_path / "db" / "archive.sqlite")
    crawler.stats.set_value("newsarchive/crawl_run", store.start_run("abai", {}))
    middleware = WarcMiddleware.from_crawler(crawler)
    assert (middleware.writer is not None) is thread
    urls = [f"https://abai.kz/post/{n}" for n in range(1, 41)]  # more than the writer may have queued
    for url in urls:
        request = Request(url)
        middleware.process_response(request, HtmlResponse(url, body=HTML, request=request))
    middleware.close()
    rows = list(store.rows("select url, warc_file, warc_offset, warc_length from pages order by id"))
    assert [r["url"] for r in rows] == urls
    for row in rows:
        url, status, _, body = read_response(resolve(store.path, row["warc_file"]), row["warc_offset"], row["warc_length"])
        assert (url, status, body) == (row["url"], 200, HTML)


def test_the_writer_thread_holds_a_bounded_number_of_bytes_behind_the_crawl(tmp_path: Path) -> None:
    """Large pages wait for a lagging writer sooner: the bodies queued for it stay under MAX_QUEUED_BYTES."""
    crawler = crawler_for(tmp_path, STORE_BATCH_SIZE=100)
    crawler.stats.set_value("newsarchive/crawl_run", Store(tmp_path / "db" / "archive.sqlite").start_run("abai", {}))
    middleware = WarcMiddleware.from_crawler(crawler)
    middleware.MAX_QUEUED_BYTES = 1024 * 1024
    archive = middleware._archive

    def slow_archive(*args: object) -> None:
        time.sleep(0.02)  # a writer behind the crawl
        archive(*args)  # type: ignore[arg-type]

    middleware._archive = slow_archive  # type: ignore[method-assign]
    body = HTML + b"<!--" + b"x" * 256 * 1024 + b"-->"
    held = []
    for n in range(12):  # 3 MiB in all, under MAX_QUEUED responses
        request = Request(f"https://abai.kz/post/{n}")
        middleware.process_response(request, HtmlResponse(request.url, body=body, request=request))
        held.append(middleware.queued_bytes)
    middleware.close()
    assert max(held) <= middleware.MAX_QUEUED_BYTES
    assert len(list(Store(tmp_path / "db" / "archive.sqlite").rows("select id from pages"))) == 12


def test_a_record_that_cannot_be_written_is_logged_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "taken").write_text("a file where the WARC folder should be")
    crawler = crawler_for(tmp_path, WARC_DIR=str(tmp_path / "taken"))
    crawler.stats.set_value("newsarchive/crawl_run", Store(tmp_path / "db" / "archive.sqlite").start_run("abai", {}))
    middleware = WarcMiddleware.from_crawler(crawler)
    request = Request("https://abai.kz/post/7")
    response = HtmlResponse(request.url, body=HTML, request=request)
    assert middleware.process_response(request, response) is response  # the crawl goes on
    middleware.close()
    assert crawler.stats.get_value("warc/errors") == 1
    assert "Could not archive https://abai.kz/post/7 in WARC" in caplog.text


def test_errors_counted_while_the_writer_finishes_are_in_the_stored_run_stats(tmp_path: Path) -> None:
    """The last records are still queued for the writer thread when the crawl closes; their failures count too."""
    (tmp_path / "taken").write_text("a file where the WARC folder should be")  # every record fails
    db = tmp_path / "archive.sqlite"
    result = cli("crawl", "abai", "--offline", "--db", str(db), "--max-articles", "2",
                 "-s", f"WARC_DIR={tmp_path / 'taken'}", "-s", "WARC_THREAD=True")
    assert result.returncode == 0, result.stderr[-3000:]
    logged = re.findall(r"Could not archive (\S+) in WARC", result.stderr)
    stats = json.loads(Store(db).run()["stats"])
    assert len(logged) > 2 and stats["warc/errors"] == len(logged) == stats["warc/records"]
    assert len(set(logged)) == len(logged)  # each URL is fetched once, and logged once (not by two root handlers)
    assert f"; {len(logged)} not archived (see the log)" in result.stdout
    assert "Error caught on signal handler" not in result.stderr  # closed once, at the store's close; not again


@pytest.mark.parametrize("damage", ["zeros", "garbage"])
def test_a_damaged_record_is_a_storage_error_that_names_it(tmp_path: Path, damage: str) -> None:
    """A record overwritten in its middle fails to read with a reason, not a traceback from warcio or zlib."""
    from crawler.errors import StorageError

    files = WarcFiles(tmp_path, "x", 10**9)
    row = files.write(exchange())
    files.close()
    path = Path(row["warc_file"])
    data = bytearray(path.read_bytes())
    middle = row["warc_offset"] + row["warc_length"] // 2
    data[middle:middle + 60] = bytes(60) if damage == "zeros" else bytes(range(60, 120))
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match=rf"cannot read the WARC record at .*:{row['warc_offset']}: damaged \("):
        read_response(path, row["warc_offset"], row["warc_length"])


def test_a_record_without_its_target_uri_is_damaged_not_a_traceback(tmp_path: Path) -> None:
    """warcio reads a missing header as None and fails on it (AttributeError): that too is a damaged record."""
    from crawler.errors import StorageError

    files = WarcFiles(tmp_path, "x", 10**9)
    row = files.write(exchange())
    files.close()
    path = Path(row["warc_file"])
    with path.open("rb") as handle:
        handle.seek(row["warc_offset"])
        plain = gzip.decompress(handle.read(row["warc_length"])).replace(b"WARC-Target-URI:", b"WARC-Target-XRI:", 1)
    member = gzip.compress(plain)
    offset = path.stat().st_size
    with path.open("ab") as handle:
        handle.write(member)
    with pytest.raises(StorageError, match=r": damaged \(AttributeError\)$"):
        read_response(path, offset, len(member))


# Where a copy of a WARC file stopped: inside a page's body (its record's headers whole), inside the head of a
# record, or inside the request record after a whole response; and what the reader says of it.
CUTS = {
    "page body": (0.5, 4, r"the file ends \d+ bytes before the record does"),
    "record head": (0.03, 4, r"the file's last \d+ bytes are no whole record"),
    "request": (1.005, 5, r"the file's last \d+ bytes are no whole record"),
}


@pytest.mark.parametrize("cut", CUTS)
def test_a_file_that_ends_inside_a_record_is_truncated_not_read_short(tmp_path: Path, cut: str) -> None:
    """warcio reads a file cut inside a gzip member as far as it goes, without an error: the page it cuts was
    parsed short by `extract`, as if whole, or the file just seemed to end before it."""
    from crawler.errors import StorageError
    from crawler.warc_reads import responses_in

    body = HTML + base64.b64encode(random.Random(7).randbytes(6000))  # compresses little: a cut lands in the body
    files = WarcFiles(tmp_path, "x", 10**9)
    rows = [files.write(exchange(f"https://abai.kz/post/{n}", body)) for n in range(2)]
    files.close()
    part, number, reason = CUTS[cut]
    path = Path(rows[1]["warc_file"])
    path.write_bytes(path.read_bytes()[:rows[1]["warc_offset"] + int(rows[1]["warc_length"] * part)])
    read: list[str] = []
    with pytest.raises(StorageError, match=rf"^cannot read {re.escape(str(path))}: its record {number} is truncated \({reason}\)$"):
        read.extend(record.url for record in responses_in(path))
    assert read == ["https://abai.kz/post/0", "https://abai.kz/post/1"][:number - 3]


@pytest.mark.parametrize("after", ["an empty gzip member", "blank lines"])
def test_a_whole_file_with_nothing_after_its_last_record_is_no_truncated_one(tmp_path: Path, after: str) -> None:
    """A closing empty gzip member (a writer that opened one more, `cat` of an empty file) or blank lines hold no
    record: the file is whole, and was refused as truncated."""
    from crawler.warc_reads import responses_in

    files = WarcFiles(tmp_path, "x", 10**9)
    rows = [files.write(exchange(f"https://abai.kz/post/{n}")) for n in range(2)]
    files.close()
    path = Path(rows[0]["warc_file"])
    path.write_bytes(path.read_bytes() + (gzip.compress(b"") if after == "an empty gzip member" else b"\r\n\r\n"))
    assert [record.url for record in responses_in(path)] == ["https://abai.kz/post/0", "https://abai.kz/post/1"]


class Engine:
    """The engine's side a full disk uses: closing the spider, with its reason."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def close_spider_async(self, *, reason: str) -> None:
        self.reasons.append(reason)


@pytest.mark.parametrize("thread", [True, False])
def test_a_full_disk_stops_the_crawl_in_one_line(tmp_path: Path, thread: bool, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """No room for the WARC file: the crawl closes (finish reason disk_full, exit 1) with one line that says so; it
    fetched every page of the site before, a traceback logged for each, and ended as if it had run well."""
    import errno

    def no_room(self: WarcFiles, exchange: Exchange) -> dict[str, object]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(WarcFiles, "write", no_room)
    monkeypatch.setattr("scrapy.utils.defer.is_asyncio_available", lambda: False)  # no reactor: the close runs at once
    crawler = crawler_for(tmp_path, WARC_THREAD=thread)
    crawler.engine = engine = Engine()  # type: ignore[assignment]
    crawler.stats.set_value("newsarchive/crawl_run", Store(tmp_path / "db" / "archive.sqlite").start_run("abai", {}))
    middleware = WarcMiddleware.from_crawler(crawler)
    for n in range(3):
        request = Request(f"https://abai.kz/post/{n}")
        response = HtmlResponse(request.url, body=HTML, request=request)
        if thread:
            middleware.process_response(request, response)
        else:
            with pytest.raises(OSError):  # in line, the page is a download error
                middleware.process_response(request, response)
    middleware.close()
    assert engine.reasons == ["disk_full"]
    [line] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert line.getMessage() == ("Could not write https://abai.kz/post/0 into its WARC file: [Errno 28] No space left on "
                                 "device; stopping the crawl: nothing more can be stored. Free some space and run the same "
                                 "command to go on")
    assert line.exc_info is None
    assert crawler.stats.get_value("warc/errors") == (3 if thread else None)  # in line, each is a download error instead
