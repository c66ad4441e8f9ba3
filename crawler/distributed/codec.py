"""Items on the wire between workers and the ingester: one JSON object per item, tagged with its type.

Workers push what their spider yields (`ArticleItem`, `LinksSeen`,
`PageUrl`, `PageError`), the `pages` rows of the WARC records they
wrote and the counts of their requests (responses by status, download
exceptions, retries); the ingester turns each line back into the same
dataclass, so the pipelines see exactly what a single-machine crawl would
have handed them, and adds the counts to its run's stats, as a crawl's
downloader does to its own.
JSON rather than pickle because the ingester must never run code a worker
(or anyone who can write to Redis) chose.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass
from typing import Any

from crawler.errors import FrontierError
from crawler.items import ArticleItem, BestMaterial, LinksSeen, Observation, PageError, PageUrl, Quote, UrlSeen

# The dataclasses a spider yields, by the type tag they travel under.
ITEM_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in (ArticleItem, LinksSeen, PageUrl, PageError)}
# Nested dataclasses inside them, rebuilt from their dicts.
_NESTED: dict[str, type[Any]] = {cls.__name__: cls for cls in (Quote, BestMaterial, UrlSeen, Observation)}
# A `pages` row (crawler/warc.py): where one fetched response sits in which WARC file.
PAGE = "page"
# Scrapy stats counted by a worker since its last such line (`{"downloader/response_status_count/200": 12, ...}`).
STATS = "stats"


@dataclass(frozen=True, slots=True)
class Counts:
    """One stats line: what a worker counted since its previous line, numbered in that worker's stream.

    A push can reach Redis twice (redis-py sends it again when its reply is
    lost; the worker sends a failed push's line again), and counts, unlike
    items, are not deduplicated by what they hold: the ingester adds a line
    only when its number is past the last it added of its stream.
    """

    stream: str
    """The worker process's own name for its lines, new each start: a worker's id (host-pid) can come back."""
    number: int
    """1, 2, … in the order the worker pushes them (one push at a time)."""
    counts: dict[str, int]
    """Stat name → increment."""


def encode_item(item: Any) -> str:
    """One item (a dataclass of `ITEM_TYPES`) as a JSON line: {"type": class name, "data": fields}."""
    name = type(item).__name__
    if name not in ITEM_TYPES:
        raise TypeError(f"cannot send a {name} through the frontier; known: {', '.join(ITEM_TYPES)}")
    return json.dumps({"type": name, "data": dataclasses.asdict(item)}, ensure_ascii=False)


def encode_page(row: dict[str, Any]) -> str:
    """One `pages` row (a WARC record's reference) as a JSON line."""
    return json.dumps({"type": PAGE, "data": row}, ensure_ascii=False)


def encode_stats(line: Counts) -> str:
    """Stats a worker counted, numbered in its stream, as a JSON line."""
    return json.dumps({"type": STATS, "data": dataclasses.asdict(line)}, ensure_ascii=False)


def decode(raw: bytes | str) -> tuple[str, Any]:
    """(type tag, value) of one line: the dataclass for items and stats (`Counts`), the dict for a page row."""
    try:
        message = json.loads(raw)
        kind, data = message["type"], message["data"]
    except (ValueError, KeyError, TypeError) as err:
        raise FrontierError(f"not an item from a worker: {str(raw)[:200]!r} ({err})") from err
    if kind == PAGE:
        return kind, data
    if kind == STATS:
        return kind, _counts(data)
    if kind not in ITEM_TYPES:
        raise FrontierError(f"unknown item type {kind!r} from a worker; known: {', '.join([*ITEM_TYPES, PAGE])}")
    return kind, _build(ITEM_TYPES[kind], data)


def _counts(data: Any) -> Counts:
    """A stats line, checked: a stream's name, its number, and counts of names and whole numbers only (they are added
    to the ingester's stats)."""
    counts = data.get("counts") if isinstance(data, dict) else None
    if not isinstance(counts, dict) or not all(isinstance(k, str) and type(v) is int for k, v in counts.items()):
        raise FrontierError(f"stats from a worker must map names to whole numbers, not {str(data)[:200]!r}")
    if not isinstance(data.get("stream"), str) or type(data.get("number")) is not int:
        raise FrontierError(f"stats from a worker need their stream and number, not {str(data)[:200]!r}")
    return Counts(data["stream"], data["number"], counts)


def _build(cls: type[Any], data: dict[str, Any]) -> Any:
    """`cls(**data)` with lists of nested dataclasses (quotes, sidebar entries) rebuilt too."""
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        value = data[field.name] if field.name in data else _default(field)
        inner = typing.get_args(hints[field.name])
        nested = _NESTED.get(getattr(inner[0], "__name__", "")) if inner else None
        if nested is not None and isinstance(value, list):
            value = [_build(nested, v) if isinstance(v, dict) else v for v in value]
        values[field.name] = value
    return cls(**values)


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    raise FrontierError(f"item field {field.name!r} is missing")
