"""`fixtures record|serve|check`: saved pages as tests, recorded from a site, served on 127.0.0.1, checked against their expected JSON."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.cli.common import checked_site, counted, settings_overrides
from crawler.errors import ConfigError
from crawler.interrupts import terminate_as_interrupt
from crawler.storage import Store

if TYPE_CHECKING:
    from crawler.fixtures import FieldDiff, SavedPage
    from crawler.record import RecordResult, Saved


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
    from crawler.record import record_file  # imports Scrapy and Twisted: only when recording

    directory = fixtures.site_dir(args.site, args.sites_dir)
    saved: list[SavedPage] = []

    def show(page: SavedPage, expected: dict[str, Any] | None, diffs: list[FieldDiff] | None) -> None:
        saved.append(page)
        print(_saved_line(page, expected, directory), flush=True)
        if diffs:
            print(f"  changed since the last recording: {_differing(diffs)}")
            print(fixtures.format_diffs(diffs, indent="    "), flush=True)

    try:
        if args.file is not None:
            if len(args.urls) != 1 or args.set or args.missing:
                raise ConfigError("--file goes with exactly one URL, the page's address, and no -s or --missing (nothing is fetched)")
            result = record_file(args.file, args.urls[0], directory, args.site, args.kind, saved=show)
        else:
            urls = list(dict.fromkeys([*args.urls, *(_missing_pages(args.missing, args.site) if args.missing else [])]))
            if not urls:
                raise ConfigError("nothing to record: give URLs, or --missing DB of a crawl that found pages missing")
            result = _fetch_and_record(urls, directory, args, show)
    except KeyboardInterrupt:  # each page is saved whole with its expected JSON (record._save)
        raise KeyboardInterrupt(f"{counted(len(saved), 'page')} saved in {_near(directory)} before it (listed above); "
                                "run the same command again to record them all") from None
    for url, reason in result.failed:
        print(f"error: {url}: {reason}", file=sys.stderr)
    if result.saved:
        print(f"Review the new pages and expected JSON in {_near(directory)} before committing.")
    return 1 if result.failed else 0


def _fetch_and_record(urls: list[str], directory: Path, args: argparse.Namespace, show: Saved) -> RecordResult:
    """`record` of `urls`, told on standard error: a start line, then the pages fetched (a bar on a terminal, else a
    line when the fetch is done). It said nothing until the first page was saved, after the whole fetch."""
    from crawler.fixtures import check_site_urls
    from crawler.progress import progress_for
    from crawler.record import record

    check_site_urls(urls, args.site)  # a URL off the site, or a bad -s, is one line, no fetch announced before it
    overrides = settings_overrides(args.set)
    print(f"fixtures record: fetching {counted(len(urls), 'page')} of {args.site}", file=sys.stderr, flush=True)
    progress = progress_for(sys.stderr, "fixtures record", "pages", "done")
    try:
        return record(urls, directory, args.site, args.kind, overrides, saved=show, progress=progress)
    finally:
        progress.close()


def _saved_line(page: SavedPage, expected: dict[str, Any] | None, directory: Path) -> str:
    """`saved URL → FILE (STATUS KIND; expected JSON)`: what `fixtures record` says of each page it saved."""
    note = f"{page.status} {page.kind}"
    if expected is not None:
        refused = f", the parser refuses it: {expected['error']}" if "error" in expected else ""
        note += f"; expected {page.expected_path.relative_to(directory)}{refused}"
    return f"saved {page.url} → {_near(page.path)} ({note})"


def _missing_pages(db: Path, site: str) -> list[str]:
    """The URLs on `site` that its crawls into `db` found missing (404, 410) and that have not answered since."""
    from crawler.incremental import GONE_KINDS

    store = Store(db, create=False)
    checked = checked_site(site, store)
    if checked is None or checked not in store.stored_sites():
        raise ConfigError(f"{db} holds no crawl of {site}")
    return store.missing_pages(checked, GONE_KINDS)


def _spider_of(site: str) -> str:
    """How `scrapy crawl` names the spider of a site: abai's own, the `site` spider with the site's profile, else a placeholder."""
    from crawler.parsers.abai import SITE as ABAI
    from crawler.site_profiles import find_profile

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
        named = fixtures.site_dir(checked_site(value) or value, sites_dir)
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
