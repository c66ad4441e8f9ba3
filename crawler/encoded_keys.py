"""Schema v3 → v4: article keys and canonical URLs in the percent-encoded form Scrapy requests.

Up to v3 a page of a site profile whose `<link rel=canonical>` printed its
path in Cyrillic was stored under that raw path (`egemen.kz:/article/1-кітап`),
while the page's own URL, its links and its listing sightings were filed in
the encoded form (`egemen.kz:/article/1-%D0%BA…`): one page under two keys,
its counts apart from its text, and a duplicate once the page was fetched
again. `crawler.urls.canonicalize` now encodes; this step renames what an
archive stored before, in every table that holds a key.

Where an archive holds the page under both keys, the two are merged as a
recrawl merges a page that changed: per script, the variant fetched last
stays, the other's title and body go to `article_revisions`, and the
article keeps the earlier `first_seen`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlite_utils

from crawler.urls import as_requested

# Every column that holds an article's key, by table.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "articles": ("key",), "article_variants": ("key",), "article_revisions": ("key",), "quotes": ("key",),
    "best_materials": ("key", "linked_key"), "metrics": ("key",), "urls": ("key",), "pages": ("key",),
}
# Every column that holds a page's canonical URL, which the key is made of (an article's counts name its page by it).
CANONICAL_URL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("articles", "url"), ("article_variants", "url"), ("article_revisions", "url"), ("urls", "canonical_url"),
    ("metrics", "source_url"),
)
# When a variant was last fetched: what decides which of two spellings' variants stays current.
_FETCHED = "coalesce({0}.fetched_at, {0}.last_seen)"


def encoded_key(key: str) -> str:
    """A `site:path` key with its path as Scrapy requests it; an abai.kz key (`abai.kz:124675`) is left as it is."""
    site, colon, path = key.partition(":")
    if not colon or not path.startswith("/"):
        return key
    return f"{site}:{urlsplit(as_requested('http://host' + path)).path}"


def encode_keys(db: sqlite_utils.Database) -> None:
    """Rename every raw key and canonical URL to its encoded form, merging a page stored under both (module docstring)."""
    renames = {
        old: new
        for table, columns in KEY_COLUMNS.items() for column in columns
        for (old,) in db.execute(f"select distinct [{column}] from [{table}] where [{column}] is not null")
        if (new := encoded_key(old)) != old
    }
    db.conn.create_function("encoded_url", 1, lambda url: url if url is None else as_requested(url), deterministic=True)
    for table, column in CANONICAL_URL_COLUMNS:
        db.execute(f"""update or ignore [{table}] set [{column}] = encoded_url([{column}])
                       where [{column}] <> encoded_url([{column}])""")
    db.execute("delete from metrics where source_url <> encoded_url(source_url)")  # the same count, kept encoded
    if not renames:
        return
    db.execute("PRAGMA defer_foreign_keys = ON")  # an article's rows move one table at a time; checked at commit
    db.execute("create temp table _renames (old text primary key, new text)")
    db.conn.executemany("insert into _renames values (?, ?)", renames.items())
    _retire_older(db)
    for table, columns in KEY_COLUMNS.items():
        for column in columns:
            db.execute(f"""update or ignore [{table}] set [{column}] = (select new from _renames where old = [{column}])
                           where [{column}] in (select old from _renames)""")
    db.execute("""update articles set first_seen = (select first_seen from _articles a where a.key = articles.key)
                  where key in (select key from _articles)""")
    # A count seen under both keys is one observation, already kept under the new key.
    db.execute("delete from metrics where key in (select old from _renames)")
    for table in ("_renames", "_older", "_articles"):
        db.execute(f"drop table {table}")


def _retire_older(db: sqlite_utils.Database) -> None:
    """Of an article's rows under both keys, delete the one fetched first; its variants' text goes to `article_revisions`.

    Leaves `_articles`: the first sighting of each article kept under both.
    """
    db.execute(f"""create temp table _older as
        select case when {_FETCHED.format('raw')} > {_FETCHED.format('enc')} then enc.key else raw.key end as key,
               raw.script as script, r.new as new,
               max({_FETCHED.format('raw')}, {_FETCHED.format('enc')}) as replaced_at
        from _renames r join article_variants raw on raw.key = r.old
        join article_variants enc on enc.key = r.new and enc.script = raw.script""")
    db.execute(f"""insert into article_revisions
        (key, script, url, observed_at, last_seen, replaced_at, title, body, content_hash, parser_version, crawl_run)
        select o.new, v.script, encoded_url(v.url), min(v.first_seen, {_FETCHED.format('v')}), {_FETCHED.format('v')},
               o.replaced_at, v.title, v.body, v.content_hash, v.parser_version, v.crawl_run
        from article_variants v join _older o on v.key = o.key and v.script = o.script""")
    for table in ("quotes", "best_materials", "article_variants"):
        db.execute(f"delete from [{table}] where (key, script) in (select key, script from _older)")
    db.execute(f"""create temp table _articles as
        select r.new as key, min(raw.first_seen, enc.first_seen) as first_seen,
               case when {_FETCHED.format('raw')} > {_FETCHED.format('enc')} then enc.key else raw.key end as older
        from _renames r join articles raw on raw.key = r.old join articles enc on enc.key = r.new""")
    db.execute("delete from articles where key in (select older from _articles)")
