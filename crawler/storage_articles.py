"""Writing article pages in batches: statuses, revisions, children, metrics and the merged article row (part of crawler/storage.py).

A batch is worked out in Python first, page by page, against the stored rows
of its articles read once (`_Plan`): each page sees the batch's earlier pages
as written, exactly as if they had been stored one by one. Then every table
gets one statement for the whole batch, and an article whose three scripts
arrive in one batch has its row (body and HTML included) written once rather
than once per page. All of it is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from crawler.errors import StorageError
from crawler.items import ArticleItem, Observation
from crawler.storage_rows import (
    DECLARED_FIELDS,
    METRIC_COLUMNS,
    QUOTE_COLUMNS,
    SIDEBAR_COLUMNS,
    VARIANT_FIELDS,
    Status,
    content_hash,
    decoded,
    keep_known,
    merge_variants,
    metric_rows,
    observations_of,
    quote_rows,
    sidebar_rows,
)
from crawler.storage_runs import RunTally
from crawler.storage_sql import Connected, chunks, insert_sql, marks, utcnow


def metrics_sql(rows: int) -> str:
    """Adds `rows` count sightings; one seen again at the same moment on the same page replaces the first, keeping a run id."""
    return insert_sql("metrics", METRIC_COLUMNS, (), False, rows) + """
    ON CONFLICT (key, observed_at, source_kind, source_url) DO UPDATE SET
    views = excluded.views, comments = excluded.comments, crawl_run = coalesce(excluded.crawl_run, metrics.crawl_run)"""


quotes_sql = partial(insert_sql, "quotes", QUOTE_COLUMNS, (), False)
sidebar_sql = partial(insert_sql, "best_materials", SIDEBAR_COLUMNS, (), False)
# The row of a URL an article page was fetched from, as the page tells it: its canonical URL, key and script
# replace what a listing's sighting of the URL said (`_save_urls` only adds rows).
_PAGE_URL_SQL = """insert into urls (url, canonical_url, key, script, published_at, first_seen, last_seen)
    values (?, ?, ?, ?, ?, ?, ?)
    on conflict (url) do update set canonical_url = excluded.canonical_url, key = excluded.key,
    script = excluded.script, published_at = excluded.published_at, last_seen = excluded.last_seen"""
# The `pages` rows of one fetch of a URL take the key `urls` files it under (one its parsed page may have set after the
# response was indexed under the key its link gave): the rows of the run, and the row fetched at that time (an ingester
# may store a worker's record in one run and its page in the next). Other fetches keep theirs: a page whose canonical
# URL changed since does not take its old records with it.
# (A correlated subquery, not UPDATE … FROM: that needs SQLite 3.33, newer than some systems' Python links.)
_PAGES_KEY_SQL = """update pages set key = (select u.key from urls u where u.url = pages.url)
    where url = ? and (crawl_run is ? or fetched_at = ?)
      and exists (select 1 from urls u where u.url = pages.url and u.key is not pages.key)"""

SiteChanged = Callable[[dict[str, Any], ArticleItem], bool]
"""Asked of a page whose title or body differ from its stored variant's (the row, JSON decoded): whether the site
changed the page, or only our reading of it did (a site profile edited, a newer parser). The store does not parse;
its caller does (crawler/revisions.py)."""


class _Plan:
    """One batch's writes, worked out page by page against its articles' stored rows."""

    def __init__(self, variants: dict[str, dict[str, dict[str, Any]]], existing: set[str]) -> None:
        self.variants = variants
        """key → script → the variant row (JSON decoded) as stored once the pages planned so far are written."""
        self.existing = existing
        """Keys that have an article row, stored or planned."""
        self.articles: dict[str, dict[str, Any]] = {}
        """key → the article row to upsert (its latest merge)."""
        self.written: dict[tuple[str, str], ArticleItem] = {}
        """(key, script) of the variants to upsert → the page whose quotes and sidebar lists replace the stored ones."""
        self.variant_touches: list[tuple[str, str, str, str]] = []
        self.article_touches: list[tuple[str, str, str]] = []
        self.metrics: list[tuple[Any, ...]] = []
        self.urls: list[tuple[str, str, str, str | None, str]] = []
        self.revisions: list[dict[str, Any]] = []
        """Old titles and bodies to keep, written after the article rows (their foreign key)."""
        self.replaced: dict[tuple[str, str], str] = {}
        """(key, script) → when this batch last replaced that variant's text."""

    def write(self, item: ArticleItem, variant: dict[str, Any], article: dict[str, Any], now: str) -> None:
        """Store one variant and its children, and re-derive the article row from all its variants."""
        old = self.variants.setdefault(item.key, {})
        old[variant["script"]] = decoded(variant)
        merged = merge_variants(old)
        merged.update(key=item.key, site=item.site, article_id=item.article_id, **article)
        if item.key not in self.existing:
            merged.update(first_seen=now, last_seen=now)
            self.existing.add(item.key)
        elif "first_seen" in self.articles.get(item.key, {}):  # made earlier in this batch: keep its first sighting
            merged["first_seen"] = self.articles[item.key]["first_seen"]
        self.articles[item.key] = merged
        self.written[(item.key, variant["script"])] = item

    def touch(self, key: str, script: str, now: str, fetched_at: str) -> None:
        """An unchanged page fetched again: only its `last_seen` and `fetched_at` move, the fetch times only forward (an
        older WARC ingested after a newer crawl must not make a page look unfetched since, due for a revisit).

        A row already planned for an upsert takes the change in place; any
        other gets an UPDATE, run before the upserts, which a later write of
        the same row in this batch then overwrites as it would have.
        """
        variant = self.variants[key][script]
        variant.update(last_seen=now, fetched_at=max(variant.get("fetched_at") or "", fetched_at))
        if (key, script) not in self.written:
            self.variant_touches.append((now, fetched_at, key, script))
        article = self.articles.get(key)
        if article is None:
            self.article_touches.append((now, fetched_at, key))
        else:
            article.update(last_seen=now, fetched_at=max(article.get("fetched_at") or "", fetched_at))


