"""`python -m crawler extract`: saved pages in, JSON Lines out, parser chosen by host."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SITES, on_a_terminal

ROOT = Path(__file__).resolve().parent.parent
PAGES = SITES / "abai.kz" / "pages"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_extract_one_page_with_url_prints_the_expected_item() -> None:
    result = run("extract", str(PAGES / "post-100000.html"), "--url", "https://abai.kz/post/100000",
                 "--fetched-at", "2024-11-23T06:00:00+00:00")
    assert result.returncode == 0, result.stderr
    [item] = lines(result.stdout)
    assert item == json.loads((PAGES / "post-100000.json").read_text(encoding="utf-8"))
    assert len(item["quotes"]) == 15
    naive = run("extract", str(PAGES / "post-100000.html"), "--url", "https://abai.kz/post/100000",
                "--fetched-at", "2024-11-23T06:00:00")  # no offset: UTC, as the archive's fetch times
    assert lines(naive.stdout) == [item]


def test_extract_manifest_echoes_keys_and_reads_gzip(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "a.html.gz", "wb") as out:
        out.write((PAGES / "tt-post-124675.html").read_bytes())
    shutil.copy(PAGES / "lt-post-51637.html", tmp_path / "b.html")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps({"path": "a.html.gz", "url": "https://abai.kz/tt/post/124675", "key": "k1"}) + "\n"
        + json.dumps({"path": "b.html", "url": "https://www.abai.kz/lt/post/51637"}) + "\n",
        encoding="utf-8",
    )
    result = run("extract", "--manifest", str(manifest))
    assert result.returncode == 0, result.stderr
    first, second = lines(result.stdout)
    assert (first["key"], first["article_key"], first["script"], first["language"]) == ("k1", "abai.kz:124675", "arab", "ru")
    assert (second["key"], second["url"], second["views"]) == ("abai.kz:51637", "https://abai.kz/lt/post/51637", 17699)


def test_extract_without_url_uses_the_canonical_link() -> None:
    result = run("extract", str(PAGES / "post-67688.html"))
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout)[0]["key"] == "abai.kz:67688"


def test_extract_listing_page_prints_its_entries() -> None:
    result = run("extract", str(PAGES / "part-1.html"), "--url", "https://abai.kz/part/1")
    listing = lines(result.stdout)[0]
    assert listing["next_page"] == "https://abai.kz/part/1?page=2"
    assert listing["entries"] and all(e["key"].startswith("abai.kz:") for e in listing["entries"])


def test_extract_unknown_host_goes_to_the_generic_parser(tmp_path: Path) -> None:
    page = tmp_path / "news.html"
    page.write_text(
        """<html lang="en"><head><title>Site</title><script type="application/ld+json">
        {"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, {"@type": "NewsArticle",
         "headline": "Rivers rise in spring", "datePublished": "2024-04-02T08:00:00+05:00",
         "author": [{"@type": "Person", "name": "Ann Lee"}]}]}</script></head>
        <body><article><h1>Rivers rise in spring</h1><p>The rivers of the region rose by two metres this week.</p>
        <p>Officials said the dams were holding and that no homes were at risk.</p></article></body></html>""",
        encoding="utf-8",
    )
    result = run("extract", str(page), "--url", "https://news.example.org/2024/04/rivers?utm_source=x")
    item = lines(result.stdout)[0]
    assert (item["site"], item["title"], item["published_at"]) == ("news.example.org", "Rivers rise in spring", "2024-04-02T08:00:00+05:00")
    assert item["authors"] == ["Ann Lee"] and item["language"] == "en"
    assert item["url"] == "https://news.example.org/2024/04/rivers"
    assert item["body"].startswith("The rivers of the region rose")


def test_extract_bad_input_is_reported_not_raised(tmp_path: Path) -> None:
    missing = run("extract", str(tmp_path / "nope.html"), "--url", "https://abai.kz/post/1")
    # An unreadable input file is bad input (exit 2, issue 11); a page that reads but does not parse exits 1.
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    no_args = run("extract")
    assert no_args.returncode == 2 and no_args.stderr.strip() == "error: extract needs PATH... or --manifest FILE"
    bad_manifest = tmp_path / "bad.jsonl"
    bad_manifest.write_text("not json\n", encoding="utf-8")
    result = run("extract", "--manifest", str(bad_manifest))
    assert result.returncode == 2 and result.stderr.startswith(f"error: {bad_manifest}:1:")
    warc = tmp_path / "run.warc.gz"
    warc.write_bytes(gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n"))
    result = run("extract", str(warc), "--url", "https://abai.kz/post/1")
    assert (result.returncode, result.stderr.strip()) == (2, f"error: {warc} is a WARC file (or a WACZ): its records give"
                                                             " each page's URL and fetch time, so --url and --fetched-at"
                                                             " do not apply")
    result = run("extract", str(warc))
    message = "no page answered with status 200 among its records"
    assert (result.returncode, result.stderr.strip()) == (1, f"error: {warc}: {message}")
    assert lines(result.stdout) == [{"path": str(warc), "error": message}]  # no page made of its records
    warc.write_bytes(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 900\r\n\r\nHTTP/1.1 200"))
    result = run("extract", str(warc))
    assert result.returncode == 2 and lines(result.stdout) == [
        {"path": str(warc), "error": "cannot read: its record 1 is damaged (AttributeError)"}]
    body = b"HTTP/1.1 OK\r\n\r\nhi"  # the second record's status line has no code
    warc.write_bytes(gzip.compress(b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n") + gzip.compress(
        b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: https://abai.kz/post/1\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n" % (len(body), body)))
    assert lines(run("extract", str(warc)).stdout) == [{"path": str(warc), "error": "cannot read: its record 2 is damaged (ValueError)"}]


def test_a_fixture_mirrors_manifest_is_a_manifest_and_its_pages_know_their_urls() -> None:
    """Its HTML pages are extracted under the URLs it gives (robots.txt, feeds and error answers are no pages)."""
    manifest = SITES / "egemen.kz" / "manifest.jsonl"
    entries = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    pages = {e["url"] for e in entries if e.get("file") and e["status"] == 200 and "html" in e["content_type"]}
    result = run("extract", "--manifest", str(manifest))
    assert result.returncode == 0, result.stderr
    assert {item["url"] for item in lines(result.stdout)} >= {url for url in pages if "/article/" in url}
    assert len(lines(result.stdout)) == len(pages) < len(entries)
    alone = run("extract", str(SITES / "egemen.kz" / "pages" / "article-370001.html"))  # no --url: the manifest has it
    assert alone.returncode == 0 and lines(alone.stdout)[0]["url"] == "https://egemen.kz/article/370001-astanada-zhana-kitaphana-ashyldy"


def test_pages_a_sites_profile_takes_for_no_article_are_skipped_not_parsed_as_articles() -> None:
    """qamshy.kz's homepage and listings came out as articles titled by their first card or `NEWS|Qamshy News`."""
    result = run("extract", "--manifest", str(SITES / "qamshy.kz" / "manifest.jsonl"))
    assert result.returncode == 0, result.stderr
    records = lines(result.stdout)
    skipped = {r["url"] for r in records if "skipped" in r}
    assert skipped == {"https://qamshy.kz/", "https://qamshy.kz/category/news", "https://qamshy.kz/category/news?page=2"}
    articles = [r for r in records if "skipped" not in r]
    assert articles and all("/article/" in r["url"] and r["title"] for r in articles)


