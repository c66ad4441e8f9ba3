"""Bad input to every CLI command: one line `error: …` naming the problem, exit code 2, no traceback; `--debug` shows it.

Most cases call `crawler.cli.main` in this process (fast; every case fails
before Scrapy starts); a few run `python -m crawler` for real to show the
exit code, the absence of a traceback, and `--debug`. The last test fails
when a command has no case here, so a new command gets its bad-input cases.
"""

from __future__ import annotations

import argparse
import fcntl
import gzip
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import as_reader, free_port
from crawler.cli import build_parser, main
from crawler.storage import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of bad inputs: broken databases, profiles, pages and manifests."""
    root = tmp_path_factory.mktemp("bad")
    good = Store(root / "good.sqlite")
    good.db.conn.close()
    data = (root / "good.sqlite").read_bytes()
    (root / "truncated.sqlite").write_bytes(data[: len(data) // 3])
    (root / "corrupt.sqlite").write_bytes(b"this is not a database\n" * 200)
    with sqlite3.connect(root / "newer.sqlite") as conn:
        conn.execute("create table notes (x)")
        conn.execute("pragma user_version = 99")
    (root / "folder.sqlite").mkdir()
    (root / "a-file").write_text("x", encoding="utf-8")
    (root / "garbage.html.gz").write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(64)))
    (root / "cut.html.gz").write_bytes(gzip.compress(b"<html><body>" + b"x" * 5000)[:40])
    (root / "bad.jsonl").write_text('{"path": "a.html"\nnot json\n', encoding="utf-8")
    (root / "badmirror").mkdir()
    (root / "badmirror" / "manifest.jsonl").write_text("{not json\n", encoding="utf-8")
    profiles = {
        "broken.toml": "[profile\nname = 1\n",
        "noprofile.toml": 'site = "x.kz"\n',
        "badzone.toml": 'site = "x.kz"\ntimezone = "Mars/Olympus"\n[profile]\nname = "x"\nstart_urls = ["https://x.kz/"]\n',
        "badpattern.toml": 'site = "x.kz"\n[profile]\nname = "x"\nstart_urls = ["https://x.kz/"]\narticle_patterns = ["(unclosed"]\n',
    }
    for name, text in profiles.items():
        (root / name).write_text(text, encoding="utf-8")
    for folder, text in {"seeds-broken": '[scripts\n', "seeds-mistyped": 'site = "abai.kz"\nhomepage = 5\nallowed_domains = 7\n'}.items():
        (root / folder).mkdir()
        (root / folder / "abai.kz.toml").write_text(text, encoding="utf-8")
    (root / "seeds-empty").mkdir()
    return root


# (argv, a part of the expected message); {bad} is the folder above.
DATABASES = [
    ("missing.sqlite", "no database at"),
    ("corrupt.sqlite", "file is not a database"),
    ("truncated.sqlite", "database disk image is malformed"),
    ("folder.sqlite", "no database at"),
    ("newer.sqlite", "schema version 99, newer than this newsarchive understands"),
]
READERS = [
    ["quotes", "--speaker", "x"], ["health"], ["export", "--format", "jsonl", "--out", "{bad}/out"], ["reparse"],
    ["search", "x"],
]
CASES: list[tuple[list[str], str]] = [
    *[([*command, "--db", f"{{bad}}/{db}"], message) for command in READERS for db, message in DATABASES],
    # crawl: databases, spiders and profiles, options, mirrors
    (["crawl", "abai", "--offline", "--db", "{bad}/corrupt.sqlite"], "file is not a database"),
    (["crawl", "abai", "--offline", "--db", "{bad}/truncated.sqlite"], "database disk image is malformed"),
    (["crawl", "abai", "--offline", "--db", "{bad}/folder.sqlite"], "unable to open database file"),
    (["crawl", "abai", "--offline", "--db", "{bad}/newer.sqlite"], "newer than this newsarchive understands"),
    (["crawl", "abai", "--offline", "--db", "/proc/no-such-folder/a.sqlite"], "cannot create the folder of database"),
    (["crawl", "abai", "--offline", "--db", "{bad}/a-file/a.sqlite"], "unable to open database file"),
    (["crawl", "nosuch", "--db", "{bad}/ok.sqlite"], "crawl takes abai, a profile's name ("),
    (["crawl", "site", "--db", "{bad}/ok.sqlite"], "crawl site needs --profile"),
    (["crawl", "site", "--profile", "{bad}/missing.toml", "--db", "{bad}/ok.sqlite"], "no site profile"),
    (["crawl", "site", "--profile", "{bad}/broken.toml", "--db", "{bad}/ok.sqlite"], "cannot read site profile"),
    (["crawl", "site", "--profile", "{bad}/noprofile.toml", "--db", "{bad}/ok.sqlite"], "is not a site profile"),
    (["crawl", "site", "--profile", "{bad}/badzone.toml", "--db", "{bad}/ok.sqlite"], "unknown time zone 'Mars/Olympus'"),
    (["crawl", "site", "--profile", "{bad}/badpattern.toml", "--db", "{bad}/ok.sqlite"], "bad pattern '(unclosed'"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "-s", "SEEDS_DIR={bad}/seeds-broken"], "cannot read seed file"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "-s", "SEEDS_DIR={bad}/seeds-mistyped"], "lacks or mistypes"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "-s", "SEEDS_DIR={bad}/seeds-empty"], "no seed file"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--since", "yesterday"], "--since must be a date"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--since", "2024-02-30"], "--since must be a date"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--max-articles", "many"], "crawl: argument --max-articles"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--max-articles", "0"], "--max-articles must be at least 1"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--categories", "999"], "unknown category 999"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--scripts", "cyrl,xx"], "unknown script xx"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--revisit-ages", "soon"], "revisit ages must be days"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--revisit-ages", "1,,7"], "revisit ages must be days"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--revisit-ages", "nan"], "days above 0 and below 36,500"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--revisit-ages", "1,inf"], "days above 0 and below 36,500"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--scripts", ""], "--scripts is empty"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--categories", " "], "--categories is empty"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--log-level", "LOUD"], "argument --log-level: invalid choice"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--jobdir", "{bad}/a-file"], "is a file, not a folder"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "-s", "NOEQUALS"], "-s takes NAME=VALUE"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--mirror", "{bad}/nowhere"], "mirror folder {bad}/nowhere does not exist"),
    (["crawl", "abai", "--offline", "--db", "{bad}/ok.sqlite", "--mirror", "{bad}/badmirror"], "bad manifest line"),
    # extract: unreadable pages and manifests, a bad time
    (["extract"], "extract needs PATH"),
    (["extract", "{bad}/missing.html"], "cannot read: No such file or directory"),
    (["extract", "{bad}/folder.sqlite"], "cannot read: Is a directory"),
    (["extract", "{bad}/garbage.html.gz"], "cannot read: not a whole gzip file"),
    (["extract", "{bad}/cut.html.gz"], "cannot read: not a whole gzip file"),
    (["extract", "--manifest", "{bad}/missing.jsonl"], "cannot read manifest"),
    (["extract", "--manifest", "{bad}/bad.jsonl"], "bad.jsonl:1: needs a JSON object"),
    (["extract", "{bad}/a-file", "--url", "https://abai.kz/post/1", "--fetched-at", "teatime"], "--fetched-at must be an ISO 8601 time"),
    (["extract", "{bad}/a-file", "--url", "not-a-url"], "--url must be an absolute http(s) URL"),
    # quotes, health, search, reparse, export: options
    (["quotes", "--speaker", "x", "--db", "{bad}/good.sqlite", "--limit", "0"], "--limit must be at least 1"),
    (["quotes", "--db", "{bad}/good.sqlite"], "quotes: the following arguments are required: --speaker"),
    (["quotes", "--speaker", " ", "--db", "{bad}/good.sqlite"], "--speaker is empty"),
    (["health", "--db", "{bad}/good.sqlite", "--runs", "0"], "--runs must be at least 1"),
    (["health", "--db", "{bad}/good.sqlite", "--max-drop", "5"], "--max-drop must be a share"),
    (["health", "--db", "{bad}/good.sqlite", "--site", "nosuch.kz"], "unknown site 'nosuch.kz'"),
    (["health", "--db", "{bad}/good.sqlite", "--site", "egemen"], "no finished crawl run of egemen.kz"),  # as `crawl` names it
    (["health", "--db", "{bad}/good.sqlite", "--site", "abai"], "no finished crawl run of abai.kz"),
    (["health", "--db", "{bad}/good.sqlite", "--site", "ABAI.KZ"], "no finished crawl run of abai.kz"),  # a host's case
    (["search", "x", "--db", "{bad}/good.sqlite", "--limit", "-1"], "--limit must be at least 1"),
    (["reparse", "--db", "{bad}/good.sqlite", "--since", "yesterday"], "--since must be a date"),
    (["reparse", "--db", "{bad}/good.sqlite", "--site", "nosuch.kz"], "unknown site 'nosuch.kz'"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "xml", "--out", "{bad}/o"], "export: argument --format: invalid choice"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "jsonl"], "export needs --format FORMAT and --out DIR"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "jsonl", "--out", "{bad}/a-file"], "is a file, not a folder"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "jsonl", "--out", "{bad}/o", "--since", "yesterday"], "--since must be a date"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "jsonl", "--out", "{bad}/o", "--until", "2024-13-01"], "--until must be a date"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "jsonl", "--out", "{bad}/o", "--site", "nosuch.kz"], "unknown site 'nosuch.kz'"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "jsonl", "--out", "{bad}/o", "--script", "xx"], "--script must be among"),
    (["export", "--db", "{bad}/good.sqlite", "--format", "parquet", "--out", "{bad}/o", "--raw-csv"], "--raw-csv is for --format csv"),
    (["export", "verify", "{bad}/nowhere"], "no export folder at"),
    (["export", "verify", "{bad}/badmirror"], "not an export"),
    (["export", "verify"], "error: export verify: the following arguments are required: dir"),
    # fixtures
    (["fixtures", "check", "nosuch.kz"], "no fixture mirror of 'nosuch.kz' in tests/fixtures/sites; known: abai.kz, "),
    (["fixtures", "check", "{bad}/nowhere"], "no manifest.jsonl in fixture folder {bad}/nowhere"),
    (["fixtures", "check", "{bad}/badmirror"], "bad manifest line"),
    (["fixtures", "serve", "nosuch.kz"], "no fixture mirror of 'nosuch.kz' in tests/fixtures/sites; known: abai.kz, "),
    (["fixtures", "serve", "{bad}/badmirror"], "bad manifest line"),
    (["fixtures", "record", "--site", "abai.kz", "not-a-url"], "not an http(s) URL"),
    (["fixtures", "record", "--site", "x.kz", "https://abai.kz/post/1"], "is not on site x.kz"),
    (["fixtures"], "fixtures: the following arguments are required"),
    # ingest
    (["crawl", "abai", "--redis", "redis://127.0.0.1:1/0", "--refresh"], "--refresh needs the archive"),
    (["crawl", "abai", "--redis", "redis://127.0.0.1:1/0", "--revisit-ages", "1", "--stop-after-known", "3"],
     "--revisit-ages, --stop-after-known need the archive"),
    (["ingest", "--redis", "nothing", "--db", "{bad}/good.sqlite"], "--redis takes a URL"),
    (["ingest", "--redis", "redis://127.0.0.1:1/0", "--db", "{bad}/good.sqlite"], "cannot reach Redis"),
    (["ingest", "--redis", "redis://127.0.0.1:1/0", "--db", "{bad}/good.sqlite", "--spider", "nosuch"], "ingest: argument --spider"),
    # no command at all
    ([], "the following arguments are required: COMMAND"),
]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def expand(argv: list[str], bad: Path) -> list[str]:
    return [arg.replace("{bad}", str(bad)) for arg in argv]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(a)[:80] for a, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(bad: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(expand(argv, bad), capsys)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert message.replace("{bad}", str(bad)) in lines[0], lines[0]


def test_an_unreadable_page_is_exit_2_but_the_other_pages_are_still_extracted(bad: Path, tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text('<html><head><link rel="canonical" href="https://x.kz/news/1"><title>Title</title></head>'
                    "<body><article><h1>Title</h1><p>A paragraph of body text.</p></article></body></html>", encoding="utf-8")
    code, out, err = run_main(["extract", str(bad / "missing.html"), str(page)], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and err.strip().splitlines() == [f"error: {bad / 'missing.html'}: cannot read: No such file or directory"]
    assert records[0]["error"] == "cannot read: No such file or directory"
    assert records[1]["title"] == "Title"


@pytest.mark.parametrize(("argv", "exception"), [
    (["quotes", "--speaker", "x", "--db", "{bad}/corrupt.sqlite"], "StorageError"),
    (["crawl", "site", "--profile", "{bad}/badzone.toml", "--db", "{bad}/ok.sqlite"], "ConfigError"),
])
def test_a_real_process_exits_2_without_traceback_and_debug_shows_it(bad: Path, argv: list[str], exception: str) -> None:
    command = [sys.executable, "-m", "crawler", *expand(argv, bad)]
    plain = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert len(plain.stderr.strip().splitlines()) == 1
    debug = subprocess.run([*command[:3], "--debug", *command[3:]], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr and exception in debug.stderr


def test_a_crawl_whose_jobdir_is_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    """The lock is taken once Scrapy runs (an extension): the CLI still reports it as one line, not a traceback."""
    (tmp_path / "job").mkdir()
    with (tmp_path / "job" / "newsarchive.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--db", str(tmp_path / "a.sqlite"),
                                 "--jobdir", str(tmp_path / "job")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: JOBDIR {tmp_path / 'job'} is in use by another running crawl"]


@pytest.mark.parametrize("argv", [["crawl", "abai", "--offline"], ["reparse"]])
def test_a_read_only_database_fails_before_any_work(tmp_path: Path, argv: list[str]) -> None:
    """Opening only reads: a command that writes checks it can before it starts (a crawl, before Scrapy)."""
    db = tmp_path / "ro.sqlite"
    Store(db).db.conn.close()
    db.chmod(0o444)
    command = [sys.executable, "-m", "crawler", *argv, "--db", str(db)]
    result = subprocess.run(as_reader(command), cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: cannot write to database {db}: attempt to write a readonly database"]



def catches(pid: int, signum: int) -> bool:
    """True once the process has a handler of its own for `signum` (Linux: the SigCgt mask of /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (signum - 1) & 1)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_command_starts_is_an_interruption(tmp_path: Path, signum: int) -> None:
    """`kill` or Ctrl-C in a crawl's first second, while modules import: 'interrupted', 130; no traceback, no silent 143."""
    process = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--db", str(tmp_path / "a.sqlite")],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not catches(process.pid, signal.SIGTERM) and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert (process.returncode, out, err) == (130, "", "interrupted\n")