class ArticleWrites(Connected):
    """Article pages, their counts, URLs and fetched pages into the archive."""

    _tally: RunTally

    def save_articles(self, items: Iterable[ArticleItem], run_id: int | None = None,
                      parser_version: int | None = None, site_changed: SiteChanged | None = None) -> list[Status]:
        """Upsert a batch of article pages in one transaction; return each one's status.

        Every page's counts, and its sidebar's, become `metrics` rows. A page
        whose title or body changed moves the old ones to `article_revisions`,
        unless `site_changed` says only the reading changed: the variant is
        then overwritten, as `reparse` would. An unchanged page (same content
        hash, same parser version) only moves `last_seen` and `fetched_at`,
        the time of its latest fetch.
        """
        items = list(items)
        with self._batch():
            plan = self._plan(items)
            statuses = [self._plan_save(plan, item, run_id, parser_version, site_changed) for item in items]
            self._flush(plan)
            if run_id is not None:
                self._tally.save(self.db, run_id)
        return statuses

    def _plan_save(self, plan: _Plan, item: ArticleItem, run_id: int | None, parser_version: int | None,
                   site_changed: SiteChanged | None) -> Status:
        now = utcnow()
        script = item.script or "und"
        variant = {name: getattr(item, name) for name in VARIANT_FIELDS}
        old = plan.variants.get(item.key, {})
        previous = old.get(script)
        if previous:
            keep_known(variant, previous, parser_version)
        variant["content_hash"] = content_hash(variant)
        plan.metrics += metric_rows(observations_of(item, now), run_id)
        status: Status
        if not old and item.key not in plan.existing:
            status = "new"
        elif previous and previous["content_hash"] == variant["content_hash"]:
            status = "unchanged"
        else:
            status = "updated"
        if (previous and status == "unchanged" and previous.get("parser_version") == parser_version
                and all(previous.get(name) == variant[name] for name in DECLARED_FIELDS)):
            plan.touch(item.key, script, now, item.fetched_at or now)
        else:
            if (previous and (previous["title"], previous["body"]) != (item.title, item.body)
                    and (site_changed is None or site_changed(previous, item))):
                self._plan_revision(plan, previous, item.fetched_at or now, run_id)
            variant.update(key=item.key, script=script, crawl_run=run_id, last_seen=now, parser_version=parser_version,
                           first_seen=previous["first_seen"] if previous else now)
            plan.write(item, variant, {"crawl_run": run_id, "last_seen": now}, now)
        plan.urls.append((item.url, item.url, item.key, item.script, now))
        self._tally.see(item.key, status)
        return status

    def reparse_articles(self, items: Iterable[ArticleItem], parser_version: int | None) -> None:
        """Overwrite stored variants with a re-extraction of the same fetched pages, in one transaction.

        The same observation read again: no revision, and `first_seen`,
        `last_seen` and `crawl_run` stay; metrics of the page are rewritten
        under its fetch time.
        """
        items = list(items)
        with self._batch():
            plan = self._plan(items)
            for item in items:
                script = item.script or "und"
                previous = plan.variants.get(item.key, {}).get(script)
                if previous is None:
                    raise StorageError(f"no stored variant {item.key} ({script}) to reparse")
                variant = {name: getattr(item, name) for name in VARIANT_FIELDS}
                keep_known(variant, previous, parser_version)
                variant.update(content_hash=content_hash(variant), key=item.key, script=script,
                               parser_version=parser_version)
                plan.write(item, {**previous, **variant}, {}, utcnow())
                plan.metrics += metric_rows(observations_of(item, item.fetched_at or previous["fetched_at"]), None)
            self._flush(plan)

    def _plan(self, items: list[ArticleItem]) -> _Plan:
        """A plan over the stored variants and article rows of the batch's articles, read with one query per table."""
        keys = list(dict.fromkeys(item.key for item in items))
        existing: set[str] = set()
        for chunk in chunks(keys):
            existing.update(r[0] for r in self.db.execute(f"select key from articles where key in ({marks(chunk)})", chunk))
        return _Plan(self.variants_of(keys), existing)

    def variants_of(self, keys: Iterable[str], columns: tuple[str, ...] = ()) -> dict[str, dict[str, dict[str, Any]]]:
        """key → script → the stored variant row (JSON decoded) of the articles `keys`, read with a query per 500; only
        `columns` (and the key and script) when given, sparing a caller that compares a few fields the rest."""
        variants: dict[str, dict[str, dict[str, Any]]] = {}
        selected = ", ".join(("key", "script", *columns)) if columns else "*"
        for chunk in chunks(list(dict.fromkeys(keys))):
            for row in self.db.query(f"select {selected} from article_variants where key in ({marks(chunk)})", chunk):
                variants.setdefault(row["key"], {})[row["script"]] = decoded(row)
        return variants

    def _flush(self, plan: _Plan) -> None:
        """Write a plan: one statement per table, parents before children (foreign keys), touches before upserts."""
        conn = self.db.conn
        self._insert_rows(metrics_sql, plan.metrics)
        conn.executemany("update articles set last_seen = ?, fetched_at = max(coalesce(fetched_at, ''), ?) where key = ?",
                         plan.article_touches)
        self._write_rows("articles", list(plan.articles.values()), upsert=("key",))
        self._write_rows("article_revisions", plan.revisions)
        conn.executemany("update article_variants set last_seen = ?, fetched_at = max(coalesce(fetched_at, ''), ?) "
                         "where key = ? and script = ?", plan.variant_touches)
        self._write_rows("article_variants", [plan.variants[key][script] for key, script in plan.written],
                         upsert=("key", "script"))
        conn.executemany("delete from quotes where key = ? and script = ?", list(plan.written))
        conn.executemany("delete from best_materials where key = ? and script = ?", list(plan.written))
        self._insert_rows(quotes_sql, [row for (_, script), item in plan.written.items() for row in quote_rows(item, script)])
        self._insert_rows(sidebar_sql, [row for (_, script), item in plan.written.items() for row in sidebar_rows(item, script)])
        self._save_urls(plan.urls)

    def _plan_revision(self, plan: _Plan, previous: dict[str, Any], replaced_at: str, run_id: int | None) -> None:
        """Keep a variant's old title and body, from the fetch that first showed them to the last that did."""
        variant = (previous["key"], previous["script"])
        since = plan.replaced.get(variant) or self.db.execute(
            "select max(replaced_at) from article_revisions where key = ? and script = ?", list(variant)).fetchone()[0]
        plan.replaced[variant] = replaced_at
        last_fetch = previous.get("fetched_at") or previous["last_seen"]
        # The text was first fetched no later than it was first stored, nor than any fetch that showed it.
        plan.revisions.append({
            "key": previous["key"], "script": previous["script"], "url": previous["url"],
            "observed_at": since or min(previous["first_seen"], last_fetch), "last_seen": last_fetch,
            "replaced_at": replaced_at, "title": previous["title"], "body": previous["body"],
            "content_hash": previous["content_hash"], "parser_version": previous.get("parser_version"),
            "crawl_run": run_id,
        })

    def save_observations(self, observations: Iterable[Observation], run_id: int | None = None) -> None:
        """Add sightings of articles' counts to `metrics`, in one transaction."""
        with self._batch():
            self._insert_rows(metrics_sql, metric_rows(list(observations), run_id))

    def save_pages(self, pages: Iterable[dict[str, Any]]) -> None:
        """Index fetched responses (rows of `pages`: where each one sits in which WARC file), in one transaction.

        A response is indexed before its page is parsed, under the key the spider asked for it with; when the
        archive already files its URL under a key (`urls`, which its parsed page may have set first), it takes that.
        """
        rows = list(pages)
        with self._batch():
            self._write_rows("pages", rows)
            self.db.conn.executemany(_PAGES_KEY_SQL, [(row["url"], row.get("crawl_run"), row.get("fetched_at"))
                                                      for row in rows])

    def save_urls(self, sightings: Iterable[tuple[str, str, str, str | None]], now: str | None = None) -> None:
        """Record URLs as seen: (url as seen, canonical url, key, script)."""
        with self._batch():
            at = now or utcnow()
            self._save_urls([(url, canonical, key, script, at) for url, canonical, key, script in sightings])

    def save_page_urls(self, page_urls: Iterable[tuple[str, str, str, str | None, str | None, str | None]],
                       run_id: int | None, now: str | None = None) -> None:
        """Record the URLs article pages were fetched from: (url as requested, canonical url, key, script, published at,
        fetched at).

        A fetched page is authoritative about its key, where its link only
        guesses: its row replaces a listing's sighting of the URL (which never
        overwrites it back), and the URL's `pages` rows of that fetch (of run
        `run_id`, or fetched at that time), indexed under the guess, take its key.
        """
        rows = list(page_urls)
        with self._batch():
            at = now or utcnow()
            self.db.conn.executemany(_PAGE_URL_SQL, [(*row[:5], at, at) for row in rows])
            self.db.conn.executemany(_PAGES_KEY_SQL, [(url, run_id, fetched) for url, *_, fetched in rows])

    def _save_urls(self, sightings: list[tuple[str, str, str, str | None, str]]) -> None:
        """(url, canonical url, key, script, seen at): a new URL is added, a known one only moves `last_seen`."""
        self.db.conn.executemany(
            "insert or ignore into urls (url, canonical_url, key, script, last_seen, first_seen) values (?, ?, ?, ?, ?, ?)",
            [(*sighting, sighting[4]) for sighting in sightings])
        self.db.conn.executemany("update urls set last_seen = ? where url = ?", [(s[4], s[0]) for s in sightings])
