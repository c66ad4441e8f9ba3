"""`health`: the last crawl run against earlier ones, for a cron job to alarm on."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crawler import settings as default_settings
from crawler.cli.common import checked_site
from crawler.errors import ConfigError
from crawler.storage import Store


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
    site = checked_site(args.site, store) or next(iter(store.finished_runs(limit=1)), {}).get("site")
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
