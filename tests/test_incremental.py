"""Incremental crawls (issue 9): a run against an existing archive fetches only new or due pages.

Most tests start from a copy of one archive made by a first full crawl of the
fixture mirror, run `scrapy crawl abai` again against a mirror server this
test starts on 127.0.0.1, and read the server's own request log.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

import faultserver as fs
from conftest import SITES, cli, copy_archive, crawl_seen, fetched_variants, mirror_pages, run_row, scrapy_crawl
from crawler.incremental import Frontier, IncrementalParams, RevisitPolicy, parse_ages
from crawler.mirror import Mirror, MirrorServer
from crawler.parsers import canonical_url
from crawler.storage_reads import VariantState

ROOT = Path(__file__).resolve().parent.parent
ROBOTS = "https://abai.kz/robots.txt"
LISTINGS = {canonical_url(p.url) for p in mirror_pages("abai.kz", "listing", "home")}
ARTICLES = {canonical_url(p.url) for p in mirror_pages("abai.kz", "article")}


@pytest.fixture(scope="module")
def server() -> MirrorServer:
    with MirrorServer(Mirror(SITES / "abai.kz")) as running:
        yield running


@pytest.fixture(scope="module")
def first_run(server: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """An archive made by one crawl of the whole mirror, and what that crawl fetched."""
    db = tmp_path_factory.mktemp("first") / "archive.sqlite"
    return db, crawl_seen("abai", server, db)


@pytest.fixture
def archive(first_run: tuple[Path, set[str]], tmp_path: Path) -> Path:
    """A private copy of the first run's archive."""
    return copy_archive(first_run[0], tmp_path / "archive.sqlite")


def test_first_run_fetches_every_page(first_run) -> None:
    _, fetched = first_run
    assert LISTINGS | ARTICLES <= fetched
    assert "https://abai.kz/post/999999" in fetched  # the mirror's 404 page, linked from a listing


def test_second_run_fetches_only_listings(server, archive: Path) -> None:
    fetched = crawl_seen("abai", server, archive)
    assert fetched == LISTINGS | {ROBOTS}  # no article page, no known dead link: only the listings, paged to the end
    run = run_row(archive, 2)
    assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"], run["errors"]) == (0, 0, 0, 0)
    assert run["stats"]["incremental/skipped_fresh"] >= len(ARTICLES)
    assert run["stats"]["incremental/skipped_gone"] >= 66  # 65 dead homepage links and the 404 page
    assert run["args"]["refresh"] is False


def test_paging_stops_after_n_stored_articles_in_a_row(server, archive: Path) -> None:
    fetched = crawl_seen("abai", server, archive, "stop_after_known=2")
    # part/1 and lt/part/1 show two stored articles on page 1; tt/part/1 shows one a page.
    assert fetched == {ROBOTS, "https://abai.kz/", "https://abai.kz/part/1", "https://abai.kz/lt/part/1",
                       "https://abai.kz/tt/part/1", "https://abai.kz/tt/part/1?page=2"}
    assert run_row(archive, 2)["stats"]["incremental/stopped_paging"] == 3


def test_a_new_script_variant_is_fetched(server, tmp_path: Path) -> None:
    db = tmp_path / "cyrillic-first.sqlite"
    first = crawl_seen("abai", server, db, "scripts=cyrl")
    assert not any("/lt/" in url or "/tt/" in url for url in first)
    fetched = crawl_seen("abai", server, db)
    articles = fetched & ARTICLES
    assert articles == {url for url in ARTICLES if "/lt/" in url or "/tt/" in url}
    run = run_row(db, 2)
    # 51637, 94535, 39968 (Latin only) and 211030, 202845 (Arabic only) are new; 124675 gains two variants.
    assert (run["articles_new"], run["articles_updated"]) == (5, 1)
    assert sqlite_utils.Database(db)["article_variants"].count == len(ARTICLES)


