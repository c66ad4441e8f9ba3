"""Shared test helpers: fixture mirrors, saved pages and their expected JSON."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SITES = FIXTURES / "sites"

# Tests never reach the network: no proxy may redirect loopback traffic.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)


@dataclass(frozen=True)
class FixturePage:
    """One manifest line of a site mirror."""

    site: str
    url: str
    path: Path
    kind: str
    status: int
    fetched_at: str | None

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.path.name.split(".")[0] + ".json")

    def html(self) -> str:
        from crawler.cli import read_page

        return read_page(self.path)


def mirror_pages(site: str, *kinds: str) -> list[FixturePage]:
    """The pages of a site's mirror, optionally only those of some kinds."""
    directory = SITES / site
    pages = []
    for line in (directory / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            page = FixturePage(site, entry["url"], directory / entry["file"], entry["kind"], entry["status"], entry.get("fetched_at"))
            if not kinds or page.kind in kinds:
                pages.append(page)
    return pages


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-expected", action="store_true", help="rewrite expected JSON files from the current parsers")


@pytest.fixture
def update_expected(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-expected"))


def compare_to_expected(actual: dict[str, Any], path: Path, update: bool) -> None:
    """Assert `actual` equals the expected JSON at `path`, naming every differing field."""
    if update or not path.exists():
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if not update:
            pytest.fail(f"{path.name} did not exist; written from the current parser: review it")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    actual = json.loads(json.dumps(actual, ensure_ascii=False))
    differing = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
    details = "\n".join(f"  {k}: expected {expected.get(k)!r}\n  {' ' * len(k)}  got      {actual.get(k)!r}" for k in differing)
    assert not differing, f"{path.name}: fields differ: {', '.join(differing)}\n{details}"
