"""Incremental crawling: which article pages a run fetches, decided from what the archive already holds.

Data teams crawl every day for years, so a run against an existing archive
fetches an article page only when it is new (its key and script are not
stored), when it is due for a revisit, or when the run is a full pass
(`--refresh`). Revisits refresh the counts of young articles at ages of
about 1, 7 and 30 days (`REVISIT_AGES`) and then stop: old articles hardly
change. A listing is paged until it shows `INCREMENTAL_STOP_AFTER_KNOWN`
stored articles in a row, since listings are newest first and everything
past that point was stored by an earlier job. A job lasts until a run
finishes: what a killed or interrupted run stored is new to the run after it
(`Store.job_started_at`), which therefore pages on past it and leaves no gap.
A page that answered 404 or 410 is not asked again for `GONE_RETRY_DAYS`.
A listing page that failed (its paging ended there) is where later runs
resume paging until it is fetched (`Frontier.resume_points`).
A link is known as the stored page it led to (`Frontier.known_pages`), even
when that page is stored under another URL's key. A page a run with --since
fetched and dropped as older keeps its date (`Frontier.published`), so the
next runs need not fetch it to learn it again. All of this state lives in
the database (`article_variants`, `articles`, `errors`, `urls`), not in a
side file; a paused job (JOBDIR) keeps its own part of it in Scrapy's spider
state (`open_frontier`). Both spiders use it: abai's and the `site` spider of
site profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from crawler.dates import parse_time
from crawler.errors import ConfigError
from crawler.failures import PERMANENT_KINDS, RETRIED_PARSE_KINDS
from crawler.storage import Store
from crawler.urls import as_requested

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from crawler.storage import VariantState

Decision = Literal["new", "due", "fresh", "gone", "refresh"]
"""What a run does with one listed article: fetch it (new, due, refresh) or skip it (fresh, gone)."""
FETCH: frozenset[Decision] = frozenset({"new", "due", "refresh"})
GONE_KINDS = ("http_404", "http_410")
# The spider arguments (and `crawl` options) of an incremental crawl, the same for every spider.
INCREMENTAL_OPTIONS = ("refresh", "stop_after_known", "revisit_ages")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class RevisitPolicy:
    """When a stored article page is fetched again: each time it passes an age since publication."""

    ages: tuple[float, ...] = (1.0, 7.0, 30.0)
    """Ages in days, ascending; after the last one the page is never revisited."""

    def due(self, published: datetime, fetched: datetime, now: datetime) -> bool:
        """True when some age was reached after the last fetch: published + age in (fetched, now]."""
        return any(fetched < published + timedelta(days=age) <= now for age in self.ages)

    @property
    def horizon_days(self) -> float:
        """Pages last fetched later than this many days after publication are never due again."""
        return max(self.ages, default=0.0)


@dataclass(frozen=True, slots=True)
class IncrementalParams:
    """The incremental options of a run, checked up front (spider arguments override settings)."""

    refresh: bool = False
    stop_after_known: int = 20
    """Stop paging a listing after this many stored articles in a row; 0 pages to the end."""
    revisit: RevisitPolicy = field(default_factory=RevisitPolicy)
    gone_retry_days: float = 30.0
    resume_days: float = 7.0
    """A failed listing page is where runs resume paging for at most this many days after it first failed."""

    @classmethod
    def parse(cls, settings: BaseSettings, refresh: Any = None, stop_after_known: Any = None,
              revisit_ages: Any = None) -> IncrementalParams:
        """From spider arguments (strings from `-a`, or Python values), falling back to the settings."""
        flag = str(refresh if refresh is not None else "").strip().lower()
        if flag not in _TRUE | _FALSE:
            raise ConfigError(f"refresh must be true or false, not {refresh!r}")
        known = stop_after_known if stop_after_known not in (None, "") else settings.getint("INCREMENTAL_STOP_AFTER_KNOWN", 20)
        try:
            known = int(known)
        except (TypeError, ValueError):
            raise ConfigError(f"--stop-after-known must be a whole number, not {stop_after_known!r}") from None
        if known < 0:
            raise ConfigError("--stop-after-known must be 0 (never stop) or more")
        ages = revisit_ages if revisit_ages not in (None, "") else settings.getlist("REVISIT_AGES", ["1", "7", "30"])
        return cls(flag in _TRUE, known, RevisitPolicy(parse_ages(ages)), settings.getfloat("GONE_RETRY_DAYS", 30.0),
                   settings.getfloat("LISTING_RESUME_DAYS", 7.0))

    def as_args(self) -> dict[str, Any]:
        """The options as recorded in `crawl_runs.args`."""
        return {"refresh": self.refresh, "stop_after_known": self.stop_after_known, "revisit_ages": list(self.revisit.ages)}


def parse_ages(value: Any) -> tuple[float, ...]:
    """Revisit ages from "1,7,30", ["1", "7"] or [1, 7]: positive days, ascending; "none" (or "0") means no revisits."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    texts = [str(p).strip() for p in parts]
    if texts in (["none"], ["0"]):
        return ()
    try:
        ages = sorted({float(t) for t in texts})
    except ValueError:
        raise ConfigError(f"revisit ages must be days like 1,7,30 (or none), not {value!r}") from None
    if not all(0 < age < MAX_REVISIT_DAYS for age in ages):  # NaN fails too; a date that far ahead overflows
        raise ConfigError(f"revisit ages must be days above 0 and below {MAX_REVISIT_DAYS:,} (or none), not {value!r}")
    return tuple(ages)


