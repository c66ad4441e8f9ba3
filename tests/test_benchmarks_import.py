"""Every benchmark script imports: they run by hand, never in the suite, so a function moved elsewhere in the
package would break one unseen (`evalset` imported `read_page` from `crawler.cli` after it had moved)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCHMARKS.glob("*.py") if p.stem != "__init__"))
def test_a_benchmark_script_imports(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # body.py and metadata.py import their helpers as scripts do
    importlib.import_module(f"benchmarks.{name}")
