"""The layout-change alarm: compare a site's last crawl run with the runs before it.

A site that changes its markup rarely breaks a crawl outright: fields come
back empty, or move from the site's selectors to a fallback strategy, and
error rates rise. `check` compares the last run's per-field fill rates,
strategies and error rate with the median of the previous comparable runs
(same kind of pass, scripts and categories: a full `--refresh` pass
refetches known dead links and an incremental run does not, and Arabic-script
pages print fewer fields than Cyrillic ones) and says what moved; `python -m crawler health` prints that and exits 1 on an
alarm, so a cron job can act on it. Pure: it takes `crawl_runs` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from math import exp, lgamma, log, log1p
from statistics import median
from typing import Any, Literal

from crawler.failures import UNANSWERED_KINDS

Level = Literal["alarm", "warning", "ok", "note"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a change is an alarm. Rates are shares (0.25 = 25 percentage points)."""

    max_drop: float = 0.25
    """A field whose fill rate falls by this much or more raises an alarm..."""
    max_chance: float = 0.01
    """...unless so few pages could fill it that little by chance at least this often, at the baseline's rate (a
    binomial tail): 0 of 6 pages with an image, where 44 % had one, is an ordinary day (3 %), 0 of 12 titles is not."""
    max_failing: float = 0.5
    """A share of requests this large failing with errors a later attempt may cure (5xx, timeouts, refused
    connections; not 404s) raises an alarm whatever the runs before it: the site is down, or refuses the crawler."""
    max_error_rise: float = 0.05
    """An error rate (errors per request, overall or of one kind) that rises by this much or more raises an alarm..."""
    min_errors: int = 3
    """...when the run had at least this many errors."""
    min_pages: int = 5
    """Runs that stored fewer article pages are not compared on fill rates (too few to judge)."""
    baseline_runs: int = 5
    """How many earlier runs make the baseline (their median)."""


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    subject: str
    """A field name, "errors" or "run"."""
    message: str


@dataclass(slots=True)
class HealthReport:
    run: dict[str, Any]
    """The run checked (a `crawl_runs` row, JSON columns decoded)."""
    comparable: list[int] = field(default_factory=list)
    """Ids of the earlier comparable runs, newest first."""
    baseline: list[int] = field(default_factory=list)
    """Ids of the runs its fill rates were compared with."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def alarms(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "alarm"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def check(runs: list[dict[str, Any]], limits: Thresholds = Thresholds(),
          unfinished: Sequence[dict[str, Any]] = ()) -> HealthReport:
    """Compare `runs[0]` (the newest finished run) with the runs after it in the list (older ones, newest first).

    `unfinished` are the runs started after it that have no report: each is
    a warning, since a crawl killed by SIGKILL or the OOM killer leaves its
    run like that and would otherwise pass unseen behind the run before it.
    """
    last = runs[0]
    earlier = [run for run in runs[1:] if comparable(run) == comparable(last)]
    report = HealthReport(last, [run["id"] for run in earlier])
    for run in unfinished:
        which = ", ".join(filter(None, (run["spider"], run.get("site"), f"started {run['started_at']}")))
        report.findings.append(Finding("warning", "run", f"run {run['id']} ({which}) has not finished: "
                                                         "it is still running, or it was killed"))
    reason = last.get("finish_reason")
    if reason and reason != "finished":
        report.findings.append(Finding("warning", "run", f"run {last['id']} ended early ({reason})"))
    _check_fields(report, earlier, limits)
    _check_errors(report, earlier, limits)
    return report


def comparable(run: dict[str, Any]) -> tuple[Any, ...]:
    """What must match for two runs' rates to be compared: full pass or not, scripts, categories."""
    args = run.get("args") or {}
    return bool(args.get("refresh")), tuple(sorted(args.get("scripts") or ())), tuple(sorted(args.get("categories") or ()))


def _check_fields(report: HealthReport, earlier: list[dict[str, Any]], limits: Thresholds) -> None:
    """Fill rates of the last run that stored enough article pages to judge, against the runs before it.

    A run that stored fewer (an incremental run that found nothing new, an
    ingest with nothing waiting) proves nothing either way: judged instead,
    the run before it keeps its alarm until a run with pages clears it.
    """
    last = report.run
    pages = int(last.get("items") or 0)
    enough = [r for r in [last, *earlier] if int(r.get("items") or 0) >= limits.min_pages]
    if not enough:
        report.findings.append(Finding("note", "fields", f"run {last['id']} stored {pages} article pages: "
                                       f"fewer than {limits.min_pages}, fill rates not compared"))
        return
    judged, base = enough[0], enough[1:][: limits.baseline_runs]
    if judged is not last:
        report.findings.append(Finding("note", "fields", f"run {last['id']} stored {pages} article pages, fewer than "
                                       f"{limits.min_pages}: fill rates of run {judged['id']}, the last that stored enough"))
        last, pages = judged, int(judged.get("items") or 0)
    if not base:
        report.findings.append(Finding("note", "fields", "no comparable earlier run with enough article pages to compare fill rates with"))
        return
    report.baseline = [r["id"] for r in base]
    fields = dict.fromkeys([*last["fill_rates"], *(name for r in base for name in r["fill_rates"])])
    for name in fields:
        now = float(last["fill_rates"].get(name, 0.0))
        was = median(float(r["fill_rates"].get(name, 0.0)) for r in base)
        text = f"filled in {now:.0%} of {pages} article pages, was {was:.0%}"
        if was - now >= limits.max_drop and _tail(round(now * pages), pages, was) < limits.max_chance:
            report.findings.append(Finding("alarm", name, text))
            continue
        shift = _strategy_shift(name, last, base, limits)
        report.findings.append(Finding("warning", name, f"{text}; {shift}") if shift else Finding("ok", name, text))


