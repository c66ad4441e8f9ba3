"""Datasette (issue 6, point 7): `datasette newsarchive.sqlite --metadata crawler/datasette.json` serves the
archive on 127.0.0.1 with table descriptions, facets on site, category and script, and the full-text search."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import mirror_pages
from crawler.parsers import PARSER_VERSION, parse_article
from crawler.schema import TABLES
from crawler.storage import Store

pytest.importorskip("datasette", reason="the optional `datasette` extra is not installed")

ROOT = Path(__file__).resolve().parent.parent
METADATA = ROOT / "crawler" / "datasette.json"
START_TIMEOUT = 30.0  # seconds for Datasette to announce its port


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture mirror's article pages, parsed and stored under the name the metadata describes."""
    db = tmp_path_factory.mktemp("datasette") / "newsarchive.sqlite"
    store = Store(db)
    pages = mirror_pages("abai.kz", "article")
    store.save_articles([parse_article(p.html(), p.url, p.fetched_at) for p in pages], parser_version=PARSER_VERSION)
    return db


@pytest.fixture(scope="module")
def datasette(archive: Path) -> Iterator[str]:
    """Datasette on 127.0.0.1, on a port the OS picks; its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(archive), "--metadata", str(METADATA),
         "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        yield _announced_address(process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _announced_address(process: subprocess.Popen[str]) -> str:
    """Read Uvicorn's "running on http://127.0.0.1:PORT" line, for at most START_TIMEOUT seconds."""
    assert process.stderr is not None
    deadline = time.monotonic() + START_TIMEOUT
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()  # Uvicorn logs a line per startup step, so this does not block for long
        if not line and process.poll() is not None:
            break
        seen.append(line)
        match = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
        if match:
            return match.group(1)
    pytest.fail("Datasette did not start:\n" + "".join(seen))


def get(base: str, path: str, **params: str) -> dict:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}" if params else f"{base}{path}"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return json.load(response)


def test_articles_table_has_its_description_and_facets(datasette: str, archive: Path) -> None:
    data = get(datasette, "/newsarchive/articles.json", _shape="objects", _size="max")
    expected = {p.url for p in mirror_pages("abai.kz", "article")}
    assert len(data["rows"]) == 10
    assert {row["key"] for row in data["rows"]} == {f"abai.kz:{u.rsplit('/', 1)[1]}" for u in expected}
    assert data["human_description_en"]  # Datasette's own line; the table's is in the metadata
    facets = data["facet_results"]
    facets = facets.get("results", facets)  # Datasette 1.0 nests them
    assert set(facets) == {"site", "category", "script"}
    assert {(v["value"], v["count"]) for v in facets["site"]["results"]} == {("abai.kz", 10)}
    assert {v["value"] for v in facets["script"]["results"]} == {"cyrl", "latn", "arab"}
    meta = get(datasette, "/-/metadata.json")
    assert "merged from its script variants" in meta["databases"]["newsarchive"]["tables"]["articles"]["description"]


def test_every_table_of_the_schema_has_a_description() -> None:
    """The README promises a description of every table; a table added to the schema needs one here too."""
    tables = json.loads(METADATA.read_text(encoding="utf-8"))["databases"]["newsarchive"]["tables"]
    assert {name for name, table in tables.items() if table.get("description")} == set(TABLES)


def test_search_finds_articles_over_http(datasette: str) -> None:
    table = get(datasette, "/newsarchive/article_variants.json", _search="Otan", _shape="objects")
    assert [(r["key"], r["script"]) for r in table["rows"]] == [("abai.kz:100000", "cyrl")]
    query = get(datasette, "/newsarchive/search.json", q="latyn", _shape="objects")
    assert [(r["key"], r["script"], r["url"]) for r in query["rows"]] == [("abai.kz:51637", "latn", "https://abai.kz/lt/post/51637")]
    assert "[latyn]" in query["rows"][0]["snippet"].casefold()


def test_views_over_time_query_charts_one_article(datasette: str) -> None:
    rows = get(datasette, "/newsarchive/views_over_time.json", key="abai.kz:124675", _shape="objects")["rows"]
    pages = [parse_article(p.html(), p.url, p.fetched_at) for p in mirror_pages("abai.kz", "article") if "/124675" in p.url]
    assert len(pages) == 3  # one article page per script, each printing its own count
    assert sorted((r["observed_at"], r["source_kind"], r["source_url"], r["views"]) for r in rows) == sorted(
        (p.fetched_at, "article", p.url, p.views) for p in pages)
