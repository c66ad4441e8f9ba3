"""Issue 6 end to end: one offline crawl of the fixture mirror keeps every response in WARC files indexed
in `pages`, every sighting of the counts in `metrics`; `reparse` rebuilds rows from the WARC records
alone; `search` finds articles in any script."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from conftest import SITES, cli, offline_crawl
from warcio.archiveiterator import ArchiveIterator

from crawler.cli import main
from crawler.encoding import read_page
from crawler.mirror import Mirror
from crawler.parsers import PARSER_VERSION
from crawler.parsers.abai import parse_article, parse_listing
from crawler.reparse import COMPARED_FIELDS, comparable
from crawler.seeds import site_names
from crawler.settings import SEEDS_DIR
from crawler.warc_reads import read_response, resolve

MIRROR = SITES / "abai.kz"


class Result:
    """The command line run in this process: exit code and output."""

    def __init__(self, capsys: pytest.CaptureFixture[str], *args: str) -> None:
        capsys.readouterr()
        self.returncode = main(list(args))
        self.stdout, self.stderr = capsys.readouterr()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("archive") / "data" / "archive.sqlite"
    out = offline_crawl(db, "abai")
    assert "archive   " in out and " responses in 1 WARC file, " in out
    return db


def warc_records(db: Path) -> list[tuple[str, dict[str, str], bytes]]:
    found = []
    for path in sorted((db.parent / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            found += [(r.rec_type, dict(r.rec_headers.headers), r.raw_stream.read()) for r in ArchiveIterator(handle)]
    return found


def test_every_response_is_one_warc_record_and_one_pages_row(crawled: Path) -> None:
    db = sqlite_utils.Database(crawled)
    stats = json.loads(db.execute("select stats from crawl_runs").fetchone()[0])
    pages = list(db.query("select * from pages order by id"))
    assert len(pages) == stats["downloader/response_count"] == stats["warc/records"] > 80
    records = warc_records(crawled)
    assert records[0][0] == "warcinfo" and [r[0] for r in records[1:]] == ["response", "request"] * len(pages)
    # The records carry abai.kz's URLs; the run and the warcinfo record say the pages came from the fixture mirror.
    source = f"offline mirror {(SITES / 'abai.kz').resolve()}"
    assert json.loads(db.execute("select args from crawl_runs").fetchone()[0])["source"] == source
    assert f"source: {source}\r\n".encode() in records[0][2]
    responses, requests = records[1::2], records[2::2]
    assert [r[1]["WARC-Record-ID"] for r in responses] == [p["warc_record_id"] for p in pages]
    assert [r[1]["WARC-Concurrent-To"] for r in requests] == [p["warc_record_id"] for p in pages]
    assert [r[1]["WARC-Target-URI"] for r in responses] == [p["url"] for p in pages]
    assert {p["warc_file"] for p in pages} == {f"warc/{p.name}" for p in (crawled.parent / "warc").glob("*.warc.gz")}
    assert {(p["kind"], p["status"]) for p in pages} == {("robots", 404), ("listing", 200), ("article", 200), ("article", 404)}


def test_warc_records_hold_the_pages_the_site_served(crawled: Path) -> None:
    mirror = Mirror(MIRROR)
    db = sqlite_utils.Database(crawled)
    served = list(db.query("select * from pages where status = 200"))
    assert len(served) == 22  # 12 article pages, 10 listing pages
    for page in served:
        url, status, headers, body = read_response(resolve(crawled, page["warc_file"]), page["warc_offset"], page["warc_length"])
        saved = mirror.lookup(url)
        assert saved is not None and (url, status) == (page["url"], saved.status)
        raw = saved.file.read_bytes()
        assert body == (gzip.decompress(raw) if saved.file.suffix == ".gz" else raw), url
        assert page["payload_sha1"] == hashlib.sha1(raw).hexdigest(), url


def test_no_loopback_address_is_kept_in_the_warc_files(crawled: Path) -> None:
    paths = list((crawled.parent / "warc").glob("*.warc.gz"))
    assert paths, "no WARC file to look in"  # else the loop below checks nothing
    for path in paths:
        data = gzip.decompress(path.read_bytes())
        assert b"127.0.0.1" not in data and b"localhost" not in data
    targets = [r[1]["WARC-Target-URI"] for r in warc_records(crawled) if "WARC-Target-URI" in r[1]]
    assert targets and all(url.startswith("https://abai.kz") for url in targets)


def test_items_metrics_and_pages_share_the_fetch_time(crawled: Path) -> None:
    db = sqlite_utils.Database(crawled)
    variants = list(db.query("select key, url, fetched_at, views, comments, parser_version from article_variants"))
    assert len(variants) == 12
    for v in variants:
        assert v["parser_version"] == PARSER_VERSION
        assert db.execute("select count(*) from pages where url = ? and fetched_at = ? and status = 200",
                          [v["url"], v["fetched_at"]]).fetchone()[0] == 1
        if v["views"] is not None or v["comments"] is not None:
            assert list(db.query("select views, comments from metrics where key = ? and source_kind = 'article' "
                                 "and source_url = ? and observed_at = ?", [v["key"], v["url"], v["fetched_at"]])) == [
                {"views": v["views"], "comments": v["comments"]}]
    assert {r[0] for r in db.execute("select parser_version from articles")} == {PARSER_VERSION}


def test_listing_cards_counts_are_observations(crawled: Path) -> None:
    db = sqlite_utils.Database(crawled)
    home = next(p for p in db.query("select * from pages where url = 'https://abai.kz/'"))
    html = read_page(MIRROR / "pages" / "home-2018-03-22.html")
    expected = {(o.key, o.views, o.comments) for o in parse_listing(html, "https://abai.kz/").observations("x", "y")}
    assert len(expected) == 37  # distinct articles with counts on the 2018 homepage
    stored = {(r["key"], r["views"], r["comments"]) for r in db.query(
        "select key, views, comments from metrics where source_kind = 'listing' and source_url = ? and observed_at = ?",
        ["https://abai.kz/", home["fetched_at"]])}
    assert stored == expected


@pytest.fixture
def tampered(crawled: Path, tmp_path: Path) -> Path:
    """A copy of the archive (moved: WARC paths are relative to the database) as an older parser left it."""
    shutil.copytree(crawled.parent, tmp_path / "moved")
    db = tmp_path / "moved" / crawled.name
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("update article_variants set parser_version = 0")
        conn.execute("update article_variants set title = 'Old title' where key = 'abai.kz:124675' and script = 'latn'")
        conn.execute("update article_variants set body = 'Old body.' where key = 'abai.kz:100000' and script = 'cyrl'")
        conn.execute("delete from quotes where key = 'abai.kz:100000' and script = 'cyrl'")
        conn.execute("update articles set body = 'Old body.', parser_version = 0 where key = 'abai.kz:100000'")
    conn.close()
    return db


def table(db: Path, sql: str) -> list[dict]:
    return list(sqlite_utils.Database(db).query(sql))


VARIANTS = "select * from article_variants order by key, script"


def test_reparse_reports_per_field_changes_and_restores_rows_from_the_warc(crawled: Path, tampered: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dry = Result(capsys, "reparse", "--db", str(tampered), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert table(tampered, "select title from article_variants where key = 'abai.kz:124675' and script = 'latn'") == [
        {"title": "Old title"}]  # a dry run writes nothing
    result = Result(capsys, "reparse", "--db", str(tampered))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Reparsed 12 article pages of 10 articles from their WARC records with parser version {PARSER_VERSION}"
    assert lines[1:5] == [
        "  changed    2 pages (body 1, quotes 1, title 1)",
        "  unchanged  10 pages (10 restamped with the new parser version)",
        "  failed     0 pages (0 articles, 0 listings)",
        "  metrics    47 count observations from 10 listing pages",
    ]
    assert dry.stdout.splitlines()[1:5] == lines[1:5]
    # Progress on standard error, plain lines off a terminal (a bar on one).
    assert result.stderr.splitlines() == ["reparse: article pages: 12 pages read", "reparse: listing pages: 10 pages read"]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "\n".join(lines[:5]) in readme  # the README shows this very run, parser version included
    # Every row is back as the crawl wrote it, stamped with the current parser version.
    assert table(tampered, VARIANTS) == table(crawled, VARIANTS)
    for name in ("articles", "quotes", "best_materials", "metrics", "article_revisions"):
        assert table(tampered, f"select * from {name} order by 1, 2, 3") == table(crawled, f"select * from {name} order by 1, 2, 3"), name
    assert [h["key"] for h in sqlite_utils.Database(tampered).query(
        "select v.key from article_variants_fts f join article_variants v on v.rowid = f.rowid "
        "where article_variants_fts match 'Old'")] == []
    again = Result(capsys, "reparse", "--db", str(tampered))
    assert again.stdout.splitlines()[1:3] == ["  changed    0 pages (none)", "  unchanged  12 pages (0 restamped with the new parser version)"]


def test_reparse_compares_an_item_as_its_to_dict_gives_it() -> None:
    item = parse_article((MIRROR / "pages" / "post-100000.html").read_text(encoding="utf-8"),
                         "https://abai.kz/post/100000", "2024-11-23T06:00:00+00:00")
    assert item.quotes and item.best_materials  # the children are compared too
    full = item.to_dict()
    assert comparable(item) == {name: full[name] for name in COMPARED_FIELDS}


def test_reparse_filters_by_site_and_fetch_date(crawled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert Result(capsys, "reparse", "--db", str(crawled), "--dry-run", "--site", "abai.kz").stdout.startswith("Reparsed 12 article pages")
    other = next(site for site in site_names(SEEDS_DIR) if site != "abai.kz")  # a known site this archive has no pages of
    assert Result(capsys, "reparse", "--db", str(crawled), "--dry-run", "--site", other).stdout.startswith("Reparsed 0 article pages of 0")
    assert Result(capsys, "reparse", "--db", str(crawled), "--dry-run", "--since", "2999-01-01").stdout.startswith("Reparsed 0 article pages")
    assert Result(capsys, "reparse", "--db", str(crawled), "--dry-run", "--since", "2000-01-01").stdout.startswith("Reparsed 12 article pages")
    bad = Result(capsys, "reparse", "--db", str(crawled), "--since", "last week")
    assert (bad.returncode, bad.stderr.strip()) == (2, "error: --since must be a date like 2024-01-31, not 'last week'")


def test_reparse_names_pages_whose_warc_file_is_gone(crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(crawled, tmp_path / "alone.sqlite")
    for suffix in ("-wal", "-shm"):
        if Path(f"{crawled}{suffix}").exists():
            shutil.copy(f"{crawled}{suffix}", tmp_path / f"alone.sqlite{suffix}")
    result = Result(capsys, "reparse", "--db", str(tmp_path / "alone.sqlite"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1:4] == ["  changed    0 pages (none)", "  unchanged  0 pages (0 restamped with the new parser version)",
                          "  failed     22 pages (12 articles, 10 listings)"]
    assert lines[4].startswith("    https://abai.kz/") and f"cannot read the WARC record at {tmp_path / 'warc'}" in lines[4]


def test_search_prints_ranked_hits_with_title_date_and_url(crawled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = Result(capsys, "search", "Nur Otan", "--db", str(crawled), "--limit", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == " 1. Nur Otan Trends пікірталас клубының кезекті басқосуы өтті (2018-09-19, https://abai.kz/post/100000)"
    assert "[Nur] [Otan]" in lines[1] and len(lines) == 2
    latin = Result(capsys, "search", "latyn", "--db", str(crawled))
    assert latin.stdout.startswith(" 1. Jana qazaq әlipbii nemese latyn jazuyna «Ahmetshe» kóshu (") and "/lt/post/51637)" in latin.stdout
    arabic = Result(capsys, "search", "قازاق", "--db", str(crawled))
    assert "اباي– قازاق ادەبيەتىنىڭ كلاسسيگى" in arabic.stdout and "https://abai.kz/tt/post/202845" in arabic.stdout
    none = Result(capsys, "search", "zzzqqq", "--db", str(crawled))
    assert (none.returncode, none.stdout.strip()) == (1, f"no articles match 'zzzqqq' in {crawled}")


def test_extract_parses_every_html_page_of_a_warc_file_handed_over_without_its_archive(
        crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (warc,) = (crawled.parent / "warc").glob("*.warc.gz")
    alone = shutil.copy(warc, tmp_path / "handed-over.warc.gz")  # no database beside it
    result = Result(capsys, "extract", str(alone))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    pages = table(crawled, "select url, warc_record_id from pages where status = 200 and content_type like 'text/html%' order by id")
    assert [(r["warc_file"], r["warc_record_id"], r["url"]) for r in records] == [
        (str(alone), p["warc_record_id"], p["url"]) for p in pages]
    articles = {r["url"]: r for r in records if "title" in r}  # the others are listings: {url, entries, …}
    fields = ("key", "script", "title", "body", "published_at", "views", "fetched_at", "parser_version")
    assert {url: tuple(record[f] for f in fields) for url, record in articles.items()} == {
        v["url"]: tuple(v[f] for f in fields) for v in table(crawled, VARIANTS)}


def test_extract_reads_the_warc_files_inside_a_wacz_export(crawled: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A WACZ is a zip of WARC files: it was read as one HTML page ("no URL"; with --url, zip bytes parsed)."""
    assert Result(capsys, "export", "--db", str(crawled), "--format", "wacz", "--out", str(tmp_path / "out")).returncode == 0
    wacz = tmp_path / "out" / "archive.wacz"
    result = Result(capsys, "extract", str(wacz))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    pages = table(crawled, "select url, warc_record_id from pages where key in (select key from articles) order by key, id")
    assert [(r["warc_file"], r["warc_record_id"], r["url"]) for r in records] == [
        (f"{wacz}#archive/newsarchive-export-00000.warc.gz", p["warc_record_id"], p["url"]) for p in pages]
    fields = ("key", "script", "title", "body", "published_at", "fetched_at", "parser_version")
    assert {r["url"]: tuple(r[f] for f in fields) for r in records} == {
        v["url"]: tuple(v[f] for f in fields) for v in table(crawled, VARIANTS)}
    refused = Result(capsys, "extract", str(wacz), "--url", "https://abai.kz/post/100000")
    assert refused.returncode == 2 and "--url and --fetched-at do not apply" in refused.stderr


