"""What the crawler asks the server for: each page once, whatever spelling links it.

Runs `scrapy crawl abai` (the project also works as a plain Scrapy project)
against a mirror server this test starts on 127.0.0.1, and reads the
server's own request log.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import sqlite_utils

from conftest import SITES, scrapy_crawl
from crawler.mirror import Mirror, MirrorServer
from crawler.parsers import canonical_url


def test_every_canonical_page_is_requested_once(tmp_path: Path) -> None:
    with MirrorServer(Mirror(SITES / "abai.kz")) as server:
        scrapy_crawl("abai", server.address, tmp_path / "a.sqlite")
    requested = Counter(canonical_url(url) for url, _ in server.requests)
    assert requested, "the server saw no request"
    assert max(requested.values()) == 1, [u for u, n in requested.items() if n > 1]
    # 124675 is linked as www.abai.kz/post/…, /index.php/post/… and abai.kz/post/…: one fetch.
    assert requested["https://abai.kz/post/124675"] == 1
    assert all(url.startswith(("http://abai.kz", "https://abai.kz")) for url, _ in server.requests)


def test_categories_and_since_narrow_the_crawl(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite"
    with MirrorServer(Mirror(SITES / "abai.kz")) as server:
        scrapy_crawl("abai", server.address, db, "since=2020-01-01", "scripts=latn,arab", "categories=1")
    rows = list(sqlite_utils.Database(db).query("select key, script, published_at from article_variants"))
    assert rows, "nothing stored"
    # Dated pages older than 2020 (51637, of 2017) are skipped; undated ones cannot be judged and stay.
    assert all(r["published_at"] is None or r["published_at"] >= "2020-01-01" for r in rows)
    assert {r["script"] for r in rows} == {"latn", "arab"}
    assert "abai.kz:51637" not in {r["key"] for r in rows}
