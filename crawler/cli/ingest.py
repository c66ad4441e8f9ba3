"""`ingest`: a distributed crawl's items from Redis into the database, by its single writer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import settings as default_settings
from crawler.cli.common import SPIDERS, counted, settings_overrides
from crawler.cli.crawl_summary import nothing_fetched
from crawler.errors import ConfigError
from crawler.storage import Store

if TYPE_CHECKING:
    from crawler.distributed.ingest import Ingester
    from crawler.profiles import Profile


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
    ingest.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting (repeatable), e.g. -s REDIS_TIMEOUT=2 -s REDIS_OUTAGE_LIMIT=300")
    ingest.set_defaults(run=run_ingest)


def ingest_profile(value: str) -> Profile | None:
    """`ingest --spider`: None for abai's own spider, else the site profile named; a bad one is a usage error."""
    if value in SPIDERS:
        return None
    from crawler.site_profiles import resolve_profile

    try:
        return resolve_profile(value)
    except ConfigError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def run_ingest(args: argparse.Namespace) -> int:
    from crawler.crawl import answered
    from crawler.distributed.ingest import Ingester, ingest_settings
    from crawler.interrupts import stop_requested
    from crawler.progress import progress_for

    store = Store(args.db)
    store.check_writable()
    progress = progress_for(sys.stderr, "ingest", "items", "written")
    ingester = Ingester(args.redis, args.db, profile=args.profile, batch_size=args.batch_size, progress=progress,
                        settings=ingest_settings(settings_overrides(args.set)))
    try:
        with stop_requested() as stop:
            reason = ingester.run(follow=args.follow, stop=stop)
    finally:
        progress.close()
    summary = store.run_summary(ingester.run_id) if ingester.run_id is not None else None
    print(f"Ingested {counted(ingester.items, 'item')} (and {counted(ingester.records, 'page or count record')}) in "
          f"{counted(ingester.batches, 'batch', 'batches')} into {args.db} ({reason})")
    stats = ingester.host.stats.get_stats()
    if summary:
        print_summary(summary, stats)
    if ingester.outage.error is not None:  # Redis did not answer last: the run ended for it, or without its hold back
        print(f"error: {redis_gone(ingester, reason, args.follow)}", file=sys.stderr)
        return 1
    if reason == "stopped":
        return 130
    # The workers' requests, counted as their items came: a site down all along is told as a crawl tells it.
    counted_requests = int(stats.get("downloader/request_count", 0))  # none from workers that did not send them (older ones)
    if summary and counted_requests and (why := nothing_fetched({**summary, "answered": answered(stats)})) is not None:
        print(f"  nothing fetched: {why}")
        return 1
    return 0


def print_summary(summary: dict[str, Any], stats: dict[str, Any]) -> None:
    """The run's articles, errors, pages and WARC records."""
    run = summary["run"]
    errors = ", ".join(f"{kind} {n}" for kind, n in summary["errors_by_kind"].items()) or "none"
    print(f"  articles  {run['articles_new']} new, {run['articles_updated']} updated, {run['articles_unchanged']} unchanged"
          f"  ({counted(summary['variants'], 'page')} in {counted(summary['scripts'], 'script')})")
    print(f"  errors    {run['errors']} ({errors})")
    print(f"  pages     {int(stats.get('downloader/response_count', 0))} fetched by the workers")
    print(f"  archive   {summary['warc_records']} WARC records indexed, {summary['observations']} count observations")


def redis_gone(ingester: Ingester, reason: str, follow: bool) -> str:
    """Why an ingest that Redis stopped answering ended, what it kept, and what it left in Redis: one line."""
    keys, outage = ingester.keys, ingester.outage
    waited = f" for {outage.seconds():.0f} s (REDIS_OUTAGE_LIMIT)" if follow and reason == "redis_unreachable" else ""
    kept = f"{counted(ingester.batches, 'batch', 'batches')} ({counted(ingester.items, 'item')}) committed"
    if ingester.in_hand is None:
        hand = ""
    elif ingester.in_hand[1]:
        hand = f", the last not acknowledged: the next ingest drops its copy in {keys.processing}"
    else:
        hand = f"; a batch it may have taken waits in {keys.processing} for the next ingest to write"
    return (f"Redis at {ingester.redis_url} did not answer ({outage.error}){waited}: ingest stopped; kept: {kept}{hand}; its hold "
            f"({keys.ingester}) expires within {ingester.lock_ttl_ms / 1000:.0f} s (exit 1)")