def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from command_paths(sub, (*prefix, name))


def test_every_command_has_bad_input_cases() -> None:
    covered = {tuple(argv[:2]) for argv, _ in CASES} | {tuple(argv[:1]) for argv, _ in CASES}
    missing = [" ".join(path) for path in command_paths(build_parser()) if path not in covered]
    assert not missing, f"commands without a bad-input case in {Path(__file__).name}: {missing}"


def test_counts_in_the_commands_summaries_agree_with_their_nouns() -> None:
    from crawler.cli import counted

    assert [counted(n, "page") for n in (0, 1, 2)] == ["0 pages", "1 page", "2 pages"]
    assert counted(1, "batch", "batches") == "1 batch" and counted(3, "batch", "batches") == "3 batches"


def test_a_crawl_that_fetched_nothing_because_the_server_is_down_exits_1(tmp_path: Path) -> None:
    """Every request refused: the run finishes, its errors are recorded, and a cron job sees a failure."""
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--db", str(tmp_path / "a.sqlite"),
                             "-s", f"MIRROR_ADDRESS={address}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stderr[-2000:]
    assert lines[0].startswith(f"Crawled abai (mirror server at {address}) in ")
    assert "  errors    4 (connection_refused 4)" in lines
    assert lines[-1] == "  nothing fetched: every page request failed (exit 1); is the site, or the mirror server, up?"
    assert "Traceback" not in result.stderr  # robots.txt's failure is one log line, as every other page's


