"""scrapyd (issue 9): the project deploys to a real scrapyd on 127.0.0.1 and a scheduled `abai` job fills the archive.

The test starts scrapyd (its own config, an ephemeral port) in a temporary
folder, deploys a copy of the project with `scrapyd-deploy` and the deploy
target of the repository's scrapy.cfg (its port changed to the test's),
schedules `abai` through the HTTP API with settings that send it to the
fixture mirror, waits for the job to finish and reads the database.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
import sqlite_utils
from conftest import SITES, free_port, mirror_pages

from crawler.mirror import offline_settings, setting_pairs
from crawler.parsers.abai import article_ref

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_FILES = ("crawler", "seeds", "scrapy.cfg", "pyproject.toml", "setup.py", "README.md")
TIMEOUT = 180  # seconds for scrapyd to start and for the job to finish

pytest.importorskip("scrapyd", reason="pip install -e '.[test]' installs scrapyd")


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urlencode(data).encode() if data is not None else None
    with urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read())


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A scrapyd on 127.0.0.1: its base URL and its folder (eggs, logs)."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\npoll_interval = 0.5\nmax_proc = 1\n",
        encoding="utf-8")
    log = (home / "scrapyd.out").open("w")
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            assert api(base, "daemonstatus.json")["status"] == "ok"
            break
        except OSError:
            assert process.poll() is None, (home / "scrapyd.out").read_text()
            assert time.monotonic() < deadline, "scrapyd did not start"
            time.sleep(0.2)
    yield base, home
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def deployed(scrapyd: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    """Deploy a copy of the project (building an egg writes into the project folder) with scrapyd-deploy."""
    base, _ = scrapyd
    project = tmp_path_factory.mktemp("project")
    for name in DEPLOY_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project / name)
    config = (project / "scrapy.cfg").read_text(encoding="utf-8")
    assert "url = http://127.0.0.1:6800/" in config, "scrapy.cfg has no deploy target"
    (project / "scrapy.cfg").write_text(config.replace("127.0.0.1:6800", base.removeprefix("http://")), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "scrapyd_client.deploy", "-v", "test1"], cwd=project,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    assert (answer["status"], answer["project"]) == ("ok", "newsarchive")
    return base


def test_the_egg_carries_the_settings_entry_point_and_the_seeds(deployed: str, scrapyd: tuple[str, Path]) -> None:
    [egg] = (scrapyd[1] / "eggs" / "newsarchive").glob("test1*.egg")
    with zipfile.ZipFile(egg) as archive:
        assert "seeds/abai.kz.toml" in archive.namelist()
        assert "[scrapy]\nsettings = crawler.settings" in archive.read("EGG-INFO/entry_points.txt").decode()
    assert "abai" in api(deployed, "listspiders.json?project=newsarchive")["spiders"]


def test_a_scheduled_job_crawls_the_mirror_into_the_archive(deployed: str, scrapyd: tuple[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "scheduled.sqlite"
    settings = {**offline_settings(mirror=SITES / "abai.kz"), "DB_PATH": str(db), "LOG_LEVEL": "INFO"}
    job = api(deployed, "schedule.json", [("project", "newsarchive"), ("spider", "abai"), ("scripts", "cyrl,latn"),
                                          *(("setting", pair) for pair in setting_pairs(settings))])
    assert job["status"] == "ok", job
    deadline = time.monotonic() + TIMEOUT
    while not any(j["id"] == job["jobid"] for j in api(deployed, "listjobs.json?project=newsarchive")["finished"]):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.5)
    [log] = (scrapyd[1] / "logs" / "newsarchive" / "abai").glob(f"{job['jobid']}.log")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text, text[-3000:]

    archive = sqlite_utils.Database(db)
    expected = {(f"abai.kz:{article_ref(p.url)[0]}", article_ref(p.url)[1]) for p in mirror_pages("abai.kz", "article")}
    stored = {(r["key"], r["script"]) for r in archive["article_variants"].rows}
    assert stored == {(key, script) for key, script in expected if script in ("cyrl", "latn")}
    [run] = archive.query("select * from crawl_runs")
    assert (run["finish_reason"], run["site"]) == ("finished", "abai.kz")
    assert json.loads(run["args"])["scripts"] == ["cyrl", "latn"]
