"""`manifest.json`: what an export holds and how to prove it, written last and checked by `verify`.

The manifest names the tool and schema versions, the filters and the exact
SQL of every table, the crawl runs whose rows are included, row counts per
table, and the sha256 and size of every file. `verify` recomputes each
file's digest, size and row count and the counts per table (for JSON Lines,
the rows nested in each article), flags files that are missing or not named,
and for a BagIt bag first validates the bag itself.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from crawler.errors import ExportError
from crawler.exports.outdir import MANIFEST, OutDir

MANIFEST_VERSION = 1
CHUNK = 1 << 20
# The longest CSV field `verify` reads: any text SQLite holds (its default length limit is 1e9 bytes).
CSV_FIELD_LIMIT = 2**31 - 1


@dataclass
class VerifyReport:
    """What `verify` checked and every problem it found (empty when the export is intact)."""

    folder: Path
    files: int = 0
    bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    bag: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_entry(out: OutDir, name: str, table: str | None = None, rows: int | None = None) -> dict[str, Any]:
    """The manifest line of one written file: path, size, sha256, and its table and rows."""
    path = out.path(name)
    entry: dict[str, Any] = {"path": name, "bytes": path.stat().st_size, "sha256": sha256_of(path)}
    if table is not None:
        entry["table"] = table
    if rows is not None:
        entry["rows"] = rows
    return entry


def write_manifest(out: OutDir, manifest: dict[str, Any]) -> None:
    data = json.dumps({"manifest_version": MANIFEST_VERSION, **manifest}, ensure_ascii=False, indent=2) + "\n"
    with out.create(MANIFEST) as handle:
        handle.write(data.encode("utf-8"))


def load_manifest(base: Path) -> dict[str, Any]:
    """The manifest in `base`, checked for the fields `verify` relies on."""
    path = base / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ExportError(f"no {MANIFEST} in {base}: not an export") from err
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ExportError(f"cannot read {path}: {err}") from err
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, dict) and {"path", "bytes", "sha256"} <= f.keys() for f in files):
        raise ExportError(f"{path} has no valid files list (path, bytes, sha256 per file)")
    return dict(manifest)


def verify(folder: Path) -> VerifyReport:
    """Recompute the manifest of the export (or bagged export) in `folder`."""
    if not folder.is_dir():
        raise ExportError(f"no export folder at {folder}")
    report = VerifyReport(folder)
    base = folder
    if (folder / "bagit.txt").is_file():
        report.bag = True
        report.problems.extend(_bag_problems(folder))
        base = folder / "data"
    bag_problems = len(report.problems)
    manifest = load_manifest(base)
    named = {MANIFEST}
    nested: dict[str, int] = {}  # rows of the child tables, nested in JSON Lines articles
    for entry in manifest["files"]:
        name = str(entry["path"])
        named.add(name)
        problem = _file_problem(base, entry, nested)
        if problem:
            report.problems.append(f"{name}: {problem}")
        else:
            report.files += 1
            report.bytes += int(entry["bytes"])
            if "table" in entry and "rows" in entry:
                report.rows[entry["table"]] = report.rows.get(entry["table"], 0) + int(entry["rows"])
    for extra in sorted(_files_under(base) - named):
        report.problems.append(f"{extra}: not named in {MANIFEST}")
    damaged = len(report.problems) > bag_problems
    report.problems.extend(_count_problems(manifest.get("counts"), {**report.rows, **nested}, damaged))
    return report


def _count_problems(counts: Any, held: dict[str, int], damaged: bool) -> list[str]:
    """The manifest's `counts` per table against the rows its intact files hold."""
    if not isinstance(counts, dict) or damaged:
        return []  # a damaged file is reported as such; its rows are not counted
    return [f"{MANIFEST}: counts say {claimed} {table} rows, the files hold {held[table]}"
            for table, claimed in counts.items() if table in held and held[table] != claimed]


def _file_problem(base: Path, entry: dict[str, Any], nested: dict[str, int]) -> str | None:
    relative = PurePosixPath(str(entry["path"]))
    if relative.is_absolute() or ".." in relative.parts:
        return "path leads outside the export"
    path = base.joinpath(*relative.parts)
    if not path.is_file():
        return "missing"
    size = path.stat().st_size
    if size != entry["bytes"]:
        return f"size {size} bytes, manifest says {entry['bytes']}"
    digest = sha256_of(path)
    if digest != entry["sha256"]:
        return f"sha256 {digest}, manifest says {entry['sha256']}"
    if "rows" in entry:
        from crawler.exports.tables import ROOT_TABLE  # here: it imports the store, which verify does not need else

        rows = count_rows(path, nested if entry.get("table") == ROOT_TABLE else None)
        if rows is not None and rows != entry["rows"]:
            return f"{rows} rows, manifest says {entry['rows']}"
    return None


def _bag_problems(folder: Path) -> list[str]:
    import bagit

    try:
        bagit.Bag(str(folder)).validate(processes=1)
    except bagit.BagValidationError as err:
        return [f"bag: {detail}" for detail in err.details] or [f"bag: {err.message}"]
    except bagit.BagError as err:
        return [f"bag: {err}"]
    return []


def _files_under(base: Path) -> set[str]:
    return {
        (Path(folder) / name).relative_to(base).as_posix()
        for folder, _, names in os.walk(base) for name in names
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def count_rows(path: Path, nested: dict[str, int] | None = None) -> int | None:
    """Rows in a file whose format we write (lines, CSV records, WARC records but warcinfo); None for others.

    With `nested`, a JSON Lines file of articles also adds the rows of each child table its lines nest.
    """
    name = path.name
    if name.endswith(".jsonl") or name.endswith(".cdxj"):
        with path.open("rb") as handle:
            if nested is None or not name.endswith(".jsonl"):
                return sum(1 for line in handle if line.strip())
            from crawler.exports.tables import CHILD_TABLES

            rows = 0
            for line in (line for line in handle if line.strip()):
                rows += 1
                try:
                    record = json.loads(line)
                except ValueError:  # no line we write: its children go uncounted, and the counts then disagree
                    continue
                for table, key in CHILD_TABLES.items():
                    nested[table] = nested.get(table, 0) + len(record.get(key) or ())
            return rows
    if name.endswith(".csv"):
        limit = csv.field_size_limit(CSV_FIELD_LIMIT)  # a long article's body is past the default 131,072
        try:
            with path.open(encoding="utf-8", newline="") as text:
                return max(0, sum(1 for _ in csv.reader(text)) - 1)
        finally:
            csv.field_size_limit(limit)
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if name.endswith(".warc.gz"):
        from warcio.archiveiterator import ArchiveIterator

        with path.open("rb") as handle:
            return sum(1 for record in ArchiveIterator(handle) if record.rec_type != "warcinfo")
    return None
