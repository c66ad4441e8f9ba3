"""One crawl of a site into a database at a time; crawls of other sites may share it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from crawler.errors import StorageError
from crawler.sitelock import site_lock

ROOT = Path(__file__).resolve().parent.parent


def crawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "crawl", *args, "--offline"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_a_second_crawl_of_a_site_into_one_database_is_refused_and_one_of_another_site_is_not(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    (tmp_path / "link.sqlite").symlink_to(db)
    with site_lock(tmp_path / "link.sqlite", "abai.kz"):  # as a running crawl of abai.kz into it holds it
        refused = crawl("abai", "--db", str(db))
        assert (refused.returncode, refused.stderr.strip()) == (
            2, f"error: another crawl (or ingest) of abai.kz is writing {db}; wait for it to end, or crawl into another --db")
        other = crawl("qamshy", "--db", str(db))
        assert other.returncode == 0, other.stderr[-3000:]
    assert [r["spider"] for r in sqlite_utils.Database(db).query("select spider from crawl_runs")] == ["qamshy"]
    again = crawl("abai", "--db", str(db))
    assert again.returncode == 0, again.stderr[-3000:]


@pytest.mark.parametrize("folder", [".", "elsewhere"])
def test_two_hard_links_of_one_database_share_its_site_lock(tmp_path: Path, folder: str) -> None:
    """Hard links are one file under two names, beside each other or in different folders: one lock, by identity."""
    db = tmp_path / "archive.sqlite"
    db.touch()  # an empty database
    (tmp_path / folder).mkdir(exist_ok=True)
    other = tmp_path / folder / "other-name.sqlite"
    os.link(db, other)
    with site_lock(db, "abai.kz"):
        refused = crawl("abai", "--db", str(other))
        assert (refused.returncode, refused.stderr.strip()) == (
            2, f"error: another crawl (or ingest) of abai.kz is writing {other}; wait for it to end, or crawl into another --db")
        with pytest.raises(StorageError, match="another crawl"), site_lock(other, "abai.kz"):
            pass
        with site_lock(other, "qamshy.kz"):  # another site of it is free
            pass
    with site_lock(other, "abai.kz"):  # and free again once the first is released
        pass


def test_reparse_waits_for_no_crawl_writing_its_sites(tmp_path: Path) -> None:
    """A reparse while a crawl of the site writes would meet a locked database mid-way: it is refused up front."""
    db = tmp_path / "archive.sqlite"
    assert crawl("abai", "--db", str(db)).returncode == 0
    reparse = [sys.executable, "-m", "crawler", "reparse", "--db", str(db)]
    with site_lock(db, "abai.kz"):
        refused = subprocess.run(reparse, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert (refused.returncode, refused.stderr.strip()) == (
            2, f"error: another crawl (or ingest) of abai.kz is writing {db}; wait for it to end, then reparse")
        dry = subprocess.run([*reparse, "--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert dry.returncode == 0, dry.stderr  # reads only
    assert subprocess.run(reparse, cwd=ROOT, capture_output=True, text=True, timeout=300).returncode == 0
