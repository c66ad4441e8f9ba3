"""`export`: the archive's articles to files with a manifest, and `export verify` of such files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler import settings as default_settings
from crawler.cli.common import checked_site, counted
from crawler.errors import ConfigError
from crawler.storage import Store


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
    # prog: by default argparse prefixes `verify` with the whole two-line usage above, in its help and its errors
    verify = export.add_subparsers(dest="export_command", title="subcommand", metavar="verify DIR",
                                   prog=export.prog).add_parser(
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
    selection = selection_from(checked_site(args.site, store), args.since, args.until, args.category, args.script)
    for name, close in store.unknown_categories(selection.categories, selection.site).items():  # a typo would export nothing, silently
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        of = f" of {selection.site}" if selection.site else ""
        print(f"warning: no stored article{of} has the category {name!r}{hint}", file=sys.stderr)
    options = ExportOptions(args.format, args.out, selection, force=args.force, raw_csv=args.raw_csv, bag=args.bag)
    replacing = args.force and args.out.is_dir() and any(args.out.iterdir())
    progress = progress_for(sys.stderr)
    try:
        result = export(store, options, progress)
    except KeyboardInterrupt as err:  # before its manifest, `export` removed what it wrote and put back what it replaced
        if str(err):  # after it: `export` says what is left
            raise
        left = f"{args.out} holds the export it was replacing, as it was" if replacing else f"no partial export left in {args.out}"
        raise KeyboardInterrupt(f"{left}; run the same command again to start over") from None
    finally:
        progress.close()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
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
