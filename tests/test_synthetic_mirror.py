"""The synthetic abai.kz mirror of the benchmarks (benchmarks/synthetic.py) is a valid mirror: it serves, and it parses.

No timing here: the benchmarks that use it print their figures and assert nothing.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import SyntheticMirror, article_url, make_mirror  # noqa: E402
from conftest import read_manifest  # noqa: E402
from crawler.mirror import Mirror, MirrorServer  # noqa: E402
from crawler.parsers.abai import parse_article, parse_listing  # noqa: E402

ARTICLES, PER_PAGE = 7, 3


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> SyntheticMirror:
    return make_mirror(tmp_path_factory.mktemp("synthetic"), ARTICLES, seed=3, per_page=PER_PAGE)


def test_manifest_lists_every_page_once_and_every_file_exists(synthetic: SyntheticMirror) -> None:
    entries = read_manifest(synthetic.directory)
    assert len(entries) == synthetic.pages == 1 + 3 * 3 + ARTICLES * 3  # homepage, 3 listing pages × 3 scripts
    assert len({e["url"] for e in entries}) == len(entries)
    assert all((synthetic.directory / str(e["file"])).is_file() and e["status"] == 200 for e in entries)
    assert {e["url"] for e in entries if e["kind"] == "article"} == set(synthetic.article_urls)
    assert len(Mirror(synthetic.directory).pages) == len(entries)


def test_article_pages_are_realistic_and_parse_in_every_script(synthetic: SyntheticMirror) -> None:
    articles = [e for e in read_manifest(synthetic.directory) if e["kind"] == "article"]
    sizes = [(synthetic.directory / str(e["file"])).stat().st_size for e in articles]
    assert 80_000 < sum(sizes) / len(sizes) < 130_000  # like a real abai.kz page
    items = [parse_article((synthetic.directory / str(e["file"])).read_text(encoding="utf-8"), str(e["url"]))
             for e in articles]
    assert {(i.key, i.script) for i in items} == {(f"abai.kz:{a}", s) for a in synthetic.article_ids for s in synthetic.scripts}
    for item in items:
        assert item.title and item.category and item.published_at and item.views is not None
        assert item.authors and item.source == "Abai.kz" and item.page_date == "2024-11-23"
        assert len(item.best_materials) == 5 and item.language == "kk"
    assert all(any(q.speaker for q in item.quotes) for item in items)  # the quote extractor has work


def test_listings_page_through_every_article_in_each_script(synthetic: SyntheticMirror) -> None:
    pages = {str(e["url"]): synthetic.directory / str(e["file"]) for e in read_manifest(synthetic.directory)}
    for prefix in ("", "/lt", "/tt"):
        url: str | None = f"https://abai.kz{prefix}/part/1"
        seen: list[str] = []
        while url:
            listing = parse_listing(pages[url].read_text(encoding="utf-8"), url)
            cards = min(PER_PAGE, ARTICLES - len(seen))  # the page's cards come first; the feed and blocks follow
            seen += [e.url for e in listing.entries[:cards]]
            url = listing.next_page
        assert seen == [f"https://abai.kz{prefix}/post/{a}" for a in synthetic.article_ids]


def test_same_seed_same_bytes(synthetic: SyntheticMirror, tmp_path: Path) -> None:
    again = make_mirror(tmp_path, ARTICLES, seed=3, per_page=PER_PAGE)
    for entry in read_manifest(synthetic.directory):
        assert (tmp_path / str(entry["file"])).read_bytes() == (synthetic.directory / str(entry["file"])).read_bytes()
    assert again.article_ids == synthetic.article_ids


def test_mirror_server_serves_it_on_loopback(synthetic: SyntheticMirror) -> None:
    url = article_url(synthetic.article_ids[0], "latn")
    with MirrorServer(Mirror(synthetic.directory)) as server:
        request = urllib.request.Request(f"http://{server.address}/lt/post/{synthetic.article_ids[0]}",
                                         headers={"X-Forwarded-Host": "abai.kz", "X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (127.0.0.1)
            body = response.read()
    assert server.requests == [(url, 200)]
    assert parse_article(body.decode("utf-8"), url).script == "latn"
