"""The command line: `python -m crawler crawl|extract ...`. The only module that talks to the user."""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from crawler import __version__
from crawler import settings as default_settings
from crawler.errors import ConfigError, CrawlerError, ParseError
from crawler.parsers import abai, parse_article
from crawler.storage import Store

SPIDERS = ("abai",)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.root.handlers:
        handler.setLevel(level)  # Scrapy lowers the root logger's level; ours stays quiet
    try:
        return int(args.run(args) or 0)
    except CrawlerError as err:
        if args.debug:
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler", description="Crawl news archives into SQLite.")
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = commands.add_parser("crawl", help="crawl a site into the archive")
    crawl.add_argument("spider", choices=SPIDERS, help="which site to crawl")
    crawl.add_argument("--offline", action="store_true", help="crawl the bundled fixture mirror, served on 127.0.0.1")
    crawl.add_argument("--mirror", type=Path, help="mirror folder for --offline (default: the bundled one)")
    crawl.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    crawl.add_argument("--max-articles", type=int, help="stop after this many article pages")
    crawl.add_argument("--since", help="skip articles published before this date (YYYY-MM-DD) and stop paging there")
    crawl.add_argument("--categories", help='comma-separated category ids from the seed file, or "all"')
    crawl.add_argument("--scripts", help="comma-separated scripts: cyrl, latn, arab")
    crawl.add_argument("--log-level", default="WARNING", help="Scrapy log level (default: %(default)s)")
    crawl.set_defaults(run=run_crawl)

    extract = commands.add_parser("extract", help="parse saved pages and print one JSON object per page")
    extract.add_argument("paths", nargs="*", type=Path, help="HTML files (.html or .html.gz)")
    extract.add_argument("--url", help="the page's URL (with one PATH); picks the parser by host")
    extract.add_argument("--manifest", type=Path, help="JSON Lines file of {path, url, key?}; paths relative to it")
    extract.add_argument("--fetched-at", help="fetch time to record (ISO 8601)")
    extract.set_defaults(run=run_extract)

    quotes = commands.add_parser("quotes", help="list the stored quotes of one speaker")
    quotes.add_argument("--speaker", required=True, help="speaker name, any case (\"Айдос Сарым\"); a part matches")
    quotes.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    quotes.add_argument("--limit", type=int, default=50, help="at most this many quotes (default: %(default)s)")
    quotes.set_defaults(run=run_quotes)
    return parser


# -- crawl ------------------------------------------------------------------


def run_crawl(args: argparse.Namespace) -> int:
    from crawler.crawl import crawl  # imports Scrapy and Twisted: only when crawling

    mirror = None
    if args.offline:
        mirror = args.mirror or bundled_mirror(args.spider)
    options = {"max_articles": args.max_articles, "since": args.since, "categories": args.categories, "scripts": args.scripts}
    result = crawl(args.spider, db=args.db, mirror=mirror, options=options, log_level=args.log_level)
    print(format_summary(result))
    return 0


def bundled_mirror(spider: str) -> Path:
    """The fixture mirror shipped in the repository for `spider`'s site."""
    site = {"abai": abai.SITE}[spider]
    for root in (Path.cwd(), default_settings.PROJECT_ROOT):
        candidate = root / "tests" / "fixtures" / "sites" / site
        if (candidate / "manifest.jsonl").is_file():
            return candidate
    raise ConfigError(f"no bundled mirror for {site}: run from the repository or pass --mirror DIR")


def format_summary(result: dict[str, Any]) -> str:
    run = result["run"]
    errors = ", ".join(f"{kind} {n}" for kind, n in result["errors_by_kind"].items()) or "none"
    lines = [
        f"Crawled {run['spider']} ({result['source']}) in {result['seconds']:.1f} s",
        f"  articles  {run['articles_new']} new, {run['articles_updated']} updated, {run['articles_unchanged']} unchanged"
        f"  ({result['variants']} pages in {result['scripts']} scripts)",
        f"  quotes    {result['quotes']}",
        f"  links     {result['links']} sidebar links, {result['urls']} URLs seen",
        f"  errors    {run['errors']} ({errors})",
        f"  pages     {result['pages']} fetched, {result['pages_per_second']:.1f} pages/s",
        f"  database  {result['db']}",
    ]
    return "\n".join(lines)


# -- quotes -----------------------------------------------------------------


def run_quotes(args: argparse.Namespace) -> int:
    rows = list(Store(args.db, create=False).speaker_quotes(args.speaker, args.limit))
    if not rows:
        print(f"no quotes by {args.speaker!r} in {args.db}")
        return 1
    for row in rows:
        date = (row["published_at"] or "")[:10] or "undated"
        print(f"{row['speaker']} — {row['title']} ({date}, {row['url']})")
        print(f"  «{row['text']}»")
    return 0


# -- extract ----------------------------------------------------------------


def run_extract(args: argparse.Namespace) -> int:
    if not args.paths and not args.manifest:
        raise ConfigError("extract needs PATH... or --manifest FILE")
    if args.url and len(args.paths) != 1:
        raise ConfigError("--url goes with exactly one PATH")
    failures = 0
    for path, url, key in _extract_jobs(args):
        record = extract_one(path, url, args.fetched_at)
        if key is not None:
            record = {"key": key, **{k: v for k, v in record.items() if k != "key"}, "article_key": record.get("key")}
        if "error" in record:
            failures += 1
            print(f"error: {path}: {record['error']}", file=sys.stderr)
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def _extract_jobs(args: argparse.Namespace) -> Iterator[tuple[Path, str | None, str | None]]:
    for path in args.paths:
        yield path, args.url, None
    if args.manifest:
        try:
            lines = args.manifest.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise ConfigError(f"cannot read manifest {args.manifest}: {err.strerror}") from err
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                path = args.manifest.parent / entry["path"]
            except (ValueError, KeyError, TypeError) as err:
                raise ConfigError(f"{args.manifest}:{number}: needs a JSON object with path and url ({err})") from err
            yield path, entry.get("url"), entry.get("key")


def extract_one(path: Path, url: str | None, fetched_at: str | None) -> dict[str, Any]:
    """Parse one saved page; a page that cannot be read or parsed gives {"path", "error"}."""
    try:
        html = read_page(path)
    except OSError as err:
        return {"path": str(path), "error": f"cannot read: {err.strerror or err}"}
    url = url or _declared_url(html)
    if not url:
        return {"path": str(path), "error": "no URL: pass --url or a manifest url"}
    try:
        if abai.article_ref(url) is None and abai.SITE in url:
            return asdict(abai.parse_listing(html, url))
        return parse_article(html, url, fetched_at).to_dict()
    except ParseError as err:
        return {"path": str(path), "url": url, "error": str(err)}


def read_page(path: Path) -> str:
    """A saved page as text: gunzipped when .gz, decoded by BOM, meta charset or UTF-8."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    _, text = html_to_unicode(None, data)
    return text


def _declared_url(html: str) -> str | None:
    from parsel import Selector

    sel = Selector(text=html)
    return sel.css("link[rel=canonical]::attr(href)").get() or sel.css("meta[property='og:url']::attr(content)").get()