MAX_REVISIT_DAYS = 36_500


class Frontier:
    """Decides, from the archive's state, which listed articles a run fetches and how far each listing is paged.

    `started_at` is when the job began (kept in the job's state across a
    pause, and carried over from killed runs): an article first stored after
    it was new to this job, so it does not count as "already stored" when
    deciding to stop paging.
    """

    def __init__(self, store: Store, params: IncrementalParams, started_at: datetime,
                 now: datetime | None = None, stats: StatsCollector | None = None) -> None:
        self.store = store
        self.params = params
        self.started_at = started_at
        self.now = now or datetime.now(UTC)
        self.known_in_a_row: dict[str, int] = {}
        self.stats = stats
        """Where `due_revisits` counts the stored pages it skips as gone (`incremental/skipped_gone`)."""

    def plan(self, series: str, entries: Sequence[tuple[str, str | None, str]], fresh: Collection[str]) -> list[Decision]:
        """A decision for each (key, script, url) of one listing page, in page order.

        A script of None stands for a page whose script shows only once it is
        parsed (the generic parser detects it from the text): it matches
        whichever variant the archive holds under the key, the one fetched
        last if there are several. Also advances the series' count of stored
        articles in a row, which `keep_paging` reads, over the entries no
        earlier page of the series listed (the keys in `fresh`): a feed of the
        latest articles repeated on every page says nothing of where the list
        is, and its new articles would otherwise end every streak.
        """
        if self.params.refresh:
            return ["refresh"] * len(entries)
        states = self.store.variant_states(key for key, _, _ in entries)
        latest = {state.key: state for state in sorted(states.values(), key=self._fetched)}
        gone = self.gone([url for _, _, url in entries])
        decisions: list[Decision] = []
        for key, script, url in entries:
            state = latest.get(key) if script is None else states.get((key, script))
            decision = self._decide(state, url in gone)
            decisions.append(decision)
            if key in fresh:
                stored_before = decision in ("gone", "fresh", "due")
                self.known_in_a_row[series] = self.known_in_a_row.get(series, 0) + 1 if stored_before else 0
        return decisions

    def known_pages(self, urls: Sequence[str]) -> dict[str, tuple[str, str]]:
        """URL as requested → (canonical URL, key) of the page the archive files it under, for the URLs it knows.

        A page fetched from a URL may be stored under another URL's key (its
        `<link rel=canonical>` names another URL of the site): only the
        archive (`urls`) knows that its link leads to it.
        """
        return self.store.url_pages(urls)

    def published(self, keys: Collection[str]) -> dict[str, str]:
        """Key → publication date the archive knows of the page under it: its stored article's, else the one it gave
        when a run fetched it and dropped it as older than --since.

        A listing that prints no dates tells an article's only once it is
        fetched: without the record, each run with --since would fetch the
        same old pages again to drop them again.
        """
        return self.store.known_dates(keys)

    def gone(self, urls: Sequence[str]) -> set[str]:
        """The URLs that answered 404 or 410 within `gone_retry_days` (none in a full pass), as listed articles are skipped."""
        if self.params.refresh:
            return set()
        return self.store.failed_urls(urls, GONE_KINDS, since=self._ago(self.params.gone_retry_days))

    def keep_paging(self, series: str) -> bool:
        """False once the series showed `stop_after_known` stored articles in a row."""
        limit = self.params.stop_after_known
        return self.params.refresh or not limit or self.known_in_a_row.get(series, 0) < limit

    def resume_points(self, is_listing: Callable[[str], bool]) -> list[str]:
        """Listing pages (those `is_listing` accepts) whose fetch failed in an earlier run: the run pages on from each.

        A page that still failed after its retries with an error a later
        attempt may cure (a timeout, a lost connection, HTTP 5xx or 429: any
        but `PERMANENT_KINDS`), or answered 2xx with nothing in it
        (`RETRIED_PARSE_KINDS`: an error page served as a success), ended its series for that run, and the runs after
        it stop paging above it once they see `stop_after_known` stored
        articles in a row: what was listed only past it would wait for a
        `--refresh` pass. It stays a resume point until it answers (it showed
        its links: `errors.answered_at`, recorded with WARC off too; or a
        response below 400 in the WARC index, `pages`) or fails otherwise
        (404, robots.txt, ...), and for at most `resume_days` after it first
        failed: a newest-first listing shifts as articles are published, so
        by then its page N shows other articles than it did, and a page
        failing for that long is broken, not busy (its errors show in
        `health`). A full pass has none: it pages every listing to its end.
        """
        return self._unanswered(is_listing)

    def retries(self, is_article: Callable[[str], bool]) -> list[str]:
        """Article pages (those `is_article` accepts) whose fetch failed in an earlier run as a resume point's did: asked
        again.

        An article listed past the first few of its listing is found again
        only by a run that pages down to it, which an incremental one stops
        doing after `stop_after_known` stored articles in a row: a 503 or a
        timeout would have lost it for good. Same bounds as `resume_points`.
        """
        return self._unanswered(is_article)

    def _unanswered(self, accept: Callable[[str], bool]) -> list[str]:
        """URLs `accept` takes that failed with an error a later attempt may cure (a parse error of
        `RETRIED_PARSE_KINDS` included), within `resume_days`; none on a full pass, which pages every listing to its
        end and fetches all it lists."""
        if self.params.refresh:
            return []
        failing = self.store.unanswered_failures(self._ago(self.params.resume_days), PERMANENT_KINDS, RETRIED_PARSE_KINDS)
        return [url for url in failing if accept(url)]

    def due_revisits(self, site: str, scripts: Sequence[str]) -> list[VariantState]:
        """Stored pages of `site` in `scripts` that reached a revisit age since their last fetch, but for those gone.

        A stored page that now answers 404 keeps its last fetch time, so it
        stays due: without the check it would be asked again, and add an
        error row, on every run.
        """
        policy = self.params.revisit
        if not policy.ages:
            return []
        found = []
        for state in self.store.revisit_candidates(site, scripts, policy.horizon_days):
            published, fetched = self._published(state), parse_time(state.fetched_at)
            if published and fetched and policy.due(published, fetched, self.now):
                found.append(state)
        gone = self.gone([url for state in found for url in (state.url, as_requested(state.url))])
        due = [state for state in found if state.url not in gone and as_requested(state.url) not in gone]
        if self.stats is not None and len(due) < len(found):
            self.stats.inc_value("incremental/skipped_gone", len(found) - len(due))
        return due

    def _decide(self, state: VariantState | None, gone: bool) -> Decision:
        if gone and (state is None or self._before_job(state.first_seen)):
            return "gone"  # answered 404 within gone_retry_days: a stored page is not due either
        if state is None or not self._before_job(state.first_seen):
            return "new"  # or stored by this job: new to it (the dupe filter keeps it from a second fetch)
        published, fetched = self._published(state), parse_time(state.fetched_at)
        if published and fetched and self.params.revisit.due(published, fetched, self.now):
            return "due"
        return "fresh"

    def _published(self, state: VariantState) -> datetime | None:
        """Publication time, or when the archive first stored the article for an undated one."""
        return parse_time(state.published_at) or parse_time(state.article_first_seen)

    @staticmethod
    def _fetched(state: VariantState) -> datetime:
        """Sort key: when the page was last fetched, oldest first."""
        return parse_time(state.fetched_at) or datetime.min.replace(tzinfo=UTC)

    def _before_job(self, first_seen: str | None) -> bool:
        moment = parse_time(first_seen)
        return moment is not None and moment < self.started_at

    def _ago(self, days: float) -> str:
        return (self.now - timedelta(days=days)).isoformat(timespec="seconds")


