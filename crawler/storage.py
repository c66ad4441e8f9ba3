"""The SQLite archive: schema, upserts and reads. The only module that talks to SQLite.

One row per article in `articles` (keyed `site:id`), one per script in
`article_variants`; the article row is derived from its variants (the
Cyrillic one first), so whichever order the variants arrive in, the row is
the same. Writes go in batched transactions; WAL mode lets readers in while
a crawl writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from sqlite_utils.db import NotFoundError, jsonify_if_needed, quote_identifier

from crawler.errors import StorageError
from crawler.items import ArticleItem, Observation
from crawler.schema import SCHEMA_VERSION, TABLES, ensure_schema  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

Status = Literal["new", "updated", "unchanged"]
SCRIPT_ORDER = ("cyrl", "latn", "arab", None)
# Item fields kept per variant; the article row is merged from them.
VARIANT_FIELDS = (
    "url", "language", "title", "category", "published_at", "views", "comments", "authors",
    "source", "body", "body_html", "images", "page_date", "fetched_at", "strategies",
)
# Fields whose change makes a stored variant "updated".
HASHED_FIELDS = tuple(f for f in VARIANT_FIELDS if f not in ("fetched_at", "page_date", "strategies"))
# Text columns that hold JSON (lists or objects); exports decode them.
JSON_COLUMNS = frozenset({"authors", "images", "strategies"})


# Values sqlite-utils' `jsonify_if_needed` passes through unchanged: skipping the call for them is most of its cost.
_PLAIN = frozenset({str, int, float, type(None), bytes})


@lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...], upsert: tuple[str, ...], ignore: bool) -> str:
    """The INSERT statement sqlite-utils builds for these columns (ON CONFLICT ... DO UPDATE for an upsert)."""
    names = ", ".join(quote_identifier(c) for c in columns)
    sql = f"INSERT{' OR IGNORE' if ignore else ''} INTO {quote_identifier(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"
    if upsert:
        updates = [f"{quote_identifier(c)} = excluded.{quote_identifier(c)}" for c in columns if c not in upsert]
        conflict = ", ".join(quote_identifier(c) for c in upsert)
        sql += f" ON CONFLICT({conflict}) " + (f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING")
    return sql


def utcnow() -> str:
    """Current UTC time, ISO 8601 with offset."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """An archive database; creates its schema on first open."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StorageError(f"no database at {self.path}")
        if self.path.parent and not self.path.parent.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StorageError(f"cannot create the folder of database {self.path}: {err.strerror or err}") from err
        try:
            self.db = sqlite_utils.Database(self.path)
            self.db.execute("PRAGMA foreign_keys = ON")
            # A row deleted by INSERT OR REPLACE fires its delete trigger, keeping the FTS index in sync.
            self.db.execute("PRAGMA recursive_triggers = ON")
            self.db.register_function(casefold, deterministic=True, replace=True)
            self.db.enable_wal()
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crawl commits small batches
            # (URLs seen, errors, WARC index rows) and an fsync each cost more than the rest of the crawl.
            # The database stays consistent; a power cut can lose the last commits, which a re-crawl redoes.
            self.db.execute("PRAGMA synchronous = NORMAL")
            ensure_schema(self.db, self.path)
        except StorageError:
            raise
        except Exception as err:  # sqlite3.DatabaseError and friends: not a usable archive
            raise StorageError(f"cannot open database {self.path}: {err}") from err
        self._run_status: dict[str, Status] = {}

    # -- crawl runs -------------------------------------------------------

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

    def start_run(self, spider: str, args: dict[str, Any]) -> int:
        self._run_status = {}
        with self.db.conn:
            table = self.db.table("crawl_runs").insert(
                {"spider": spider, "args": json.dumps(args, ensure_ascii=False, sort_keys=True), "started_at": utcnow()}
            )
        return int(table.last_pk)  # type: ignore[arg-type]

    def finish_run(self, run_id: int, stats: dict[str, Any]) -> dict[str, Any]:
        counts = {status: 0 for status in ("new", "updated", "unchanged")}
        for status in self._run_status.values():
            counts[status] += 1
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

    # -- writes -----------------------------------------------------------

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """One explicit transaction around a batch of writes.

        sqlite-utils' helpers commit on their own when no transaction is
        open, and Python's sqlite3 opens one only before plain DML, so without
        this a batch could commit once per row (an fsync each in WAL mode).
        """
        if self.db.conn.in_transaction:
            yield
            return
        self.db.conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.db.conn.rollback()
            raise
        self.db.conn.commit()

    def _write_rows(self, table: str, rows: list[dict[str, Any]], *, upsert: tuple[str, ...] = (),
                    ignore: bool = False) -> None:
        """Insert rows (or upsert them on the `upsert` key columns, or skip those already there with `ignore`).

        What sqlite-utils' `insert_all`/`upsert` write, values converted by its own
        `jsonify_if_needed`, as one prepared statement per batch of rows with the
        same columns: its helpers read the table's schema on every call, which
        cost more than the writes themselves (`benchmarks/ingest.py`).
        """
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(
                [v if type(v) in _PLAIN else jsonify_if_needed(v) for v in row.values()])
        for columns, values in groups.items():
            self.db.conn.executemany(_insert_sql(table, columns, upsert, ignore), values)

    def save_articles(self, items: Iterable[ArticleItem], run_id: int | None = None,
                      parser_version: int | None = None) -> list[Status]:
        """Upsert a batch of article pages in one transaction; return each one's status.

        Every page's counts, and its sidebar's, become `metrics` rows. A page
        whose title or body changed moves the old ones to `article_revisions`;
        an unchanged page (same content hash, same parser version) only moves
        `last_seen` and `fetched_at`, the time of its latest fetch.
        """
        statuses = []
        with self._batch():
            for item in items:
                statuses.append(self._save_article(item, run_id, parser_version))
        return statuses

    def _save_article(self, item: ArticleItem, run_id: int | None, parser_version: int | None) -> Status:
        now = utcnow()
        script = item.script or "und"
        variant = {name: getattr(item, name) for name in VARIANT_FIELDS}
        variant["content_hash"] = content_hash(variant)
        old = self._variants(item.key)
        previous = old.get(script)
        article_existed = bool(old) or self._exists("articles", item.key)
        self._upsert_metrics(observations_of(item, now), run_id)
        if not article_existed:
            status: Status = "new"
        elif previous and previous["content_hash"] == variant["content_hash"]:
            status = "unchanged"
        else:
            status = "updated"
        if previous and status == "unchanged" and previous.get("parser_version") == parser_version:
            self._touch(item.key, script, now, item.fetched_at or now)
        else:
            if previous and (previous["title"], previous["body"]) != (item.title, item.body):
                self._save_revision(previous, item.fetched_at or now, run_id)
            variant.update(key=item.key, script=script, crawl_run=run_id, last_seen=now, parser_version=parser_version,
                           first_seen=previous["first_seen"] if previous else now)
            self._write_variant(item, variant, old, {"crawl_run": run_id, "last_seen": now}, now)
        self._save_urls([(item.url, item.url, item.key, item.script)], now)
        known = self._run_status.get(item.key)
        if known is None or (known == "unchanged" and status == "updated"):
            self._run_status[item.key] = status
        return status

    def _write_variant(self, item: ArticleItem, variant: dict[str, Any], old: dict[str, dict[str, Any]],
                       article: dict[str, Any], now: str) -> None:
        """Store one variant and its children, and re-derive the article row from all its variants."""
        old[variant["script"]] = _decoded(variant)
        merged = merge_variants(old)
        merged.update(key=item.key, site=item.site, article_id=item.article_id, **article)
        if not self._article(item.key):
            merged.update(first_seen=now, last_seen=now)
        self._write_rows("articles", [merged], upsert=("key",))
        self._write_rows("article_variants", [variant], upsert=("key", "script"))
        self._replace_children(item, variant["script"])

    def _touch(self, key: str, script: str, now: str, fetched_at: str) -> None:
        self.db.execute("update article_variants set last_seen = ?, fetched_at = ? where key = ? and script = ?",
                        [now, fetched_at, key, script])
        self.db.execute("update articles set last_seen = ?, fetched_at = max(coalesce(fetched_at, ''), ?) where key = ?",
                        [now, fetched_at, key])

    def _save_revision(self, previous: dict[str, Any], replaced_at: str, run_id: int | None) -> None:
        """Keep a variant's old title and body, from the fetch that first showed them to the last that did."""
        since = self.db.execute("select max(replaced_at) from article_revisions where key = ? and script = ?",
                                [previous["key"], previous["script"]]).fetchone()[0]
        self.db.table("article_revisions").insert({
            "key": previous["key"], "script": previous["script"], "url": previous["url"],
            "observed_at": since or previous["first_seen"], "last_seen": previous.get("fetched_at") or previous["last_seen"],
            "replaced_at": replaced_at, "title": previous["title"], "body": previous["body"],
            "content_hash": previous["content_hash"], "parser_version": previous.get("parser_version"),
            "crawl_run": run_id,
        })

    def reparse_articles(self, items: Iterable[ArticleItem], parser_version: int | None) -> None:
        """Overwrite stored variants with a re-extraction of the same fetched pages, in one transaction.

        The same observation read again: no revision, and `first_seen`,
        `last_seen` and `crawl_run` stay; metrics of the page are rewritten
        under its fetch time.
        """
        with self._batch():
            for item in items:
                script = item.script or "und"
                old = self._variants(item.key)
                previous = old.get(script)
                if previous is None:
                    raise StorageError(f"no stored variant {item.key} ({script}) to reparse")
                variant = {name: getattr(item, name) for name in VARIANT_FIELDS}
                variant.update(content_hash=content_hash(variant), key=item.key, script=script,
                               parser_version=parser_version)
                self._write_variant(item, {**previous, **variant}, old, {}, utcnow())
                self._upsert_metrics(observations_of(item, item.fetched_at or previous["fetched_at"]), None)

    def save_observations(self, observations: Iterable[Observation], run_id: int | None = None) -> None:
        """Add sightings of articles' counts to `metrics`, in one transaction."""
        with self._batch():
            self._upsert_metrics(observations, run_id)

    def _upsert_metrics(self, observations: Iterable[Observation], run_id: int | None) -> None:
        rows = [(o.key, o.observed_at, o.source_kind, o.source_url, o.views, o.comments, run_id)
                for o in observations if o.views is not None or o.comments is not None]
        self.db.conn.executemany(
            """insert into metrics (key, observed_at, source_kind, source_url, views, comments, crawl_run)
               values (?, ?, ?, ?, ?, ?, ?)
               on conflict (key, observed_at, source_kind, source_url) do update set
               views = excluded.views, comments = excluded.comments,
               crawl_run = coalesce(excluded.crawl_run, metrics.crawl_run)""",
            rows,
        )

    def save_pages(self, pages: Iterable[dict[str, Any]]) -> None:
        """Index fetched responses (rows of `pages`: where each one sits in which WARC file), in one transaction."""
        with self._batch():
            self._write_rows("pages", list(pages))

    def _replace_children(self, item: ArticleItem, script: str) -> None:
        args = [item.key, script]
        self.db.conn.execute("delete from quotes where key = ? and script = ?", args)
        self.db.conn.execute("delete from best_materials where key = ? and script = ?", args)
        self._write_rows("quotes", [
            {"key": item.key, "script": script, "position": n, "speaker": q.speaker, "role": q.speaker_role,
             "kind": q.kind, "text": q.text, "paragraph": q.paragraph, "start": q.start, "end": q.end}
            for n, q in enumerate(item.quotes)
        ])
        sidebars = {"best_materials": item.best_materials, "most_read": item.most_read}
        self._write_rows("best_materials", [
            {"key": item.key, "script": script, "list": name, "position": n, "linked_key": m.key, "url": m.url,
             "title": m.title, "category": m.category, "author": m.author, "views": m.views}
            for name, entries in sidebars.items() for n, m in enumerate(entries)
        ])

    def save_urls(self, sightings: Iterable[tuple[str, str, str, str | None]], now: str | None = None) -> None:
        """Record URLs as seen: (url as seen, canonical url, key, script)."""
        with self._batch():
            self._save_urls(sightings, now or utcnow())

    def _save_urls(self, sightings: Iterable[tuple[str, str, str, str | None]], now: str) -> None:
        rows = [{"url": u, "canonical_url": c, "key": k, "script": s, "last_seen": now} for u, c, k, s in sightings]
        if not rows:
            return
        self._write_rows("urls", [{**r, "first_seen": now} for r in rows], ignore=True)
        self.db.conn.executemany("update urls set last_seen = ? where url = ?", [(now, r["url"]) for r in rows])

    def record_error(self, url: str, stage: str, kind: str, reason: str, run_id: int | None = None) -> None:
        with self._batch():  # inside an open transaction (`transaction()`), part of it
            self.db.table("errors").insert(
                {"crawl_run": run_id, "url": url, "stage": stage, "kind": kind, "reason": reason[:2000], "occurred_at": utcnow()}
            )

    # -- distributed ingest (crawler/distributed/ingest.py) -----------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around many writes: every save_* and record_error inside it commits with it, or none does."""
        with self._batch():
            yield

    def batch_ingested(self, batch_id: str) -> bool:
        """True when a batch of items from Redis was committed (its id is in `ingest_batches`)."""
        return self.db.execute("select 1 from ingest_batches where id = ?", [batch_id]).fetchone() is not None

    def mark_batch_ingested(self, batch_id: str, items: int, run_id: int | None) -> None:
        """Record a batch as committed; inside `transaction()`, in the same commit as its rows."""
        with self._batch():
            self.db.table("ingest_batches").insert(
                {"id": batch_id, "crawl_run": run_id, "items": items, "ingested_at": utcnow()})

    # -- reads ------------------------------------------------------------

    def _exists(self, table: str, key: str) -> bool:
        return self.db.execute(f"select 1 from [{table}] where key = ? limit 1", [key]).fetchone() is not None

    def _article(self, key: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select first_seen from articles where key = ?", [key]))
        return rows[0] if rows else None

    def _variants(self, key: str) -> dict[str, dict[str, Any]]:
        rows = self.db.query("select * from article_variants where key = ?", [key])  # the schema made the table
        return {row["script"]: _decoded(row) for row in rows}

    def run_summary(self, run_id: int) -> dict[str, Any]:
        """What one crawl run stored: its row, pages per script, quotes, links, URLs, errors by kind, WARC records.

        A variant belongs to the run when the run wrote it or saw it unchanged
        (its `last_seen` falls within the run).
        """
        run = self.run(run_id)
        params = {"run": run_id, "start": run["started_at"], "end": run["finished_at"] or "9999"}
        seen = "(v.crawl_run = :run or v.last_seen between :start and :end)"

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
            "urls": self.count("urls"),
            "errors_by_kind": {
                row["kind"]: row["n"] for row in self.db.query(
                    "select kind, count(*) as n from errors where crawl_run = ? group by kind order by n desc", [run_id])
            },
        }

    def speaker_quotes(self, speaker: str, limit: int = 50) -> Iterator[dict[str, Any]]:
        """Quotes whose speaker name contains `speaker` (case-insensitive), newest article first."""
        yield from self.db.query(
            """select q.speaker, q.role, q.kind, q.text, v.title, v.url, a.published_at
               from quotes q join article_variants v using (key, script) join articles a using (key)
               where casefold(q.speaker) like '%' || casefold(:speaker) || '%'
               order by a.published_at desc, q.key, q.script, q.position limit :limit""",
            {"speaker": speaker, "limit": limit},
        )

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Article variants whose title or body match every word of `query`, best first.

        Ranked by bm25 with a title match worth five body matches. Each word
        matches as a prefix, since Kazakh inflects by suffix (`Қазақстан` finds
        `Қазақстанның`); words are quoted, so FTS5 syntax is taken literally.
        """
        match = fts_query(query)
        if not match:
            return []
        return list(self.db.query(
            """select v.key, v.script, v.title, v.url, a.published_at,
                      snippet(article_variants_fts, 1, '[', ']', '…', 12) as snippet,
                      bm25(article_variants_fts, 5.0, 1.0) as score
               from article_variants_fts f join article_variants v on v.rowid = f.rowid join articles a on a.key = v.key
               where article_variants_fts match :match order by score, v.key, v.script limit :limit""",
            {"match": match, "limit": limit},
        ))

    def reparse_sources(self, site: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
        """For each stored variant, the fetched page that produced it (`pages` row), oldest variant first.

        That is the page with the variant's URL and fetch time; failing that
        (a row older than the WARC index), the latest page fetched with status
        200 under its URL. Variants with neither are left out. `since` keeps
        pages fetched on or after that date.
        """
        return list(self.db.query(
            """select v.key, v.script, p.* from article_variants v join pages p on p.id = coalesce(
                 (select id from pages where url = v.url and fetched_at = v.fetched_at and status = 200 order by id desc limit 1),
                 (select id from pages where url = v.url and status = 200 order by fetched_at desc, id desc limit 1))
               where (:site is null or p.site = :site) and (:since is null or p.fetched_at >= :since)
               order by v.first_seen, v.key, v.script""",
            {"site": site, "since": since},
        ))

    def pages(self, kind: str, *, site: str | None = None, since: str | None = None) -> Iterator[dict[str, Any]]:
        """Every fetch of a kind of page (`listing`, `article`, ...) that got status 200, oldest first."""
        yield from self.db.query(
            """select * from pages where kind = :kind and status = 200
               and (:site is null or site = :site) and (:since is null or fetched_at >= :since) order by fetched_at, id""",
            {"kind": kind, "site": site, "since": since},
        )

    def stored_variant(self, key: str, script: str) -> dict[str, Any] | None:
        """A variant as its item's `to_dict()` would give it: row fields, quotes and sidebar lists."""
        row = self._variants(key).get(script)
        if row is None:
            return None
        where = {"key": key, "script": script}
        row["quotes"] = [
            {"text": q["text"], "speaker": q["speaker"], "speaker_role": q["role"], "kind": q["kind"],
             "paragraph": q["paragraph"], "start": q["start"], "end": q["end"]}
            for q in self.db.query("select * from quotes where key = :key and script = :script order by position", where)
        ]
        for name in ("best_materials", "most_read"):
            row[name] = [
                {"url": m["url"], "title": m["title"], "category": m["category"], "author": m["author"],
                 "views": m["views"], "key": m["linked_key"]}
                for m in self.db.query("select * from best_materials where key = :key and script = :script and list = :list "
                                       "order by position", {**where, "list": name})
            ]
        return row

    def count(self, table: str) -> int:
        return self.db.table(table).count

    def rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read-only query, for the CLI and tests."""
        yield from self.db.query(sql, list(params))

    # -- crawl state reads (crawler/incremental.py, crawler/health.py) ------

    _STATE_SQL = """select v.key, v.script, v.url, a.published_at, a.first_seen as article_first_seen,
                           v.first_seen, coalesce(v.fetched_at, v.last_seen) as fetched_at
                    from article_variants v join articles a using (key)"""

    def variant_states(self, keys: Iterable[str]) -> dict[tuple[str, str], VariantState]:
        """What the archive holds of these articles: (key, script) → when published, first stored, last fetched."""
        found: dict[tuple[str, str], VariantState] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            sql = f"{self._STATE_SQL} where v.key in ({', '.join('?' * len(chunk))})"
            for row in self.db.query(sql, chunk):
                found[(row["key"], row["script"])] = VariantState(**row)
        return found

    def revisit_candidates(self, site: str, scripts: Iterable[str], horizon_days: float) -> list[VariantState]:
        """Stored pages of `site` last fetched less than `horizon_days` after publication (or first storage)."""
        scripts = list(scripts)
        sql = (f"{self._STATE_SQL} where a.site = ? and v.script in ({', '.join('?' * len(scripts))}) and "
               "julianday(coalesce(v.fetched_at, v.last_seen)) < julianday(coalesce(a.published_at, a.first_seen)) + ?")
        return [VariantState(**row) for row in self.db.query(sql, [site, *scripts, horizon_days])]

    def failed_urls(self, urls: Iterable[str], kinds: Iterable[str], since: str) -> set[str]:
        """The URLs among `urls` that failed with one of `kinds` at or after `since` (ISO 8601 UTC)."""
        kinds = list(kinds)
        found: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(urls))):
            sql = (f"select distinct url from errors where url in ({', '.join('?' * len(chunk))}) "
                   f"and kind in ({', '.join('?' * len(kinds))}) and occurred_at >= ?")
            found.update(row[0] for row in self.db.execute(sql, [*chunk, *kinds, since]))
        return found

    def finished_runs(self, site: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The latest finished crawl runs (of `site`), newest first, with their JSON columns decoded."""
        where = "finished_at is not null" + (" and site = ?" if site else "")
        rows = self.db.query(f"select * from crawl_runs where {where} order by id desc limit ?", [*([site] if site else []), limit])
        runs = []
        for row in rows:
            for name in ("args", "stats", "requests_by_status", "errors_by_kind", "fill_rates", "field_strategies"):
                row[name] = json.loads(row[name]) if row.get(name) else {}
            runs.append(row)
        return runs

    # -- export reads (crawler/exports) ------------------------------------

    def schema_version(self) -> int:
        """The schema version stored in the file (`PRAGMA user_version`)."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def has_table(self, table: str) -> bool:
        return bool(self.db.table(table).exists())

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, declared type) of each column of `table`, in table order."""
        return [(row[1], row[2].upper()) for row in self.db.execute(f"PRAGMA table_info([{table}])").fetchall()]

    def export_query(self, table: str, selection: Selection) -> tuple[str, list[Any]]:
        """SQL and parameters for `table`'s rows of the selected articles, by article key, then primary key.

        `articles` is filtered directly; every other table is filtered through
        its `key` column, and when scripts are selected through its `script`
        column, or for `pages` the script `urls` records for its URL.
        """
        where, params = selection.where()
        info = self.db.execute(f"PRAGMA table_info([{table}])").fetchall()
        alias = "a" if table == "articles" else "t"
        pk = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] or ["rowid"]
        order = ", ".join(f"{alias}.[{name}]" for name in dict.fromkeys(["key", *pk]))  # article key first, for merging
        if table == "articles":
            return f"select a.* from articles a where {where} order by {order}", params
        sql = f"select t.* from [{table}] t where t.key in (select a.key from articles a where {where})"
        names = {row[1] for row in info}
        if selection.scripts and names & {"script", "url"}:
            marks = ", ".join("?" * len(selection.scripts))
            # A fetched page has no script column: its URL's script is in `urls`.
            sql += f" and t.script in ({marks})" if "script" in names else f" and t.url in (select url from urls where script in ({marks}))"
            params = [*params, *selection.scripts]
        return f"{sql} order by {order}", params

    def export_rows(self, table: str, selection: Selection) -> Iterator[dict[str, Any]]:
        """`table`'s rows of the selected articles, streamed from one cursor."""
        sql, params = self.export_query(table, selection)
        yield from self.db.query(sql, params)

    def export_count(self, table: str, selection: Selection) -> int:
        sql, params = self.export_query(table, selection)
        return int(self.db.execute(f"select count(*) from ({sql})", params).fetchone()[0])

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one state of the database, even while a crawl writes (WAL): an export's tables agree."""
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("ROLLBACK")

    def export_runs(self, tables: Iterable[str], selection: Selection) -> list[dict[str, Any]]:
        """The crawl runs that last wrote any exported row (without their Scrapy stats)."""
        ids: set[int] = set()
        for table in tables:
            if any(name == "crawl_run" for name, _ in self.columns(table)):
                sql, params = self.export_query(table, selection)
                ids.update(r[0] for r in self.db.execute(f"select distinct crawl_run from ({sql})", params) if r[0] is not None)
        marks = ", ".join("?" * len(ids))
        return list(self.db.query(
            f"select id, spider, args, started_at, finished_at from crawl_runs where id in ({marks}) order by id", sorted(ids)))


