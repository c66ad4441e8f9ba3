"""The command line: `python -m crawler crawl|extract ...`. The only module that talks to the user."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
import signal
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from crawler import CLI_LOG_HANDLER, __version__
from crawler import settings as default_settings
from crawler.errors import ConfigError, CrawlerError
from crawler.extract import BAD_PROFILE, NO_URL, UNREADABLE, extract_one, extract_warc, is_warc
from crawler.interrupts import terminate_as_interrupt
from crawler.parsers import abai
from crawler.storage import Store
from crawler.urls import ascii_host, is_web_url

if TYPE_CHECKING:
    from crawler.profiles import Profile

SPIDERS = ("abai",)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.root.handlers:
        handler.setLevel(level)  # Scrapy lowers the root logger's level; ours stays quiet
        handler.set_name(CLI_LOG_HANDLER)  # a crawl's Scrapy process takes over from it (crawl.scrapy_process)
    try:
        with terminate_as_interrupt():  # `kill` before Scrapy takes its signals (opening, migrating) stops as Ctrl-C does
            return int(args.run(args) or 0)
    except CrawlerError as err:
        if args.debug:
            raise
        print(f"error: {' '.join(str(err).splitlines())}", file=sys.stderr)  # one line, whatever the message
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not _reader_gone():
            raise  # another pipe than our output's
        # `extract … | head`: stop quietly with SIGPIPE's status, as Unix tools do; stdout goes to /dev/null
        # so that flushing it at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def _reader_gone() -> bool:
    """True when standard output is a pipe nobody reads any more (poll reports an error on its end)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no fileno, or no poll on this system
        return False


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line like every other error: `error: COMMAND: …`, exit 2."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition("crawler")[2].strip()
        self.exit(2, f"error: {command + ': ' if command else ''}{message} (see --help)\n")


def printable(text: str) -> str:
    """Page text made safe for a terminal: control characters (ESC, BEL, CR, ...) shown as escapes, never sent raw."""
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m crawler", description="Crawl news archives into SQLite.")
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = commands.add_parser("crawl", help="crawl a site into the archive")
    crawl.add_argument("spider", metavar="SITE",
                       help='which site: abai, "site" with --profile, or the name of a profile in seeds/ (qamshy)')
    crawl.add_argument("--profile", type=Path, help="site profile for `crawl site` (seeds/<site>.toml)")
    crawl.add_argument("--offline", action="store_true", help="crawl the bundled fixture mirror, served on 127.0.0.1")
    crawl.add_argument("--mirror", type=Path, help="mirror folder for --offline (default: the bundled one)")
    crawl.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    crawl.add_argument("--max-articles", type=int, help="stop after this many article pages")
    crawl.add_argument("--since", help="skip articles published before this date (YYYY-MM-DD) and stop paging there")
    crawl.add_argument("--categories", help='comma-separated category ids from the seed file, or "all"')
    crawl.add_argument("--scripts", help="comma-separated scripts: cyrl, latn, arab")
    crawl.add_argument("--refresh", action="store_true",
                       help="full pass: fetch every listed article and page every listing, stored or not")
    crawl.add_argument("--stop-after-known", type=int, metavar="N",
                       help="stop paging a listing after N already-stored articles in a row, 0 never "
                            f"(default: {default_settings.INCREMENTAL_STOP_AFTER_KNOWN})")
    crawl.add_argument("--revisit-ages", metavar="DAYS",
                       help="refetch stored articles at these ages in days, or none "
                            f"(default: {','.join(map(str, default_settings.REVISIT_AGES))})")
    crawl.add_argument("--jobdir", type=Path, metavar="DIR",
                       help="keep the crawl's queue in DIR: Ctrl-C pauses, the same command resumes")
    crawl.add_argument("--log-level", default="WARNING", type=str.upper, choices=LOG_LEVELS,
                       help="Scrapy log level (default: %(default)s; DEBUG with --debug)")
    crawl.add_argument("--redis", metavar="URL",
                       help="run as one worker of a distributed crawl sharing its frontier in Redis "
                            "(redis://HOST:PORT/DB); items go to Redis for `ingest` (docs/distributed.md)")
    crawl.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE",
                       help="override a Scrapy setting (repeatable), e.g. -s MIRROR_ADDRESS=127.0.0.1:8000 with --offline")
    crawl.set_defaults(run=run_crawl)

    extract = commands.add_parser("extract", help="parse saved pages (or a WARC file's) and print one JSON object per page")
    extract.add_argument("paths", nargs="*", type=Path,
                         help="HTML files (.html or .html.gz), or WARC files (.warc, .warc.gz: each page of their records)")
    extract.add_argument("--url", help="the page's URL (with one PATH); picks the parser by host")
    extract.add_argument("--manifest", type=Path,
                         help="JSON Lines file of {path, url, key?} (or a fixture mirror's manifest); paths relative to it")
    extract.add_argument("--fetched-at", help="fetch time to record (ISO 8601; UTC when it has no offset)")
    extract.set_defaults(run=run_extract)

    quotes = commands.add_parser("quotes", help="list the stored quotes of one speaker")
    quotes.add_argument("--speaker", required=True, help="speaker name, any case (\"Айдос Сарым\"); a part matches")
    quotes.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    quotes.add_argument("--limit", type=int, default=50, help="at most this many quotes (default: %(default)s)")
    quotes.set_defaults(run=run_quotes)
    add_health_parser(commands)
    add_export_parser(commands)
    add_fixtures_parser(commands)
    add_archive_parsers(commands)
    add_ingest_parser(commands)
    return parser


