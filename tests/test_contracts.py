"""`scrapy check abai` runs the spider's contracts offline, against the fixture mirror, and fails when a page breaks."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from scrapy.settings import Settings

from conftest import SITES
from crawler import settings as project_settings
from crawler.commands.check import Command

ROOT = Path(__file__).resolve().parent.parent


def scrapy_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "check", "abai", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_scrapy_check_abai_passes_on_the_mirror() -> None:
    result = scrapy_check("-v")
    assert result.returncode == 0, result.stderr[-3000:]
    report = result.stderr
    for line in ("[abai] parse_listing (@returns post-hook) ... ok", "[abai] parse_listing (@fields post-hook) ... ok",
                 "[abai] parse_article (@returns post-hook) ... ok", "[abai] parse_article (@fields post-hook) ... ok"):
        assert line in report
    assert "Ran 4 contracts" in report and report.rstrip().endswith("OK")


def test_contracts_fail_when_the_saved_page_no_longer_parses(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    shutil.copytree(SITES / "abai.kz", sites / "abai.kz")
    (sites / "abai.kz" / "pages" / "post-100000.html").write_text("<html><body></body></html>", encoding="utf-8")
    (sites / "abai.kz" / "pages" / "lt-part-1.html").write_text("<html><body></body></html>", encoding="utf-8")
    result = scrapy_check("-s", f"FIXTURE_SITES_DIR={sites}")
    assert result.returncode == 1
    assert "ContractFail: returned no ArticleItem (got PageError)" in result.stderr
    assert "ContractFail: Returned 0 requests, expected 3" in result.stderr
    assert "FAILED (failures=3)" in result.stderr  # and @fields LinksSeen: no links, no sightings


def options(*args: str) -> tuple[Command, argparse.Namespace]:
    command = Command()
    command.settings = Settings()
    command.settings.setmodule(project_settings, priority="project")
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    return command, parser.parse_args(list(args))


def test_check_points_downloads_at_the_fixture_mirrors_unless_live() -> None:
    command, opts = options()
    command.process_options([], opts)
    assert command.settings["MIRROR_DIR"] == project_settings.FIXTURE_SITES_DIR
    assert command.settings.getdict("DOWNLOAD_HANDLERS")["https"] == "crawler.mirror.MirrorDownloadHandler"

    command, opts = options("--live")
    command.process_options([], opts)
    assert command.settings["MIRROR_DIR"] == "" and not command.settings.getdict("DOWNLOAD_HANDLERS")

    command, opts = options("-s", "MIRROR_DIR=/elsewhere")
    command.process_options([], opts)
    assert command.settings["MIRROR_DIR"] == "/elsewhere"  # the command line still wins