def test_a_crawl_whose_site_answers_every_page_with_a_500_exits_1(tmp_path: Path) -> None:
    """robots.txt answers, every page fails: as down for a cron job as a server that refuses every connection."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Down(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            robots = self.path == "/robots.txt"
            body = b"User-agent: *\nAllow: /\n" if robots else b"down for maintenance"
            self.send_response(200 if robots else 500)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "abai", "--db", str(tmp_path / "a.sqlite"),
                                 "-s", f"MIRROR_ADDRESS=127.0.0.1:{server.server_address[1]}", "-s", "RETRY_TIMES=0"],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "  errors    4 (http_500 4)" in lines
    assert lines[-1] == "  nothing fetched: every page request failed (exit 1); is the site, or the mirror server, up?"


def test_a_crawl_that_robots_txt_forbids_everywhere_says_so_and_exits_1(tmp_path: Path) -> None:
    """The site is up: robots.txt forbids every page, and the summary says that rather than ask whether it is up.
    No page is asked for, not even those that waited on the robots.txt fetch (Scrapy 2.19 let them through)."""
    import faultserver as fs

    from crawler.mirror import Mirror

    with fs.FaultServer(Mirror(ROOT / "tests" / "fixtures" / "sites" / "abai.kz"), robots="User-agent: *\nDisallow: /\n",
                        home=False) as site:
        result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "abai", "--db", str(tmp_path / "a.sqlite"),
                                 "-s", f"MIRROR_ADDRESS={site.address}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert {hit.path for hit in site.hits} == {"/robots.txt"}
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "  errors    4 (robots_disallowed 4)" in lines
    assert lines[-1] == "  nothing fetched: robots.txt forbids every page asked for (exit 1)"


def test_a_crawl_whose_profile_matches_no_article_link_says_so_and_exits_1(tmp_path: Path) -> None:
    """A profile whose article_patterns miss the site's links (a typo, http against https) stored nothing and
    reported success: `0 new`, exit 0. Its listing pages still page on (their pager links match): none is empty."""
    profile = tmp_path / "qamshy.kz.toml"
    text = (ROOT / "seeds" / "qamshy.kz.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^article_patterns = .*$", "article_patterns = ['^https://qamshy\\\\.kz/articles/']", text)
    profile.write_text(re.sub(r"(?m)^start_urls = .*$", 'start_urls = ["https://qamshy.kz/category/news"]', text),
                       encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "site", "--profile", str(profile), "--offline",
                             "--db", str(tmp_path / "q.sqlite")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "  articles  0 new, 0 updated, 0 unchanged  (0 pages in 0 scripts)" in lines
    assert ("  nothing found: no article link in the 5 listing, sitemap or feed pages read (exit 1): do the profile's "
            "article_patterns and start_urls match the site's links (scheme, www.)?") in lines


@pytest.mark.parametrize(("listed", "found"), [
    ({"pages": 6, "articles": 0}, True),
    ({"pages": 6, "articles": 40}, False),  # links found, then skipped (stored, gone, before --since): not "nothing"
    ({"pages": 0, "articles": 0}, False),  # no listing read: a sitemap index whose sitemaps were all before --since
    ({}, False),
])
def test_when_a_crawl_found_no_article_link(listed: dict[str, int], found: bool) -> None:
    from crawler.cli.crawl_summary import no_article_links

    assert (no_article_links({"listed": listed}) is not None) is found


def test_a_since_run_of_a_sitemap_index_whose_sitemaps_are_all_older_is_no_failure(tmp_path: Path) -> None:
    """The index lists only sitemaps, each dated before --since and skipped: no page of links was read, so the run
    found nothing to fetch, not nothing at all (it exited 1, 'nothing found', every day on a quiet site)."""
    profile = tmp_path / "qamshy.kz.toml"
    text = (ROOT / "seeds" / "qamshy.kz.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^start_urls = .*$", "start_urls = []", text)
    profile.write_text(re.sub(r"(?m)^feeds = .*$", "feeds = []", text), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "site", "--profile", str(profile), "--offline",
                             "--since", "2018-06-01", "--db", str(tmp_path / "q.sqlite")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "nothing found" not in result.stdout


@pytest.mark.parametrize(("answered", "errors", "why"), [
    (0, {"connection_refused": 4}, "every page request failed (exit 1); is the site, or the mirror server, up?"),
    (0, {"http_500": 3, "http_404": 1}, "every page request failed (exit 1); is the site, or the mirror server, up?"),
    (0, {"robots_disallowed": 4}, "robots.txt forbids every page asked for (exit 1)"),
    (0, {"http_404": 12}, None),  # a resumed job left with dead links only: the site answered
    (0, {}, None),  # nothing asked for
    (5, {"timeout": 80}, None),  # pages answered: health judges the rest
])
def test_when_a_crawl_fetched_nothing(answered: int, errors: dict[str, int], why: str | None) -> None:
    from crawler.cli.crawl_summary import nothing_fetched

    assert nothing_fetched({"answered": answered, "errors_by_kind": errors}) == why
