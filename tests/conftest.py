"""Shared test setup: where the fixtures are, no proxies, and the project's own pytest plugin.

The saved-page helpers (`mirror`, `parse_fixture`, `--update-expected`) live in
the package's pytest plugin, `crawler/pytest_plugin.py`. An installed package
loads it through its `pytest11` entry point; `pytest_plugins` below loads the
same module, under the same name, from an uninstalled checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from crawler.fixtures import SavedPage, saved_pages

pytest_plugins = ["crawler.pytest_plugin", "pytester"]

FIXTURES = Path(__file__).parent / "fixtures"
SITES = FIXTURES / "sites"

# Tests never reach the network: no proxy may redirect loopback traffic.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)


def mirror_pages(site: str, *kinds: str) -> list[SavedPage]:
    """The saved pages of a site's mirror under tests/fixtures/sites, optionally only those of some kinds."""
    return saved_pages(SITES / site, *kinds)
