"""pytest plugin shipped with newsarchive: saved pages as tests.

Installed with the package (entry point `pytest11`), it gives every test suite:

- `mirror`: a factory fixture; `mirror("abai.kz")` serves that site's fixture
  mirror on an ephemeral 127.0.0.1 port for one test and returns the running
  `MirrorServer` (`.address`, and `.requests`, the server's request log).
- `parse_fixture`: parses a saved page with the current parser and compares
  the result with the page's expected JSON, failing with a per-field diff;
  returns the parsed data for further asserts.
- `--update-expected`: `parse_fixture` rewrites the expected JSON instead of
  comparing (review the diff before committing).
- the ini option `fixture_sites`: where the site mirrors are, relative to the
  rootdir (default `tests/fixtures/sites`); and `fixture_seeds`: the folder of
  site profiles the parsers read (time zones, selectors), relative to the
  rootdir (default `seeds`, when the project has one; else newsarchive's own).

The crawler (Scrapy included) is imported only when a test uses a fixture, so
the plugin costs nothing to test suites that do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from crawler.fixtures import SavedPage
    from crawler.mirror import MirrorServer

ParseFixture = Callable[..., dict[str, Any]]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("newsarchive", "saved pages as tests")
    group.addoption("--update-expected", action="store_true",
                    help="rewrite each saved page's expected JSON from the current parsers instead of comparing")
    parser.addini("fixture_sites", default="tests/fixtures/sites",
                  help="folder of site fixture mirrors, relative to the rootdir (default: tests/fixtures/sites)")
    parser.addini("fixture_seeds", default="seeds",
                  help="folder of site profiles (<site>.toml) the parsers read, relative to the rootdir "
                       "(default: seeds, when it exists; else newsarchive's own)")


@pytest.fixture
def fixture_sites(pytestconfig: pytest.Config) -> Path:
    """The folder of site fixture mirrors (ini option `fixture_sites`)."""
    return pytestconfig.rootpath / str(pytestconfig.getini("fixture_sites"))


@pytest.fixture(scope="session")
def fixture_seeds(pytestconfig: pytest.Config) -> Iterator[Path]:
    """The folder of site profiles the parsers read for this session (ini option `fixture_seeds`).

    A project's own profiles give its sites' pages their time zones and
    selectors: without them, `parse_fixture` would compare pages parsed as if
    the site had no profile, and `--update-expected` write that down.
    """
    from crawler import settings

    folder = pytestconfig.rootpath / str(pytestconfig.getini("fixture_seeds"))
    if not folder.is_dir() or folder.resolve() == Path(settings.SEEDS_DIR).resolve():
        yield Path(settings.SEEDS_DIR)
        return
    before = settings.SEEDS_DIR
    settings.SEEDS_DIR = str(folder)  # profiles are read once per folder (`crawler.site_profiles`)
    try:
        yield folder
    finally:
        settings.SEEDS_DIR = before


@pytest.fixture
def update_expected(pytestconfig: pytest.Config) -> bool:
    """True under `--update-expected`."""
    return bool(pytestconfig.getoption("--update-expected"))


@pytest.fixture
def mirror(fixture_sites: Path) -> Iterator[Callable[[str | Path], MirrorServer]]:
    """Factory: serve a site's mirror (a name under `fixture_sites`, or a folder) on 127.0.0.1 for this test."""
    from crawler.mirror import Mirror, MirrorServer

    servers: list[MirrorServer] = []

    def serve(site_or_dir: str | Path) -> MirrorServer:
        directory = Path(site_or_dir) if Path(site_or_dir).is_dir() else fixture_sites / str(site_or_dir)
        server = MirrorServer(Mirror(directory)).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def parse_fixture(fixture_sites: Path, fixture_seeds: Path, update_expected: bool) -> ParseFixture:
    """`parse_fixture(page)` or `parse_fixture("abai.kz", url)`: parse, compare with the expected JSON, return the parse."""
    from crawler.fixtures import SavedPage, parse_saved

    def parse(page: SavedPage | str, url: str | None = None) -> dict[str, Any]:
        if not isinstance(page, SavedPage):
            page = _find(fixture_sites / page, url)
        actual = parse_saved(page)
        if actual is None:
            pytest.fail(f"{page.path.name}: no parser for a {page.kind!r} page of {page.site}")
        check_against_expected(page, actual, update_expected)
        return actual

    return parse


def _find(directory: Path, url: str | None) -> SavedPage:
    from crawler.fixtures import saved_pages
    from crawler.parsers import canonical_url

    if url is not None:
        for page in saved_pages(directory):
            if canonical_url(page.url) == canonical_url(url):
                return page
    pytest.fail(f"no saved page {url!r} in {directory}")


def check_against_expected(page: SavedPage, actual: dict[str, Any], update: bool) -> None:
    """Fail naming every field where `actual` differs from the page's expected JSON (or rewrite it when `update`)."""
    compare_to_expected(actual, page.expected_path, update, label=f"{page.site} {page.expected_path.name} ({page.url})",
                        accept_hint=f"python -m crawler fixtures check {page.site} --accept")


def compare_to_expected(actual: dict[str, Any], path: Path, update: bool, label: str = "",
                        accept_hint: str = "") -> None:
    """Fail naming every field where `actual` differs from the expected JSON at `path` (or rewrite it when `update`).

    A missing file is written from `actual` and fails once, so that a new
    expectation is always looked at before it is trusted.
    """
    import json

    from crawler.fixtures import diff_fields, format_diffs, write_json

    if update or not path.is_file():
        write_json(path, actual)
        if not update:
            pytest.fail(f"{path.name} did not exist; written from the current parser: review it", pytrace=False)
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    diffs = diff_fields(expected, json.loads(json.dumps(actual, ensure_ascii=False)))
    if diffs:
        hint = " or ".join(h for h in ("pytest --update-expected", accept_hint) if h)
        pytest.fail(f"{label or path.name}: fields differ: {', '.join(d.field for d in diffs)}\n"
                    f"{format_diffs(diffs)}\n(after review: {hint})", pytrace=False)
