"""`crawl`: a site into the archive, in this process or as one worker of a distributed crawl (`--redis`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import settings as default_settings
from crawler.cli.common import SPIDERS, settings_overrides
from crawler.cli.crawl_summary import (SITE_DOWN, exit_status, format_summary, no_article_links, nothing_fetched,
                                      redis_gone)
from crawler.errors import ConfigError
from crawler.parsers import abai

if TYPE_CHECKING:
    from crawler.profiles import Profile

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def add_crawl_parser(commands: Any) -> None:
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
    overrides = settings_overrides(args.set)
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
    return 1 if status == 0 and (nothing_fetched(result) or no_article_links(result)) else status


def crawl_profile(spider: str, path: Path | None) -> Profile | None:
    """The site profile a `crawl` names: `site --profile FILE`, or a profile's name; None for abai's own spider."""
    from difflib import get_close_matches

    from crawler.profiles import load_profile
    from crawler.site_profiles import UnknownProfile, find_profile

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
    status = exit_status(r["finish_reason"])
    if r["redis_gone"]:
        print(f"  redis     {redis_gone(r['redis_gone'], r['unsent'])}")
        status = 1
    if r["tried"] and not r["answered"] and r["unanswered"]:
        print(f"  nothing fetched: {SITE_DOWN}")
        return status or 1
    if r["seen_before"] and not r["pages"] and r["finish_reason"] == "finished":
        print(f"  nothing to do: the crawl in Redis had run to its end before ({r['seen_before']} requests seen, none queued);"
              f" to crawl again once `ingest` has drained {r['spider']}:items, delete its frontier:"
              f" redis-cli del {r['spider']}:requests {r['spider']}:dupefilter")
    return status


def bundled_mirror(spider: str) -> Path:
    """The fixture mirror shipped in the repository for `spider`'s site (or for a site named directly)."""
    site = {"abai": abai.SITE}.get(spider, spider)
    for root in (Path.cwd(), default_settings.PROJECT_ROOT):
        candidate = root / "tests" / "fixtures" / "sites" / site
        if (candidate / "manifest.jsonl").is_file():
            return candidate
    raise ConfigError(f"no recorded pages of {site} in tests/fixtures/sites/{site} (here or in the repository): "
                      f"record them (`python -m crawler fixtures record --site {site} URL …`) or pass --mirror DIR")