def test_reparse_counts_the_stored_pages_it_has_no_warc_record_of(crawled: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Pages crawled with WARC_ENABLED off have none: reparse said "0 article pages of 0 articles" of a full archive."""
    shutil.copytree(crawled.parent, tmp_path / "copy")
    db = tmp_path / "copy" / crawled.name
    sqlite3.connect(db).execute("delete from pages where key = 'abai.kz:124675'").connection.commit()
    result = Result(capsys, "reparse", "--db", str(db), "--dry-run")
    assert result.returncode == 0 and result.stdout.startswith("Reparsed 9 article pages of 9 articles")
    assert ("  no record  3 article pages not reparsed: the WARC files hold none of theirs (crawled with WARC_ENABLED off,"
            " or before the WARC index)") in result.stdout.splitlines()
    assert "no record" not in Result(capsys, "reparse", "--db", str(crawled), "--dry-run").stdout


def test_reparse_names_a_truncated_warc_file_and_counts_only_the_pages_it_reparsed(
        crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.storage import Store

    shutil.copytree(crawled.parent, tmp_path / "cut")
    db = tmp_path / "cut" / crawled.name
    sources = sorted(Store(db, create=False).reparse_sources(None, None), key=lambda row: row["warc_offset"])
    middle = sources[len(sources) // 2]
    cut = middle["warc_offset"] + middle["warc_length"] // 2  # this page's record ends past the file's end
    (warc,) = (tmp_path / "cut" / "warc").glob("*.warc.gz")
    with warc.open("r+b") as handle:
        handle.truncate(cut)
    failed = [row for row in sources if row["warc_offset"] + row["warc_length"] > cut]
    listings = [row for row in Store(db, create=False).pages("listing") if row["warc_offset"] + row["warc_length"] <= cut]
    result = Result(capsys, "reparse", "--db", str(db))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (f"Reparsed {len(sources) - len(failed)} article pages of 10 articles from their WARC records"
                        f" with parser version {PARSER_VERSION}; {len(failed)} failed")
    assert f"    {middle['url']}: cannot read the WARC record at {warc}:{middle['warc_offset']}: the file is truncated" \
           f" ({cut} bytes; the record ends at byte {middle['warc_offset'] + middle['warc_length']})" in lines
    assert all(line.split(": the file is truncated (")[1].startswith(f"{cut} bytes; ") for line in lines[4:-2])
    assert lines[-2].endswith(f" from {len(listings)} listing pages")  # the pages it read, not those that failed
    assert table(db, VARIANTS) == table(crawled, VARIANTS)  # the cut page was not parsed into a shorter body


def test_a_crawl_stores_what_reparse_and_extract_read_of_a_page_declaring_more(tmp_path: Path) -> None:
    """A page's declared modification date, image and tags are read in the crawl, as `reparse` and `extract` read
    them (the spider ran abai's parser alone, so a reparse of a fresh crawl 'changed' such pages)."""
    mirror = shutil.copytree(SITES / "abai.kz", tmp_path / "mirror")
    page = mirror / "pages" / "post-100000.html"
    html = page.read_text(encoding="utf-8")
    declared = ('<meta property="article:modified_time" content="2018-09-20T10:00:00+06:00">'
                '<meta property="og:image" content="https://abai.kz/content/uploads/2018/09/nur-otan.jpg">'
                '<meta property="article:tag" content="Nur Otan">')
    page.write_text(html.replace("</head>", declared + "</head>", 1), encoding="utf-8")
    db = tmp_path / "archive.sqlite"
    offline_crawl(db, "abai", "--mirror", str(mirror))
    (row,) = table(db, "select modified_at, image, tags from article_variants where key = 'abai.kz:100000'")
    assert row == {"modified_at": "2018-09-20T10:00:00+06:00",
                   "image": "https://abai.kz/content/uploads/2018/09/nur-otan.jpg", "tags": '["Nur Otan"]'}
    reparsed = cli("reparse", "--db", str(db))
    assert reparsed.returncode == 0 and "  changed    0 pages (none)" in reparsed.stdout, reparsed.stdout


def test_an_interrupted_reparse_says_what_it_left_and_how_to_go_on(tampered: Path, capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C halfway through a long reparse: exit 130 and a line saying what is kept, not a bare 'interrupted'."""
    from crawler import reparse

    extract, calls = reparse.extract, []

    def interrupted_at_the_third(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return extract(*args)

    monkeypatch.setattr(reparse, "extract", interrupted_at_the_third)
    result = Result(capsys, "reparse", "--db", str(tampered))
    assert result.returncode == 130
    assert result.stderr.splitlines()[-1] == (
        "interrupted: the batches reparsed before it are stored; run the same command again to reparse them all")
