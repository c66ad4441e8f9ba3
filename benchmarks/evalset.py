"""Shared plumbing of the extraction benchmarks: an eval set's pages, its scorer, and our CLI run on it.

An eval set is a folder with `manifest.jsonl` (lines of {key, path, url}),
`ground-truth.json` and gzipped pages; its scorer (`score_body.py`,
`score_metadata.py`) sits in the folder above. The scorer is loaded from
there, so the figures are the ones the set's README defines.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.encoding import read_page  # noqa: E402


@dataclass(frozen=True)
class Page:
    """One manifest line of an eval set."""

    key: str
    path: Path
    url: str


def parse_args(doc: str, eval_name: str, list_flag: str, list_help: str) -> argparse.Namespace:
    """The command line every eval-set benchmark takes: the set's folder, and how many of our worst cases to list.

    `doc` is the benchmark's module docstring (its first paragraph is the
    description); the listing option is `list_flag` N, 0 by default.
    """
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path, help=f"the {eval_name} eval folder (manifest.jsonl, ground-truth.json)")
    parser.add_argument(list_flag, type=int, default=0, metavar="N", help=list_help)
    return parser.parse_args()


def pages(eval_dir: Path) -> list[Page]:
    """The set's pages, paths resolved against the manifest's folder."""
    found = []
    for line in (eval_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            found.append(Page(str(entry["key"]), eval_dir / entry["path"], entry["url"]))
    return found


def scorer(eval_dir: Path, name: str) -> ModuleType:
    """The set's own scoring module (`../score_body.py`, `../score_metadata.py`)."""
    path = eval_dir.parent / f"{name}.py"
    if not path.is_file():
        path = eval_dir / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"no scorer {name}.py beside {eval_dir}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_extract(eval_dir: Path) -> tuple[dict[str, dict[str, Any]], float]:
    """`python -m crawler extract --manifest` on the set: predictions by key, and wall-clock seconds."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "extract", "--manifest", str(eval_dir / "manifest.jsonl")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1 = some pages failed, and still printed a line each
        raise SystemExit(f"extract failed ({result.returncode}): {result.stderr[-2000:]}")
    predictions = {}
    for line in result.stdout.splitlines():
        if line.strip():
            record = json.loads(line)
            predictions[str(record["key"])] = record
    return predictions, seconds


def timed(pages_: list[Page], extract: Any) -> tuple[dict[str, Any], float]:
    """Run `extract(html, url)` over the pages (decoded as our CLI decodes them); results and seconds."""
    texts = [(page, read_page(page.path)) for page in pages_]
    started = time.perf_counter()
    results = {page.key: extract(html, page.url) for page, html in texts}
    return results, time.perf_counter() - started