def test_due_articles_are_revisited_and_others_are_not(server, archive: Path) -> None:
    db = sqlite_utils.Database(archive)
    # 100000 (published 2018-09-19) last fetched on day 2: its 7- and 30-day revisits are due. It is on page 2 of
    # part/1, which this run does not reach (stop_after_known=1): the revisit comes from the archive itself.
    db.execute("update article_variants set fetched_at = '2018-09-21T00:00:00+00:00' where key = 'abai.kz:100000'")
    # lt/124675 (published 2020-11-30) fetched on day 1: due, and listed on page 1 of lt/part/1.
    db.execute("update article_variants set fetched_at = '2020-12-01T06:00:00+00:00' where key = 'abai.kz:124675' and script = 'latn'")
    # tt/211030 (published 2026-01-30) last fetched after its 30-day revisit: never due again.
    db.execute("update article_variants set fetched_at = '2026-03-05T00:00:00+00:00' where key = 'abai.kz:211030'")
    db.conn.commit()
    fetched = crawl_seen("abai", server, archive, "stop_after_known=1")
    assert fetched & ARTICLES == {"https://abai.kz/post/100000", "https://abai.kz/lt/post/124675"}
    run = run_row(archive, 2)
    assert run["articles_unchanged"] == 2
    assert run["stats"]["incremental/revisit"] + run["stats"].get("incremental/due", 0) == 2
    refetched = sqlite_utils.Database(archive)["article_variants"].get(("abai.kz:100000", "cyrl"))["fetched_at"]
    assert refetched > "2026"
    # Fetched now, past its last revisit age: the next run leaves it alone.
    assert crawl_seen("abai", server, archive, "stop_after_known=1") & ARTICLES == set()