@dataclass(frozen=True, slots=True)
class VariantState:
    """What an incremental crawl needs to know of one stored article page."""

    key: str
    script: str
    url: str
    published_at: str | None
    """The article's publication time, when known."""
    article_first_seen: str | None
    """When the archive first stored the article (any script)."""
    first_seen: str | None
    """When the archive first stored this page."""
    fetched_at: str | None
    """When this page was last fetched."""


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """Slices small enough for SQLite's limit on query parameters."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def casefold(text: str | None) -> str | None:
    """Unicode case folding for SQL (SQLite's lower() folds only ASCII)."""
    return text.casefold() if text else text


def content_hash(row: dict[str, Any]) -> str:
    """sha1 of the fields whose change counts as an update."""
    payload = json.dumps({f: row.get(f) for f in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: every word of `text`, quoted, as a prefix."""
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


def observations_of(item: ArticleItem, observed_at: str) -> list[Observation]:
    """The counts an article page shows: its own, and those of the articles its sidebar lists link."""
    at = item.fetched_at or observed_at
    found = [Observation(item.key, at, item.url, "article", item.views, item.comments)]
    for entry in [*item.best_materials, *item.most_read]:
        if entry.key and entry.views is not None:
            found.append(Observation(entry.key, at, item.url, "best_materials", entry.views))
    return found


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A variant row with its JSON columns as Python values."""
    out = dict(row)
    for name in ("authors", "images", "strategies"):
        if isinstance(out.get(name), str):
            out[name] = json.loads(out[name])
    return out


def merge_variants(variants: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The article row of one article's variants.

    Text fields come from the preferred script (Cyrillic, then Latin, then
    Arabic), metadata from the first variant that has it, counts are the
    highest seen (views only grow) and dates the latest.
    """
    ordered = sorted(variants.values(), key=lambda v: SCRIPT_ORDER.index(v["script"]) if v["script"] in SCRIPT_ORDER else 9)
    best = ordered[0]
    row = {name: best.get(name) for name in
           ("url", "script", "language", "title", "body", "body_html", "images", "strategies", "parser_version")}
    for name in ("category", "published_at", "authors", "source"):
        row[name] = next((v[name] for v in ordered if v.get(name)), best.get(name))
    for name in ("views", "comments"):
        counts = [v[name] for v in ordered if v.get(name) is not None]
        row[name] = max(counts) if counts else None
    for name in ("page_date", "fetched_at"):
        values = [v[name] for v in ordered if v.get(name)]
        row[name] = max(values) if values else None
    row["content_hash"] = hashlib.sha1("".join(sorted(v["content_hash"] for v in ordered)).encode()).hexdigest()
    return row


@dataclass(frozen=True)
class Selection:
    """Which articles an export takes; every filter is optional and all must hold.

    `since` and `until` (YYYY-MM-DD, inclusive) compare with the local date of
    publication, the first ten characters of `published_at`, so an undated
    article is left out once either is set. `scripts` keeps the articles with
    a variant in one of them, and only those variants' rows.
    """

    site: str | None = None
    since: str | None = None
    until: str | None = None
    categories: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()

    def where(self) -> tuple[str, list[Any]]:
        """A condition on `articles a` and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.site:
            clauses.append("a.site = ?")
            params.append(self.site)
        if self.since:
            clauses.append("substr(a.published_at, 1, 10) >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("substr(a.published_at, 1, 10) <= ?")
            params.append(self.until)
        if self.categories:
            clauses.append(f"a.category in ({', '.join('?' * len(self.categories))})")
            params.extend(self.categories)
        if self.scripts:
            marks = ", ".join("?" * len(self.scripts))
            clauses.append(f"exists (select 1 from article_variants v where v.key = a.key and v.script in ({marks}))")
            params.extend(self.scripts)
        return " and ".join(clauses) or "1", params