def test_a_reader_that_stops_reading_ends_extract_quietly() -> None:
    """`extract … | head`: the status of SIGPIPE, as Unix tools end, and no traceback."""
    process = subprocess.Popen([sys.executable, "-m", "crawler", "extract", "--manifest", str(SITES / "abai.kz" / "manifest.jsonl")],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    assert process.wait(timeout=120) == 141
    assert b"Traceback" not in process.stderr.read()


def test_a_relative_canonical_link_is_no_url_to_extract_under(tmp_path: Path) -> None:
    page = tmp_path / "bus.html"
    page.write_text("<html><head><title>Bus routes</title><link rel='canonical' href='bus-routes.html'></head>"
                    "<body><h1>Bus routes</h1><p>New bus routes open on the left bank next week.</p></body></html>",
                    encoding="utf-8")
    result = run("extract", str(page))
    message = "no URL: the page names itself 'bus-routes.html', not an absolute URL; pass --url or a manifest url"
    assert (result.returncode, lines(result.stdout)) == (2, [{"path": str(page), "error": message}])  # bad input, as for an unreadable file


def test_a_mirror_page_is_decoded_by_the_charset_it_was_served_with(tmp_path: Path) -> None:
    """A windows-1251 page that declares its charset only in its HTTP header, as `fixtures record` saved it."""
    mirror = tmp_path / "mirror"
    (mirror / "pages").mkdir(parents=True)
    title = "Новый парк в Караганде"
    html = (f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            "<p>В Караганде открылся новый парк с детскими площадками и беговыми дорожками.</p></body></html>")
    (mirror / "pages" / "park.html").write_bytes(html.encode("windows-1251"))
    (mirror / "manifest.jsonl").write_text(json.dumps({
        "url": "https://herald.example/news/park.html", "file": "pages/park.html", "status": 200,
        "content_type": "text/html; charset=windows-1251", "kind": "article"}) + "\n", encoding="utf-8")
    for args in (["--manifest", str(mirror / "manifest.jsonl")], [str(mirror / "pages" / "park.html")]):
        result = run("extract", *args)
        assert result.returncode == 0, result.stderr
        assert [item["title"] for item in lines(result.stdout)] == [title]


def write_warc(warc: Path) -> Path:
    """A gzipped WARC file of robots.txt and the seed article, served without Content-Type."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = (SITES / "abai.kz" / "pages" / "post-100000.html").read_bytes()
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, headers, body in [("https://abai.kz/robots.txt", [("Content-Type", "text/plain")], b"User-agent: *\n"),
                                   ("https://abai.kz/post/100000", [("Content-Length", str(len(page)))], page)]:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    return warc


def test_extract_types_a_warc_response_as_the_crawl_did_without_its_content_type(tmp_path: Path) -> None:
    """A page served without Content-Type is HTML by its body, as Scrapy typed it for the crawl; robots.txt is skipped."""
    warc = write_warc(tmp_path / "bare.warc.gz")
    result = run("extract", str(warc))
    assert result.returncode == 0, result.stderr
    (record,) = lines(result.stdout)
    assert (record["url"], record["key"], record["warc_file"]) == ("https://abai.kz/post/100000", "abai.kz:100000", str(warc))
    assert record["title"].startswith("Nur Otan Trends")


def test_a_broken_profile_fails_its_own_sites_pages_and_extract_goes_on(tmp_path: Path, monkeypatch, capsys) -> None:
    """One site's profile that cannot be read is bad input for that site's pages (exit 2); the other pages, an XHTML
    one among them (its <?xml?> prolog made parsel read it as XML and find no canonical link), are extracted."""
    from crawler import settings
    from crawler.cli import main

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "steppe.example.toml").write_text('site = "steppe.example"\n[profile]\nmax_listing_pages = 3 3\n',
                                              encoding="utf-8")
    monkeypatch.setattr(settings, "SEEDS_DIR", str(seeds))
    body = "<body><h1>Жаңа кітапхана ашылды</h1><p>Астанада жаңа кітапхана ашылды.</p></body></html>"
    steppe, other = tmp_path / "steppe.html", tmp_path / "other.html"
    steppe.write_text(f"<html><head><title>Жаңа кітапхана</title><link rel='canonical' href='https://steppe.example/a/1'>"
                      f"</head>{body}", encoding="utf-8")
    other.write_text('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
                     "<title>Жаңа кітапхана</title><link rel='canonical' href='https://other.example/a/1'/></head>"
                     f"{body}", encoding="utf-8")
    status = main(["extract", str(steppe), str(other)])
    records = lines(capsys.readouterr().out)
    assert status == 2
    assert records[0]["error"].startswith(f"site profile: cannot read site profile {seeds / 'steppe.example.toml'}: ")
    assert (records[1]["url"], records[1]["title"]) == ("https://other.example/a/1", "Жаңа кітапхана ашылды")



def test_a_zip_is_read_for_its_warc_files_wherever_they_sit_and_never_as_one_page(tmp_path: Path, capsys) -> None:
    """A WACZ's folder zipped whole keeps its WARC files under `crawl/archive/`: it was taken for one HTML page ('no
    URL'; with --url its zip bytes were parsed, exit 0), as was a zip of no WARC file at all."""
    import zipfile

    from crawler.cli import main

    nested, pages = tmp_path / "crawl.zip", tmp_path / "pages.zip"
    with zipfile.ZipFile(nested, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("crawl/datapackage.json", "{}")
        zipped.write(write_warc(tmp_path / "bare.warc.gz"), "crawl/archive/data.warc.gz")
    with zipfile.ZipFile(pages, "w") as zipped:
        zipped.write(PAGES / "post-100000.html", "post-100000.html")
    assert main(["extract", str(nested)]) == 0
    (record,) = lines(capsys.readouterr().out)
    assert (record["warc_file"], record["url"]) == (f"{nested}#crawl/archive/data.warc.gz", "https://abai.kz/post/100000")
    assert main(["extract", str(pages)]) == 2
    (record,) = lines(capsys.readouterr().out)
    assert record == {"path": str(pages), "error": "cannot read: a zip holding no WARC file (.warc, .warc.gz), so no WACZ"}
    assert main(["extract", str(pages), "--url", "https://abai.kz/post/100000"]) == 2
    assert "is a WARC file (or a WACZ): its records give each page's URL" in capsys.readouterr().err


def test_output_to_a_full_disk_is_one_line_and_exit_2() -> None:
    """`extract … > out.jsonl` on a full disk (/dev/full): one line that says so, not a traceback, and no second
    one when Python flushes the output at exit."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "crawler", "extract", str(PAGES / "post-100000.html")],
                                cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert (result.returncode, result.stderr) == (2, "error: cannot write the output: No space left on device\n")


def test_extract_counts_its_pages_on_a_terminal_while_its_output_goes_to_a_file(tmp_path: Path) -> None:
    """`extract big.warc.gz > items.jsonl` said nothing for seconds: the pages parsed show on standard error when that
    is a terminal; standard output holds only the JSON lines (and piped standard error, only errors: see above)."""
    warc = write_warc(tmp_path / "run.warc.gz")
    output, drawn = on_a_terminal("extract", str(warc), str(PAGES / "post-67688.html"))
    assert [item["key"] for item in lines(output)] == ["abai.kz:100000", "abai.kz:67688"]
    assert "pages" in drawn and "2/?" in drawn
