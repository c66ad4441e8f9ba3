"""Crawl-run bookkeeping: runs, their reports and summaries, errors, ingested batches (part of crawler/storage.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils
from sqlite_utils.db import NotFoundError

from crawler.errors import StorageError
from crawler.storage_rows import Status
from crawler.storage_sql import Connected, marks, utcnow

# JSON columns of `crawl_runs`, decoded by `finished_runs`.
RUN_JSON_COLUMNS = ("args", "stats", "requests_by_status", "errors_by_kind", "fill_rates", "field_strategies")
STATUSES: tuple[Status, ...] = ("new", "updated", "unchanged")


class RunTally:
    """Article key → its status in the current run (the strongest of its pages'), and how many articles have each.

    A page's status counts once its transaction commits: what a rolled-back
    batch changed is undone, so a batch that failed to store counts no article.
    """

    def __init__(self) -> None:
        self.status: dict[str, Status] = {}
        self.counts: dict[Status, int] = dict.fromkeys(STATUSES, 0)
        self._undo: list[tuple[str, Status | None]] = []

    def see(self, key: str, status: Status) -> None:
        """An article's page stored with `status`: a new article stays new, an unchanged one becomes updated."""
        known = self.status.get(key)
        if known is None or (known == "unchanged" and status == "updated"):
            self._undo.append((key, known))
            self._set(key, known, status)

    def save(self, db: sqlite_utils.Database, run_id: int) -> None:
        """Write the counts so far into the run's row, inside the transaction of the batch that made them.

        A killed run never reaches `finish_run`; its row still counts every
        article it committed.
        """
        db.execute("update crawl_runs set articles_new = ?, articles_updated = ?, articles_unchanged = ? where id = ?",
                   [self.counts["new"], self.counts["updated"], self.counts["unchanged"], run_id])

    def commit(self) -> None:
        self._undo.clear()

    def rollback(self) -> None:
        for key, known in reversed(self._undo):
            self._set(key, self.status[key], known)
        self._undo.clear()

    def _set(self, key: str, old: Status | None, new: Status | None) -> None:
        if old is not None:
            self.counts[old] -= 1
        if new is None:
            del self.status[key]
        else:
            self.status[key] = new
            self.counts[new] += 1


class RunBook(Connected):
    """Crawl runs and what went wrong in them."""

    _tally: RunTally
    """The current run's articles by status, counted in its row as each batch commits and by `finish_run`."""

    def _transaction_ended(self, committed: bool) -> None:
        if committed:
            self._tally.commit()
        else:
            self._tally.rollback()

    def job_started_at(self, spider: str) -> str | None:
        """Start of the oldest run of `spider` since its last one that finished: when the current job began.

        A run that was killed (no `finished_at`) or stopped early (a
        `finish_reason` other than "finished") stored some articles and not
        the rest, so until a run of the spider finishes, what those runs stored
        does not count as stored by an earlier job (crawler/incremental.py).
        """
        row = self.db.execute(
            "select min(started_at) from crawl_runs where spider = ? and id > coalesce((select max(id) from crawl_runs"
            " where spider = ? and finished_at is not null and coalesce(finish_reason, 'finished') = 'finished'), 0)",
            [spider, spider]).fetchone()
        return row[0] if row else None

    def start_run(self, spider: str, args: dict[str, Any], site: str | None = None) -> int:
        """A new run's row. Its `site` is written now, not only with the run's report: a killed run never reports."""
        self._tally = RunTally()
        with self.db.conn:
            table = self.db.table("crawl_runs").insert({
                "spider": spider, "args": json.dumps(args, ensure_ascii=False, sort_keys=True), "started_at": utcnow(),
                "site": site,
            })
        return int(table.last_pk)  # type: ignore[arg-type]

    def finish_run(self, run_id: int, stats: dict[str, Any]) -> dict[str, Any]:
        counts = self._tally.counts
        errors = self.db.execute("select count(*) from errors where crawl_run = ?", [run_id]).fetchone()[0]
        row = {
            "finished_at": utcnow(), "articles_new": counts["new"], "articles_updated": counts["updated"],
            "articles_unchanged": counts["unchanged"], "errors": errors,
            "stats": json.dumps(stats, default=str, sort_keys=True),
            "errors_by_kind": json.dumps(dict(self.db.execute(
                "select kind, count(*) from errors where crawl_run = ? group by kind order by kind", [run_id]).fetchall())),
        }
        with self.db.conn:
            self.db.table("crawl_runs").update(run_id, row)
        return self.run(run_id)

    def save_run_report(self, run_id: int, stats: dict[str, Any], report: dict[str, Any]) -> None:
        """A closed run's final Scrapy stats and report columns (crawler/runstats.py)."""
        row = {name: json.dumps(value, sort_keys=True) if isinstance(value, dict) else value for name, value in report.items()}
        row["stats"] = json.dumps(stats, default=str, sort_keys=True)
        with self.db.conn:
            self.db.table("crawl_runs").update(run_id, row)

    def run(self, run_id: int | None = None) -> dict[str, Any]:
        """A crawl run's row (the latest when `run_id` is None)."""
        if run_id is None:
            found = list(self.db.query("select id from crawl_runs order by id desc limit 1"))
            if not found:
                raise StorageError(f"no crawl runs in {self.path}")
            run_id = found[0]["id"]
        try:
            return dict(self.db.table("crawl_runs").get(run_id))
        except NotFoundError as err:
            raise StorageError(f"no crawl run {run_id} in {self.path}") from err

    def unfinished_runs(self, site: str | None, after: int) -> list[dict[str, Any]]:
        """Runs after run `after` that have not finished (still running, or killed), oldest first.

        With a `site`, its runs and those whose site is unknown (a run killed
        before the site was written when a run starts).
        """
        where = "finished_at is null and id > ?" + (" and (site = ? or site is null)" if site else "")
        return list(self.db.query(f"select id, spider, site, started_at from crawl_runs where {where} order by id",
                                  [after, *([site] if site else [])]))

    def recorded_profiles(self) -> dict[str, str]:
        """Site → the profile file its latest crawl run named (`crawl site --profile FILE`), for the sites that have one."""
        rows = self.db.execute("select site, json_extract(args, '$.profile') from crawl_runs "
                               "where site is not null and json_extract(args, '$.profile') is not null order by id")
        return {site: str(profile) for site, profile in rows}

    def stored_sites(self) -> list[str]:
        """The sites whose crawl runs the archive records."""
        return [row[0] for row in self.db.execute("select distinct site from crawl_runs where site is not null order by site")]

    def finished_runs(self, site: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The latest finished crawl runs (of `site`), newest first, with their JSON columns decoded."""
        where = "finished_at is not null" + (" and site = ?" if site else "")
        rows = self.db.query(f"select * from crawl_runs where {where} order by id desc limit ?", [*([site] if site else []), limit])
        runs = []
        for row in rows:
            for name in RUN_JSON_COLUMNS:
                row[name] = json.loads(row[name]) if row.get(name) else {}
            runs.append(row)
        return runs

    def missing_pages(self, site: str, kinds: Sequence[str]) -> list[str]:
        """The URLs that runs of `site` found missing (`kinds`: 404, 410) and that no later run fetched, sorted.

        Across runs: an incremental run skips a link that answered 404 lately,
        leaving no error row of its own for it. A fetch of the same run does
        not count: a redirect is indexed under the URL whose target was missing.
        """
        return [row[0] for row in self.db.execute(
            f"""select distinct e.url from errors e join crawl_runs r on r.id = e.crawl_run
                where r.site = ? and e.kind in ({marks(kinds)})
                  and not exists (select 1 from pages p where p.url = e.url and p.status < 400
                                  and coalesce(p.crawl_run, 0) > e.crawl_run)
                order by e.url""", [site, *kinds])]

    def dead_again(self, run_ids: list[int], kinds: Sequence[str]) -> dict[int, dict[str, int]]:
        """Run → kind → its error rows of `kinds` (404, 410) for URLs that failed so in an earlier run: dead links it
        checked again, as an incremental run does once GONE_RETRY_DAYS have passed."""
        found: dict[int, dict[str, int]] = {}
        rows = self.db.execute(
            f"""select e.crawl_run, e.kind, count(*) from errors e
                where e.crawl_run in ({marks(run_ids)}) and e.kind in ({marks(kinds)})
                  and exists (select 1 from errors p where p.url = e.url and p.kind in ({marks(kinds)})
                              and p.crawl_run < e.crawl_run)
                group by e.crawl_run, e.kind""", [*run_ids, *kinds, *kinds])
        for run, kind, count in rows:
            found.setdefault(int(run), {})[kind] = int(count)
        return found

    def run_summary(self, run_id: int) -> dict[str, Any]:
        """What one crawl run stored: its row, pages per script, quotes, links, URLs, errors by kind, WARC records.

        A variant belongs to the run when the run wrote it or saw it unchanged
        (its `last_seen` falls within the run), and is of the run's site: a
        crawl of another site into the same database may run at the same time.
        """
        run = self.run(run_id)
        params = {"run": run_id, "start": run["started_at"], "end": run["finished_at"] or "9999",
                  "prefix": f"{run['site']}:" if run.get("site") else ""}  # keys are "<site>:…"; a run of old has no site
        of_site = "(:prefix = '' or substr({}.key, 1, length(:prefix)) = :prefix)"
        seen = f"(v.crawl_run = :run or v.last_seen between :start and :end) and {of_site.format('v')}"

        def one(sql: str) -> int:
            return int(self.db.execute(sql, params).fetchone()[0])

        return {
            "run": run,
            "variants": one(f"select count(*) from article_variants v where {seen}"),
            "scripts": one(f"select count(distinct script) from article_variants v where {seen}"),
            "quotes": one(f"select count(*) from quotes q join article_variants v using (key, script) where {seen}"),
            "links": one(f"select count(*) from best_materials b join article_variants v using (key, script) where {seen}"),
            "observations": one("select count(*) from metrics where crawl_run = :run"),
            "warc_records": one("select count(*) from pages where crawl_run = :run"),
            "warc_files": [r[0] for r in self.db.execute(
                "select distinct warc_file from pages where crawl_run = ? order by warc_file", [run_id])],
            "urls": one(f"select count(*) from urls u where last_seen between :start and :end and {of_site.format('u')}"),
            "errors_by_kind": {
                row["kind"]: row["n"] for row in self.db.query(
                    "select kind, count(*) as n from errors where crawl_run = ? group by kind order by n desc", [run_id])
            },
        }

    def record_error(self, url: str, stage: str, kind: str, reason: str, run_id: int | None = None) -> None:
        with self._batch():  # inside an open transaction (`transaction()`), part of it
            self.db.table("errors").insert(
                {"crawl_run": run_id, "url": url, "stage": stage, "kind": kind, "reason": reason[:2000], "occurred_at": utcnow()}
            )

    def mark_answered(self, urls: Iterable[str], now: str | None = None) -> None:
        """The pages at `urls` answered (a listing showed its links): their failures so far are answered now.

        A failed listing page stays a resume point until it answers
        (`Reads.unanswered_failures`); the `pages` row of its fetch says so
        too, but there is none with WARC_ENABLED off.
        """
        with self._batch():
            at = now or utcnow()
            self.db.conn.executemany("update errors set answered_at = ? where url = ? and answered_at is null",
                                     [(at, url) for url in dict.fromkeys(urls)])

    # -- distributed ingest (crawler/distributed/ingest.py) -----------------

    def batch_ingested(self, batch_id: str) -> bool:
        """True when a batch of items from Redis was committed (its id is in `ingest_batches`)."""
        return self.db.execute("select 1 from ingest_batches where id = ?", [batch_id]).fetchone() is not None

    def mark_batch_ingested(self, batch_id: str, items: int, run_id: int | None) -> None:
        """Record a batch as committed; inside `transaction()`, in the same commit as its rows."""
        with self._batch():
            self.db.table("ingest_batches").insert(
                {"id": batch_id, "crawl_run": run_id, "items": items, "ingested_at": utcnow()})