def open_frontier(spider: Spider, params: IncrementalParams, kept: Sequence[str] = ()) -> Frontier | None:
    """The frontier of `spider`'s job; None when the run has no archive to read (INCREMENTAL_FROM_DB off), a full pass.

    The job began with the oldest run of the spider since its last finished
    one (`Store.job_started_at`): what a killed or stopped run stored is not
    "known" to the runs after it. A paused job (JOBDIR) keeps, in Scrapy's
    `spider.state`, its start time, its paging counts and the spider
    attributes named in `kept` (the requests it made, the listings it
    finished), so a resumed run goes on where the paused one stopped.
    """
    state = getattr(spider, "state", None)  # Scrapy's SpiderState sets it, and saves it, when JOBDIR is set
    if state is not None:  # kept with or without an archive: a resumed full pass still knows what it asked for
        for name in kept:
            setattr(spider, name, state.setdefault(name, getattr(spider, name)))
    if not spider.settings.getbool("INCREMENTAL_FROM_DB", True):
        return None
    store = Store(spider.settings["DB_PATH"])
    started = parse_time(store.job_started_at(spider.name)) or datetime.now(UTC).replace(microsecond=0)
    frontier = Frontier(store, params, started, stats=spider.crawler.stats)
    if state is not None:
        frontier.started_at = state.setdefault("started_at", started)
        frontier.known_in_a_row = state.setdefault("known_in_a_row", frontier.known_in_a_row)
    return frontier