# -- crawl ------------------------------------------------------------------


def run_crawl(args: argparse.Namespace) -> int:
    from crawler.crawl import crawl  # imports Scrapy and Twisted: only when crawling

    for option in ("categories", "scripts", "revisit_ages"):  # given empty (`--scripts ""`): no silent default
        if getattr(args, option) is not None and not getattr(args, option).strip():
            raise ConfigError(f"--{option.replace('_', '-')} is empty; leave it out for its default")
    profile = crawl_profile(args.spider, args.profile)
    mirror = None
    if args.offline:
        mirror = args.mirror or bundled_mirror(profile.site if profile else args.spider)
    options = {"max_articles": args.max_articles, "since": args.since, "categories": args.categories, "scripts": args.scripts,
               "refresh": args.refresh or None, "stop_after_known": args.stop_after_known, "revisit_ages": args.revisit_ages}
    overrides = _settings_overrides(args.set)
    if args.debug:
        args.log_level = "DEBUG"  # `--debug crawl`: Scrapy's debug log too
    spider = profile.name if profile else args.spider
    if args.redis:
        return run_worker(args, spider, profile, mirror, options, overrides)
    result = crawl(spider, db=args.db, mirror=mirror, options=options, log_level=args.log_level, jobdir=args.jobdir,
                   overrides=overrides, profile=profile)
    result["selectors"] = sorted(profile.overrides) if profile else []
    print(format_summary(result))
    status = exit_status(result["finish_reason"])
    return 1 if status == 0 and (_nothing_fetched(result) or _no_article_links(result)) else status


SITE_DOWN = "every page request failed (exit 1); is the site, or the mirror server, up?"


def _nothing_fetched(result: dict[str, Any]) -> str | None:
    """Why no page answered, when none did: the site (or the mirror server) is down, refusing every connection or
    answering every page with a 5xx or a timeout, robots.txt or not; or robots.txt forbids every page asked for.
    The run finished, and a cron job must see it. Not a run whose pages were all gone (404s): that is an answer."""
    from crawler.failures import UNANSWERED_KINDS  # imports Scrapy: only once a crawl ran

    kinds = set((result.get("errors_by_kind") or {}))
    if result.get("answered") or not kinds:
        return None
    if kinds == {"robots_disallowed"}:
        return "robots.txt forbids every page asked for (exit 1)"
    if kinds & UNANSWERED_KINDS:
        return SITE_DOWN
    return None


def _no_article_links(result: dict[str, Any]) -> str | None:
    """Why the run found no article to fetch, when the listings, sitemaps and feeds it read held no article link at
    all: the site's rules (a profile's `article_patterns`, `start_urls`) match none of its links, or the site answers
    error pages with 200. A run that found links and skipped them all (stored, gone, before --since) is not one."""
    listed = result.get("listed") or {}
    if not listed.get("pages") or listed.get("articles"):
        return None
    return (f"no article link in the {counted(listed['pages'], 'listing, sitemap or feed page')} read (exit 1): do "
            "the profile's article_patterns and start_urls match the site's links (scheme, www.)?")


def exit_status(reason: str | None) -> int:
    """A crawl's exit status by Scrapy's finish reason: 0 when it ran to its end or to a limit it was given
    (`closespider_*`), 130 when interrupted (Ctrl-C, SIGTERM; twice: `forced`), 1 when anything else stopped it (it could not
    start its requests, it ran out of memory): a cron job must see that."""
    if reason == "finished" or (reason or "").startswith("closespider_"):
        return 0
    return 130 if reason in ("shutdown", "forced") else 1