def test_a_stored_page_that_answers_404_is_not_asked_again_run_after_run(archive: Path, tmp_path: Path) -> None:
    """Its last fetch time never moves, so it stays due: it waits GONE_RETRY_DAYS like a dead link, not a day."""
    db = sqlite_utils.Database(archive)
    db.execute("update article_variants set fetched_at = '2018-09-21T00:00:00+00:00' where key = 'abai.kz:100000'")
    db.execute("update article_variants set fetched_at = '2020-12-01T06:00:00+00:00' where key = 'abai.kz:124675' and script = 'latn'")
    db.conn.commit()
    deleted = {"https://abai.kz/post/100000", "https://abai.kz/lt/post/124675"}  # due: from the archive, from a listing
    mirror = shutil.copytree(SITES / "abai.kz", tmp_path / "mirror")
    lines = (mirror / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    (mirror / "manifest.jsonl").write_text("".join(f"{line}\n" for line in lines if json.loads(line)["url"] not in deleted),
                                           encoding="utf-8")
    with MirrorServer(Mirror(mirror)) as site:
        runs = [crawl_seen("abai", site, archive, "stop_after_known=1") & ARTICLES for _ in range(2)]
    assert runs == [deleted, set()]
    assert run_row(archive, 3)["stats"]["incremental/skipped_gone"] >= 2
    errors = sqlite_utils.Database(archive).query("select url, kind from errors where url in (?, ?)", sorted(deleted))
    assert sorted((row["url"], row["kind"]) for row in errors) == [(url, "http_404") for url in sorted(deleted)]


def test_refresh_is_a_full_pass(server, archive: Path, first_run) -> None:
    fetched = crawl_seen("abai", server, archive, "refresh=true")
    assert fetched == first_run[1]
    run = run_row(archive, 2)
    assert (run["articles_new"], run["articles_updated"], run["articles_unchanged"]) == (0, 0, 10)
    assert run["args"]["refresh"] is True


def test_an_undated_listed_article_found_older_than_since_is_not_fetched_again(server, tmp_path: Path) -> None:
    """The listings print no date for 67688, 67670, 67473, 100000 (2018) or lt/51637 (2017): a run with --since
    fetches each and drops it as older. The date it gave is kept (`urls.published_at`), so the next run with
    --since knows it as the card's date and asks for none of them; a run without --since fetches them."""
    db, old = tmp_path / "archive.sqlite", {"https://abai.kz/post/67688", "https://abai.kz/post/67670",
                                            "https://abai.kz/post/67473", "https://abai.kz/post/100000",
                                            "https://abai.kz/lt/post/51637"}
    first = crawl_seen("abai", server, db, "since=2020-01-01")
    assert old <= first and not {key for key, _ in fetched_variants(db, 1)} & {"abai.kz:67688", "abai.kz:51637"}
    assert crawl_seen("abai", server, db, "since=2020-01-01") & ARTICLES == set()
    assert run_row(db, 2)["stats"].get("articles/too_old") is None
    assert old <= crawl_seen("abai", server, db)


@pytest.mark.parametrize(("answer", "asked", "kind"), [
    (fs.status(500), 3, "http_500"),  # asked, then retried twice
    (fs.page("<html><body><h1>Сервис уақытша қолжетімсіз</h1></body></html>".encode()), 1, "empty_listing"),
], ids=["500", "error-page-with-200"])
def test_a_run_resumes_paging_at_a_listing_page_that_failed_before(
        server, tmp_path: Path, answer: fs.Serve, asked: int, kind: str) -> None:
    """Page 2 of the Arabic-script listing answered 500 on every try, or an error page with 200, ending that listing
    for the first run; page 1 shows only a stored article, so without a resume the next runs would stop there and
    never list what lies past it."""
    db, failing = tmp_path / "archive.sqlite", "https://abai.kz/tt/part/1?page=2"
    broken = fs.Fault("/tt/part/1?page=2", answer, linked=False)
    with fs.FaultServer(Mirror(SITES / "abai.kz"), [broken], home=False) as faulty:
        scrapy_crawl("abai", faulty.address, db, "stop_after_known=1")
    assert len(faulty.requests_for("/tt/part/1?page=2")) == asked
    assert ("abai.kz:211030", "arab") in fetched_variants(db, 1)
    assert json.loads(run_row(db, 1)["errors_by_kind"]).get(kind) == 1

    before = len(server.requests)
    second = cli("crawl", "abai", "--offline", "--db", str(db), "--stop-after-known", "1",
                 "-s", f"MIRROR_ADDRESS={server.address}")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "listings stopped paging early; 1 paged on from where an earlier run failed\n" in second.stdout
    fetched = {canonical_url(url) for url, _ in server.requests[before:]}
    # 124675 is listed in Arabic script only on page 2, 202845 only on page 3: the run paged on from page 2.
    assert fetched_variants(db, 2) == {("abai.kz:124675", "arab"), ("abai.kz:202845", "arab")}
    assert {failing, "https://abai.kz/tt/part/1?page=3"} <= fetched
    run = run_row(db, 2)
    assert (run["articles_new"], run["articles_updated"], run["stats"]["incremental/resumed"]) == (1, 1, 1)
    # Fetched now: the next run resumes nowhere.
    assert failing not in crawl_seen("abai", server, db, "stop_after_known=1")
    assert "incremental/resumed" not in run_row(db, 3)["stats"]


def test_without_warc_a_listing_page_that_answered_is_no_resume_point_on_the_next_run(server, tmp_path: Path) -> None:
    """With WARC_ENABLED off no `pages` row says that the failed page answered later: its error rows do
    (`errors.answered_at`), else every run of LISTING_RESUME_DAYS asks for it again."""
    db, failing, no_warc = tmp_path / "archive.sqlite", "https://abai.kz/tt/part/1?page=2", {"WARC_ENABLED": False}
    broken = fs.Fault("/tt/part/1?page=2", fs.status(500), linked=False)
    with fs.FaultServer(Mirror(SITES / "abai.kz"), [broken], home=False) as faulty:
        scrapy_crawl("abai", faulty.address, db, "stop_after_known=1", settings=no_warc)
    asked = []
    for _ in range(2):
        before = len(server.requests)
        scrapy_crawl("abai", server.address, db, "stop_after_known=1", settings=no_warc)
        asked.append(failing in {canonical_url(url) for url, _ in server.requests[before:]})
    assert asked == [True, False]
    assert sqlite_utils.Database(db)["pages"].count == 0


def test_a_run_asks_again_for_an_article_page_that_failed_before(server, tmp_path: Path) -> None:
    """202845 is listed in Arabic script only on page 3, past stored articles: after a 503 on every try, no
    incremental run would page down to it again. The next run asks for it, and the one after that does not."""
    db, failing = tmp_path / "archive.sqlite", "https://abai.kz/tt/post/202845"
    broken = fs.Fault("/tt/post/202845", fs.status(503), linked=False)
    with fs.FaultServer(Mirror(SITES / "abai.kz"), [broken], home=False) as faulty:
        scrapy_crawl("abai", faulty.address, db, "stop_after_known=1")
    assert len(faulty.requests_for("/tt/post/202845")) == 3  # asked, then retried twice
    assert ("abai.kz:202845", "arab") not in fetched_variants(db, 1)
    assert failing not in crawl_seen("abai", server, db, "stop_after_known=1", "scripts=cyrl")  # not of this run's scripts

    before = len(server.requests)
    second = cli("crawl", "abai", "--offline", "--db", str(db), "--stop-after-known", "1",
                 "-s", f"MIRROR_ADDRESS={server.address}")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "; 1 article page that failed before asked again\n" in second.stdout
    assert failing in {url for url, _ in server.requests[before:]}
    assert ("abai.kz:202845", "arab") in fetched_variants(db, 3)
    assert run_row(db, 3)["stats"]["incremental/retried"] == 1
    # Fetched now: the next run asks for it no more.
    assert failing not in crawl_seen("abai", server, db, "stop_after_known=1")
    assert "incremental/retried" not in run_row(db, 4)["stats"]


def test_bad_incremental_options_are_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--db", str(tmp_path / "x.sqlite"),
         "--revisit-ages", "1,soon"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: revisit ages must be days like 1,7,30 (or none), not '1,soon'"


# -- the revisit policy -------------------------------------------------------

PUBLISHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("fetched_after", "now_after", "due"), [
    (0.1, 0.5, False),   # fetched at publication, not a day old yet
    (0.1, 1.5, True),    # the 1-day revisit
    (1.5, 3.0, False),   # revisited on day 1.5, next at day 7
    (1.5, 7.5, True),    # the 7-day revisit
    (8.0, 29.0, False),
    (8.0, 31.0, True),   # the 30-day revisit
    (31.0, 400.0, False),  # past the last age: never again
    (0.1, 400.0, True),  # long unvisited: one revisit catches up
])
def test_revisit_policy(fetched_after: float, now_after: float, due: bool) -> None:
    policy = RevisitPolicy((1, 7, 30))
    fetched, now = PUBLISHED + timedelta(days=fetched_after), PUBLISHED + timedelta(days=now_after)
    assert policy.due(PUBLISHED, fetched, now) is due


