"""`fixtures record` saves pages the way the crawler fetches them, into the mirror format, with expected JSON.

Every fetch goes to a server this module starts on 127.0.0.1, which serves
pages written into a temporary folder and logs each request with its
headers. The command runs in a subprocess (it starts Twisted's reactor).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest

from conftest import SITES, cli, free_port, on_a_terminal, read_manifest, screen_lines
from crawler import settings as project_settings
from crawler.cli import main
from crawler.fixtures import saved_pages
from crawler.mirror import offline_settings, setting_args
from crawler.parsers import parse_article

ROOT = Path(__file__).resolve().parent.parent

ARTICLE = """<!DOCTYPE html><html lang="kk"><head><meta charset="utf-8"><title>{title} | Demo</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-05-01T10:00:00+05:00">
</head><body><header>Demo News</header><article><h1>{title}</h1>
<p>Бұл мақаланың бірінші абзацы: жеткілікті ұзын, толық сөйлем.</p>
<p>Екінші абзац, «осылай болды» деді Айдос Сарым.</p></article></body></html>"""


@dataclass
class Route:
    """What the server answers for one path: a file from the temp folder, or a redirect."""

    file: Path | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False


class PageServer:
    """Serves `routes` (path → Route) on an ephemeral 127.0.0.1 port; logs (path, request headers)."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.log: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server.log.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path, Route(status=404))
                body = route.file.read_bytes() if route.file else b"not here"
                if route.gzip:
                    body = gzip.compress(body)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                if route.gzip:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def fixtures(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m crawler fixtures ARGS` in a subprocess: `record` starts Twisted's reactor, once per process."""
    return subprocess.run([sys.executable, "-m", "crawler", "fixtures", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def fixtures_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`fixtures check` (no reactor) in this process: exit code, stdout, stderr."""
    code = main(["fixtures", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, PageServer, subprocess.CompletedProcess[str]]]:
    """One `record` of an article (gzipped, with a cookie), a redirect to a second article, a 404 and the home page."""
    www = tmp_path_factory.mktemp("www")
    (www / "first.html").write_text(ARTICLE.format(title="Бірінші жаңалық"), encoding="utf-8")
    (www / "second.html").write_text(ARTICLE.format(title="Екінші жаңалық"), encoding="utf-8")
    (www / "home.html").write_text("<html><body><a href='/news/first-story'>Бірінші</a></body></html>", encoding="utf-8")
    routes = {
        "/news/first-story": Route(www / "first.html", gzip=True,
                                   headers={"X-Served-By": "test", "Set-Cookie": "session=secret"}),
        "/old-story": Route(status=301, headers={"Location": "/news/second-story.html"}),
        "/news/second-story.html": Route(www / "second.html"),
        "/": Route(www / "home.html"),
    }
    sites = tmp_path_factory.mktemp("sites")
    with PageServer(routes) as server:
        urls = [f"{server.base}{path}" for path in ("/news/first-story", "/old-story", "/gone", "/")]
        result = fixtures("record", *urls, "--site", "127.0.0.1", "--sites-dir", str(sites))
        yield sites / "127.0.0.1", server, result


def test_record_saves_each_page_with_its_manifest_line(recorded) -> None:
    site_dir, server, result = recorded
    assert result.returncode == 0, result.stderr
    lines = {urlpath(e["url"]): e for e in read_manifest(site_dir)}
    assert sorted(lines) == sorted(["/news/first-story", "/old-story", "/gone", "/", "/news/second-story.html"])
    assert len(read_manifest(site_dir)) == 5
    today = datetime.now(UTC).date().isoformat()
    first = lines["/news/first-story"]
    assert (first["file"], first["status"], first["kind"]) == ("pages/news-first-story.html", 200, "article")
    assert first["content_type"] == "text/html; charset=utf-8"
    assert first["source"] == f"saved {today}" and first["fetched_at"].startswith(today)
    assert first["headers"]["X-Served-By"] == "test"
    # Cookies are private; Content-Encoding and Content-Length no longer describe the saved (unpacked) body.
    assert not {"Set-Cookie", "Content-Encoding", "Content-Length"} & set(first["headers"])
    assert (site_dir / first["file"]).read_text(encoding="utf-8") == ARTICLE.format(title="Бірінші жаңалық")
    assert (lines["/gone"]["status"], lines["/gone"]["kind"]) == (404, "not_found")
    assert lines["/"]["kind"] == "home"


def test_the_fetch_is_told_on_standard_error_before_any_page_is_saved(recorded) -> None:
    """`record` said nothing while it fetched (its first line came with the first page saved, after the whole fetch):
    standard error not on a terminal gets a line as the fetch starts and one when it is done, a redirect and its target
    one page (on a terminal: see below)."""
    _, _, result = recorded
    lines = result.stderr.splitlines()
    assert lines[:2] == ["fixtures record: fetching 4 pages of 127.0.0.1", "fixtures record: pages: 4 pages done"], lines
    assert result.stdout.splitlines()[0].startswith("saved ")


def test_on_a_terminal_a_bar_counts_the_pages_fetched_and_scrapys_log_lines_show_whole_above_it(tmp_path: Path) -> None:
    """A page whose server is down (a closed port) makes Scrapy log errors while the bar is drawn: each is a line of its
    own above the bar, not written into the bar's line."""
    (tmp_path / "a.html").write_text(ARTICLE.format(title="Жаңа бет"), encoding="utf-8")
    with PageServer({"/a": Route(tmp_path / "a.html")}) as server:
        down = f"http://127.0.0.1:{free_port()}/b"
        output, drawn = on_a_terminal("fixtures", "record", f"{server.base}/a", down, "--site", "127.0.0.1",
                                      "--sites-dir", str(tmp_path / "sites"))
    lines = screen_lines(drawn)
    assert lines[0] == "fixtures record: fetching 2 pages of 127.0.0.1", lines
    bars = [line for line in lines if "━" in line]
    assert bars and bars[-1].startswith("pages ━") and "2/2" in bars[-1], lines
    logged = [line for line in lines if "ERROR: Gave up retrying" in line]
    assert logged and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[scrapy", line) for line in logged), lines
    assert f"error: {down}: " in drawn and output.startswith(f"saved {server.base}/a → ")


def test_redirects_are_saved_as_they_came_and_their_target_too(recorded) -> None:
    site_dir, server, _ = recorded
    lines = {urlpath(e["url"]): e for e in read_manifest(site_dir)}
    redirect = lines["/old-story"]
    assert (redirect["status"], redirect["kind"], redirect["headers"]["Location"]) == (301, "redirect", "/news/second-story.html")
    target = lines["/news/second-story.html"]
    assert (target["status"], target["kind"], target["file"]) == (200, "article", "pages/news-second-story.html")


def test_the_recorded_site_replays_status_headers_and_redirects(recorded, mirror) -> None:
    site_dir, _, _ = recorded
    server = mirror(site_dir)
    host = next(iter(server.mirror.pages.values())).url.split("/")[2]  # the recorded server's host:port
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
    replies = {}
    for path in ("/old-story", "/news/first-story", "/gone"):
        request = urllib.request.Request(f"http://{server.address}{path}", headers={"X-Forwarded-Host": host})
        try:
            with opener.open(request, timeout=10) as reply:
                replies[path] = (reply.status, dict(reply.headers), reply.read())
        except urllib.error.HTTPError as err:
            replies[path] = (err.code, dict(err.headers), err.read())
    assert replies["/old-story"][0] == 301 and replies["/old-story"][1]["Location"] == "/news/second-story.html"
    status, headers, body = replies["/news/first-story"]
    assert (status, headers["X-Served-By"], "Set-Cookie" in headers) == (200, "test", False)
    assert body.decode("utf-8") == ARTICLE.format(title="Бірінші жаңалық")  # saved unpacked, served as saved
    assert replies["/gone"][0] == 404


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def test_expected_json_is_the_current_parse_of_each_article(recorded) -> None:
    site_dir, _, _ = recorded
    articles = saved_pages(site_dir, "article")
    assert len(articles) == 2
    for page in articles:
        expected = json.loads(page.expected_path.read_text(encoding="utf-8"))
        item = parse_article(page.html(), page.url, page.fetched_at)
        assert expected == json.loads(json.dumps(item.to_dict(), ensure_ascii=False))
        assert expected["title"] in ("Бірінші жаңалық", "Екінші жаңалық")
    # Pages no parser covers get no expected JSON: the 404, the redirect, a non-abai home page.
    assert sorted(p.name for p in (site_dir / "pages").glob("*.json")) == ["news-first-story.json", "news-second-story.json"]


def test_fetch_uses_the_project_downloader_settings(recorded) -> None:
    _, server, _ = recorded
    paths = [path for path, _ in server.log]
    assert paths[0] == "/robots.txt"  # ROBOTSTXT_OBEY
    assert sorted(paths[1:]) == sorted(["/news/first-story", "/old-story", "/gone", "/", "/news/second-story.html"])
    for path, headers in server.log:
        assert headers["User-Agent"] == project_settings.USER_AGENT, path
        assert "gzip" in headers.get("Accept-Encoding", "")


def test_recorded_site_checks_clean_then_reports_a_changed_page_field_by_field(recorded, tmp_path: Path, capsys) -> None:
    site_dir = tmp_path / "127.0.0.1"
    shutil.copytree(recorded[0], site_dir)
    code, out, _ = fixtures_here(capsys, "check", str(site_dir))
    assert code == 0, out
    assert "Checked 2 pages of 1 site: 2 match, 0 differ." in out
    page = site_dir / "pages" / "news-first-story.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Бірінші жаңалық", "Өзгерген тақырып"), encoding="utf-8")
    code, out, _ = fixtures_here(capsys, "check", str(site_dir))
    assert code == 1
    # the headline only: the body's HTML leaves the repeated headline out, as the body does
    assert "pages/news-first-story.json" in out and "1 field differs: title" in out
    assert '      expected "Бірінші жаңалық"\n      got      "Өзгерген тақырып"' in out
    code, out, _ = fixtures_here(capsys, "check", str(site_dir), "--accept")
    assert code == 0 and "1 accepted" in out
    assert json.loads((site_dir / "pages" / "news-first-story.json").read_text(encoding="utf-8"))["title"] == "Өзгерген тақырып"
    assert fixtures_here(capsys, "check", str(site_dir))[0] == 0


def test_recording_a_url_again_replaces_its_page_and_line(tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "a.html").write_text(ARTICLE.format(title="Бірінші нұсқа"), encoding="utf-8")
    sites = tmp_path / "sites"
    with PageServer({"/a": Route(www / "a.html")}) as server:
        first = fixtures("record", f"{server.base}/a", "--site", "127.0.0.1", "--sites-dir", str(sites),
                         "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0")
        (www / "a.html").write_text(ARTICLE.format(title="Екінші нұсқа"), encoding="utf-8")
        second = fixtures("record", f"{server.base}/a", "--site", "127.0.0.1", "--sites-dir", str(sites),
                          "--kind", "article", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0")
        expected = sites / "127.0.0.1" / "pages" / "a.json"
        kept = expected.read_text(encoding="utf-8")
        expected.write_text("<<<<<<< HEAD\n{broken\n", encoding="utf-8")
        third = fixtures("record", f"{server.base}/a", "--site", "127.0.0.1", "--sites-dir", str(sites),
                         "--kind", "article", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0")
    assert first.returncode == 0 and second.returncode == 0 and third.returncode == 0, third.stderr
    assert json.loads(expected.read_text(encoding="utf-8")) == {**json.loads(kept), "fetched_at": ANY}
    [line] = read_manifest(sites / "127.0.0.1")
    assert line["file"] == "pages/a.html"
    [page] = saved_pages(sites / "127.0.0.1")
    assert json.loads(page.expected_path.read_text(encoding="utf-8"))["title"] == "Екінші нұсқа"
    assert "changed since" not in first.stdout
    assert "changed since" not in third.stdout  # over an expected JSON left broken (a merge conflict): written anew
    # the change on the site shows as a per-field diff, as `fixtures check` shows one (the fetch time aside)
    assert "  changed since the last recording: 1 field differs: title\n" in second.stdout
    assert '      expected "Бірінші нұсқа"\n      got      "Екінші нұсқа"' in second.stdout


def test_abai_pages_recorded_through_the_mirror_handler_match_the_bundled_expected_json(tmp_path: Path) -> None:
    """The real URLs are kept (the mirror download handler sends them to our server): the abai parsers apply."""
    bundled = SITES / "abai.kz" / "pages"
    routes = {"/post/100000": Route(bundled / "post-100000.html"), "/lt/part/1": Route(bundled / "lt-part-1.html")}
    sites = tmp_path / "sites"
    with PageServer(routes) as server:
        args = setting_args(offline_settings(address=server.base.removeprefix("http://")))
        result = fixtures("record", "https://abai.kz/post/100000", "https://www.abai.kz/lt/part/1",
                          "--site", "abai.kz", "--sites-dir", str(sites), *args)
    assert result.returncode == 0, result.stderr
    lines = {e["url"]: e for e in read_manifest(sites / "abai.kz")}
    assert (lines["https://abai.kz/post/100000"]["kind"], lines["https://www.abai.kz/lt/part/1"]["kind"]) == ("article", "listing")
    article = json.loads((sites / "abai.kz" / "pages" / "post-100000.json").read_text(encoding="utf-8"))
    bundled_article = json.loads((bundled / "post-100000.json").read_text(encoding="utf-8"))
    assert article["fetched_at"] == lines["https://abai.kz/post/100000"]["fetched_at"]
    assert {**article, "fetched_at": None} == {**bundled_article, "fetched_at": None}
    listing = json.loads((sites / "abai.kz" / "pages" / "lt-part-1.json").read_text(encoding="utf-8"))
    assert listing == json.loads((bundled / "lt-part-1.json").read_text(encoding="utf-8"))


def test_a_url_off_the_site_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = fixtures_here(capsys, "record", "https://example.org/a", "--site", "abai.kz", "--sites-dir", str(tmp_path))
    assert code == 2
    assert err.strip() == "error: https://example.org/a is not on site abai.kz"
    assert not list(tmp_path.iterdir())


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_mirror_address_alone_routes_the_requests_to_the_mirror(tmp_path: Path) -> None:
    """`-s MIRROR_ADDRESS` brings the mirror's download handler with it: without it, the requests went to the URL's host."""
    (tmp_path / "a.html").write_text(ARTICLE.format(title="Айнадағы бет"), encoding="utf-8")
    sites = tmp_path / "sites"
    with PageServer({"/a": Route(tmp_path / "a.html"), "/robots.txt": Route(status=404)}) as server:
        address = server.base.removeprefix("http://")
        result = fixtures("record", "http://127.0.0.1:9/a", "--site", "127.0.0.1", "--sites-dir", str(sites),
                          "-s", f"MIRROR_ADDRESS={address}")  # port 9 (discard) has no server: only the mirror answers
    assert result.returncode == 0, result.stderr
    assert "/a" in [path for path, _ in server.log]
    [page] = saved_pages(sites / "127.0.0.1")
    assert page.url == "http://127.0.0.1:9/a"


def test_a_redirect_target_also_asked_for_is_saved_once(tmp_path: Path) -> None:
    (tmp_path / "b.html").write_text(ARTICLE.format(title="Жаңа мекен"), encoding="utf-8")
    sites = tmp_path / "sites"
    routes = {"/old": Route(status=301, headers={"Location": "/b"}), "/b": Route(tmp_path / "b.html")}
    with PageServer(routes) as server:
        result = fixtures("record", f"{server.base}/old", f"{server.base}/b", "--site", "127.0.0.1",
                          "--sites-dir", str(sites), "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0")
    assert result.returncode == 0, result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines() if line.startswith("saved ")] == [
        f"{server.base}/old", f"{server.base}/b"]


def test_a_www_spelling_of_an_article_is_an_article_when_the_profile_names_only_the_bare_host(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A redirect to https://www.site/… replaces the line of the article it leads to (the manifest files pages by
    canonical URL): recorded as a "page", that article would drop out of `fixtures check` without a word."""
    from crawler import settings
    from crawler.fixtures import guess_kind

    (tmp_path / "steppe.example.toml").write_text(
        'site = "steppe.example"\n[profile]\nstart_urls = ["https://steppe.example/news"]\n'
        'article_patterns = ["^https://steppe\\\\.example/news/\\\\d+$"]\n', encoding="utf-8")
    monkeypatch.setattr(settings, "SEEDS_DIR", tmp_path)
    kinds = [guess_kind(url, 200) for url in ("https://steppe.example/news/1", "https://www.steppe.example/news/1",
                                              "http://www.steppe.example/news", "https://steppe.example/about")]
    assert kinds == ["article", "article", "listing", "page"]


def test_a_page_saved_on_disk_is_recorded_as_the_answer_of_its_url(tmp_path: Path) -> None:
    """A page the crawler cannot fetch from here (saved by a browser, or written by hand) joins the mirror with its
    expected JSON, parsed with the site's profile (qamshy.kz: Almaty time), and checks clean."""
    page = tmp_path / "saved.html"
    page.write_text("<html><head><title>Жаңа кітапхана ашылды</title></head><body><article><h1>Жаңа кітапхана ашылды</h1>"
                    "<div class='date'>15.03.2018 15:52</div><p>Астанада жаңа кітапхана ашылды. Оған мыңдаған кітап "
                    "әкелінді.</p></article></body></html>", encoding="utf-8")
    sites, url = tmp_path / "sites", "https://qamshy.kz/article/zhana-kitaphana.html"
    result = cli("fixtures", "record", "--sites-dir", str(sites), "--site", "qamshy.kz", "--file", str(page), url)
    assert result.returncode == 0, result.stderr
    [entry] = read_manifest(sites / "qamshy.kz")
    assert (entry["url"], entry["status"], entry["kind"], entry["content_type"]) == (
        url, 200, "article", "text/html; charset=utf-8")
    assert entry["source"].startswith("file saved.html, saved ")
    expected = json.loads((sites / "qamshy.kz" / entry["file"]).with_suffix(".json").read_text(encoding="utf-8"))
    assert (expected["title"], expected["published_at"]) == ("Жаңа кітапхана ашылды", "2018-03-15T15:52:00+06:00")
    assert cli("fixtures", "check", "--sites-dir", str(sites), "qamshy.kz").returncode == 0
    two = cli("fixtures", "record", "--sites-dir", str(sites), "--site", "qamshy.kz", "--file", str(page), url, url)
    assert (two.returncode, two.stderr.strip()) == (
        2, "error: --file goes with exactly one URL, the page's address, and no -s or --missing (nothing is fetched)")


def test_the_pages_an_offline_crawl_found_missing_are_recorded_with_missing(tmp_path: Path) -> None:
    """An offline crawl of a mirror turns every linked page it lacks into an http_404 row: `--missing` records those
    of the site's runs that have not answered since, though a later run that skipped them as gone wrote no row."""
    from crawler.mirror import Mirror, MirrorServer
    from crawler.storage import Store

    db, missing = tmp_path / "a.sqlite", ["https://abai.kz/lt/post/999999", "https://abai.kz/post/999999"]
    store = Store(db)
    first = store.start_run("abai", {}, site="abai.kz")
    store.save_pages([{"url": missing[0], "status": 301, "kind": "article", "fetched_at": "2999-01-01T00:00:00+00:00",
                       "crawl_run": first}])  # redirected to the missing page, in the same run: no answer
    for url in [*missing, "https://abai.kz/post/1"]:
        store.record_error(url, "download", "http_404", "HTTP 404", first)
    store.record_error("https://abai.kz/post/2", "download", "timeout", "timed out", first)
    store.finish_run(first, {})
    later = store.start_run("abai", {}, site="abai.kz")  # skips the dead links: no error rows
    store.save_pages([{"url": "https://abai.kz/post/1", "status": 200, "kind": "article",
                       "fetched_at": "2999-01-01T00:00:00+00:00", "crawl_run": later}])  # answers again
    store.finish_run(later, {})
    store.db.close()
    with MirrorServer(Mirror(SITES / "abai.kz")) as server:  # the site, here: it lacks them still
        result = cli("fixtures", "record", "--sites-dir", str(tmp_path / "sites"), "--site", "abai.kz",
                     "--missing", str(db), "-s", f"MIRROR_ADDRESS={server.address}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(e["url"] for e in read_manifest(tmp_path / "sites" / "abai.kz")) == missing
    nothing = cli("fixtures", "record", "--sites-dir", str(tmp_path / "sites"), "--site", "abai.kz")
    assert (nothing.returncode, nothing.stderr.strip()) == (
        2, "error: nothing to record: give URLs, or --missing DB of a crawl that found pages missing")


AFTER_A_FETCH = """
import os, signal, time
from crawler.interrupts import terminate_as_interrupt
from crawler.record import fetch

with terminate_as_interrupt():  # as `python -m crawler` runs every command
    fetch([], "abai.kz", {})
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)
            print("ignored", signum.name)
        except KeyboardInterrupt:
            print("interrupted", signum.name)
"""


def test_ctrl_c_and_sigterm_still_stop_the_work_after_the_fetch() -> None:
    """Saving what was fetched (a parse per page, minutes for many) stops on Ctrl-C or `kill`: Scrapy's handlers,
    left behind by its process, did nothing once its reactor had stopped, and the command ran on to its end."""
    result = subprocess.run([sys.executable, "-c", AFTER_A_FETCH], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines() == ["interrupted SIGINT", "interrupted SIGTERM"], result.stderr[-2000:]


SAVE_UNDER_A_SIZE_LIMIT = """
import resource, sys
from pathlib import Path
from crawler.fixtures import RecordedResponse, save_page

resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
page = RecordedResponse("https://abai.kz/post/1", 200, {"Content-Type": "text/html"}, b"<p>x</p>", "2024-05-01T00:00:00+00:00")
try:
    save_page(Path(sys.argv[1]), page)
except OSError as err:
    print(err.strerror)
"""


def test_a_manifest_that_cannot_be_written_whole_stays_as_it_was(tmp_path: Path) -> None:
    """A full disk while a page's line goes in (here a file size limit, which fails the same way): the manifest of every
    page recorded before is kept, not cut at the limit, with the pages it lists beside it."""
    site = tmp_path / "abai.kz"
    site.mkdir()
    shutil.copy(SITES / "abai.kz" / "manifest.jsonl", site)
    before = (site / "manifest.jsonl").read_bytes()
    result = subprocess.run([sys.executable, "-c", SAVE_UNDER_A_SIZE_LIMIT, str(site), str(len(before) // 2)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout == "File too large\n", result.stderr[-2000:]
    assert (site / "manifest.jsonl").read_bytes() == before
    assert sorted(path.name for path in site.iterdir()) == ["manifest.jsonl", "pages"]


def test_ctrl_c_while_a_page_is_saved_leaves_it_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while a recorded page is parsed for its expected JSON: the page is saved with its JSON, then the command
    stops; not a page in the manifest whose expected JSON `fixtures check` reports missing."""
    import os
    import signal

    from crawler import record

    def parse_interrupted(page: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)
        return parse_saved(page)

    parse_saved = record.parse_saved
    monkeypatch.setattr(record, "parse_saved", parse_interrupted)
    page = tmp_path / "saved.html"
    page.write_text(ARTICLE.format(title="Жаңа кітапхана ашылды"), encoding="utf-8")
    sites = tmp_path / "sites"
    with pytest.raises(KeyboardInterrupt):
        record.record_file(page, "https://qamshy.kz/article/1.html", sites / "qamshy.kz", "qamshy.kz")
    [entry] = read_manifest(sites / "qamshy.kz")
    assert (sites / "qamshy.kz" / entry["file"]).with_suffix(".json").is_file()


def test_each_page_is_told_as_it_is_saved_and_an_interruption_says_how_many_were(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while the second of two fetched pages is saved: the first one's line is out already (they all came at the
    end, so an interrupted recording named none of the pages it had kept), and the interruption counts them."""
    import os
    import signal

    from crawler import record
    from crawler.fixtures import RecordedResponse

    urls = ["https://qamshy.kz/article/1.html", "https://qamshy.kz/article/2.html"]
    fetched = [RecordedResponse(url, 200, {"Content-Type": "text/html; charset=utf-8"},
                                ARTICLE.format(title=f"Жаңалық {n}").encode(), "2024-05-01T06:00:00+00:00")
               for n, url in enumerate(urls, 1)]
    monkeypatch.setattr(record, "fetch", lambda *args: (fetched, []))
    parse_saved = record.parse_saved

    before_the_second: list[str] = []

    def parse_interrupted(page: Any) -> Any:
        if page.url == urls[1]:
            before_the_second.extend(capsys.readouterr().out.splitlines())
            os.kill(os.getpid(), signal.SIGINT)
        return parse_saved(page)

    monkeypatch.setattr(record, "parse_saved", parse_interrupted)
    sites = tmp_path / "sites"
    assert main(["fixtures", "record", *urls, "--site", "qamshy.kz", "--sites-dir", str(sites)]) == 130
    out, err = capsys.readouterr()
    assert [line.split(" → ")[0] for line in before_the_second + out.splitlines()] == [f"saved {url}" for url in urls]
    assert before_the_second[0].startswith(f"saved {urls[0]} → ")  # told before the next page was saved
    assert err.splitlines()[-1] == (f"interrupted: 2 pages saved in {sites / 'qamshy.kz'} before it (listed above); "
                                    "run the same command again to record them all")
