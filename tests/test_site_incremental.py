"""Incremental crawls of site profiles: the `site` spider fetches only new or due article pages, as abai's does.

Most tests start from a copy of one archive made by a first full crawl of the
egemen.kz fixture mirror, run `scrapy crawl site` again against a mirror
server this test starts on 127.0.0.1, and read the server's own request log,
the archive's rows and the run's stats. The egemen.kz mirror has a homepage,
a listing of two pages, a robots.txt naming a sitemap of the three articles
(and of one dead link) and a feed of two of them. A copy of it adds an article
whose `<link rel=canonical>` names another URL than the one the homepage links.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from scrapy import Request, signals
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from w3lib.url import safe_url_string

import faultserver as fs
from conftest import (
    SITES,
    cli,
    copy_archive,
    crawl_seen,
    fetched_variants,
    mirror_pages,
    offline_crawl,
    run_row,
    scrapy_crawl,
)
from crawler.cli import main
from crawler.errors import ConfigError
from crawler.middlewares.robots import RobotsWatch
from crawler.mirror import Mirror, MirrorServer
from crawler.pipelines.validate import InvalidItem
from crawler.parsers import canonical_url, parse_article
from crawler.spiders.site import SiteSpider
from crawler.spiders.site_page_keys import fetched_from, page_key, pages_of
from crawler.storage import Store

ROOT = Path(__file__).resolve().parent.parent
PROFILE = "profile=seeds/egemen.kz.toml"
ARTICLES = {canonical_url(p.url) for p in mirror_pages("egemen.kz", "article")}
DEAD = "https://egemen.kz/article/350001-eski-maqala"  # in the sitemap, not in the mirror: a 404
DEAD_LISTING = "https://egemen.kz/category/madeniet"  # linked from the homepage's menu, not in the mirror: a 404
SAYASAT = "https://egemen.kz/category/sayasat"
PAGE_2 = "https://egemen.kz/category/sayasat?page=2"
A370001 = "https://egemen.kz/article/370001-astanada-zhana-kitaphana-ashyldy"
A370002 = "https://egemen.kz/article/370002-koktemgi-egis-nauqany-bastaldy"
A370003 = "https://egemen.kz/article/370003-oqushylar-gylymi-zhobalaryn-qorgady"


# An article whose <link rel=canonical> names another URL of the site: the homepage links it under its first slug,
# and it is stored under the one the editors gave it later (both URLs serve it, as the site would).
FIRST_SLUG = "https://egemen.kz/article/370004-saiabaq-ashyldy"
RENAMED = "https://egemen.kz/article/370004-qalada-zhana-saiabaq-ashyldy"
RENAMED_KEY = "egemen.kz:/article/370004-qalada-zhana-saiabaq-ashyldy"
RENAMED_PAGE = f"""<!DOCTYPE html>
<html lang="kk"><head><meta charset="utf-8"><title>Қалада жаңа саябақ ашылды | Egemen Qazaqstan</title>
<link rel="canonical" href="{RENAMED}"><script type="application/ld+json">{{"@context": "https://schema.org",
"@type": "NewsArticle", "headline": "Қалада жаңа саябақ ашылды", "datePublished": "2024-05-04T11:00:00+05:00",
"mainEntityOfPage": "{RENAMED}"}}</script></head>
<body><main><article class="news"><h1 class="news-title">Қалада жаңа саябақ ашылды</h1>
<div class="news-text"><p>Қала орталығында балаларға арналған жаңа саябақ ашылды.</p>
<p>Саябақта жүгіру жолдары мен спорт алаңдары бар.</p></div></article></main></body></html>
"""


def set_fetched_at(db: Path, url: str, fetched_at: str) -> None:
    """Move a stored page's last fetch back in time."""
    archive = sqlite_utils.Database(db)
    archive.execute("update article_variants set fetched_at = ? where url = ?", [fetched_at, url])
    archive.conn.commit()


@pytest.fixture(scope="module")
def server() -> MirrorServer:
    with MirrorServer(Mirror(SITES / "egemen.kz")) as running:
        yield running