def test_revisit_ages_parse() -> None:
    assert parse_ages("30, 1,7") == (1.0, 7.0, 30.0)
    assert parse_ages(["2", "14"]) == (2.0, 14.0)
    assert parse_ages("none") == ()
    assert parse_ages("0") == ()


@pytest.mark.parametrize(("fetched_after", "now_after"), [(1.0, 1.5), (7.0, 7.5)])
def test_a_page_fetched_at_the_moment_an_age_is_reached_is_not_due_for_it(fetched_after: float, now_after: float) -> None:
    fetched, now = PUBLISHED + timedelta(days=fetched_after), PUBLISHED + timedelta(days=now_after)
    assert RevisitPolicy((1, 7, 30)).due(PUBLISHED, fetched, now) is False


# -- the frontier's decisions, on a stub of the archive -------------------------------

STARTED = PUBLISHED + timedelta(days=100)


class ArchiveStub:
    """The two reads `Frontier.plan` makes of the archive: stored variants and URLs that answered 404 or 410."""

    def __init__(self, states: list[VariantState], gone: set[str] = frozenset()) -> None:
        self.states = {(state.key, state.script): state for state in states}
        self.gone = gone

    def variant_states(self, keys) -> dict[tuple[str, str], VariantState]:
        wanted = set(keys)
        return {ident: state for ident, state in self.states.items() if ident[0] in wanted}

    def failed_urls(self, urls, kinds, since: str) -> set[str]:
        return set(urls) & self.gone


def stored(key: str, script: str = "cyrl", fetched_after: float = 40.0, first_seen_after: float = 0.5) -> VariantState:
    """A variant of an article published at PUBLISHED, first stored and last fetched that many days after it."""
    first_seen = (PUBLISHED + timedelta(days=first_seen_after)).isoformat()
    return VariantState(key=key, script=script, url=f"https://x.kz/{key}/{script}", published_at=PUBLISHED.isoformat(),
                        article_first_seen=first_seen, first_seen=first_seen,
                        fetched_at=(PUBLISHED + timedelta(days=fetched_after)).isoformat())


def frontier(archive: ArchiveStub, stop_after_known: int = 3) -> Frontier:
    return Frontier(archive, IncrementalParams(stop_after_known=stop_after_known), started_at=STARTED,  # type: ignore[arg-type]
                    now=STARTED + timedelta(hours=1))


def test_due_fresh_and_gone_stored_articles_make_the_streak_and_repeated_entries_leave_it_alone() -> None:
    """A stored page due for a revisit was stored before all the same; an entry an earlier page of the series listed
    (a feed of the latest, repeated) neither adds to the streak nor ends it."""
    archive = ArchiveStub([stored("fresh"), stored("due", fetched_after=5.0), stored("gone")], gone={"https://x.kz/gone"})
    plan = frontier(archive)
    entries = [("fresh", "cyrl", "https://x.kz/fresh"), ("due", "cyrl", "https://x.kz/due"),
               ("gone", "cyrl", "https://x.kz/gone"), ("latest", "cyrl", "https://x.kz/latest")]
    assert plan.plan("part/1", entries, fresh={"fresh", "due", "gone"}) == ["fresh", "due", "gone", "new"]
    assert plan.keep_paging("part/1") is False


def test_a_listed_url_that_answered_404_is_new_when_this_job_stored_its_article() -> None:
    archive = ArchiveStub([stored("mine", first_seen_after=100.01)], gone={"https://x.kz/mine"})
    assert frontier(archive).plan("part/1", [("mine", "cyrl", "https://x.kz/mine")], fresh={"mine"}) == ["new"]


def test_an_entry_of_unknown_script_is_judged_by_its_latest_fetched_variant() -> None:
    archive = ArchiveStub([stored("a", "latn", fetched_after=40.0), stored("a", "cyrl", fetched_after=5.0)])
    assert frontier(archive).plan("part/1", [("a", None, "https://x.kz/a")], fresh={"a"}) == ["fresh"]
