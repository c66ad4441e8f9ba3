"""`extract`: saved pages and WARC files parsed offline, one JSON object per page on standard output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.cli.common import printable
from crawler.errors import ConfigError
from crawler.extract import BAD_PROFILE, NO_URL, UNREADABLE, extract_one, extract_warc, is_warc
from crawler.progress import BarProgress, NoProgress, Progress
from crawler.urls import is_web_url


def add_extract_parser(commands: Any) -> None:
    extract = commands.add_parser("extract", help="parse saved pages (or a WARC file's) and print one JSON object per page")
    extract.add_argument("paths", nargs="*", type=Path,
                         help="HTML files (.html or .html.gz), or WARC files (.warc, .warc.gz: each page of their records) "
                              "or a WACZ (a zip: each page of its WARC files)")
    extract.add_argument("--url", help="the page's URL (with one PATH); picks the parser by host")
    extract.add_argument("--manifest", type=Path,
                         help="JSON Lines file of {path, url, key?} (or a fixture mirror's manifest); paths relative to it")
    extract.add_argument("--fetched-at", help="fetch time to record (ISO 8601; UTC when it has no offset)")
    extract.set_defaults(run=run_extract)


def run_extract(args: argparse.Namespace) -> int:
    if not args.paths and not args.manifest:
        raise ConfigError("extract needs PATH... or --manifest FILE")
    if args.url and len(args.paths) != 1:
        raise ConfigError("--url goes with exactly one PATH")
    if args.url is not None and not is_web_url(args.url):
        raise ConfigError(f"--url must be an absolute http(s) URL such as https://abai.kz/post/1, not {args.url!r}")
    fetched_at = None if args.fetched_at is None else _checked_time(args.fetched_at, "--fetched-at")
    progress = BarProgress(sys.stderr) if sys.stderr.isatty() else NoProgress()
    try:
        failures, bad_input = _print_records(args, fetched_at, progress)
    finally:
        progress.close()
    return 2 if bad_input else 1 if failures else 0  # an unreadable file or one without a URL is bad input; an unparsable page, a result


def _print_records(args: argparse.Namespace, fetched_at: str | None, progress: Progress) -> tuple[int, int]:
    """Print each page's JSON object (and its error on standard error), counting them on `progress`; (failures, bad
    input) of them. The count shows only on a terminal: standard error piped keeps only the errors, for scripts."""
    failures = bad_input = 0
    progress.start("pages", None)  # a WARC file's are not known until it is read
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
            progress.advance(1)
    progress.finish()
    return failures, bad_input


def _extracted(args: argparse.Namespace, fetched_at: str | None) -> Iterator[tuple[Path, dict[str, Any], Iterator[dict[str, Any]]]]:
    """Each input with what its manifest line says and its records: a saved page's one, a WARC file's pages."""
    for path, entry in _extract_jobs(args):
        if is_warc(path):
            if args.url or args.fetched_at:
                raise ConfigError(f"{path} is a WARC file (or a WACZ): its records give each page's URL and fetch time, "
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
