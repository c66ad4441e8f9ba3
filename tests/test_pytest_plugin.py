"""The pytest plugin shipped in the package: `mirror`, `parse_fixture` and `--update-expected`, in a project of its own.

Each test writes a small test project into a temporary folder (a fixture
mirror of two real abai.kz pages, and a test module) and runs pytest on it
with pytester, so nothing of this repository's conftest is in play; the
entry-point test runs it in a subprocess, as an installed package would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import crawler.pytest_plugin
from conftest import SITES, read_manifest

ROOT = Path(__file__).resolve().parent.parent

TESTS = '''
import json, urllib.request

def test_parse(parse_fixture):
    item = parse_fixture("abai.kz", "https://abai.kz/lt/post/94535")
    assert item["key"] == "abai.kz:94535"

def test_listing(parse_fixture):
    assert parse_fixture("abai.kz", "https://abai.kz/lt/part/1")["next_page"] == "https://abai.kz/lt/part/1?page=2"

def test_mirror(mirror):
    server = mirror("abai.kz")
    request = urllib.request.Request(f"http://{server.address}/lt/post/94535", headers={"X-Forwarded-Host": "abai.kz"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    assert opener.open(request, timeout=10).read().startswith(b"<!DOCTYPE html>")
    assert server.requests == [("http://abai.kz/lt/post/94535", 200)]
    assert server.address.startswith("127.0.0.1:")
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    """A test project outside this repository with a two-page abai.kz mirror in `sites/` (ini: fixture_sites)."""
    site = pytester.path / "sites" / "abai.kz"
    (site / "pages").mkdir(parents=True)
    lines = read_manifest(SITES / "abai.kz")
    keep = [e for e in lines if e["url"] in ("https://abai.kz/lt/post/94535", "https://abai.kz/lt/part/1")]
    for entry in keep:
        for name in (entry["file"], entry["file"].replace(".html", ".json")):
            shutil.copy(SITES / "abai.kz" / name, site / name)
    (site / "manifest.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in keep), encoding="utf-8")
    pytester.makeini("[pytest]\nfixture_sites = sites\n")
    pytester.makepyfile(test_saved=TESTS)
    return pytester.path


def test_fixtures_work_in_another_project(project: Path, pytester: pytest.Pytester) -> None:
    pytester.runpytest("-p", "crawler.pytest_plugin").assert_outcomes(passed=3)


def test_a_changed_expectation_fails_naming_the_field_and_update_expected_rewrites_it(
        project: Path, pytester: pytest.Pytester) -> None:
    expected_path = project / "sites" / "abai.kz" / "pages" / "lt-post-94535.json"
    original = expected_path.read_bytes()
    expected = json.loads(original)
    expected["title"] = "Eski taqyryp"
    expected_path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    failed = pytester.runpytest("-p", "crawler.pytest_plugin", "-k", "test_parse")
    failed.assert_outcomes(failed=1)
    output = failed.stdout.str()
    assert "abai.kz lt-post-94535.json (https://abai.kz/lt/post/94535): fields differ: title" in output
    title = json.dumps(json.loads(original)["title"], ensure_ascii=False)
    assert f'  title:\n    expected "Eski taqyryp"\n    got      {title}' in output

    pytester.runpytest("-p", "crawler.pytest_plugin", "--update-expected").assert_outcomes(passed=3)
    assert expected_path.read_bytes() == original


def test_a_missing_expectation_is_written_and_fails_once(project: Path, pytester: pytest.Pytester) -> None:
    expected_path = project / "sites" / "abai.kz" / "pages" / "lt-post-94535.json"
    original = expected_path.read_bytes()
    expected_path.unlink()
    first = pytester.runpytest("-p", "crawler.pytest_plugin", "-k", "test_parse")
    first.assert_outcomes(failed=1)
    assert "did not exist; written from the current parser: review it" in first.stdout.str()
    assert expected_path.read_bytes() == original
    pytester.runpytest("-p", "crawler.pytest_plugin", "-k", "test_parse").assert_outcomes(passed=1)


STEPPE_TESTS = '''
def test_the_projects_profile_gives_the_sites_time_zone(parse_fixture):
    item = parse_fixture("steppe.example", "https://steppe.example/news/1")
    assert item["published_at"] == "2018-03-15T15:52:00+06:00"
'''


def test_parse_fixture_reads_the_projects_own_site_profiles(pytester: pytest.Pytester) -> None:
    """A project's `seeds/<site>.toml` gives its site's pages their time zone (Almaty's +06:00 in 2018); without it the
    date came out in UTC, and `--update-expected` wrote that down."""
    (pytester.path / "seeds").mkdir()
    (pytester.path / "seeds" / "steppe.example.toml").write_text(
        'site = "steppe.example"\ntimezone = "Asia/Almaty"\n[profile]\nstart_urls = ["https://steppe.example/news"]\n',
        encoding="utf-8")
    site = pytester.path / "sites" / "steppe.example"
    (site / "pages").mkdir(parents=True)
    (site / "pages" / "news-1.html").write_text(
        "<html><head><title>Жаңа кітапхана ашылды</title></head><body><article><h1>Жаңа кітапхана ашылды</h1>"
        "<div class='date'>15.03.2018 15:52</div><p>Астанада жаңа кітапхана ашылды. Оған мыңдаған кітап әкелінді.</p>"
        "<p>Кітапхана күн сайын жұмыс істейді.</p></article></body></html>", encoding="utf-8")
    entry = {"url": "https://steppe.example/news/1", "file": "pages/news-1.html", "status": 200,
             "content_type": "text/html; charset=utf-8", "kind": "article", "fetched_at": "2018-03-16T00:00:00+00:00"}
    (site / "manifest.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")
    pytester.makeini("[pytest]\nfixture_sites = sites\n")
    pytester.makepyfile(test_steppe=STEPPE_TESTS)
    pytester.runpytest("-p", "crawler.pytest_plugin", "--update-expected").assert_outcomes(passed=1)
    pytester.runpytest("-p", "crawler.pytest_plugin").assert_outcomes(passed=1)


def pytest_in(directory: Path, *args: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=directory,
                          env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True, timeout=300)


def test_the_installed_entry_point_loads_the_plugin(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """As `pip install` would: a dist-info with pyproject's entry points on the path, and no `-p` given.

    (A real install needs the `wheel` package to build; this is the metadata
    pip writes, read from pyproject.toml.)
    """
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    assert entry_points["pytest11"] == {"crawler.pytest_plugin": "crawler.pytest_plugin"}
    site_packages = tmp_path_factory.mktemp("site-packages")
    dist = site_packages / "newsarchive-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: newsarchive\nVersion: 0.1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "".join(f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in items.items())
                for group, items in entry_points.items()), encoding="utf-8")
    path = os.pathsep.join([str(ROOT), str(site_packages)])
    installed = pytest_in(project, path=path)
    assert installed.returncode == 0, installed.stdout[-3000:]
    assert "3 passed" in installed.stdout
    # This repository's own suite, installed: the conftest's `pytest_plugins` and the entry point are one plugin.
    own = pytest_in(ROOT, "tests/test_abai_listing.py", path=path)
    assert own.returncode == 0, own.stdout[-3000:] + own.stderr[-3000:]


def test_the_projects_own_tests_use_the_plugin(pytestconfig: pytest.Config, mirror, parse_fixture) -> None:
    assert pytestconfig.pluginmanager.get_plugin("crawler.pytest_plugin") is crawler.pytest_plugin
    server = mirror("abai.kz")
    assert len(server.mirror.pages) == len((SITES / "abai.kz" / "manifest.jsonl").read_text(encoding="utf-8").splitlines())
    assert parse_fixture("abai.kz", "https://abai.kz/post/100000")["key"] == "abai.kz:100000"
