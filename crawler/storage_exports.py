"""Reads for exports: which articles a selection takes, each table's rows of them, one consistent snapshot (part of crawler/storage.py)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from crawler.storage_sql import Connected, marks


@dataclass(frozen=True)
class Selection:
    """Which articles an export takes; every filter is optional and all must hold.

    `since` and `until` (YYYY-MM-DD, inclusive) compare with the local date of
    publication, the first ten characters of `published_at`, so an undated
    article is left out once either is set. `categories` keeps the articles
    with a variant in one of them (the name as any script prints it).
    `scripts` keeps the articles with a variant in one of them, and only those
    variants' rows; the `articles` row stays the article's merged row.
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
        if self.categories:  # as any script prints it: "Саясат", "Saiasat", "ساياسات"
            clauses.append(f"exists (select 1 from article_variants v where v.key = a.key and v.category in ({marks(self.categories)}))")
            params.extend(self.categories)
        if self.scripts:
            clauses.append(f"exists (select 1 from article_variants v where v.key = a.key and v.script in ({marks(self.scripts)}))")
            params.extend(self.scripts)
        return " and ".join(clauses) or "1", params


class ExportReads(Connected):
    """The tables of the selected articles, streamed, for crawler/exports."""

    def unknown_categories(self, names: Iterable[str], site: str | None = None) -> dict[str, list[str]]:
        """Of the category `names`, those no stored variant (of `site`) has, each with the stored ones closest to it,
        whatever their case ("jazylghan" → "Jazylghan …")."""
        sql = "select distinct category from article_variants where category is not null"
        stored = [row[0] for row in (self.db.execute(f"{sql} and key in (select key from articles where site = ?)", [site])
                                     if site else self.db.execute(sql))]
        folded = {category.casefold(): category for category in stored}
        return {name: [folded[c] for c in difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.5)]
                for name in names if name not in stored}

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
        column, or for `pages` and `metrics` the script `urls` records for the
        URL of the page (`metrics`: counts seen on listing pages, which belong
        to no variant, drop out).
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
        page = next((name for name in ("url", "source_url") if name in names), None)
        if selection.scripts and ("script" in names or page):
            scripts = marks(selection.scripts)
            # A fetched page has no script column: its URL's script is in `urls`.
            sql += f" and t.script in ({scripts})" if "script" in names else f" and t.{page} in (select url from urls where script in ({scripts}))"
            params = [*params, *selection.scripts]
        return f"{sql} order by {order}", params

    def export_rows(self, table: str, selection: Selection) -> Iterator[dict[str, Any]]:
        """`table`'s rows of the selected articles, streamed from one cursor."""
        sql, params = self.export_query(table, selection)
        yield from self.db.query(sql, params)

    def export_count(self, table: str, selection: Selection) -> int:
        sql, params = self.export_query(table, selection)
        return int(self.db.execute(f"select count(*) from ({sql})", params).fetchone()[0])

    def articles_without_pages(self, selection: Selection) -> list[str]:
        """Keys of the selected articles with no selected `pages` row: crawled with WARC off, or before the WARC index.

        A WARC or WACZ export has no raw page of theirs to hand on.
        """
        articles, params = self.export_query("articles", selection)
        pages, page_params = self.export_query("pages", selection)
        sql = f"select a.key from ({articles}) a where not exists (select 1 from ({pages}) p where p.key = a.key) order by a.key"
        return [row[0] for row in self.db.execute(sql, [*params, *page_params])]

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
        return list(self.db.query(
            f"select id, spider, args, started_at, finished_at from crawl_runs where id in ({marks(sorted(ids))}) order by id",
            sorted(ids)))
