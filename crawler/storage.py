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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from sqlite_utils.db import NotFoundError

from crawler.errors import StorageError
from crawler.items import ArticleItem

logger = logging.getLogger(__name__)

Status = Literal["new", "updated", "unchanged"]
SCHEMA_VERSION = 1
SCRIPT_ORDER = ("cyrl", "latn", "arab", None)
# Item fields kept per variant; the article row is merged from them.
VARIANT_FIELDS = (
    "url", "language", "title", "category", "published_at", "views", "comments", "authors",
    "source", "body", "body_html", "images", "page_date", "fetched_at", "strategies",
)
# Fields whose change makes a stored variant "updated".
HASHED_FIELDS = tuple(f for f in VARIANT_FIELDS if f not in ("fetched_at", "page_date", "strategies"))

TABLES: dict[str, dict[str, Any]] = {
    "crawl_runs": {
        "columns": {"id": int, "spider": str, "args": str, "started_at": str, "finished_at": str,
                    "articles_new": int, "articles_updated": int, "articles_unchanged": int,
                    "errors": int, "stats": str},
        "pk": "id",
    },
    "articles": {
        "columns": {"key": str, "site": str, "article_id": str, "url": str, "script": str, "language": str,
                    "title": str, "category": str, "published_at": str, "views": int, "comments": int,
                    "authors": str, "source": str, "body": str, "body_html": str, "images": str,
                    "page_date": str, "fetched_at": str, "first_seen": str, "last_seen": str,
                    "content_hash": str, "strategies": str, "crawl_run": int},
        "pk": "key",
        "indexes": [["site", "published_at"], ["category"], ["published_at"]],
    },
    "article_variants": {
        "columns": {"key": str, "script": str, "url": str, "language": str, "title": str, "category": str,
                    "published_at": str, "views": int, "comments": int, "authors": str, "source": str,
                    "body": str, "body_html": str, "images": str, "page_date": str, "fetched_at": str,
                    "strategies": str, "content_hash": str, "first_seen": str, "last_seen": str, "crawl_run": int},
        "pk": ("key", "script"),
        "foreign_keys": [("key", "articles", "key")],
        "indexes": [["url"]],
    },
    "urls": {
        "columns": {"url": str, "canonical_url": str, "key": str, "script": str, "first_seen": str, "last_seen": str},
        "pk": "url",
        "indexes": [["key"], ["canonical_url"]],
    },
    "best_materials": {
        "columns": {"key": str, "script": str, "list": str, "position": int, "linked_key": str, "url": str,
                    "title": str, "category": str, "author": str, "views": int},
        "pk": ("key", "script", "list", "position"),
        "foreign_keys": [("key", "articles", "key")],
        "indexes": [["linked_key"]],
    },
    "quotes": {
        "columns": {"key": str, "script": str, "position": int, "speaker": str, "role": str, "kind": str,
                    "text": str, "paragraph": int, "start": int, "end": int},
        "pk": ("key", "script", "position"),
        "foreign_keys": [("key", "articles", "key")],
        "indexes": [["speaker"]],
    },
    "errors": {
        "columns": {"id": int, "crawl_run": int, "url": str, "stage": str, "kind": str, "reason": str, "occurred_at": str},
        "pk": "id",
        "indexes": [["crawl_run"], ["url"]],
    },
}


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
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite_utils.Database(self.path)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.register_function(casefold, deterministic=True, replace=True)
            self.db.enable_wal()
            self._ensure_schema()
        except Exception as err:  # sqlite3.DatabaseError and friends: not a usable archive
            raise StorageError(f"cannot open database {self.path}: {err}") from err
        self._run_status: dict[str, Status] = {}

    def _ensure_schema(self) -> None:
        with self.db.conn:
            for name, spec in TABLES.items():
                table = self.db.table(name)
                if table.exists():
                    continue
                table.create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"))
                for columns in spec.get("indexes", []):
                    table.create_index(columns, if_not_exists=True)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- crawl runs -------------------------------------------------------

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
        }
        with self.db.conn:
            self.db.table("crawl_runs").update(run_id, row)
        return self.run(run_id)

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

    def save_articles(self, items: Iterable[ArticleItem], run_id: int | None = None) -> list[Status]:
        """Upsert a batch of article pages in one transaction; return each one's status."""
        statuses = []
        with self.db.conn:
            for item in items:
                statuses.append(self._save_article(item, run_id))
        return statuses

    def _save_article(self, item: ArticleItem, run_id: int | None) -> Status:
        now = utcnow()
        script = item.script or "und"
        variant = {name: getattr(item, name) for name in VARIANT_FIELDS}
        variant["content_hash"] = content_hash(variant)
        old = self._variants(item.key)
        previous = old.get(script)
        article_existed = bool(old) or self._exists("articles", item.key)
        variant.update(key=item.key, script=script, crawl_run=run_id, last_seen=now,
                       first_seen=previous["first_seen"] if previous else now)
        old[script] = _decoded(variant)
        merged = merge_variants(old)
        merged.update(key=item.key, site=item.site, article_id=item.article_id, crawl_run=run_id, last_seen=now)
        existing = self._article(item.key)
        merged["first_seen"] = existing["first_seen"] if existing else now
        self.db.table("articles").upsert(merged, pk="key")
        self.db.table("article_variants").upsert(variant, pk=("key", "script"))
        self._replace_children(item, script)
        self.save_urls([(item.url, item.url, item.key, item.script)], now)
        if not article_existed:
            status: Status = "new"
        elif previous and previous["content_hash"] == variant["content_hash"]:
            status = "unchanged"
        else:
            status = "updated"
        known = self._run_status.get(item.key)
        if known is None or (known == "unchanged" and status == "updated"):
            self._run_status[item.key] = status
        return status

    def _replace_children(self, item: ArticleItem, script: str) -> None:
        where, args = "key = ? and script = ?", [item.key, script]
        self.db.table("quotes").delete_where(where, args)
        self.db.table("best_materials").delete_where(where, args)
        self.db.table("quotes").insert_all(
            {"key": item.key, "script": script, "position": n, "speaker": q.speaker, "role": q.speaker_role,
             "kind": q.kind, "text": q.text, "paragraph": q.paragraph, "start": q.start, "end": q.end}
            for n, q in enumerate(item.quotes)
        )
        sidebars = {"best_materials": item.best_materials, "most_read": item.most_read}
        self.db.table("best_materials").insert_all(
            {"key": item.key, "script": script, "list": name, "position": n, "linked_key": m.key, "url": m.url,
             "title": m.title, "category": m.category, "author": m.author, "views": m.views}
            for name, entries in sidebars.items() for n, m in enumerate(entries)
        )

    def save_urls(self, sightings: Iterable[tuple[str, str, str, str | None]], now: str | None = None) -> None:
        """Record URLs as seen: (url as seen, canonical url, key, script)."""
        now = now or utcnow()
        rows = [{"url": u, "canonical_url": c, "key": k, "script": s, "last_seen": now} for u, c, k, s in sightings]
        if not rows:
            return
        with self.db.conn:
            self.db.table("urls").insert_all(
                [{**r, "first_seen": now} for r in rows], pk="url", ignore=True
            )
            self.db.conn.executemany(
                "update urls set last_seen = ? where url = ?", [(now, r["url"]) for r in rows]
            )

    def record_error(self, url: str, stage: str, kind: str, reason: str, run_id: int | None = None) -> None:
        with self.db.conn:
            self.db.table("errors").insert(
                {"crawl_run": run_id, "url": url, "stage": stage, "kind": kind, "reason": reason[:2000], "occurred_at": utcnow()}
            )

    # -- reads ------------------------------------------------------------

    def _exists(self, table: str, key: str) -> bool:
        return self.db.execute(f"select 1 from [{table}] where key = ? limit 1", [key]).fetchone() is not None

    def _article(self, key: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select first_seen from articles where key = ?", [key]))
        return rows[0] if rows else None

    def _variants(self, key: str) -> dict[str, dict[str, Any]]:
        if not self.db.table("article_variants").exists():
            return {}
        rows = self.db.query("select * from article_variants where key = ?", [key])
        return {row["script"]: _decoded(row) for row in rows}

    def run_summary(self, run_id: int) -> dict[str, Any]:
        """What one crawl run stored: its row, pages per script, quotes, links, URLs and errors by kind."""
        one = lambda sql: self.db.execute(sql, [run_id]).fetchone()[0]  # noqa: E731
        return {
            "run": self.run(run_id),
            "variants": one("select count(*) from article_variants where crawl_run = ?"),
            "scripts": one("select count(distinct script) from article_variants where crawl_run = ?"),
            "quotes": one("select count(*) from quotes q join article_variants v using (key, script) where v.crawl_run = ?"),
            "links": one("select count(*) from best_materials b join article_variants v using (key, script) where v.crawl_run = ?"),
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

    def count(self, table: str) -> int:
        return self.db.table(table).count

    def rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read-only query, for the CLI and tests."""
        yield from self.db.query(sql, list(params))


def casefold(text: str | None) -> str | None:
    """Unicode case folding for SQL (SQLite's lower() folds only ASCII)."""
    return text.casefold() if text else text


def content_hash(row: dict[str, Any]) -> str:
    """sha1 of the fields whose change counts as an update."""
    payload = json.dumps({f: row.get(f) for f in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


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
    row = {name: best.get(name) for name in ("url", "script", "language", "title", "body", "body_html", "images", "strategies")}
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