def crawl_profile(spider: str, path: Path | None) -> Profile | None:
    """The site profile a `crawl` names: `site --profile FILE`, or a profile's name; None for abai's own spider."""
    from difflib import get_close_matches

    from crawler.profiles import UnknownProfile, find_profile, load_profile

    if spider in SPIDERS:
        if path is not None:
            raise ConfigError(f"--profile is for `crawl site`; {spider} has its own spider")
        return None
    if spider == "site":
        if path is None:
            raise ConfigError("crawl site needs --profile seeds/<site>.toml")
        return load_profile(path)
    if path is not None:
        raise ConfigError(f"--profile goes with `crawl site`, not with `crawl {spider}`")
    try:
        return find_profile(spider)
    except UnknownProfile as err:
        names = [*SPIDERS, *err.known]
        near = get_close_matches(spider, names, n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        profiles = f"a profile's name ({', '.join(err.known)}, from {err.folder})" if err.known else "a profile's name"
        raise ConfigError(f"crawl takes {', '.join(SPIDERS)}, {profiles} or site --profile FILE, not {spider!r}{hint}") from None


def _settings_overrides(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"-s takes NAME=VALUE, not {item!r}")
        overrides[name] = value
    return overrides


# -- distributed: crawl --redis, ingest ---------------------------------------


def run_worker(args: argparse.Namespace, spider: str, profile: Profile | None, mirror: Path | None, options: dict[str, Any],
               overrides: dict[str, str]) -> int:
    from crawler.distributed.worker import run_worker as work  # imports Scrapy, Twisted and redis

    if args.jobdir:
        raise ConfigError("--jobdir and --redis exclude each other: a distributed crawl keeps its queue in Redis")
    r = work(spider, redis_url=args.redis, db=args.db, mirror=mirror, options=options,
             log_level=args.log_level, overrides=overrides, profile=profile)
    print(f"Worker {r['worker']} ({r['spider']}, {r['redis']}) stopped ({r['finish_reason']}) after {r['seconds']:.1f} s")
    print(f"  pages     {r['pages']} fetched, {r['pages_per_second']:.1f} pages/s; {r['recovered']} requests taken back "
          "from stopped workers")
    print(f"  items     {r['items']} items and the index rows of {r['warc_records']} WARC records sent to Redis for"
          f" `ingest`; WARC files in {r['warc_dir']}")
    if r["tried"] and not r["answered"] and r["unanswered"]:
        print(f"  nothing fetched: {SITE_DOWN}")
        return exit_status(r["finish_reason"]) or 1
    if r["seen_before"] and not r["pages"] and r["finish_reason"] == "finished":
        print(f"  nothing to do: the crawl in Redis had run to its end before ({r['seen_before']} requests seen, none queued);"
              f" to crawl again once `ingest` has drained {r['spider']}:items, delete its frontier:"
              f" redis-cli del {r['spider']}:requests {r['spider']}:dupefilter")
    return exit_status(r["finish_reason"])


def add_ingest_parser(commands: Any) -> None:
    ingest = commands.add_parser("ingest", help="write a distributed crawl's items from Redis into the database (the single writer)")
    ingest.add_argument("--redis", required=True, metavar="URL", help="the crawl's Redis (redis://HOST:PORT/DB)")
    ingest.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    ingest.add_argument("--spider", dest="profile", type=ingest_profile, default="abai", metavar="SITE",
                        help="whose items: abai, or the site profile the workers crawled, by name (egemen) or file "
                             "(seeds/<site>.toml) (default: %(default)s)")
    ingest.add_argument("--follow", action="store_true",
                        help="keep writing while the crawl runs; stop when it is finished and every item is stored")
    ingest.add_argument("--batch-size", type=int, default=500, help="items per transaction (default: %(default)s)")
    ingest.set_defaults(run=run_ingest)


def ingest_profile(value: str) -> Profile | None:
    """`ingest --spider`: None for abai's own spider, else the site profile named; a bad one is a usage error."""
    if value in SPIDERS:
        return None
    from crawler.profiles import resolve_profile

    try:
        return resolve_profile(value)
    except ConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def run_ingest(args: argparse.Namespace) -> int:
    from crawler.distributed.ingest import Ingester, stop_on_signals

    store = Store(args.db)
    store.check_writable()
    ingester = Ingester(args.redis, args.db, profile=args.profile, batch_size=args.batch_size)
    reason = ingester.run(follow=args.follow, stop=stop_on_signals())
    summary = store.run_summary(ingester.run_id) if ingester.run_id is not None else None
    run = summary["run"] if summary else {}
    print(f"Ingested {counted(ingester.items, 'item')} in {counted(ingester.batches, 'batch', 'batches')} into {args.db} ({reason})")
    if summary:
        errors = ", ".join(f"{kind} {n}" for kind, n in summary["errors_by_kind"].items()) or "none"
        print(f"  articles  {run['articles_new']} new, {run['articles_updated']} updated, {run['articles_unchanged']} unchanged"
              f"  ({counted(summary['variants'], 'page')} in {counted(summary['scripts'], 'script')})")
        print(f"  errors    {run['errors']} ({errors})")
        print(f"  archive   {summary['warc_records']} WARC records indexed, {summary['observations']} count observations")
    return 130 if reason == "stopped" else 0


def bundled_mirror(spider: str) -> Path:
    """The fixture mirror shipped in the repository for `spider`'s site (or for a site named directly)."""
    site = {"abai": abai.SITE}.get(spider, spider)
    for root in (Path.cwd(), default_settings.PROJECT_ROOT):
        candidate = root / "tests" / "fixtures" / "sites" / site
        if (candidate / "manifest.jsonl").is_file():
            return candidate
    raise ConfigError(f"no recorded pages of {site} in tests/fixtures/sites/{site} (here or in the repository): "
                      f"record them (`python -m crawler fixtures record --site {site} URL …`) or pass --mirror DIR")


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """"1 page", "3 pages", "2 batches": a count and its noun, plural unless one."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def format_summary(result: dict[str, Any]) -> str:
    run = result["run"]
    if run.get("finished_at") is None:
        return _unfinished_summary(result)
    errors = ", ".join(f"{kind} {n}" for kind, n in result["errors_by_kind"].items()) or "none"
    lines = [
        f"Crawled {run['spider']} ({result['source']}) in {result['seconds']:.1f} s",
        f"  articles  {run['articles_new']} new, {run['articles_updated']} updated, {run['articles_unchanged']} unchanged"
        f"  ({counted(result['variants'], 'page')} in {counted(result['scripts'], 'script')})",
        f"  quotes    {result['quotes']}",
        f"  links     {result['links']} sidebar links, {result['urls']} URLs seen",
        f"  errors    {run['errors']} ({errors})",
        f"  pages     {result['pages']} fetched, {result['pages_per_second']:.1f} pages/s",
        f"  archive   {result['warc_records']} responses in {counted(len(result['warc_files']), 'WARC file')},"
        f" {result['observations']} count observations"
        + (f"; {result['warc_errors']} not archived (see the log)" if result.get("warc_errors") else ""),
        f"  database  {result['db']}",
    ]
    lines += _selector_lines(result)
    if (why := _nothing_fetched(result)) is not None:
        lines.append(f"  nothing fetched: {why}")
    elif (why := _no_article_links(result)) is not None:
        lines.append(f"  nothing found: {why}")
    since = result.get("since") or {}
    if any(since.values()):
        lines.append(f"  since     {counted(since['older'], 'article page')} fetched and older, not stored"
                     f" (undated links); {counted(since['reached'], 'listing')} reached the date")
    return "\n".join(lines + _incremental_lines(result))


def _selector_lines(result: dict[str, Any]) -> list[str]:
    """How many article pages each of the profile's `[overrides]` selectors filled: one that matches nothing falls back
    to the generic rules without a word, and a typo in it would go unseen."""
    run, fields = result["run"], result.get("selectors") or []
    pages = int(run.get("items") or 0)
    if not fields or not pages:
        return []
    strategies = json.loads(run.get("field_strategies") or "{}")
    filled = ", ".join(f"{name} {strategies.get(name, {}).get('selector', 0)}" for name in fields)
    return [f"  selectors {filled} of {counted(pages, 'article page')} (the rest by the generic rules)"]


def _unfinished_summary(result: dict[str, Any]) -> str:
    """A crawl stopped before it could close (a second Ctrl-C): its run has no counts, and its last pages may be lost."""
    run = result["run"]
    how = "at once by a second interrupt" if result.get("finish_reason") == "forced" else "before it could close"
    return "\n".join([
        f"Crawl of {run['spider']} ({result['source']}) stopped {how}: run {run['id']} is left unfinished",
        f"  pages     {result['pages']} fetched; the last of them may not be stored",
        f"  archive   {result['warc_records']} responses in {counted(len(result['warc_files']), 'WARC file')}",
        f"  database  {result['db']}",
        "  run the same command to go on: the next run counts this one's articles as new to its job",
    ])


def _incremental_lines(result: dict[str, Any]) -> list[str]:
    """What the incremental crawl asked for and skipped (links, not pages fetched: see `pages`), and how to resume a paused one."""
    done = result.get("incremental") or {}
    lines = []
    if done or result.get("jobdir"):  # a resumed job that found nothing new says so too, in zeros
        fetched = f"{done.get('new', 0)} new, {done.get('due', 0) + done.get('revisit', 0)} due for a revisit"
        if done.get("refresh"):
            fetched = f"{done['refresh']} listed (--refresh)"
        resumed = f"; {done['resumed']} paged on from where an earlier run failed" if done.get("resumed") else ""
        resumed += f"; {counted(done['retried'], 'article page')} that failed before asked again" if done.get("retried") else ""
        lines.append(f"  requested {fetched}; skipped {done.get('skipped_fresh', 0)} stored, {done.get('skipped_gone', 0)} gone"
                     f"; {done.get('stopped_paging', 0)} listings stopped paging early{resumed}")
    if result.get("finish_reason") == "shutdown":
        resume = f"run the same command (with --jobdir {result['jobdir']}) to resume" if result.get("jobdir") \
            else "pass --jobdir DIR to make a crawl resumable"
        lines.append(f"  stopped early (interrupted): {resume}")
    elif (result.get("finish_reason") or "").startswith("closespider_"):
        lines.append(f"  stopped at the limit it was given ({result['finish_reason']}): "
                     "the links it requested and did not reach are new to the next run")
    elif exit_status(result.get("finish_reason")) == 1:
        lines.append(f"  stopped early ({result.get('finish_reason')}): see the log")
    return lines


# -- health -----------------------------------------------------------------


def add_health_parser(commands: Any) -> None:
    from crawler.health import Thresholds

    limits = Thresholds()
    health = commands.add_parser("health", help="compare the last crawl run with earlier ones; exit 1 on a field drop or error spike")
    health.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    health.add_argument("--site", help="check this site's runs (abai.kz, or as crawl names it: abai, egemen; "
                                       "default: the site of the latest finished run)")
    health.add_argument("--runs", type=int, default=limits.baseline_runs,
                        help="compare with the median of this many earlier runs (default: %(default)s)")
    health.add_argument("--max-drop", type=float, default=limits.max_drop,
                        help="alarm when a field's fill rate falls by this share or more (default: %(default)s)")
    health.add_argument("--max-error-rise", type=float, default=limits.max_error_rise,
                        help="alarm when errors per request rise by this share or more (default: %(default)s)")
    health.add_argument("--min-pages", type=int, default=limits.min_pages,
                        help="compare fill rates only of runs that stored this many article pages (default: %(default)s)")
    health.add_argument("--strict", action="store_true", help="warnings (a field's strategy moved, a run ended early) fail too")
    health.set_defaults(run=run_health)


def run_health(args: argparse.Namespace) -> int:
    from crawler.health import Thresholds, check
    from crawler.incremental import GONE_KINDS

    if args.runs < 1 or args.min_pages < 0:
        raise ConfigError("--runs must be at least 1 and --min-pages at least 0")
    if not (0 < args.max_drop <= 1 and args.max_error_rise > 0):
        raise ConfigError("--max-drop must be a share in (0, 1] and --max-error-rise above 0")
    store = Store(args.db, create=False)
    site = _checked_site(args.site, store) or next(iter(store.finished_runs(limit=1)), {}).get("site")
    runs = store.finished_runs(site, limit=args.runs * 4 + 1)
    if not runs:
        raise ConfigError(f"no finished crawl run{f' of {site}' if site else ''} in {args.db}")
    limits = Thresholds(max_drop=args.max_drop, max_error_rise=args.max_error_rise, min_pages=args.min_pages,
                        baseline_runs=args.runs)
    again = store.dead_again([run["id"] for run in runs], GONE_KINDS)
    runs = [{**run, "dead_again": again.get(run["id"], {})} for run in runs]
    report = check(runs, limits, store.unfinished_runs(site, runs[0]["id"]))
    run = report.run
    compared = report.baseline or report.comparable[: args.runs]
    against = f"runs {', '.join(map(str, compared))}" if compared else "no comparable earlier run"
    print(f"health of {site or 'all sites'}: run {run['id']} (started {run['started_at']}, "
          f"{run.get('items') or 0} article pages) against {against}")
    for finding in report.findings:
        print(f"  {finding.level.upper():8} {finding.subject:15} {finding.message}")
    failed = report.alarms or (args.strict and report.warnings)
    verdict = "ALARM: " + ", ".join(f.subject for f in report.alarms) if report.alarms else (
        "warnings: " + ", ".join(f.subject for f in report.warnings) if report.warnings else "healthy")
    print(verdict)
    return 1 if failed else 0


# -- quotes -----------------------------------------------------------------


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


# -- reparse and search -----------------------------------------------------


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
    site = _checked_site(args.site, store) or (profile.site if profile else None)
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


def _checked_site(value: str | None, store: Store | None = None) -> str | None:
    """A --site value: a site with a seed file (seeds/<site>.toml), the name `crawl` knows it by (`abai`, `egemen`), or
    a site `store` holds crawls of (`crawl site --profile FILE` outside seeds/); or None."""
    from crawler.parsers.abai import SITE as ABAI
    from crawler.profiles import find_profile
    from crawler.seeds import site_names

    if value is None:
        return None
    known = site_names(default_settings.SEEDS_DIR)
    value = value.lower()  # a host name, or a profile's name: case does not matter
    if value in known:
        return ascii_host(value)  # seeds/қазақ.kz.toml: stored as xn--80aau21bd.kz
    if value in SPIDERS:
        return ABAI
    try:
        return find_profile(value).site
    except ConfigError:
        stored = store.stored_sites() if store is not None else []
        if ascii_host(value) in stored:
            return ascii_host(value)
        known = list(dict.fromkeys([*known, *stored]))
        raise ConfigError(f"unknown site {value!r}; known: {', '.join(known) or 'none'} (or abai, or a profile's name)") from None


def _checked_date(value: str | None, option: str) -> str | None:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ConfigError(f"{option} must be a date like 2024-01-31, not {value!r}") from None


# -- export -----------------------------------------------------------------


def add_export_parser(commands: Any) -> None:
    from crawler.exports import FORMATS

    export = commands.add_parser(
        "export", help="export articles with a verifiable manifest; `export verify DIR` checks one",
        usage="python -m crawler export --format FORMAT --out DIR [filters] [--force] [--raw-csv] [--bag]\n"
              "       python -m crawler export verify DIR")
    export.add_argument("--format", choices=FORMATS, help="jsonl, csv, parquet (tables) or warc, wacz (raw pages)")
    export.add_argument("--out", type=Path, metavar="DIR", help="folder to write (must be empty unless --force)")
    export.add_argument("--db", type=Path, default=Path(default_settings.DB_PATH), help="database file (default: %(default)s)")
    export.add_argument("--site", help="only this site (abai.kz, or as crawl names it: abai, egemen)")
    export.add_argument("--since", metavar="DATE", help="only articles published on or after this date (YYYY-MM-DD)")
    export.add_argument("--until", metavar="DATE", help="only articles published on or before this date (YYYY-MM-DD)")
    export.add_argument("--category", action="append", metavar="NAME", help="only this category, as stored (repeatable)")
    export.add_argument("--script", action="append", metavar="LIST",
                        help="only these scripts' variants: cyrl, latn, arab (repeatable or comma-separated)")
    export.add_argument("--force", action="store_true", help="replace a previous export in --out")
    export.add_argument("--raw-csv", action="store_true", help="do not neutralize CSV cells a spreadsheet would run as formulas")
    export.add_argument("--bag", action="store_true", help="wrap the export as a BagIt bag for handoff")
    export.set_defaults(run=run_export)
    verify = export.add_subparsers(dest="export_command", title="subcommand", metavar="verify DIR").add_parser(
        "verify", help="recompute an export's manifest (and bag) and report every difference")
    verify.add_argument("dir", type=Path, help="an export folder")
    verify.set_defaults(run=run_export_verify)


def run_export(args: argparse.Namespace) -> int:
    from crawler.exports import ExportOptions, export, progress_for, selection_from

    if not args.format or not args.out:
        raise ConfigError("export needs --format FORMAT and --out DIR (or: export verify DIR)")
    if args.raw_csv and args.format != "csv":
        raise ConfigError(f"--raw-csv is for --format csv, not {args.format}")
    store = Store(args.db, create=False)
    selection = selection_from(_checked_site(args.site, store), args.since, args.until, args.category, args.script)
    for name, close in store.unknown_categories(selection.categories, selection.site).items():  # a typo would export nothing, silently
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        of = f" of {selection.site}" if selection.site else ""
        print(f"warning: no stored article{of} has the category {name!r}{hint}", file=sys.stderr)
    options = ExportOptions(args.format, args.out, selection, force=args.force, raw_csv=args.raw_csv, bag=args.bag)
    progress = progress_for(sys.stderr)
    try:
        result = export(store, options, progress)
    finally:
        progress.close()
    counts = ", ".join(f"{n} {table}" for table, n in result.counts.items())
    size = sum(f["bytes"] for f in result.files) / 1e6
    bag = ", as a BagIt bag" if result.bagged else ""
    print(f"Exported {counts} as {result.format} to {result.out} ({counted(len(result.files), 'file')}, {size:.1f} MB{bag}; manifest.json)")
    return 0


def run_export_verify(args: argparse.Namespace) -> int:
    from crawler.exports import verify

    report = verify(args.dir)
    for problem in report.problems:
        print(f"FAILED {problem}", file=sys.stderr)
    if not report.ok:
        print(f"{args.dir}: {counted(len(report.problems), 'problem')}; the export does not match its manifest")
        return 1
    rows = "".join(f", {n} {table}" for table, n in report.rows.items())
    bag = "; BagIt bag valid" if report.bag else ""
    print(f"{args.dir}: OK, {counted(report.files, 'file')}, {counted(report.bytes, 'byte')}{rows} match manifest.json{bag}")
    return 0


# -- fixtures ---------------------------------------------------------------


def add_fixtures_parser(commands: Any) -> None:
    fixtures = commands.add_parser("fixtures", help="saved pages as tests: record, serve and check a site's fixture mirror")
    sub = fixtures.add_subparsers(dest="fixtures_command", required=True, metavar="record|serve|check")
    sites_dir = argparse.ArgumentParser(add_help=False)
    sites_dir.add_argument("--sites-dir", type=Path, help="folder of site mirrors (default: tests/fixtures/sites)")

    record = sub.add_parser("record", parents=[sites_dir], help="fetch pages with the crawler's settings and save them")
    record.add_argument("urls", nargs="*", metavar="URL", help="pages to fetch (all on --site)")
    record.add_argument("--site", required=True, help="the site, and its folder under --sites-dir (example.kz)")
    record.add_argument("--kind", help="manifest kind of the pages (default: by status and URL: article, listing, home, …)")
    record.add_argument("--missing", type=Path, metavar="DB",
                        help="also fetch the pages the site's crawls into DB found missing (404, 410) and not since: "
                             "after an offline crawl of the mirror, the pages to record next")
    record.add_argument("--file", type=Path, help="save this HTML file as the page of the one URL instead of fetching it "
                                                  "(a page saved by a browser, or written by hand)")
    record.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting for this fetch (repeatable)")
    record.set_defaults(run=run_fixtures_record)

    serve = sub.add_parser("serve", parents=[sites_dir], help="serve a mirror on 127.0.0.1 for a browser or a crawl")
    serve.add_argument("site", metavar="SITE|DIR", help="a site under --sites-dir, or a mirror folder")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    serve.set_defaults(run=run_fixtures_serve)

    check = sub.add_parser("check", parents=[sites_dir], help="re-parse every saved page; diff against its expected JSON")
    check.add_argument("site", nargs="?", metavar="SITE|DIR", help="one site (default: every site under --sites-dir)")
    check.add_argument("--accept", action="store_true", help="rewrite the expected JSON of every differing page")
    check.set_defaults(run=run_fixtures_check)


def run_fixtures_record(args: argparse.Namespace) -> int:
    from crawler import fixtures
    from crawler.record import record, record_file  # imports Scrapy and Twisted: only when recording

    directory = fixtures.site_dir(args.site, args.sites_dir)
    if args.file is not None:
        if len(args.urls) != 1 or args.set or args.missing:
            raise ConfigError("--file goes with exactly one URL, the page's address, and no -s or --missing (nothing is fetched)")
        result = record_file(args.file, args.urls[0], directory, args.site, args.kind)
    else:
        urls = list(dict.fromkeys([*args.urls, *(_missing_pages(args.missing, args.site) if args.missing else [])]))
        if not urls:
            raise ConfigError("nothing to record: give URLs, or --missing DB of a crawl that found pages missing")
        result = record(urls, directory, args.site, args.kind, _settings_overrides(args.set))
    for page, expected in result.saved:
        note = f"{page.status} {page.kind}"
        if expected is not None:
            refused = f", the parser refuses it: {expected['error']}" if "error" in expected else ""
            note += f"; expected {page.expected_path.relative_to(directory)}{refused}"
        print(f"saved {page.url} → {_near(page.path)} ({note})")
        if diffs := result.changed.get(page.url):
            print(f"  changed since the last recording: {_differing(diffs)}")
            print(fixtures.format_diffs(diffs, indent="    "))
    for url, reason in result.failed:
        print(f"error: {url}: {reason}", file=sys.stderr)
    if result.saved:
        print(f"Review the new pages and expected JSON in {_near(directory)} before committing.")
    return 1 if result.failed else 0


def _missing_pages(db: Path, site: str) -> list[str]:
    """The URLs on `site` that its crawls into `db` found missing (404, 410) and that have not answered since."""
    from crawler.incremental import GONE_KINDS

    store = Store(db, create=False)
    checked = _checked_site(site, store)
    if checked is None or checked not in store.stored_sites():
        raise ConfigError(f"{db} holds no crawl of {site}")
    return store.missing_pages(checked, GONE_KINDS)


def _spider_of(site: str) -> str:
    """How `scrapy crawl` names the spider of a site: abai's own, the `site` spider with the site's profile, else a placeholder."""
    from crawler.parsers.abai import SITE as ABAI
    from crawler.profiles import find_profile

    if site == ABAI:
        return "abai"
    try:
        return shlex.join(["site", "-a", f"profile={_near(find_profile(site).path)}"])
    except ConfigError:
        return "SPIDER"


def _differing(diffs: list[Any]) -> str:
    """"1 field differs: title", "2 fields differ: title, body": the head line of a diff of expected JSON."""
    count = "1 field differs" if len(diffs) == 1 else f"{len(diffs)} fields differ"
    return f"{count}: {', '.join(d.field for d in diffs)}"


def _near(path: Path) -> Path:
    """`path` relative to the working directory when it is below it (shorter to read)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def run_fixtures_serve(args: argparse.Namespace) -> int:
    import threading

    from crawler.mirror import INDEX_PATH, Mirror, MirrorServer, offline_settings, setting_args

    directory = _fixture_dir(args.site, args.sites_dir)
    mirror = Mirror(directory)
    try:
        server = MirrorServer(mirror, args.port).start()
    except OSError as err:
        raise ConfigError(f"cannot serve on 127.0.0.1:{args.port}: {err.strerror}") from err
    options = shlex.join(setting_args(offline_settings(address=server.address)))
    print(f"Serving {directory} ({len(mirror.pages)} pages) on http://{server.address}", flush=True)
    print(f"  browse  http://{server.address}{INDEX_PATH}")
    print(f"  crawl   scrapy crawl {_spider_of(directory.name)} {options}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        with terminate_as_interrupt():  # `kill` stops it as cleanly as Ctrl-C
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print(f"Stopped; served {len(server.requests)} requests.")
    return 0


def _fixture_dir(value: str, sites_dir: Path | None) -> Path:
    """A fixture mirror given as a folder, a site under the sites folder, or the name other commands take (abai, qamshy)."""
    from crawler import fixtures
    from crawler.mirror import MANIFEST

    directory = fixtures.site_dir(value, sites_dir)
    if (directory / MANIFEST).is_file() or Path(value).name != value:  # a folder: saved_pages says what it lacks
        return directory
    try:
        named = fixtures.site_dir(_checked_site(value) or value, sites_dir)
    except ConfigError:
        named = directory
    if (named / MANIFEST).is_file():
        return named
    known = ", ".join(d.name for d in fixtures.site_dirs(sites_dir)) or "none"
    raise ConfigError(f"no fixture mirror of {value!r} in {sites_dir or fixtures.default_sites_dir()}; known: {known}")


def run_fixtures_check(args: argparse.Namespace) -> int:
    from crawler import fixtures

    directories = [_fixture_dir(args.site, args.sites_dir)] if args.site else fixtures.site_dirs(args.sites_dir)
    if not directories:
        raise ConfigError(f"no site mirrors in {args.sites_dir or fixtures.default_sites_dir()}")
    checked = differing = 0
    for directory in directories:
        for result in fixtures.check_site(directory):
            checked += 1
            if result.ok:
                continue
            differing += 1
            name = f"{result.page.site} {result.page.expected_path.relative_to(directory)} ({result.page.url})"
            if result.expected is None:
                print(f"{name}: no expected JSON")
            else:
                print(f"{name}: {_differing(result.diffs)}")
                print(fixtures.format_diffs(result.diffs, indent="    "))
            if args.accept:
                fixtures.write_expected(result.page, result.actual)
                print(f"  accepted: rewrote {result.page.expected_path}")
    sites = counted(len(directories), "site")
    verdict = f"{differing} accepted" if args.accept else f"{differing} differ"
    print(f"Checked {checked} pages of {sites}: {checked - differing} match, {verdict}.")
    return 1 if differing and not args.accept else 0


# -- extract ----------------------------------------------------------------


def run_extract(args: argparse.Namespace) -> int:
    if not args.paths and not args.manifest:
        raise ConfigError("extract needs PATH... or --manifest FILE")
    if args.url and len(args.paths) != 1:
        raise ConfigError("--url goes with exactly one PATH")
    if args.url is not None and not is_web_url(args.url):
        raise ConfigError(f"--url must be an absolute http(s) URL such as https://abai.kz/post/1, not {args.url!r}")
    fetched_at = None if args.fetched_at is None else _checked_time(args.fetched_at, "--fetched-at")
    failures = bad_input = 0
    for path, entry, records in _extracted(args, fetched_at):
        for record in records:
            if (key := entry.get("key")) is not None:
                record = {"key": key, **{k: v for k, v in record.items() if k != "key"}, "article_key": record.get("key")}
            if "error" in record:
                failures += 1
                bad_input += record["error"].startswith((UNREADABLE, NO_URL, BAD_PROFILE))
                where = f"{path}: {record['url']}" if "warc_file" in record else str(path)
                print(printable(f"error: {where}: {record['error']}"), file=sys.stderr)
            print(json.dumps(record, ensure_ascii=False), flush=True)
    return 2 if bad_input else 1 if failures else 0  # an unreadable file or one without a URL is bad input; an unparsable page, a result


def _extracted(args: argparse.Namespace, fetched_at: str | None) -> Iterator[tuple[Path, dict[str, Any], Iterator[dict[str, Any]]]]:
    """Each input with what its manifest line says and its records: a saved page's one, a WARC file's pages."""
    for path, entry in _extract_jobs(args):
        if is_warc(path):
            if args.url or args.fetched_at:
                raise ConfigError(f"{path} is a WARC file: its records give each page's URL and fetch time, "
                                  "so --url and --fetched-at do not apply")
            yield path, entry, extract_warc(path)
        else:
            yield path, entry, iter([extract_one(path, entry.get("url"), fetched_at, entry.get("content_type"))])


def _extract_jobs(args: argparse.Namespace) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each page to extract, with what a manifest says of it (url, key, content_type): the page's own line in a
    fixture mirror's manifest beside it, or a line of `--manifest`."""
    for path in args.paths:
        yield path, {**_mirror_entry(path), **({"url": args.url} if args.url else {})}
    if args.manifest:
        for entry in _manifest_entries(args.manifest):
            yield entry["page"], entry


def _manifest_entries(manifest: Path) -> Iterator[dict[str, Any]]:
    """The HTML pages a manifest lists, each with its `page` path: {path, url, key?} lines, or a fixture mirror's.

    A mirror's manifest (`fixtures record`) names its files `file` and lists
    robots.txt, feeds and error answers too, which are no pages to extract.
    """
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigError(f"cannot read manifest {manifest}: {err.strerror}") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if "file" in entry and "path" not in entry:  # a fixture mirror's entry
                if not entry["file"] or entry.get("status") != 200 or "html" not in (entry.get("content_type") or ""):
                    continue
                entry["path"] = entry["file"]
            entry["page"] = manifest.parent / entry["path"]
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"{manifest}:{number}: needs a JSON object with path and url ({err})") from err
        yield entry


def _mirror_entry(path: Path) -> dict[str, Any]:
    """The line a fixture mirror's manifest (beside the page or one folder up) has for the page, if it is in one."""
    for folder in (path.parent, path.parent.parent):
        manifest = folder / "manifest.jsonl"
        if manifest.is_file():
            return _mirror_entries(manifest.resolve()).get(path.resolve(), {})
    return {}


@lru_cache(maxsize=8)
def _mirror_entries(manifest: Path) -> dict[Path, dict[str, Any]]:
    """Page path → line of one mirror's manifest (its URL, content type), read once for all the pages of a command line."""
    try:
        return {entry["page"].resolve(): {"url": str(entry["url"]), "content_type": entry.get("content_type")}
                for entry in _manifest_entries(manifest)}
    except ConfigError:
        return {}


def _checked_time(value: str, option: str) -> str:
    """An ISO 8601 time, with its offset; one without is UTC, as the archive's fetch times are (`parse_time`)."""
    from crawler.dates import parse_time

    try:
        moment = parse_time(value)
    except ValueError:
        moment = None
    if moment is None:
        raise ConfigError(f"{option} must be an ISO 8601 time like 2024-01-31T12:00:00+06:00, not {value!r}")
    return moment.isoformat()