def decide(frontier: Frontier | None, series: str, entries: Sequence[tuple[str, str | None, str]],
           fresh: Collection[str]) -> list[Decision]:
    """`frontier.plan`; without a frontier (a run with no archive to read) every listed article is new."""
    return frontier.plan(series, entries, fresh) if frontier else ["new"] * len(entries)


def known_pages(frontier: Frontier | None, urls: Sequence[str]) -> dict[str, tuple[str, str]]:
    """`frontier.known_pages`; without a frontier (a run with no archive to read) none."""
    return frontier.known_pages(urls) if frontier else {}


def published(frontier: Frontier | None, keys: Collection[str]) -> dict[str, str]:
    """`frontier.published`; without a frontier (a run with no archive to read) none."""
    return frontier.published(keys) if frontier else {}


def gone(frontier: Frontier | None, urls: Sequence[str]) -> set[str]:
    """`frontier.gone`; without a frontier (a run with no archive to read) none."""
    return frontier.gone(urls) if frontier else set()


def keep_paging(frontier: Frontier | None, series: str) -> bool:
    """`frontier.keep_paging`; without a frontier every listing is paged to its end."""
    return frontier is None or frontier.keep_paging(series)


def resume_points(frontier: Frontier | None, is_listing: Callable[[str], bool]) -> list[str]:
    """`frontier.resume_points`; without a frontier none, since every listing is paged to its end."""
    return frontier.resume_points(is_listing) if frontier else []


def retries(frontier: Frontier | None, is_article: Callable[[str], bool]) -> list[str]:
    """`frontier.retries`; without a frontier none, since every listed article is fetched."""
    return frontier.retries(is_article) if frontier else []
