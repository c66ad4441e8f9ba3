"""How an article page becomes rows: variant fields, content hash, the merged article row, children (part of crawler/storage.py).

Pure functions of items and rows, no SQL: what the store writes is decided
here, how and when it writes it in `crawler/storage_articles.py`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Literal

from crawler.items import ArticleItem, Observation, filled

Status = Literal["new", "updated", "unchanged"]
SCRIPT_ORDER = ("cyrl", "latn", "arab", None)
# Fields whose change makes a stored variant "updated". Frozen: every stored `content_hash` is of
# exactly these, so a field added later is stored but not hashed (or every stored page would look changed).
HASHED_FIELDS = ("url", "language", "title", "category", "published_at", "views", "comments", "authors",
                 "source", "body", "body_html", "images")
# Declared metadata stored since schema v3, not hashed: a page that differs only in them is rewritten,
# still "unchanged" (so a page stored before v3 gets them on its next fetch).
DECLARED_FIELDS = ("modified_at", "tags", "image")
# Item fields kept per variant; the article row is merged from them.
VARIANT_FIELDS = (*HASHED_FIELDS, "page_date", "fetched_at", "strategies", *DECLARED_FIELDS)
# Metadata a fetch may fail to read when the site changes its markup: a stored value is not replaced by nothing.
KEPT_FIELDS = ("language", "category", "published_at", "views", "comments", "authors", "source", "page_date",
               "modified_at", "tags", "image")
# Text columns that hold JSON (lists or objects); exports decode them.
JSON_COLUMNS = frozenset({"authors", "images", "strategies", "tags"})

QUOTE_COLUMNS = ("key", "script", "position", "speaker", "role", "kind", "text", "paragraph", "start", "end")
SIDEBAR_COLUMNS = ("key", "script", "list", "position", "linked_key", "url", "title", "category", "author", "views")
METRIC_COLUMNS = ("key", "observed_at", "source_kind", "source_url", "views", "comments", "crawl_run")
SIDEBARS = ("best_materials", "most_read")


def content_hash(row: dict[str, Any]) -> str:
    """sha1 of the fields whose change counts as an update."""
    payload = json.dumps({f: row.get(f) for f in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def keep_known(variant: dict[str, Any], previous: dict[str, Any], parser_version: int | None) -> None:
    """Fill the metadata a new fetch left empty from the stored variant, marked "kept" in its strategies.

    A site whose markup changed yields pages without their date, category or
    counts; written as they are, they would wipe what the archive knew, and
    revisions keep only titles and bodies. `health` still sees the drop: it
    counts the fields of the parsed pages, not of the stored rows. Only when
    the same parser version read both: a newer parser's empty field is its
    judgement (it may no longer find a byline an older one took by mistake),
    so `reparse` with a new version, or the first fetch after an upgrade,
    clears what it does not find. A modification date is not kept before a
    new publication date.
    """
    if previous.get("parser_version") != parser_version:
        return
    kept = [name for name in KEPT_FIELDS if not filled(variant.get(name)) and filled(previous.get(name))]
    if "modified_at" in kept and _before(previous["modified_at"], variant.get("published_at")):
        kept.remove("modified_at")
    if kept:
        variant.update({name: previous[name] for name in kept})
        variant["strategies"] = {**(variant.get("strategies") or {}), **dict.fromkeys(kept, "kept")}


def _before(moment: str, other: str | None) -> bool:
    """True when ISO 8601 `moment` is earlier than `other` (False when either is missing or unreadable)."""
    try:
        return bool(other) and datetime.fromisoformat(moment) < datetime.fromisoformat(str(other))
    except (TypeError, ValueError):  # unreadable, or a naive time against an aware one
        return False


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A variant row with its JSON columns as Python values (a copy)."""
    out = dict(row)
    for name in JSON_COLUMNS:
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
    for name in ("category", "published_at", "authors", "source", "modified_at", "tags", "image"):
        row[name] = next((v[name] for v in ordered if v.get(name)), best.get(name))
    for name in ("views", "comments"):
        counts = [v[name] for v in ordered if v.get(name) is not None]
        row[name] = max(counts) if counts else None
    for name in ("page_date", "fetched_at"):
        values = [v[name] for v in ordered if v.get(name)]
        row[name] = max(values) if values else None
    row["content_hash"] = hashlib.sha1("".join(sorted(v["content_hash"] for v in ordered)).encode()).hexdigest()
    return row


def observations_of(item: ArticleItem, observed_at: str) -> list[Observation]:
    """The counts an article page shows: its own, and those of the articles its sidebar lists link."""
    at = item.fetched_at or observed_at
    found = [Observation(item.key, at, item.url, "article", item.views, item.comments)]
    for entry in [*item.best_materials, *item.most_read]:
        if entry.key and entry.views is not None:
            found.append(Observation(entry.key, at, item.url, "best_materials", entry.views))
    return found


def metric_rows(observations: list[Observation], run_id: int | None) -> list[tuple[Any, ...]]:
    """`metrics` rows (METRIC_COLUMNS) of the observations that saw a count."""
    return [(o.key, o.observed_at, o.source_kind, o.source_url, o.views, o.comments, run_id)
            for o in observations if o.views is not None or o.comments is not None]


def quote_rows(item: ArticleItem, script: str) -> list[tuple[Any, ...]]:
    """`quotes` rows (QUOTE_COLUMNS) of a page, in body order."""
    return [(item.key, script, n, q.speaker, q.speaker_role, q.kind, q.text, q.paragraph, q.start, q.end)
            for n, q in enumerate(item.quotes)]


def sidebar_rows(item: ArticleItem, script: str) -> list[tuple[Any, ...]]:
    """`best_materials` rows (SIDEBAR_COLUMNS) of a page's sidebar lists, in page order."""
    return [(item.key, script, name, n, m.key, m.url, m.title, m.category, m.author, m.views)
            for name in SIDEBARS for n, m in enumerate(getattr(item, name))]
