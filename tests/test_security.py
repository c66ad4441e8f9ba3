"""Security: off-site and robots-disallowed pages are never fetched, hostile XML is harmless, hostile page content is stored verbatim and harms nothing.

One crawl (`scrapy crawl abai` in a subprocess, working folder a sandbox)
runs over `FaultServer`, whose homepage links off-site hosts, a page
robots.txt disallows, redirects off site and to `file://`, and a page full
of SQL, HTML, control characters, scripts and path-like strings. The server's
log says what was asked for; the database, the sandbox and the CLI's output
say what became of the content.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlite_utils

import faultserver as fs
from conftest import SITES
from crawler.discovery import read_feed, read_sitemap
from crawler.mirror import Mirror, offline_settings, setting_args
from crawler.parsers.abai import parse_article
from crawler.parsers.common import parse_html
from crawler.parsers.sanitize import sanitize

ROOT = Path(__file__).resolve().parent.parent
ON_SITE = {"abai.kz", "www.abai.kz"}
MARK = f"newsarchive-pwned-{uuid.uuid4().hex[:8]}"  # a file by this name anywhere means a page chose a path
ESCAPE = f"../../../../../../../../tmp/{MARK}"

HOSTILE_TITLE = "Robert'); DROP TABLE articles;-- <b>bold</b> \x07\x1b[31mRED\x1b[0m \u202eevil"
HOSTILE_PARAGRAPHS = [
    "'; DELETE FROM article_variants WHERE '1'='1",
    "<script>alert(document.cookie)</script> &amp; &lt;",
    "bell\x07 esc\x1b[2J del\x7f c1\x85\x9b — Қазақ",
    f"{ESCAPE} $(touch /tmp/{MARK}) `touch /tmp/{MARK}` {{{{7*7}}}} %s %n",
]
HOSTILE = fs.article_html(
    HOSTILE_TITLE, [],
    head=(f'<link rel="canonical" href="file:///tmp/{MARK}">\n<meta property="og:url" content="{ESCAPE}">\n'
          '<link rel="prefetch" href="/beacon-prefetch">\n'),
    raw_body="\n".join(f"<p>{fs.html.escape(p, quote=False)}</p>" for p in HOSTILE_PARAGRAPHS) + (
        '\n<script>new Image().src = "/beacon-script"; fetch("/beacon-fetch")</script>'
        '<img src="/beacon-img" onerror="alert(1)"><iframe src="/beacon-iframe"></iframe>'
        f'<a href="javascript:alert(1)">js</a><img src="{ESCAPE}.jpg">'),
)
PATH_TITLE = fs.article_html(ESCAPE, [f"{ESCAPE}/index.html", "C:\\Windows\\System32\\evil.dll"])

FAULTS = [
    fs.Fault("/post/900101", fs.page(fs.article_html("Disallowed", ["robots.txt forbids this page"]).encode()), "Robots"),
    fs.Fault("/post/900107", fs.redirect("https://evil.example/steal"), "Redirect off site"),
    fs.Fault("/post/900108", fs.page(fs.article_html("Refresh", ["x"], head=(
        '<meta http-equiv="refresh" content="0; url=https://evil.example/refresh">\n')).encode()), "Meta refresh off site"),
    fs.Fault("/post/900109", fs.redirect("file:///etc/passwd"), "Redirect to a file"),
    fs.Fault("/post/900110", fs.page(HOSTILE.encode(), headers={"Content-Disposition": f'attachment; filename="{ESCAPE}"'}),
             "Hostile content"),
    fs.Fault("/post/900111", fs.page(PATH_TITLE.encode()), "A title that is a path"),
]
OFF_SITE_LINKS = [
    ("https://evil.example/post/900102", "Off-site article"),
    ("https://abai.kz.evil.example/post/900103", "Look-alike host"),
    ("https://abai.kz@evil.example/post/900104", "User-info trick"),
    ("//evil.example/post/900105", "Protocol-relative"),
    ("file:///post/900106", "file: link"),
    ("javascript:location='https://evil.example/post/900112'", "javascript: link"),
]
ROBOTS = "User-agent: *\nDisallow: /post/900101\n"


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, fs.FaultServer, subprocess.CompletedProcess[str]]:
    sandbox = tmp_path_factory.mktemp("sandbox")
    db = sandbox / "archive" / "archive.sqlite"
    server = fs.FaultServer(Mirror(SITES / "abai.kz"), FAULTS, robots=ROBOTS, extra_links=OFF_SITE_LINKS,
                            next_page="https://evil.example/part/1?page=2")
    settings = {**offline_settings(address=server.address), "DB_PATH": str(db), "LOG_LEVEL": "WARNING",
                "ROBOTSTXT_OBEY": True}
    command = [sys.executable, "-m", "scrapy", "crawl", "abai", *setting_args(settings)]
    with server:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return db, server, result


def errors(db: Path) -> dict[str, tuple[str, str]]:
    return {r["url"]: (r["stage"], r["kind"]) for r in sqlite_utils.Database(db)["errors"].rows}


def test_nothing_off_site_is_ever_requested(hostile_crawl) -> None:
    _, server, _ = hostile_crawl
    assert server.hits, "the server saw no request"
    assert {hit.host for hit in server.hits} <= ON_SITE, sorted({hit.host for hit in server.hits} - ON_SITE)


def test_off_site_links_are_not_even_recorded_as_seen(hostile_crawl) -> None:
    db = sqlite_utils.Database(hostile_crawl[0])
    assert not [r["url"] for r in db["urls"].rows if "evil.example" in r["url"] or r["url"].startswith("file:")]


def test_off_site_redirects_are_refused_and_recorded(hostile_crawl) -> None:
    found = errors(hostile_crawl[0])
    assert found["https://abai.kz/post/900107"] == ("download", "redirect_offsite")
    assert found["https://abai.kz/post/900108"] == ("download", "redirect_offsite")
    # Scrapy follows only http(s) redirects: a Location of file:///etc/passwd leaves the 302 as the answer.
    assert found["https://abai.kz/post/900109"] == ("download", "http_302")


def test_robots_txt_disallow_is_obeyed(hostile_crawl) -> None:
    db, server, _ = hostile_crawl
    assert server.requests_for("/robots.txt"), "robots.txt was never read"
    assert not server.requests_for("/post/900101")
    assert errors(db)["https://abai.kz/post/900101"] == ("download", "robots_disallowed")


def test_nothing_the_page_says_is_executed_or_fetched(hostile_crawl) -> None:
    server = hostile_crawl[1]
    assert not [hit.path for hit in server.hits if hit.path.startswith("/beacon")]


def test_hostile_content_is_stored_verbatim(hostile_crawl) -> None:
    db = sqlite_utils.Database(hostile_crawl[0])
    expected = parse_article(HOSTILE, "https://abai.kz/post/900110")
    row = db["article_variants"].get(("abai.kz:900110", "cyrl"))
    assert row["title"] == expected.title == HOSTILE_TITLE
    assert row["body"] == expected.body
    for text in ("DELETE FROM article_variants WHERE '1'='1", "<script>alert(document.cookie)</script> &amp; &lt;",
                 "esc\x1b[2J del\x7f c1\x85\x9b", f"$(touch /tmp/{MARK})"):
        assert text in row["body"], text
    assert row["url"] == "https://abai.kz/post/900110"  # the page's canonical and og:url (a file, a path) are not used
    assert {"articles", "article_variants", "errors", "urls"} <= set(db.table_names())
    assert db["articles"].count >= 10


def test_stored_html_is_sanitized(hostile_crawl) -> None:
    row = sqlite_utils.Database(hostile_crawl[0])["article_variants"].get(("abai.kz:900110", "cyrl"))
    html = row["body_html"].lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe"):
        assert bad not in html, bad
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in row["body_html"]


def test_text_before_the_bodys_first_paragraph_is_escaped_like_all_other_text() -> None:
    root = parse_html('<div class="post-content">&lt;script&gt;alert(1)&lt;/script&gt; &amp;<p>&lt;img onerror=x&gt;</p></div>')
    assert sanitize(root.find(".//div"), "https://abai.kz/") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp;<p>&lt;img onerror=x&gt;</p>")


def test_no_file_is_named_by_a_page(hostile_crawl) -> None:
    db = hostile_crawl[0]
    sandbox = db.parent.parent
    made = sorted(str(p.relative_to(sandbox)) for p in sandbox.rglob("*") if p.is_file())
    assert all(p.startswith("archive/archive.sqlite") or p.startswith("archive/warc/newsarchive-run") for p in made), made
    assert not (Path("/tmp") / MARK).exists() and not list(Path("/tmp").glob(f"{MARK}*"))
    assert not [p for p in sandbox.rglob("*") if MARK in p.name]


def test_exports_of_hostile_content_stay_in_out_and_keep_it_verbatim(hostile_crawl, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "crawler", "export", "--db", str(hostile_crawl[0]), "--format", "jsonl",
                             "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert all(p.resolve().is_relative_to(out.resolve()) for p in tmp_path.rglob("*") if p.is_file())
    assert not list(tmp_path.rglob(f"*{MARK}*")) and not (Path("/tmp") / MARK).exists()
    # JSON Lines are split on "\n" only: a title may hold U+0085 or U+2028, which str.splitlines() also splits on.
    text = (out / "articles.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.split("\n") if line]
    assert {r["title"] for r in rows if r["key"] == "abai.kz:900110"} == {HOSTILE_TITLE}


def test_cli_output_never_sends_a_page_s_control_characters_to_the_terminal(hostile_crawl) -> None:
    result = subprocess.run([sys.executable, "-m", "crawler", "search", "DROP", "--db", str(hostile_crawl[0])],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "DROP TABLE articles" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[31mRED" in result.stdout


# -- hostile XML (sitemaps and feeds, crawler/discovery.py) ------------------------------

LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10))


def test_a_billion_laughs_sitemap_is_read_in_no_time_and_expands_nothing() -> None:
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [{LAUGHS}]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            '<url><loc>https://x.kz/&lol9;</loc></url><url><loc>https://x.kz/a/1</loc></url></urlset>').encode()
    started = time.monotonic()
    found = read_sitemap(body, "https://x.kz/sitemap.xml")
    assert time.monotonic() - started < 1.0
    # libxml2 stops at the entity (the rest of a hostile sitemap is lost, harmlessly); nothing is expanded.
    assert found and all("lol" not in f.url and len(f.url) < 100 for f in found)


def test_external_entities_never_reach_the_network_or_the_disk(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    with fs.FaultServer(Mirror(SITES / "abai.kz")) as server:
        dtd = f'<!ENTITY % remote SYSTEM "http://{server.address}/evil.dtd"> %remote;' \
              f'<!ENTITY net SYSTEM "http://{server.address}/xxe"><!ENTITY file SYSTEM "file://{secret}">'
        sitemap = (f'<?xml version="1.0"?><!DOCTYPE urlset [{dtd}]><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                   '<url><loc>https://x.kz/&net;&file;</loc></url></urlset>').encode()
        feed = (f'<?xml version="1.0"?><!DOCTYPE rss [{dtd}]><rss><channel><item><link>https://x.kz/&file;&net;</link>'
                '</item></channel></rss>').encode()
        found = read_sitemap(sitemap, "https://x.kz/sitemap.xml") + read_feed(feed, "https://x.kz/rss")
        time.sleep(0.2)
    assert server.hits == []
    assert all("TOP-SECRET" not in f.url for f in found)


def test_a_gzip_bomb_sitemap_is_capped() -> None:
    started = time.monotonic()
    assert read_sitemap(fs.gzip_bomb(1 << 30), "https://x.kz/sitemap.xml.gz") == []
    assert time.monotonic() - started < 10
