"""The run report and the layout-change alarm (issue 9): `crawl_runs` records each run, `health` compares them.

Full passes (`--refresh`) of the fixture mirror make the baseline; then the
same pages with changed markup (the article head's `post-meta` class
renamed, as a redesign would) and with failing article pages are crawled,
and `python -m crawler health` must exit 1 naming what dropped or spiked.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from conftest import SITES
from crawler.health import Thresholds, check

ROOT = Path(__file__).resolve().parent.parent
MIRROR = SITES / "abai.kz"


def crawl(db: Path, mirror: Path = MIRROR) -> None:
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--mirror", str(mirror),
                             "--db", str(db), "--refresh"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def health(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "health", "--db", str(db), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def variant_mirror(directory: Path, change: callable) -> Path:
    """A copy of the fixture mirror in which `change(entry, html)` → (entry, html) rewrites each article page."""
    directory.mkdir()
    lines = []
    for line in (MIRROR / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        source = MIRROR / entry["file"]
        if entry["kind"] == "article":
            entry, html = change(entry, source.read_text(encoding="utf-8"))
            target = directory / Path(entry["file"]).name
            target.write_text(html, encoding="utf-8")
            entry["file"] = target.name
        else:
            entry["file"] = str(source)  # unchanged pages are read from the fixture mirror itself
        lines.append(json.dumps(entry, ensure_ascii=False))
    (directory / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def redesigned(entry: dict, html: str) -> tuple[dict, str]:
    """The article head's class renamed: the selectors no longer find it, the text patterns still read it."""
    return entry, re.sub(r"\bpost-meta\b", "entry-info", html)


def headless(entry: dict, html: str) -> tuple[dict, str]:
    """The article head gone from the page (moved behind a script, say): no strategy finds what it carried."""
    return entry, re.sub(r'<div class="post-meta">.*?</div>', "", html, flags=re.DOTALL)


