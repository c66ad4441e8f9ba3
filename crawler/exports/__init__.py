"""Exports for archivists: the selected articles as JSONL, CSV, Parquet, WARC or WACZ, with a manifest to verify.

The only package that writes export files. `export` streams rows from the
store into one folder and finishes with `manifest.json`; `verify` checks a
folder against its manifest (and its BagIt bag, when it is one).
"""

from crawler.exports.manifest import VerifyReport, verify
from crawler.progress import NoProgress, Progress, progress_for
from crawler.exports.run import FORMATS, ExportOptions, ExportResult, export, selection_from

__all__ = [
    "FORMATS", "ExportOptions", "ExportResult", "NoProgress", "Progress", "VerifyReport",
    "export", "progress_for", "selection_from", "verify",
]
