"""`extract`: saved pages, and the responses of WARC files, parsed into items offline, without an archive.

A saved page (`.html`, `.html.gz`) is parsed under the URL it is given or
declares. A WARC file, a crawl's or an export's (`export --format warc`), is
read record by record: each HTML page it answered with status 200 is parsed
under its `WARC-Target-URI`, fetched at its `WARC-Date`, and decoded as the
crawl decoded it; so whoever was handed an export's WARC files can extract
them again without the database that indexed them.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.dates import fetch_time
from crawler.encoding import read_page
from crawler.errors import ConfigError, ParseError, StorageError
from crawler.parsers import PARSER_VERSION, abai, parse_article, spellings
from crawler.urls import is_web_url

if TYPE_CHECKING:
    from crawler.warc_reads import ResponseRecord

UNREADABLE = "cannot read"
NO_URL = "no URL"  # with UNREADABLE and BAD_PROFILE, errors of the input, not of the page: exit 2
BAD_PROFILE = "site profile"
ZIP_MAGIC = b"PK"  # how a zip file, and so a WACZ, begins


def is_warc(path: Path) -> bool:
    """Whether a file is a WARC file, gzipped or not, or a zip, read as a WACZ: never one HTML page (False for one
    that cannot be read: `extract_one` reports it)."""
    try:
        with path.open("rb") as raw:
            head = raw.read(2)
            raw.seek(0)
            if head == ZIP_MAGIC:
                return True
            return (gzip.GzipFile(fileobj=raw).read(5) if head == b"\x1f\x8b" else raw.read(5)) == b"WARC/"
    except (OSError, EOFError, zlib.error):
        return False


def _wacz_warcs(wacz: zipfile.ZipFile) -> list[str]:
    """The WARC files a zip holds, in its order: a WACZ's under `archive/`, or anywhere (a WACZ's folder zipped
    whole, `crawl/archive/…`; a zip of WARC files)."""
    return [name for name in wacz.namelist() if name.lower().endswith((".warc", ".warc.gz"))]


def extract_one(path: Path, url: str | None, fetched_at: str | None, content_type: str | None = None) -> dict[str, Any]:
    """Parse one saved page (decoded by `content_type`'s charset first, as it was served); a page that cannot be read
    or parsed gives {"path", "error"}."""
    try:
        html = read_page(path, content_type)
    except OSError as err:
        return {"path": str(path), "error": f"{UNREADABLE}: {err.strerror or err}"}
    except (EOFError, zlib.error) as err:  # a .gz file that is cut short or not gzip
        return {"path": str(path), "error": f"{UNREADABLE}: not a whole gzip file ({err})"}
    if not url:
        declared = _declared_url(html)
        if not declared:
            return {"path": str(path), "error": f"{NO_URL}: pass --url or a manifest url"}
        if not is_web_url(declared):
            return {"path": str(path), "error": f"{NO_URL}: the page names itself {declared!r}, not an absolute URL; "
                                                "pass --url or a manifest url"}
        url = declared
    return _parsed(html, url, fetched_at, {"path": str(path)})


def extract_warc(path: Path) -> Iterator[dict[str, Any]]:
    """Each HTML page a WARC file (or a WACZ's WARC files) holds, parsed, with the file and record it came from; then
    an error for a damaged record, or for a file that holds no HTML page at all."""
    from crawler.reparse import text_response  # scrapy's response classes: only for WARC files

    pages = 0
    try:
        for where, record in _records(path):
            if record.status != 200 or _feed_or_robots(record.url, record.headers):
                continue  # redirects, error answers, robots.txt and feeds are no pages
            try:  # typed as the crawl typed it: by its Content-Type, else by its body
                html = text_response(record.url, record.status, record.headers, record.body).text
            except StorageError:
                continue  # an image, a PDF
            pages += 1
            source = {"warc_file": where, "warc_record_id": record.record_id}
            fetched = fetch_time(record.date)  # "…Z" in WARC, "…+00:00" as the crawl stamps its items
            parsed = _parsed(html, record.url, fetched.isoformat(timespec="seconds") if fetched else None, source)
            # Which parser read the record, as the archive's rows say it: the two can then be compared, or told apart.
            yield {**source, "parser_version": PARSER_VERSION, **parsed}
    except StorageError as err:
        detail = str(err).removeprefix(f"cannot read {path}").removeprefix(": ").removeprefix("#")  # a WACZ's: its file
        yield {"path": str(path), "error": f"{UNREADABLE}: {detail}"}
        return
    if not pages:
        yield {"path": str(path), "error": "no page answered with status 200 among its records"}


def _records(path: Path) -> Iterator[tuple[str, ResponseRecord]]:
    """(where, record) of each response of a WARC file, or of each WARC file of a WACZ (`WACZ#archive/NAME`)."""
    from crawler.warc_reads import read_responses, responses_in

    try:
        with path.open("rb") as head:
            zipped = head.read(2) == ZIP_MAGIC  # not zipfile.is_zipfile: it finds a zip's end record in gzip data too
    except OSError as err:
        raise StorageError(f"cannot read {path}: {err.strerror or err}") from err
    if not zipped:
        yield from ((str(path), record) for record in responses_in(path))
        return
    try:
        with zipfile.ZipFile(path) as wacz:
            if not (names := _wacz_warcs(wacz)):
                raise StorageError(f"cannot read {path}: a zip holding no WARC file (.warc, .warc.gz), so no WACZ")
            for name in names:
                where = f"{path}#{name}"
                with wacz.open(name) as stream:
                    yield from ((where, record) for record in read_responses(stream, wacz.getinfo(name).file_size, where))
    except (OSError, zipfile.BadZipFile) as err:  # a member whose CRC fails, a zip cut short
        raise StorageError(f"cannot read {path}: {err}") from err


def _feed_or_robots(url: str, headers: list[tuple[str, str]]) -> bool:
    """A response that is text but no page: robots.txt, or a feed or sitemap (XML)."""
    kind = next((value for name, value in headers if name.lower() == "content-type"), "").lower()
    return url.endswith("/robots.txt") or "xml" in kind.split(";")[0] and "html" not in kind


def _parsed(html: str, url: str, fetched_at: str | None, source: dict[str, str]) -> dict[str, Any]:
    """The item of a page by its URL's parser (an abai.kz listing, or an article), or `source` with the parse error;
    a page its site's profile takes for no article (a listing, the homepage) is skipped, saying so."""
    try:
        if abai.article_ref(url) is None and abai.SITE in url:
            return asdict(abai.parse_listing(html, url))
        if not _may_be_article(url):
            return {**source, "url": url, "skipped": "no article page by its site's profile (article_patterns): "
                                                     "a listing, the homepage or another page"}
        return parse_article(html, url, fetched_at).to_dict()
    except ParseError as err:
        return {**source, "url": url, "error": str(err)}
    except ConfigError as err:  # the site's profile cannot be read: its pages, not the others', wait for a fix
        return {**source, "url": url, "error": f"{BAD_PROFILE}: {err}"}


def _may_be_article(url: str) -> bool:
    """False for a page of a site with a profile whose article patterns match neither the URL nor its canonical form."""
    from crawler.site_profiles import profile_for_url  # reads seeds/ once

    profile = profile_for_url(url)
    return profile is None or any(profile.may_be_article(form) for form in spellings(url))


def _declared_url(html: str) -> str | None:
    from parsel import Selector

    sel = Selector(text=html, type="html")  # an XHTML page's <?xml?> prolog would make parsel read XML in a namespace
    return sel.css("link[rel=canonical]::attr(href)").get() or sel.css("meta[property='og:url']::attr(content)").get()