def _tail(filled: int, pages: int, rate: float) -> float:
    """The chance that `pages` pages each filled at `rate` fill `filled` or fewer (binomial; summed in logs, since
    the binomial coefficients of a thousand pages pass what a float holds)."""
    if rate <= 0.0 or rate >= 1.0:
        return 1.0 if rate <= 0.0 or filled >= pages else 0.0
    log_p, log_q = log(rate), log1p(-rate)
    return sum(exp(lgamma(pages + 1) - lgamma(k + 1) - lgamma(pages - k + 1) + k * log_p + (pages - k) * log_q)
               for k in range(filled + 1))


def _strategy_shift(name: str, last: dict[str, Any], base: list[dict[str, Any]], limits: Thresholds) -> str | None:
    """A message when the strategy that used to fill `name` now fills much less of it."""
    totals: dict[str, float] = {}
    for run in base:
        for strategy, count in run["field_strategies"].get(name, {}).items():
            totals[strategy] = totals.get(strategy, 0.0) + count
    if not totals:
        return None
    main = max(totals, key=lambda s: totals[s])

    def share(run: dict[str, Any]) -> float:
        return float(run["field_strategies"].get(name, {}).get(main, 0)) / max(int(run.get("items") or 0), 1)

    now, was = share(last), median(share(r) for r in base)
    if was - now < limits.max_drop:
        return None
    others = {s: n for s, n in last["field_strategies"].get(name, {}).items() if s != main}
    moved = ", ".join(f"{s} {n / max(int(last['items']), 1):.0%}" for s, n in sorted(others.items())) or "no other strategy"
    return f"strategy {main} fills {now:.0%}, was {was:.0%} (now {moved}): has the markup changed?"


def error_rate(run: dict[str, Any]) -> tuple[float, int]:
    """(errors per request, requests) of a run; requests count responses and download exceptions, but retries, and
    but dead links checked again (`dead_again`).

    An error row is one page that failed after its retries: counted against
    every attempt, a site down on every page read as 33 % (three attempts each).
    A link that answered 404 in an earlier run is asked again once
    GONE_RETRY_DAYS have passed: a run that does so for many at once is no
    site breaking, and counted, it raised a false alarm every month.
    """
    again = sum(_dead_again(run).values())
    attempts = sum(int(n) for n in run["requests_by_status"].values())
    requests = max(attempts - int((run.get("stats") or {}).get("retry/count", 0)) - again, 0)
    return (max(int(run.get("errors") or 0) - again, 0) / requests if requests else 0.0), requests


def _dead_again(run: dict[str, Any]) -> dict[str, int]:
    """Kind → error rows of dead links the run checked again (a 404 in an earlier run, and one now)."""
    return run.get("dead_again") or {}


def _new_errors(run: dict[str, Any]) -> dict[str, int]:
    """The run's errors by kind, but for dead links checked again."""
    again = _dead_again(run)
    return {kind: n - again.get(kind, 0) for kind, n in run["errors_by_kind"].items() if n - again.get(kind, 0) > 0}


def _check_errors(report: HealthReport, earlier: list[dict[str, Any]], limits: Thresholds) -> None:
    """Alarm when the error rate, or the rate of one kind of error, rose by `max_error_rise` or more, or when as many
    requests as a site down makes fail failed (`max_failing`), with or without runs to compare with."""
    last = report.run
    rate, requests = error_rate(last)
    errors = _new_errors(last)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(errors.items(), key=lambda kv: -kv[1])) or "none"
    if again := sum(_dead_again(last).values()):
        kinds += f"; and {again} dead links checked again, not counted"
    if not requests:
        why = ("no requests counted with the items its workers sent, so no error rate"
               if "ingest" in (last.get("args") or {}) else "no requests made, so no error rate")
        report.findings.append(Finding("note", "errors", f"{int(last.get('errors') or 0)} errors ({kinds}); {why}"))
        return
    failing = sum(n for kind, n in errors.items() if kind in UNANSWERED_KINDS)  # not parse errors, not 404s
    down = failing >= limits.min_errors and failing / requests >= limits.max_failing
    level: Level = "note"
    base = [r for r in earlier if error_rate(r)[1]][: limits.baseline_runs]
    if not base:
        text = f"{rate:.1%} of {requests} requests ({kinds}); no comparable earlier run to compare with"
    else:
        was = median(error_rate(r)[0] for r in base)
        rising = []
        for kind, count in sorted(errors.items()):
            now_kind = count / requests
            was_kind = median(_new_errors(r).get(kind, 0) / error_rate(r)[1] for r in base)
            if now_kind - was_kind >= limits.max_error_rise and count >= limits.min_errors:
                rising.append(f"{kind} {now_kind:.1%}, was {was_kind:.1%}")
        spike = rate - was >= limits.max_error_rise and sum(errors.values()) >= limits.min_errors
        text = f"{rate:.1%} of {requests} requests ({kinds}), was {was:.1%}" + (f"; rising: {'; '.join(rising)}" if rising else "")
        level = "alarm" if spike or rising else "ok"
    if down:  # whatever the runs before: a site down from the first run on is no less down
        level, text = "alarm", f"{text}; {failing / requests:.1%} failed as when a site is down: is it, or is it refusing the crawler?"
    report.findings.append(Finding(level, "errors", text))