def failing(entry: dict, html: str) -> tuple[dict, str]:
    """Every article page answers 500."""
    return {**entry, "status": 500}, html


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two full passes of the fixture mirror."""
    db = tmp_path_factory.mktemp("health") / "archive.sqlite"
    crawl(db)
    crawl(db)
    return db


def copy_of(db: Path, tmp_path: Path) -> Path:
    import sqlite3

    target = tmp_path / db.name
    source, copy = sqlite3.connect(db), sqlite3.connect(target)
    source.backup(copy)
    source.close(), copy.close()
    return target


def test_each_run_records_its_report(baseline: Path) -> None:
    run = sqlite_utils.Database(baseline)["crawl_runs"].get(1)
    assert (run["site"], run["finish_reason"], run["items"]) == ("abai.kz", "finished", 12)
    assert json.loads(run["args"])["refresh"] is True
    assert json.loads(run["requests_by_status"]) == {"200": 22, "404": 67}  # robots.txt is not in the mirror either
    assert json.loads(run["errors_by_kind"]) == {"http_404": 66}
    fill = json.loads(run["fill_rates"])
    assert fill["title"] == 1.0 and fill["published_at"] == 0.75  # 9 of 12 pages print a date
    strategies = json.loads(run["field_strategies"])
    assert strategies["published_at"] == {"selector": 7, "text": 1, "meta": 1}
    assert strategies["title"] == {"selector": 11, "structure": 1}
    stats = json.loads(run["stats"])
    assert stats["finish_reason"] == "finished" and stats["fields/pages"] == 12


def test_steady_runs_are_healthy(baseline: Path) -> None:
    result = health(baseline)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "health of abai.kz: run 2" in result.stdout and "against runs 1" in result.stdout
    assert result.stdout.strip().endswith("healthy")
    assert "ALARM" not in result.stdout


def test_a_class_renamed_is_a_warning_the_fallbacks_hide_it(baseline: Path, tmp_path: Path) -> None:
    """The fields stay filled, by the text patterns: health says the selectors stopped finding them."""
    db = copy_of(baseline, tmp_path)
    crawl(db, variant_mirror(tmp_path / "redesigned", redesigned))
    result = health(db)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    warned = {line.split()[1] for line in lines if line.startswith("  WARNING")}
    assert warned == {"published_at", "category", "views", "comments"}
    assert lines[-1] == "warnings: category, comments, published_at, views"
    assert health(db, "--strict").returncode == 1


def test_a_layout_change_raises_a_field_alarm(baseline: Path, tmp_path: Path) -> None:
    db = copy_of(baseline, tmp_path)
    crawl(db, variant_mirror(tmp_path / "headless", headless))
    result = health(db)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "  ALARM    published_at    filled in 17% of 12 article pages, was 75%" in lines
    alarmed = {line.split()[1] for line in lines if line.startswith("  ALARM")}
    assert alarmed == {"published_at", "category", "views"}  # what the head line carried; title and errors hold
    # the count over the comments still gives comments: a fallback, which health names
    assert any(line.startswith("  WARNING  comments        filled in 75% of 12 article pages, was 75%; strategy selector")
               for line in lines)
    assert lines[-1].startswith("ALARM: ") and "published_at" in lines[-1]


def test_an_error_spike_raises_an_error_alarm(baseline: Path, tmp_path: Path) -> None:
    db = copy_of(baseline, tmp_path)
    crawl(db, variant_mirror(tmp_path / "failing", failing))
    result = health(db)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = next(line for line in result.stdout.splitlines() if line.split()[:2] == ["ALARM", "errors"])
    assert "rising: http_500" in errors
    run = sqlite_utils.Database(db)["crawl_runs"].get(3)
    assert json.loads(run["errors_by_kind"])["http_500"] == 12


def test_a_killed_crawl_is_reported_behind_the_last_finished_run(baseline: Path, tmp_path: Path) -> None:
    db = copy_of(baseline, tmp_path)
    crawl_ = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--db", str(db), "--refresh"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # its run row is written as the spider opens; then SIGKILL, as the OOM killer would
            if sqlite_utils.Database(db).execute("select count(*) from crawl_runs").fetchone()[0] == 3:
                break
            time.sleep(0.05)
    finally:
        crawl_.kill()
        crawl_.wait(timeout=30)
    killed = sqlite_utils.Database(db)["crawl_runs"].get(3)
    assert (killed["site"], killed["finished_at"]) == ("abai.kz", None)  # its site is written as it starts
    result = health(db)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("health of abai.kz: run 2 ")  # the killed run's site is known: not "all sites"
    assert re.fullmatch(r"  WARNING  run             run 3 \(abai, abai.kz, started \S+\) has not finished: "
                        r"it is still running, or it was killed", lines[1])
    assert lines[-1] == "warnings: run"
    assert health(db, "--strict").returncode == 1


def test_health_checks_the_latest_finished_site_and_warns_of_its_unfinished_runs(baseline: Path, tmp_path: Path) -> None:
    from crawler.storage import Store

    db = copy_of(baseline, tmp_path)
    store = Store(db)
    store.start_run("site", {}, "egemen.kz")  # another site's first crawl, running or killed
    store.start_run("abai", {})  # killed before this version wrote a run's site as it starts: whose it was is unknown
    result = health(db)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("health of abai.kz: run 2 ")
    assert [line.split(" has not")[0] for line in lines if "has not finished" in line] == [
        f"  WARNING  run             run 4 (abai, started {store.run(4)['started_at']})"]


def test_health_without_runs_is_one_line_exit_2(tmp_path: Path) -> None:
    result = health(tmp_path / "none.sqlite")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no database at {tmp_path / 'none.sqlite'}"


def run(id: int, fill: dict[str, float], items: int = 100, errors: dict[str, int] | None = None,
        requests: int = 100, refresh: bool = False) -> dict:
    errors = errors or {}
    return {"id": id, "items": items, "fill_rates": fill, "field_strategies": {}, "errors": sum(errors.values()),
            "errors_by_kind": errors, "requests_by_status": {"200": requests}, "finish_reason": "finished",
            "args": {"refresh": refresh, "scripts": ["cyrl"], "categories": ["1"]}}


def test_check_compares_with_the_median_of_comparable_runs() -> None:
    runs = [run(5, {"published_at": 0.4}), run(4, {"published_at": 1.0}), run(3, {"published_at": 0.2}, refresh=True),
            run(2, {"published_at": 0.98}), run(1, {"published_at": 1.0})]
    report = check(runs, Thresholds(max_drop=0.25))
    assert report.baseline == [4, 2, 1]  # the full pass (3) is not comparable with incremental runs
    assert [(f.level, f.subject) for f in report.findings if f.subject == "published_at"] == [("alarm", "published_at")]


def test_runs_of_the_same_scripts_and_categories_in_another_order_are_comparable() -> None:
    earlier, last = run(1, {"title": 1.0}), run(2, {"title": 0.2})
    earlier["args"] = {**earlier["args"], "scripts": ["cyrl", "latn"], "categories": ["1", "2"]}
    last["args"] = {**last["args"], "scripts": ["latn", "cyrl"], "categories": ["2", "1"]}
    assert [f.subject for f in check([last, earlier]).alarms] == ["title"]


def test_a_run_that_counted_no_requests_reports_its_errors_without_a_rate() -> None:
    ingested = {**run(2, {"title": 1.0}, errors={"http_404": 66}), "requests_by_status": {}}  # older workers' items
    ingested["args"] = {**ingested["args"], "ingest": "redis://127.0.0.1:6379/0"}
    [errors] = [f for f in check([ingested, run(1, {"title": 1.0})]).findings if f.subject == "errors"]
    assert (errors.level, errors.message) == (
        "note", "66 errors (http_404 66); no requests counted with the items its workers sent, so no error rate")
    idle = {**run(2, {"title": 1.0}), "requests_by_status": {}}  # a run with nothing to ask for
    [errors] = [f for f in check([idle, run(1, {"title": 1.0})]).findings if f.subject == "errors"]
    assert errors.message == "0 errors (none); no requests made, so no error rate"


def test_a_retried_request_is_one_request_of_the_error_rate() -> None:
    """A site down on every page: each of 100 pages answered 500 three times, and failed once."""
    down = {**run(2, {"title": 1.0}, errors={"http_500": 100}, requests=300), "stats": {"retry/count": 200}}
    [errors] = [f for f in check([down, run(1, {"title": 1.0})]).findings if f.subject == "errors"]
    assert errors.level == "alarm" and errors.message.startswith("100.0% of 100 requests (http_500 100), was 0.0%")
    assert errors.message.endswith("; 100.0% failed as when a site is down: is it, or is it refusing the crawler?")


def test_a_site_failing_most_requests_is_an_alarm_with_no_run_to_compare_with() -> None:
    """A first run, a new --scripts choice: no baseline, and 80 of 100 pages timed out."""
    [errors] = [f for f in check([run(1, {"title": 1.0}, errors={"timeout": 80})]).findings if f.subject == "errors"]
    assert (errors.level, errors.message) == ("alarm", "80.0% of 100 requests (timeout 80); no comparable earlier run to "
                                              "compare with; 80.0% failed as when a site is down: is it, or is it refusing the crawler?")
    dead_links = check([run(1, {"title": 1.0}, errors={"http_404": 66})])  # the fixture mirror's own 74 %: not down
    assert not dead_links.alarms
    unparsed = check([run(2, {"title": 1.0}, errors={"parse_error": 60}), run(1, {"title": 1.0})])  # answered, unread
    assert [f.subject for f in unparsed.alarms] == ["errors"] and "site is down" not in unparsed.alarms[0].message


def test_dead_links_checked_again_are_no_error_spike() -> None:
    """Every GONE_RETRY_DAYS an incremental run asks again for the links that answered 404: 66 at once, all still dead."""
    recheck = {**run(3, {"title": 1.0}, errors={"http_404": 66, "timeout": 1}, requests=89), "dead_again": {"http_404": 66}}
    [errors] = [f for f in check([recheck, run(2, {"title": 1.0}), run(1, {"title": 1.0})]).findings if f.subject == "errors"]
    assert (errors.level, errors.message) == (
        "ok", "4.3% of 23 requests (timeout 1; and 66 dead links checked again, not counted), was 0.0%")


def test_the_store_knows_which_dead_links_a_run_checked_again(baseline: Path) -> None:
    from crawler.incremental import GONE_KINDS
    from crawler.storage import Store

    assert Store(baseline, create=False).dead_again([1, 2], GONE_KINDS) == {2: {"http_404": 66}}  # full passes


def test_a_drop_few_pages_make_by_chance_is_no_alarm() -> None:
    """0 of 6 pages with an image where 44 % had one happens 3 % of days; 0 of 12 titles where all had one, never."""
    daily = check([run(2, {"images": 0.0, "title": 1.0}, items=6), run(1, {"images": 0.44, "title": 1.0})])
    assert not daily.alarms
    broken = check([run(2, {"images": 0.44, "title": 0.0}, items=12), run(1, {"images": 0.44, "title": 1.0})])
    assert [f.subject for f in broken.alarms] == ["title"]
    full_pass = check([run(2, {"title": 0.5}, items=2000), run(1, {"title": 0.8}, items=2000)])  # no float overflow
    assert [f.subject for f in full_pass.alarms] == ["title"]


def test_small_runs_are_not_judged_on_fill_rates() -> None:
    report = check([run(2, {"published_at": 0.0}, items=2), run(1, {"published_at": 1.0})])
    assert not report.alarms
    assert report.findings[0].level == "note"


def test_a_run_with_nothing_to_judge_keeps_the_alarm_of_the_run_before_it() -> None:
    """An ingest with nothing waiting, or an incremental run that found nothing new, clears no alarm."""
    empty = run(3, {}, items=0, requests=0)
    report = check([empty, run(2, {"published_at": 0.4}), run(1, {"published_at": 1.0})])
    assert [f.subject for f in report.alarms] == ["published_at"]
    assert report.findings[0].message == ("run 3 stored 0 article pages, fewer than 5: fill rates of run 2, "
                                          "the last that stored enough")


def test_a_strategy_shift_is_a_warning() -> None:
    before = {**run(1, {"published_at": 1.0}), "field_strategies": {"published_at": {"selector": 100}}}
    after = {**run(2, {"published_at": 1.0}), "field_strategies": {"published_at": {"text": 100}}}
    report = check([after, before])
    assert not report.alarms
    [warning] = report.warnings
    assert warning.subject == "published_at"
    assert "strategy selector fills 0%, was 100% (now text 100%)" in warning.message


def test_the_baseline_is_the_last_five_comparable_runs() -> None:
    runs = [run(id, {"title": 1.0}) for id in range(8, 0, -1)]
    assert check(runs).baseline == [7, 6, 5, 4, 3]


def test_fewer_errors_than_min_errors_are_no_alarm_however_high_their_rate() -> None:
    """2 parse errors in 10 requests is 20 %, but two pages are no pattern: neither the rate nor the kind alarms."""
    report = check([run(2, {"title": 1.0}, errors={"parse_error": 2}, requests=10), run(1, {"title": 1.0})])
    [errors] = [f for f in report.findings if f.subject == "errors"]
    assert (errors.level, errors.message) == ("ok", "20.0% of 10 requests (parse_error 2), was 0.0%")


def test_a_run_that_ended_early_is_a_warning() -> None:
    stopped = {**run(2, {"title": 1.0}), "finish_reason": "shutdown"}
    assert [(f.subject, f.message) for f in check([stopped, run(1, {"title": 1.0})]).warnings] == [
        ("run", "run 2 ended early (shutdown)")]
