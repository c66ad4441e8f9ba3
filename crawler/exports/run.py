"""One export from start to finish: check the options, write the files, the manifest, and the bag.

Files go into a folder prepared by `OutDir` (empty, or holding only a
previous export when forced); `manifest.json` is written last (and, with
`--bag`, the bag made around it), so a folder with a manifest holds a finished
export. When anything fails, or the export is interrupted (Ctrl-C, SIGTERM),
before that, the files this export created are removed again; a killed one
leaves its in-progress marker, which `--force` recognizes.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from crawler import __version__
from crawler.errors import ConfigError, ExportError
from crawler.exports.manifest import file_entry, write_manifest
from crawler.exports.outdir import MANIFEST, OutDir
from crawler.progress import NoProgress, Progress
from crawler.exports.tables import Written, export_tables
from crawler.interrupts import terminate_as_interrupt
from crawler.storage import Selection, Store, utcnow

TABLE_FORMATS = ("jsonl", "csv", "parquet")
ARCHIVE_FORMATS = ("warc", "wacz")
FORMATS = TABLE_FORMATS + ARCHIVE_FORMATS
SCRIPTS = ("cyrl", "latn", "arab")
# Libraries whose version the manifest records, by what the export used them for.
LIBRARIES = {"parquet": ("pyarrow",), "warc": ("warcio", "cdxj-indexer"), "wacz": ("warcio", "wacz"), "bag": ("bagit",)}


@dataclass(frozen=True)
class ExportOptions:
    """What to export, in which format, and where."""

    format: str
    out: Path
    selection: Selection = field(default_factory=Selection)
    force: bool = False
    raw_csv: bool = False
    bag: bool = False


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: rows per table and the manifest's file entries."""

    out: Path
    format: str
    counts: dict[str, int]
    files: list[dict[str, Any]]
    bagged: bool
    warnings: list[str] = field(default_factory=list)
    """What the user should know of a finished export: selected articles it could not hold whole."""


def selection_from(site: str | None = None, since: str | None = None, until: str | None = None,
                   categories: list[str] | None = None, scripts: list[str] | None = None) -> Selection:
    """A checked `Selection` from command-line values (scripts may be comma-separated)."""
    for flag, value in (("--since", since), ("--until", until)):
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ConfigError(f"{flag} must be a date like 2024-01-31, not {value!r}") from None
            if len(value) != 10:
                raise ConfigError(f"{flag} must be a date like 2024-01-31, not {value!r}")
    if since and until and since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    chosen = tuple(dict.fromkeys(s.strip() for value in scripts or () for s in value.split(",") if s.strip()))
    unknown = [s for s in chosen if s not in SCRIPTS]
    if unknown:
        raise ConfigError(f"--script must be among {', '.join(SCRIPTS)}, not {', '.join(unknown)}")
    return Selection(site=site, since=since, until=until, categories=tuple(categories or ()), scripts=chosen)


def export(store: Store, options: ExportOptions, progress: Progress | None = None) -> ExportResult:
    """Write the selected articles of `store` into `options.out` and finish with its manifest."""
    if options.format not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {options.format!r}")
    progress = progress or NoProgress()
    with terminate_as_interrupt():
        out = OutDir.prepare(options.out, options.force)
        try:
            with store.snapshot():
                if options.format in TABLE_FORMATS:
                    written = export_tables(store, options.selection, out, options.format, progress, options.raw_csv)
                else:
                    from crawler.exports.archive import export_archive

                    written = export_archive(store, options.selection, out, options.format, progress)
                files = [file_entry(out, name, table, rows) for name, table, rows in written.files]
                write_manifest(out, _manifest(store, options, written, files))
            if options.bag:
                make_bag(out, options, [MANIFEST, *(str(entry["path"]) for entry in files)])
            out.finish()
        except OSError as err:  # a full disk, a folder that went read-only: the files go, the error in one line
            out.discard()
            raise ExportError(f"cannot write the export in {out.root}: {err.strerror or err}") from err
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt) and out.finished:  # stopped past the manifest (and bag): the export stays
                kept = f"the export in {out.root} is finished and kept (its manifest.json is written)"
                raise KeyboardInterrupt(kept) from None
            out.discard()
            raise
    return ExportResult(out.root, options.format, written.counts, files, options.bag, _warnings(written))


def _warnings(written: Written) -> list[str]:
    if not written.without_pages:
        return []
    shown = ", ".join(written.without_pages[:3]) + (", …" if len(written.without_pages) > 3 else "")
    return [f"{len(written.without_pages)} of the selected articles have no fetched page in the WARC files"
            f" (crawled with WARC_ENABLED off, or before the WARC index): {shown}; manifest.json lists them"]


def _manifest(store: Store, options: ExportOptions, written: Written, files: list[dict[str, Any]]) -> dict[str, Any]:
    queries = {}
    for table in written.tables:
        sql, params = store.export_query(table, options.selection)
        queries[table] = {"sql": sql, "params": params}
    manifest: dict[str, Any] = {
        "tool": {"name": "newsarchive", "version": __version__, "python": sys.version.split()[0],
                 "libraries": _versions(LIBRARIES.get(options.format, ()) + (LIBRARIES["bag"] if options.bag else ()))},
        "schema_version": store.schema_version(),
        "created_at": utcnow(),
        "database": store.path.name,
        "format": options.format,
        "filters": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(options.selection).items()},
        "queries": queries,
        "crawl_runs": store.export_runs(written.tables, options.selection),
        "counts": written.counts,
        "files": files,
    }
    if written.without_pages is not None:
        manifest["articles_without_pages"] = written.without_pages
    if options.format == "csv":
        manifest["csv"] = {
            "encoding": "utf-8", "null": "empty cell",
            "formulas_neutralized": not options.raw_csv,
            "neutralized_how": None if options.raw_csv else "a cell starting with = + - @ tab or CR is prefixed with '",
        }
    return manifest


def _versions(packages: tuple[str, ...]) -> dict[str, str]:
    return {name: metadata.version(name) for name in packages}


def make_bag(out: OutDir, options: ExportOptions, names: list[str]) -> None:
    """Turn the written export (its files `names`) into a BagIt bag: files move to data/, sha256 manifests around them.

    bagit makes the bag in place, moving the files one by one and then hashing them all: in the export folder,
    a stop midway would leave half a bag. So it makes it in a scratch folder, before the export is finished:
    stopped, the export is discarded whole (or its replaced one put back), as before its manifest.
    """
    import bagit

    info = {
        "Source-Organization": "newsarchive",
        "External-Description": f"newsarchive {__version__} {options.format} export; see data/{MANIFEST}",
    }
    with out.rebuilt(names) as folder:
        try:
            bagit.make_bag(str(folder), bag_info=info, checksums=["sha256"])
        except (bagit.BagError, RuntimeError, OSError) as err:
            raise ExportError(f"cannot make a bag of {out.root}: {err}") from err
