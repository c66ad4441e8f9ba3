"""Reads of the archive: search, quotes, stored variants for reparse, crawl state for incremental crawls (part of crawler/storage.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crawler.storage_rows import SIDEBARS, decoded
from crawler.storage_sql import Connected, chunks, marks


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


def casefold(text: str | None) -> str | None:
    """Unicode case folding for SQL (SQLite's lower() folds only ASCII)."""
    return text.casefold() if text else text


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: every word of `text`, quoted, as a prefix."""
    words = [w for w in text.split() if any(c.isalnum() for c in w)]
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


class Reads(Connected):
    """Queries for the CLI, reparse and incremental crawls."""

    def count(self, table: str) -> int:
        return self.db.table(table).count

    def rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read-only query, for the CLI and tests."""
        yield from self.db.query(sql, list(params))

    def speaker_quotes(self, speaker: str, limit: int = 50) -> Iterator[dict[str, Any]]:
        """Quotes whose speaker name contains `speaker` (case-insensitive), newest article first.

        `%` and `_` in the name are letters, not LIKE's wildcards.
        """
        escaped = speaker.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        yield from self.db.query(
            """select q.speaker, q.role, q.kind, q.text, v.title, v.url, a.published_at
               from quotes q join article_variants v using (key, script) join articles a using (key)
               where casefold(q.speaker) like '%' || :speaker || '%' escape '\\'
               order by a.published_at desc, q.key, q.script, q.position limit :limit""",
            {"speaker": escaped, "limit": limit},
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

        That is the page with the variant's URL and fetch time, or fetched at
        that time from a URL the archive files under the variant's URL (a page
        fetched from another URL than the canonical one it is stored under:
        its `pages` row has the URL asked for); failing that (a row older than
        the WARC index), the latest page fetched with status 200 under its
        URL. Variants with none are left out. `since` keeps pages fetched on or
        after that date.
        """
        return list(self.db.query(
            f"""select v.key, v.script, p.* from article_variants v join pages p on p.id = coalesce(
                 {_fetch_of("v.url", "v.fetched_at")},
                 (select id from pages where url = v.url and status = 200 order by fetched_at desc, id desc limit 1))
               where (:site is null or p.site = :site) and (:since is null or p.fetched_at >= :since)
               order by v.first_seen, v.key, v.script""",
            {"site": site, "since": since},
        ))

    def fetch_of(self, url: str, fetched_at: str | None) -> dict[str, Any] | None:
        """The fetched page (`pages` row) that a variant of `url` fetched at `fetched_at` was read from, if indexed.

        Exactly that fetch, as `reparse_sources` finds it first: not the
        latest page under the URL, which a recrawl has just fetched again.
        """
        rows = list(self.db.query(f"select * from pages where id = {_fetch_of(':url', ':fetched_at')}",
                                  {"url": url, "fetched_at": fetched_at}))
        return rows[0] if rows else None

    def count_variants_without_pages(self, site: str | None = None) -> int:
        """Stored variants (of `site`) with no page `reparse_sources` could read them from: crawled with WARC off."""
        return int(self.db.execute(
            """select count(*) from article_variants v join articles a on a.key = v.key
               where (:site is null or a.site = :site)
                 and not exists (select 1 from pages where url = v.url and status = 200)
                 and not exists (select 1 from pages where url in (select url from urls where canonical_url = v.url)
                                   and fetched_at = v.fetched_at and status = 200)""",
            {"site": site},
        ).fetchone()[0])

    def count_pages(self, kind: str, *, site: str | None = None, since: str | None = None) -> int:
        """How many rows `pages` yields."""
        return int(self.db.execute(f"select count(*) from pages where {_FETCHED}", _fetched(kind, site, since)).fetchone()[0])

    def pages(self, kind: str, *, site: str | None = None, since: str | None = None) -> Iterator[dict[str, Any]]:
        """Every fetch of a kind of page (`listing`, `article`, ...) that got status 200, oldest first."""
        yield from self.db.query(f"select * from pages where {_FETCHED} order by fetched_at, id", _fetched(kind, site, since))

    def stored_variant(self, key: str, script: str) -> dict[str, Any] | None:
        """A variant as its item's `to_dict()` would give it: row fields, quotes and sidebar lists."""
        where = {"key": key, "script": script}
        rows = list(self.db.query("select * from article_variants where key = :key and script = :script", where))
        if not rows:
            return None
        row = decoded(rows[0])
        row["quotes"] = [
            {"text": text, "speaker": speaker, "speaker_role": role, "kind": kind, "paragraph": paragraph,
             "start": start, "end": end}
            for text, speaker, role, kind, paragraph, start, end in self.db.execute(
                "select text, speaker, role, kind, paragraph, start, [end] from quotes where key = :key and script = :script"
                " order by position", where)
        ]
        lists: dict[str, list[dict[str, Any]]] = {name: [] for name in SIDEBARS}
        for name, url, title, category, author, views, linked in self.db.execute(
                "select list, url, title, category, author, views, linked_key from best_materials"
                " where key = :key and script = :script order by list, position", where):
            if name in lists:
                lists[name].append({"url": url, "title": title, "category": category, "author": author,
                                    "views": views, "key": linked})
        row.update(lists)
        return row

    # -- crawl state (crawler/incremental.py, crawler/health.py) -----------

    _STATE_SQL = """select v.key, v.script, v.url, a.published_at, a.first_seen as article_first_seen,
                           v.first_seen, coalesce(v.fetched_at, v.last_seen) as fetched_at
                    from article_variants v join articles a using (key)"""

    def variant_states(self, keys: Iterable[str]) -> dict[tuple[str, str], VariantState]:
        """What the archive holds of these articles: (key, script) → when published, first stored, last fetched."""
        found: dict[tuple[str, str], VariantState] = {}
        for chunk in chunks(list(dict.fromkeys(keys))):
            for row in self.db.query(f"{self._STATE_SQL} where v.key in ({marks(chunk)})", chunk):
                found[(row["key"], row["script"])] = VariantState(**row)
        return found

    def revisit_candidates(self, site: str, scripts: Iterable[str], horizon_days: float) -> list[VariantState]:
        """Stored pages of `site` last fetched less than `horizon_days` after publication (or first storage)."""
        scripts = list(scripts)
        return [VariantState(**row) for row in self.db.query(self.revisit_sql(len(scripts)), [site, *scripts, horizon_days])]

    def revisit_sql(self, scripts: int) -> str:
        """The query of `revisit_candidates`, for a number of scripts.

        It reads every stored page of a site, as a crawl starts: from the
        covering indexes (schema.py), not from the rows, whose dates lie behind
        the body's overflow pages. `+v.script` is no index term: for one script
        SQLite would take the primary key (key, script) and read every row.
        """
        return (f"{self._STATE_SQL} where a.site = ? and +v.script in ({marks(range(scripts))}) and "
                "julianday(coalesce(v.fetched_at, v.last_seen)) < julianday(coalesce(a.published_at, a.first_seen)) + ?")

    def known_dates(self, keys: Iterable[str]) -> dict[str, str]:
        """Key → publication date of the page the archive knows under it, for the keys it knows a date of.

        The stored article's, else the latest a page filed under the key gave
        when fetched (`urls.published_at`): a page dropped as older than
        --since is stored nowhere else.
        """
        found: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(keys))):
            sql = f"""select key, max(published_at) from urls where key in ({marks(chunk)}) and published_at is not null
                      group by key"""
            found.update(self.db.execute(sql, chunk).fetchall())
            sql = f"select key, published_at from articles where key in ({marks(chunk)}) and published_at is not null"
            found.update(self.db.execute(sql, chunk).fetchall())
        return found

    def url_pages(self, urls: Iterable[str]) -> dict[str, tuple[str, str]]:
        """URL → (canonical URL, key) of the page the archive files it under (`urls`), for the URLs it has a row of.

        What a link gave, unless an article page was fetched from the URL and
        said otherwise (`save_page_urls`): its `<link rel=canonical>` named
        another URL of the site, under whose key the page is stored.
        """
        found: dict[str, tuple[str, str]] = {}
        for chunk in chunks(list(dict.fromkeys(urls))):
            sql = f"select url, canonical_url, key from urls where url in ({marks(chunk)})"
            found.update((url, (canonical, key)) for url, canonical, key in self.db.execute(sql, chunk))
        return found

    def failed_urls(self, urls: Iterable[str], kinds: Iterable[str], since: str) -> set[str]:
        """The URLs among `urls` that failed with one of `kinds` at or after `since` (ISO 8601 UTC)."""
        kinds = list(kinds)
        found: set[str] = set()
        for chunk in chunks(list(dict.fromkeys(urls))):
            sql = f"select distinct url from errors where url in ({marks(chunk)}) and kind in ({marks(kinds)}) and occurred_at >= ?"
            found.update(row[0] for row in self.db.execute(sql, [*chunk, *kinds, since]))
        return found

    def unanswered_failures(self, since: str, permanent_kinds: Iterable[str], parse_kinds: Iterable[str] = ()) -> list[str]:
        """URLs that failed since they last answered, first at or after `since` (ISO 8601 UTC); oldest first.

        Failed: a download error, or a parse error of `parse_kinds` (a page
        that answered 2xx with nothing in it). "Answered" is an error row's
        `answered_at` (a listing page that later showed its links, recorded
        with WARC off too), or a response below 400 in the WARC index
        (`pages`) fetched after the error, so a redirect
        whose target then failed still counts as failed (the error is filed
        under the URL first asked for); a 2xx fetch counts only when its run
        found no parse error of those kinds in it, so a page that keeps
        answering an error page with 200 piles up failures like one that keeps
        timing out, and drops out once its first failure is older than `since`.
        A URL that failed with one of `permanent_kinds` since then is left out.
        Only URLs with an error since `since` are looked at
        (`errors.occurred_at` is indexed): the table keeps every failure of
        every run.
        """
        permanent, parse = list(permanent_kinds), list(parse_kinds)
        failed = f"(stage = 'download' or (stage = 'parse' and kind in ({marks(parse)})))"
        sql = f"""select url from errors e
                  where {failed} and answered_at is null
                    and url in (select url from errors where {failed} and occurred_at >= ?)
                    and occurred_at >= coalesce(
                      (select max(fetched_at) from pages p where p.url = e.url and p.status < 400
                         and not exists (select 1 from errors f where f.url = p.url and f.crawl_run is p.crawl_run
                                           and f.stage = 'parse' and f.kind in ({marks(parse)}))), '')
                  group by url having min(occurred_at) >= ? and sum(kind in ({marks(permanent)})) = 0
                  order by min(occurred_at), url"""
        return [row[0] for row in self.db.execute(sql, [*parse, *parse, since, *parse, since, *permanent])]


def _fetch_of(url: str, fetched_at: str) -> str:
    """SQL for the id of the fetch that stored a variant (SQL expressions of its URL and fetch time): the page with that
    URL and time, else one fetched then from a URL `urls` files under it (its `pages` row has the URL asked for)."""
    return f"""coalesce(
        (select id from pages where url = {url} and fetched_at = {fetched_at} and status = 200 order by id desc limit 1),
        (select id from pages where url in (select url from urls where canonical_url = {url})
           and fetched_at = {fetched_at} and status = 200 order by id desc limit 1))"""


# The 200 fetches of a kind of page, of a site (or any), since a time (or ever).
_FETCHED = "kind = :kind and status = 200 and (:site is null or site = :site) and (:since is null or fetched_at >= :since)"


def _fetched(kind: str, site: str | None, since: str | None) -> dict[str, Any]:
    return {"kind": kind, "site": site, "since": since}