@pytest.fixture(scope="module")
def first_run(server: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """An archive made by one crawl of the whole mirror, and what that crawl fetched."""
    db = tmp_path_factory.mktemp("first") / "archive.sqlite"
    fetched = crawl_seen("site", server, db, PROFILE)
    assert ARTICLES | {DEAD, DEAD_LISTING, PAGE_2} <= fetched
    return db, fetched


@pytest.fixture
def archive(first_run: tuple[Path, set[str]], tmp_path: Path) -> Path:
    """A private copy of the first run's archive."""
    return copy_archive(first_run[0], tmp_path / "archive.sqlite")


def test_second_run_fetches_no_stored_article_and_no_dead_link(server, archive: Path, first_run) -> None:
    fetched = crawl_seen("site", server, archive, PROFILE)
    # Listings (paged to the end), robots.txt, sitemap and feed again; no article page, not the 404s either
    # (an article's, and a listing's the homepage links).
    assert fetched == first_run[1] - ARTICLES - {DEAD, DEAD_LISTING}
    run = run_row(archive, 2)
    assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"], run["errors"]) == (0, 0, 0, 0)
    stats = run["stats"]
    assert stats["incremental/skipped_fresh"] >= len(ARTICLES) and stats["incremental/skipped_gone"] >= 2
    assert not any(stats.get(f"incremental/{decision}") for decision in ("new", "due", "revisit", "refresh"))
    assert "discovery/no_robots" not in stats  # robots.txt was read: its sitemap was asked for
    assert run["args"] | {"profile": None} == {"profile": None, "max_articles": None, "since": None, "refresh": False,
                                               "stop_after_known": 20, "revisit_ages": [1.0, 7.0, 30.0],
                                               "source": f"mirror server at {server.address}"}
    # The links were still seen, fetched or not: each article's sighting moved to this run.
    seen = {r["canonical_url"]: r["last_seen"] for r in sqlite_utils.Database(archive)["urls"].rows}
    assert all(seen[url] >= run["started_at"] for url in ARTICLES)


def test_refresh_is_a_full_pass(server, archive: Path, first_run) -> None:
    assert crawl_seen("site", server, archive, PROFILE, "refresh=true") == first_run[1]
    run = run_row(archive, 2)
    assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"]) == (0, 0, len(ARTICLES))
    assert run["stats"]["incremental/refresh"] == len(ARTICLES) + 1  # and the dead link, asked again
    assert run["args"]["refresh"] is True


def test_paging_stops_after_n_stored_articles_in_a_row(server, archive: Path) -> None:
    fetched = crawl_seen("site", server, archive, PROFILE, "stop_after_known=2")
    assert SAYASAT in fetched and PAGE_2 not in fetched  # page 1 shows 370001 and 370002, both stored
    run = run_row(archive, 2)
    assert run["stats"]["incremental/stopped_paging"] == 1 and run["args"]["stop_after_known"] == 2


def test_a_listed_article_due_for_a_revisit_is_fetched_again(server, archive: Path) -> None:
    # 370001, published 2024-05-02 05:30 UTC, last fetched that day: its 1-, 7- and 30-day revisits are due.
    set_fetched_at(archive, A370001, "2024-05-02T12:00:00+00:00")
    assert crawl_seen("site", server, archive, PROFILE) & ARTICLES == {A370001}
    run = run_row(archive, 2)
    assert run["articles_unchanged"] == 1
    assert run["stats"].get("incremental/revisit", 0) + run["stats"].get("incremental/due", 0) == 1
    [row] = sqlite_utils.Database(archive).query("select fetched_at from article_variants where url = ?", [A370001])
    assert row["fetched_at"] > "2025"
    # Fetched now, past its last revisit age: the next run leaves it alone.
    assert crawl_seen("site", server, archive, PROFILE) & ARTICLES == set()


@pytest.fixture(scope="module")
def renamed_server(tmp_path_factory: pytest.TempPathFactory) -> MirrorServer:
    """A copy of the egemen.kz mirror whose homepage also links FIRST_SLUG, a page that names RENAMED as canonical."""
    mirror = tmp_path_factory.mktemp("renamed") / "egemen.kz"
    shutil.copytree(SITES / "egemen.kz", mirror)
    (mirror / "pages" / "article-370004.html").write_text(RENAMED_PAGE, encoding="utf-8")
    home = mirror / "pages" / "home.html"
    link = f'<div class="card"><a href="{FIRST_SLUG}">Саябақ ашылды</a></div>'
    home.write_text(home.read_text(encoding="utf-8").replace("</section>", f"{link}</section>"), encoding="utf-8")
    with (mirror / "manifest.jsonl").open("a", encoding="utf-8") as manifest:
        for url in (FIRST_SLUG, RENAMED):
            manifest.write(json.dumps({"url": url, "file": "pages/article-370004.html", "kind": "article",
                                       "source": "made by the test: an article whose slug changed"}) + "\n")
    with MirrorServer(Mirror(mirror)) as running:
        yield running


@pytest.fixture(scope="module")
def renamed_first_run(renamed_server: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive made by one crawl of that mirror: the page fetched from FIRST_SLUG is stored under RENAMED's key."""
    db = tmp_path_factory.mktemp("renamed-first") / "archive.sqlite"
    fetched = crawl_seen("site", renamed_server, db, PROFILE)
    assert FIRST_SLUG in fetched and RENAMED not in fetched
    return db


@pytest.fixture
def renamed_archive(renamed_first_run: Path, tmp_path: Path) -> Path:
    return copy_archive(renamed_first_run, tmp_path / "archive.sqlite")


def started(db: Path, **spider_args: str) -> tuple[SiteSpider, list[str]]:
    """A `site` spider of the egemen.kz profile on the archive `db`, and the URLs its start() asks for (which opens the
    job's frontier)."""
    spider = SiteSpider.from_crawler(get_crawler(SiteSpider, {"DB_PATH": str(db), "PARSE_PROCESSES": 0}),
                                     profile="seeds/egemen.kz.toml", **spider_args)

    async def start() -> list[str]:
        return [request.url async for request in spider.start()]

    return spider, asyncio.run(start())


def url_row(db: Path, url: str) -> dict[str, str]:
    [row] = sqlite_utils.Database(db).query("select canonical_url, key, script from urls where url = ?", [url])
    return row


def page_keys(db: Path, url: str, run_id: int) -> list[str]:
    """The keys the `pages` rows of a URL's fetches in one run are filed under."""
    rows = sqlite_utils.Database(db).query("select key from pages where url = ? and crawl_run = ?", [url, run_id])
    return [row["key"] for row in rows]


def test_a_page_stored_under_its_rel_canonical_files_the_url_it_was_fetched_from_under_its_key(
        renamed_first_run: Path) -> None:
    assert fetched_variants(renamed_first_run, 1) >= {(RENAMED_KEY, "cyrl")}
    [variant] = sqlite_utils.Database(renamed_first_run).query("select url from article_variants where key = ?",
                                                               [RENAMED_KEY])
    assert variant["url"] == RENAMED
    # The homepage's sighting said the link's own key; the page fetched from it said RENAMED's, and it wins.
    assert url_row(renamed_first_run, FIRST_SLUG) == {"canonical_url": RENAMED, "key": RENAMED_KEY, "script": "cyrl"}
    assert page_keys(renamed_first_run, FIRST_SLUG, 1) == [RENAMED_KEY]  # indexed before the page was parsed


def test_reparse_finds_the_record_of_a_page_stored_under_another_url(renamed_first_run: Path) -> None:
    """Its `pages` row has the URL asked for (FIRST_SLUG), its variant the canonical one (RENAMED): found by key."""
    result = cli("reparse", "--db", str(renamed_first_run), "--dry-run")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Reparsed {len(ARTICLES) + 1} article pages of {len(ARTICLES) + 1} articles" in result.stdout
    assert f"unchanged  {len(ARTICLES) + 1} pages" in result.stdout


def test_a_link_to_a_page_stored_under_another_url_is_not_fetched_again_while_fresh(
        renamed_server: MirrorServer, renamed_archive: Path) -> None:
    fetched = crawl_seen("site", renamed_server, renamed_archive, PROFILE)
    assert "https://egemen.kz/" in fetched and not fetched & {FIRST_SLUG, RENAMED}
    assert fetched_variants(renamed_archive, 2) == set()
    run = run_row(renamed_archive, 2)
    assert run["stats"]["incremental/skipped_fresh"] >= len(ARTICLES) + 1
    assert not any(run["stats"].get(f"incremental/{decision}") for decision in ("new", "due", "revisit", "refresh"))
    # Seen again on the homepage: the sighting leaves the row the page wrote alone.
    assert url_row(renamed_archive, FIRST_SLUG) == {"canonical_url": RENAMED, "key": RENAMED_KEY, "script": "cyrl"}


def test_a_link_to_a_page_stored_under_another_url_is_fetched_once_when_due(
        renamed_server: MirrorServer, renamed_archive: Path) -> None:
    # Published 2024-05-04 06:00 UTC, last fetched that day: due for its 1-, 7- and 30-day revisits.
    set_fetched_at(renamed_archive, RENAMED, "2024-05-04T12:00:00+00:00")
    fetched = crawl_seen("site", renamed_server, renamed_archive, PROFILE, "revisit_ages=1,7")
    # Revisited under its stored URL; the homepage's link to it stands for the same page, so it is not asked too.
    assert fetched & ({FIRST_SLUG, RENAMED} | ARTICLES) == {RENAMED}
    assert fetched_variants(renamed_archive, 2) == {(RENAMED_KEY, "cyrl")}
    run = run_row(renamed_archive, 2)
    assert (run["articles_unchanged"], run["stats"]["incremental/revisit"]) == (1, 1)
    # Fetched now, past its last revisit age: the next run leaves it alone.
    assert not crawl_seen("site", renamed_server, renamed_archive, PROFILE, "revisit_ages=1,7") & {FIRST_SLUG, RENAMED}


@pytest.mark.parametrize("moved", [False, True], ids=["still there", "its URL now files another article"])
def test_a_due_page_whose_url_now_leads_to_another_article_is_not_revisited(renamed_archive: Path, moved: bool) -> None:
    """Its fetch would store the other article and never move its own fetch time: due, and fetched, on every run."""
    set_fetched_at(renamed_archive, RENAMED, "2024-05-04T12:00:00+00:00")  # due for its 1- and 7-day revisits
    if moved:  # what its last fetch said: its rel=canonical named another article
        archive = sqlite_utils.Database(renamed_archive)
        other = "egemen.kz:/article/370001-astanada-zhana-kitaphana-ashyldy"
        archive["urls"].upsert({"url": RENAMED, "canonical_url": A370001, "key": other, "script": "cyrl"}, pk="url")
        archive.conn.commit()
    assert (RENAMED in started(renamed_archive, revisit_ages="1,7")[1]) is not moved


def test_a_link_spelled_otherwise_is_known_by_the_canonical_form_its_fetch_filed(renamed_archive: Path) -> None:
    spider, _ = started(renamed_archive)
    spelled = "http://www.egemen.kz/article/370004-saiabaq-ashyldy?utm_source=rss"
    assert pages_of(spider.frontier, [spelled, FIRST_SLUG]) == [(RENAMED, RENAMED_KEY)] * 2
    # Fetched under such a spelling, a page files it and its canonical form.
    response = HtmlResponse(spelled, body=RENAMED_PAGE.encode(), encoding="utf-8", request=Request(spelled))
    filed = [(page.url, page.key) for page in fetched_from(response, parse_article(RENAMED_PAGE, spelled), spider.profile)]
    assert filed == [(spelled, RENAMED_KEY), (FIRST_SLUG, RENAMED_KEY)]


def test_a_due_page_with_a_cyrillic_canonical_filed_as_its_own_page_is_revisited(tmp_path: Path) -> None:
    """Its key and URL take the percent-encoded form Scrapy asks for, as its URL's own row does: the same page."""
    db = tmp_path / "archive.sqlite"
    url = "https://egemen.kz/article/370009-кітапхана-ашылды"
    store = Store(db)
    head = (f'<title>Кітапхана</title><link rel="canonical" href="{url}">'
            '<meta property="article:published_time" content="2024-05-04T11:00:00+05:00">')  # due at 1 and 7 days
    store.save_articles([parse_article(f'<html><head>{head}</head><body><h1>Кітапхана</h1><p>{"Мәтін сөз. " * 30}</p>'
                                       '</body></html>', url, "2024-05-04T12:00:00+00:00")], 1)
    asked = safe_url_string(url)
    assert list(store.rows("select key, url from article_variants")) == [{"key": "egemen.kz:" + urlsplit(asked).path, "url": asked}]
    # a revisit that met a temporary redirect filed the URL as its own page
    store.save_page_urls([(asked, canonical_url(asked), "egemen.kz:" + urlsplit(asked).path, None, None, None)], 2)
    assert asked in started(db, revisit_ages="1,7")[1]


def test_a_link_spelled_otherwise_follows_the_page_when_it_changes_its_mind(renamed_archive: Path) -> None:
    """A sighting of the spelling copied the page's old answer; the canonical form's row, which every fetch writes, wins."""
    spelled = "https://egemen.kz/article/370004-saiabaq-ashyldy?utm_source=rss"
    store = Store(renamed_archive)
    store.save_urls([(spelled, RENAMED, RENAMED_KEY, None)])  # seen while the page named RENAMED
    store.save_page_urls([(FIRST_SLUG, FIRST_SLUG, FIRST_SLUG_KEY, "cyrl", None, None)], 2)  # now it names itself
    assert pages_of(started(renamed_archive)[0].frontier, [spelled]) == [(FIRST_SLUG, FIRST_SLUG_KEY)]


def test_a_link_to_a_page_stored_under_another_url_is_fetched_by_a_refresh_and_indexed_under_its_key(
        renamed_server: MirrorServer, renamed_archive: Path) -> None:
    fetched = crawl_seen("site", renamed_server, renamed_archive, PROFILE, "refresh=true")
    assert fetched & {FIRST_SLUG, RENAMED} == {FIRST_SLUG}
    run = run_row(renamed_archive, 2)
    assert (run["articles_new"], run["articles_unchanged"]) == (0, len(ARTICLES) + 1)
    assert page_keys(renamed_archive, FIRST_SLUG, 2) == [RENAMED_KEY]  # asked for under the key it is stored under


FIRST_SLUG_KEY = "egemen.kz:/article/370004-saiabaq-ashyldy"


@pytest.mark.parametrize(("canonical", "reasons", "patterns", "filed"), [
    (RENAMED, [301], True, [(FIRST_SLUG, RENAMED_KEY), (RENAMED, RENAMED_KEY)]),  # moved for good: the link is that page
    (RENAMED, [302], True, [(FIRST_SLUG, FIRST_SLUG_KEY), (RENAMED, RENAMED_KEY)]),  # for now: the link stays its own
    (SAYASAT, [], True, [(FIRST_SLUG, FIRST_SLUG_KEY)]),  # a template naming its section as canonical: no article
    (RENAMED, [], False, [(FIRST_SLUG, RENAMED_KEY)]),  # a profile without article patterns: any page may be one
    (FIRST_SLUG, [], True, [(FIRST_SLUG, FIRST_SLUG_KEY)]),  # the page names itself: filed as it is, every fetch
], ids=["301", "302", "canonical section", "no article patterns", "itself"])
def test_a_link_is_filed_under_another_page_only_for_an_article_canonical_or_a_permanent_redirect(
        tmp_path: Path, canonical: str, reasons: list[int], patterns: bool, filed: list[tuple[str, str]]) -> None:
    profile = tmp_path / "egemen.kz.toml"
    text = (ROOT / "seeds" / "egemen.kz.toml").read_text(encoding="utf-8")
    profile.write_text(text if patterns else re.sub(r"(?m)^article_patterns = .*$", "", text), encoding="utf-8")
    spider = SiteSpider.from_crawler(get_crawler(SiteSpider, {"DB_PATH": str(tmp_path / "unused.sqlite")}),
                                     profile=str(profile))
    meta = {"article_key": FIRST_SLUG_KEY}
    if reasons:
        meta |= {"redirect_urls": [FIRST_SLUG], "redirect_reasons": reasons}
    url = RENAMED if reasons else FIRST_SLUG
    html = RENAMED_PAGE.replace(RENAMED, canonical)
    response = HtmlResponse(url, body=html.encode(), encoding="utf-8", request=Request(url, meta=meta))
    item = parse_article(html, url)
    assert item.url == canonical
    assert [(page.url, page.key) for page in fetched_from(response, item, spider.profile)] == filed


@pytest.fixture
def listings_only(tmp_path: Path) -> Path:
    """The egemen.kz profile without its feed and robots.txt sitemap: 370003 is then listed only on page 2 of the listing."""
    profile = tmp_path / "egemen.kz.toml"
    text = (ROOT / "seeds" / "egemen.kz.toml").read_text(encoding="utf-8")
    profile.write_text(text.replace('feeds = ["https://egemen.kz/feed"]', "feeds = []\nrobots_sitemaps = false"),
                       encoding="utf-8")
    return profile


def test_a_due_article_no_page_lists_is_revisited_from_the_archive(server, archive: Path, listings_only: Path) -> None:
    # stop_after_known=1 never reaches page 2 of the listing: the revisit comes from the archive itself.
    set_fetched_at(archive, A370003, "2024-05-03T10:00:00+00:00")  # published 09:00 UTC that day
    fetched = crawl_seen("site", server, archive, f"profile={listings_only}", "stop_after_known=1")
    assert fetched & ARTICLES == {A370003} and PAGE_2 not in fetched
    run = run_row(archive, 2)
    assert run["stats"]["incremental/revisit"] == 1 and run["articles_unchanged"] == 1


def test_a_due_article_published_before_since_is_not_revisited(server, archive: Path, listings_only: Path) -> None:
    """Its item would be dropped as too old, so its fetch time would never move: it would be due on every run."""
    set_fetched_at(archive, A370003, "2024-05-03T10:00:00+00:00")
    fetched = crawl_seen("site", server, archive, f"profile={listings_only}", "stop_after_known=1", "since=2024-05-04")
    assert A370003 not in fetched and "incremental/revisit" not in run_row(archive, 2)["stats"]


def test_an_undated_listed_article_found_older_than_since_is_not_fetched_again(server, tmp_path: Path,
                                                                               listings_only: Path) -> None:
    """The listing prints no dates: a run with --since fetches its three articles (of February and May 2024) and
    drops them as older. The dates they gave are kept (`urls.published_at`), so the next run asks for none."""
    db, profile = tmp_path / "archive.sqlite", f"profile={listings_only}"
    assert crawl_seen("site", server, db, profile, "since=2024-05-04") & ARTICLES == {A370001, A370002, A370003}
    assert sqlite_utils.Database(db)["articles"].count == 0
    assert crawl_seen("site", server, db, profile, "since=2024-05-04") & ARTICLES == set()
    assert crawl_seen("site", server, db, profile) & ARTICLES == {A370001, A370002, A370003}


def test_a_listed_article_the_archive_knows_older_does_not_stop_paging_past_the_unknown_ones(
        server, tmp_path: Path, listings_only: Path) -> None:
    """Page 1 lists 370002 (February 2024), whose date an earlier run with --since kept (it was listed elsewhere), and
    370001 (May 2), new to the archive and requested from the homepage first. One known date does not say the listing
    reached --since while another entry's is unknown: page 2 (370003, of May 3) is read too. It stopped the listing at
    page 1, as a card's printed date would."""
    db = tmp_path / "archive.sqlite"
    key = "egemen.kz:" + urlsplit(A370002).path
    Store(db).save_page_urls([(A370002, A370002, key, "cyrl", "2024-02-20T09:15:00+06:00", None)], None)
    fetched = crawl_seen("site", server, db, f"profile={listings_only}", "since=2024-03-01")
    assert fetched & ARTICLES == {A370001, A370003} and PAGE_2 in fetched

@pytest.mark.parametrize(("answer", "asked", "kind"), [
    (fs.status(500), 3, "http_500"),  # asked, then retried twice
    (fs.page(b"<html><body><h1>Service temporarily unavailable</h1></body></html>"), 1, "empty_listing"),
], ids=["500", "error-page-with-200"])
def test_a_run_resumes_paging_at_a_listing_page_that_failed_before(
        server, tmp_path: Path, listings_only: Path, answer: fs.Serve, asked: int, kind: str) -> None:
    """Page 2 of the listing answered 500 on every try, or an error page with 200, ending the listing for the first
    run; page 1 shows only stored articles, so without a resume the next runs would stop there and never fetch
    370003, listed only past it."""
    db, profile = tmp_path / "archive.sqlite", f"profile={listings_only}"
    broken = fs.Fault("/category/sayasat?page=2", answer, linked=False)
    with fs.FaultServer(Mirror(SITES / "egemen.kz"), [broken], home=False) as faulty:
        scrapy_crawl("site", faulty.address, db, profile, "stop_after_known=1")
    assert len(faulty.requests_for("/category/sayasat?page=2")) == asked
    assert len(fetched_variants(db, 1)) == 2  # 370001 and 370002
    assert json.loads(run_row(db, 1)["errors_by_kind"]).get(kind) == 1

    fetched = crawl_seen("site", server, db, profile, "stop_after_known=1")
    assert PAGE_2 in fetched and fetched & ARTICLES == {A370003}
    assert fetched_variants(db, 2) == {("egemen.kz:/article/370003-oqushylar-gylymi-zhobalaryn-qorgady", "cyrl")}
    run = run_row(db, 2)
    assert (run["articles_new"], run["stats"]["incremental/resumed"]) == (1, 1)
    # Fetched now: the next run resumes nowhere.
    assert PAGE_2 not in crawl_seen("site", server, db, profile, "stop_after_known=1")


def test_a_run_asks_again_for_an_article_page_that_failed_before(server, tmp_path: Path, listings_only: Path) -> None:
    """370003, listed only on page 2, answered 503 on every try: the next run, which stops paging at page 1's stored
    articles, asks for it again all the same."""
    db, profile = tmp_path / "archive.sqlite", f"profile={listings_only}"
    broken = fs.Fault("/article/370003-oqushylar-gylymi-zhobalaryn-qorgady", fs.status(503), linked=False)
    with fs.FaultServer(Mirror(SITES / "egemen.kz"), [broken], home=False) as faulty:
        scrapy_crawl("site", faulty.address, db, profile)
    assert len(fetched_variants(db, 1)) == 2  # 370001 and 370002

    fetched = crawl_seen("site", server, db, profile, "stop_after_known=1")
    assert PAGE_2 not in fetched and fetched & ARTICLES == {A370003}
    assert run_row(db, 2)["stats"]["incremental/retried"] == 1 and run_row(db, 2)["articles_new"] == 1
    assert A370003 not in crawl_seen("site", server, db, profile, "stop_after_known=1")


def test_no_listing_page_is_asked_for_once_max_articles_is_reached(server, tmp_path: Path, listings_only: Path) -> None:
    fetched = crawl_seen("site", server, tmp_path / "one.sqlite", f"profile={listings_only}", "max_articles=1")
    assert len(fetched & ARTICLES) == 1 and PAGE_2 not in fetched


def test_a_link_with_a_cyrillic_path_matches_the_key_its_page_is_stored_under() -> None:
    link = "https://egemen.kz/article/қазақ-тілі-мерекесі"
    spider = SiteSpider.from_crawler(get_crawler(SiteSpider), profile="seeds/egemen.kz.toml")
    output = list(spider._articles("https://egemen.kz/", "https://egemen.kz/", [(link, link)]))
    request, seen = output[0], output[-1].links[0]  # the article's request, then the page's sightings
    stored = parse_article("<html><head><title>Тіл</title></head><body><h1>Тіл</h1><p>Мәтін.</p></body></html>",
                           request.url)  # what Scrapy fetches, and the parser keys, is percent-encoded
    assert seen.key == stored.key and seen.canonical_url == canonical_url(request.url)


def test_the_cli_crawls_a_profile_incrementally_and_passes_every_option(tmp_path: Path) -> None:
    db = tmp_path / "egemen.sqlite"
    assert "3 new, 0 updated, 0 unchanged  (3 pages in 1 script)\n" in offline_crawl(db, "egemen")
    second = offline_crawl(db, "egemen")
    assert "0 new, 0 updated, 0 unchanged" in second and "requested 0 new, 0 due for a revisit; skipped" in second
    third = offline_crawl(db, "site", "--profile", "seeds/egemen.kz.toml", "--refresh", "--stop-after-known", "5",
                          "--revisit-ages", "14,2")
    assert "0 new, 0 updated, 3 unchanged" in third
    args = run_row(db, 3)["args"]
    assert (args["refresh"], args["stop_after_known"], args["revisit_ages"]) == (True, 5, [2.0, 14.0])


@pytest.mark.parametrize(("option", "value", "message"), [
    ("refresh", "maybe", "refresh must be true or false, not 'maybe'"),
    ("stop_after_known", "many", "--stop-after-known must be a whole number, not 'many'"),
    ("stop_after_known", "-1", "--stop-after-known must be 0 (never stop) or more"),
    ("revisit_ages", "1,soon", "revisit ages must be days like 1,7,30 (or none), not '1,soon'"),
])
def test_bad_incremental_arguments_are_config_errors(option: str, value: str, message: str) -> None:
    """`scrapy crawl site -a NAME=VALUE`: checked as the spider is made, with the crawl's settings for the defaults."""
    with pytest.raises(ConfigError) as raised:
        SiteSpider.from_crawler(get_crawler(SiteSpider), profile="seeds/egemen.kz.toml", **{option: value})
    assert str(raised.value) == message


def test_a_bad_incremental_option_on_the_command_line_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["crawl", "egemen", "--offline", "--db", str(tmp_path / "x.sqlite"), "--revisit-ages", "soon"])
    assert code == 2 and capsys.readouterr().err.strip() == "error: revisit ages must be days like 1,7,30 (or none), not 'soon'"
    assert not (tmp_path / "x.sqlite").exists()  # refused before anything ran


def test_a_resumed_job_keeps_its_start_and_its_requests(archive: Path) -> None:
    """JOBDIR: Scrapy hands the spider its saved `state`; the job's start time and requests come back from it."""
    crawler = get_crawler(SiteSpider, {"DB_PATH": str(archive), "PARSE_PROCESSES": 0})
    spider = SiteSpider.from_crawler(crawler, profile="seeds/egemen.kz.toml")
    # The paused job began before the first run, so what that run stored is new to it; it asked for 370001.
    spider.state = {"started_at": datetime(2000, 1, 1, tzinfo=UTC), "requested": {A370001}}

    async def open_job() -> None:
        async for _ in spider.start():  # start() opens the job's frontier from the saved state
            pass

    asyncio.run(open_job())
    body = (SITES / "egemen.kz" / "pages" / "category-sayasat.html").read_bytes()
    page = HtmlResponse(SAYASAT, body=body, encoding="utf-8", request=Request(SAYASAT))
    asked = [r.url for r in spider.parse_listing(page, series=SAYASAT) if isinstance(r, Request)]
    assert asked == [A370002, PAGE_2]
    assert spider.requested is spider.state["requested"]


def test_a_resumed_full_pass_without_an_archive_keeps_its_requests(tmp_path: Path) -> None:
    """A distributed worker's or any run with INCREMENTAL_FROM_DB off: no frontier, but the paused job's requests stay."""
    crawler = get_crawler(SiteSpider, {"DB_PATH": str(tmp_path / "unused.sqlite"), "PARSE_PROCESSES": 0,
                                       "INCREMENTAL_FROM_DB": False})
    spider = SiteSpider.from_crawler(crawler, profile="seeds/egemen.kz.toml")
    spider.state = {"requested": {A370001}}

    async def open_job() -> None:
        async for _ in spider.start():
            pass

    asyncio.run(open_job())
    assert spider.frontier is None and spider.requested is spider.state["requested"]


@pytest.mark.parametrize(("head", "pager"), [
    ("", '<ul class="pager"><li><a href="?page=1">1</a></li><li><a href="?page=2">2</a></li><li><a href="?page=4">4</a>'
         '</li><li>5</li><li><a href="?page=6">6</a></li><li class="next"><a href="?page=6">»</a></li></ul>'),
    ('<link rel="next" href="?page=6">', '<ul class="pager"><li><a href="?page=2">2</a></li><li><a href="?page=4">4</a></li></ul>'),
], ids=["next class in the pager", "rel=next in the head only"])
def test_a_listing_read_from_its_middle_pages_on_to_the_page_it_declares_next(tmp_path: Path, head: str, pager: str) -> None:
    """A series resumed at page 5 has not read pages 1-4: it goes on to 6, not back to the first link."""
    crawler = get_crawler(SiteSpider, {"DB_PATH": str(tmp_path / "unused.sqlite"), "PARSE_PROCESSES": 0,
                                       "INCREMENTAL_FROM_DB": False})
    spider = SiteSpider.from_crawler(crawler, profile="seeds/egemen.kz.toml")
    page_5 = f"{SAYASAT}?page=5"
    body = f'<html><head>{head}</head><body><a href="/article/370009-jana-zhol">Жаңа жол</a>{pager}</body></html>'
    response = HtmlResponse(page_5, body=body.encode(), encoding="utf-8", request=Request(page_5))
    spider.pages_read[page_5] = 0
    asked = [r.url for r in spider.parse_listing(response, series=page_5) if isinstance(r, Request)]
    assert asked[-1] == f"{SAYASAT}?page=6"


@pytest.mark.parametrize("obey", [True, False])
@pytest.mark.parametrize("answer", [fs.reset(), fs.status(404)], ids=["network error", "404"])
def test_a_robots_txt_that_cannot_be_read_counts_as_none(tmp_path: Path, obey: bool, answer: fs.Serve) -> None:
    """Fetched by Scrapy to obey it (the default) or by the spider: a failed fetch and a 404 page both count as none."""
    db = tmp_path / "norobots.sqlite"
    with fs.FaultServer(Mirror(SITES / "egemen.kz"), [fs.Fault("/robots.txt", answer, linked=False)],
                        home=False) as server:
        scrapy_crawl("site", server.address, db, PROFILE, settings={"ROBOTSTXT_OBEY": obey})
    assert server.requests_for("/robots.txt") and not server.requests_for("/sitemap.xml")  # only robots.txt names it
    assert run_row(db, 1)["stats"]["discovery/no_robots"] == 1


def test_the_robots_watch_knows_a_host_however_the_profile_spells_it() -> None:
    """Scrapy requests `https://EGEMEN.kz` and `https://егемен.қаз` as `egemen.kz` and `xn--…`: the watch must too."""
    missing: list[str] = []
    watch = RobotsWatch(get_crawler(SiteSpider), ["https://EGEMEN.kz", "https://егемен.қаз"], lambda *_: None,
                        missing.append)
    for url in ("https://EGEMEN.kz/category/sayasat", "https://егемен.қаз/"):
        watch.request_reached_downloader(Request(url))
    assert missing == ["https://egemen.kz/robots.txt", "https://xn--c1adba8ah.xn--80ao21a/robots.txt"]


def test_canonical_links_that_name_a_section_or_another_article_lose_no_article_without_a_trace(tmp_path: Path) -> None:
    """Template mistakes: 370001 and 370002 name their section as canonical, 370003 names 370001."""
    mirror = shutil.copytree(SITES / "egemen.kz", tmp_path / "egemen.kz")
    for number, canonical in (("370001", SAYASAT), ("370002", SAYASAT), ("370003", A370001)):
        page = mirror / "pages" / f"article-{number}.html"
        page.write_text(re.sub(r'<link rel="canonical" href="[^"]*">', f'<link rel="canonical" href="{canonical}">',
                               page.read_text(encoding="utf-8")), encoding="utf-8")
    db = tmp_path / "archive.sqlite"
    with MirrorServer(Mirror(mirror)) as server:
        crawl_seen("site", server, db, PROFILE)
    archive = sqlite_utils.Database(db)
    stored = {row["key"]: row["title"] for row in archive.query("select key, title from articles")}
    assert set(stored) == {page_key(A370001), page_key(A370002)}  # each under its own URL, not one under the section's
    [conflict] = archive.query("select url, kind, reason from errors where kind = 'canonical_conflict'")
    titles = {page.url: parse_article(page.path.read_text(encoding="utf-8"), page.url).title
              for page in mirror_pages("egemen.kz", "article")}
    assert stored[page_key(A370001)] == titles[A370001]  # the page itself, whether it came before the claim or after
    [own] = archive.query("select strategies from article_variants where key = ?", [page_key(A370001)])
    assert "url" not in json.loads(own["strategies"])  # its section canonical ignored, it claims no other page's URL
    assert titles[A370003] in conflict["reason"]
    assert run_row(db, 1)["errors"] == 3  # the sitemap's dead link, the menu's dead listing, the conflict


def test_the_page_itself_replaces_one_that_claimed_its_url_first(tmp_path: Path) -> None:
    """The claim fetched first (its link comes first), the page it claims after it: the page itself is stored."""
    from crawler.pipelines.dedupe import DedupePipeline
    from crawler.pipelines.validate import invalid_page

    crawler = get_crawler(SiteSpider)
    crawler.spider = None
    invalid: list[BaseException] = []
    crawler.signals.connect(lambda exception, **_: invalid.append(exception), signal=invalid_page, weak=False)
    dropped: list[BaseException] = []  # Scrapy's signal, which counts an item dropped: none is
    crawler.signals.connect(lambda exception, **_: dropped.append(exception), signal=signals.item_dropped, weak=False)
    dedupe = DedupePipeline(crawler)
    claim = parse_article(RENAMED_PAGE.replace("Қалада жаңа саябақ ашылды", "Басқа мақала"), FIRST_SLUG)
    itself = parse_article(RENAMED_PAGE, RENAMED)
    assert (claim.key, claim.strategies["url"], "url" in itself.strategies) == (RENAMED_KEY, "canonical", False)
    assert dedupe.process_item(claim) is claim and dedupe.process_item(itself) is itself
    assert [(e.kind, e.url) for e in invalid] == [("canonical_conflict", RENAMED)] and not dropped
    with pytest.raises(InvalidItem):  # and a claim after the page itself is not stored
        dedupe.process_item(claim)


def test_reparse_and_export_know_a_site_crawled_with_a_profile_outside_seeds(tmp_path: Path) -> None:
    """Its pages are parsed again with the profile its crawl named (time zone, selectors), not as UTC."""
    mirror = shutil.copytree(SITES / "egemen.kz", tmp_path / "mirror")
    for path in [mirror / "manifest.jsonl", *(mirror / "pages").iterdir()]:
        path.write_text(path.read_text(encoding="utf-8").replace("egemen.kz", "steppe.example"), encoding="utf-8")
    profile = tmp_path / "steppe.toml"
    profile.write_text((ROOT / "seeds" / "egemen.kz.toml").read_text(encoding="utf-8").replace("egemen\\.kz", "steppe\\.example")
                       .replace("egemen.kz", "steppe.example").replace('name = "egemen"', 'name = "steppe"'), encoding="utf-8")
    db = tmp_path / "archive.sqlite"
    offline_crawl(db, "site", "--profile", str(profile), "--mirror", str(mirror))
    dates = sorted(row["published_at"] for row in sqlite_utils.Database(db).query("select published_at from articles"))
    assert dates == ["2024-02-20T09:15:00+06:00", "2024-05-02T10:30:00+05:00", "2024-05-03T14:00:00+05:00"]  # Almaty time
    reparsed = cli("reparse", "--db", str(db), "--site", "steppe.example")
    assert reparsed.returncode == 0, reparsed.stderr
    assert "changed    0 pages (none)" in reparsed.stdout
    assert cli("export", "--db", str(db), "--site", "steppe.example", "--format", "jsonl", "--out",
               str(tmp_path / "out")).returncode == 0
    profile.rename(tmp_path / "moved.toml")
    gone = cli("reparse", "--db", str(db))
    assert (gone.returncode, gone.stderr.strip()) == (2, f"error: the pages of steppe.example were crawled with the site "
                                                         f"profile {profile}, which is gone: pass it as --profile FILE")
    moved = cli("reparse", "--db", str(db), "--profile", str(tmp_path / "moved.toml"))
    assert moved.returncode == 0 and "changed    0 pages (none)" in moved.stdout
    offline_crawl(db, "abai")  # another site in the archive: its pages are reparsed, the profile-less site's fail
    both = cli("reparse", "--db", str(db))
    assert both.returncode == 1
    assert "  unchanged  12 pages (0 restamped with the new parser version)" in both.stdout.splitlines()  # abai's
    assert "  failed     3 pages (3 articles, 0 listings)" in both.stdout.splitlines()
