"""The commands that read the archive back: `quotes` and `search` print what it holds, `reparse` re-extracts it."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from crawler import settings as default_settings
from crawler.cli.common import checked_site, printable
from crawler.errors import ConfigError
from crawler.storage import Store


def add_quotes_parser(commands: Any) -> None:
    quotes = commands.add_parser("quotes", help="list the stored quotes of one speaker")
    quotes.add_argument("--speaker", required=True, help="speaker name, any case (\"Айдос Сарым\"); a part matches")
    quotes.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    quotes.add_argument("--limit", type=int, default=50, help="at most this many quotes (default: %(default)s)")
    quotes.set_defaults(run=run_quotes)


def run_quotes(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    if not args.speaker.strip():
        raise ConfigError("--speaker is empty; give a name, or part of one")
    rows = list(Store(args.db, create=False).speaker_quotes(args.speaker, args.limit))
    if not rows:
        print(f"no quotes by {args.speaker!r} in {args.db}")
        return 1
    for row in rows:
        date = (row["published_at"] or "")[:10] or "undated"
        print(printable(f"{row['speaker']} — {row['title']} ({date}, {row['url']})"))
        print(printable(f"  «{row['text']}»"))
    return 0


def add_archive_parsers(commands: Any) -> None:
    db_help = "database file (default: %(default)s)"
    reparse = commands.add_parser("reparse", help="re-extract stored articles from their WARC records (no network)")
    reparse.add_argument("--site", help="only this site (abai.kz, or as crawl names it: abai, egemen)")
    reparse.add_argument("--since", help="only pages fetched on or after this date (YYYY-MM-DD)")
    reparse.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help=db_help)
    reparse.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    reparse.add_argument("--profile", type=Path, metavar="FILE",
                         help="parse the pages of this profile's site with it (by default: the one in seeds/, else the "
                              "file its crawls named)")
    reparse.set_defaults(run=run_reparse)

    search = commands.add_parser("search", help="full-text search over the titles and bodies of every script")
    search.add_argument("query", help="words to find; each matches as a word prefix (Қазақстан finds Қазақстанның)")
    search.add_argument("--limit", type=int, default=20, help="at most this many hits (default: %(default)s)")
    search.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help=db_help)
    search.set_defaults(run=run_search)


def run_reparse(args: argparse.Namespace) -> int:
    from crawler.profiles import load_profile
    from crawler.progress import progress_for
    from crawler.reparse import reparse  # imports Scrapy's response classes: only when reparsing
    from crawler.sitelock import site_lock

    since = _checked_date(args.since, "--since")
    profile = load_profile(args.profile) if args.profile else None
    store = Store(args.db, create=False)
    site = checked_site(args.site, store) or (profile.site if profile else None)
    if profile is not None and site != profile.site:
        raise ConfigError(f"--profile {args.profile} is of {profile.site}, not of --site {site}")
    if not args.dry_run:
        store.check_writable()
    progress = progress_for(sys.stderr, "reparse", "pages", "read")
    with contextlib.ExitStack() as locks:
        for name in [] if args.dry_run else [site] if site else store.stored_sites():  # a crawl writing it waits for none
            locks.enter_context(site_lock(store.path, name, "then reparse"))
        try:
            report = reparse(store, site=site, since=since, dry_run=args.dry_run,
                             batch_size=default_settings.STORE_BATCH_SIZE, profile=profile, progress=progress)
        except KeyboardInterrupt:  # each batch commits whole: what was written stays, and the next run skips nothing
            done = "nothing was written (--dry-run)" if args.dry_run else "the batches reparsed before it are stored"
            raise KeyboardInterrupt(f"{done}; run the same command again to reparse them all") from None
        finally:
            progress.close()
    print(format_reparse(report, args.db, args.dry_run))
    return 1 if report.failed else 0


def format_reparse(report: Any, db: Path, dry_run: bool) -> str:
    fields = ", ".join(f"{name} {n}" for name, n in report.fields.most_common()) or "none"
    lines = [
        f"Reparsed {report.reparsed} article pages of {report.articles} articles from their WARC records"
        f" with parser version {report.parser_version}" + (f"; {report.failed_articles} failed" if report.failed_articles else "")
        + (" (dry run: nothing written)" if dry_run else ""),
        f"  changed    {report.changed} pages ({fields})",
        f"  unchanged  {report.unchanged} pages ({report.restamped} restamped with the new parser version)",
        f"  failed     {len(report.failed)} pages ({report.failed_articles} articles, {len(report.failed) - report.failed_articles} listings)",
        *(printable(f"    {url}: {reason}") for url, reason in report.failed[:10]),
        f"  metrics    {report.observations} count observations from {report.listing_pages} listing pages",
        *([f"  no record  {report.without_pages} article pages not reparsed: the WARC files hold none of theirs"
           " (crawled with WARC_ENABLED off, or before the WARC index)"] if report.without_pages else []),
        f"  database   {db}",
    ]
    return "\n".join(lines)


def run_search(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    hits = Store(args.db, create=False).search(args.query, args.limit)
    if not hits:
        print(f"no articles match {args.query!r} in {args.db}")
        return 1
    for number, hit in enumerate(hits, 1):
        date = (hit["published_at"] or "")[:10] or "undated"
        print(printable(f"{number:>2}. {hit['title']} ({date}, {hit['url']})"))
        print(printable(f"    {' '.join(hit['snippet'].split())}"))
    return 0


def _checked_date(value: str | None, option: str) -> str | None:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ConfigError(f"{option} must be a date like 2024-01-31, not {value!r}") from None
