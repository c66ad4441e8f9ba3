"""Reject article items that break the item contract; the store records why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem


invalid_page = object()
"""Sent with an `InvalidItem` (`exception=`) for a page whose fault is recorded though an item goes on: the claim a
page replaces (crawler/pipelines/dedupe.py). `StorePipeline` records it as it records a dropped item's, and Scrapy
counts no item dropped, as `item_dropped` would make it."""


class InvalidItem(DropItem):
    """An item failed validation; `StorePipeline` writes it to `errors`."""

    def __init__(self, item: ArticleItem, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.url = item.url
        self.kind = kind
        self.reason = reason


class ValidatePipeline:
    """Checks the fields later stages rely on: key, canonical URL, title, dates, counts."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if not item.title:
            raise InvalidItem(item, "no_title", "article has no title")
        if not item.url.startswith("https://") and not item.url.startswith("http://"):
            raise InvalidItem(item, "bad_url", f"not an absolute URL: {item.url}")
        if not item.key.startswith(f"{item.site}:"):
            raise InvalidItem(item, "bad_key", f"key {item.key!r} does not name site {item.site!r}")
        if item.published_at is not None:
            try:
                moment = datetime.fromisoformat(item.published_at)
            except ValueError:
                raise InvalidItem(item, "bad_date", f"published_at is not ISO 8601: {item.published_at!r}") from None
            if moment.tzinfo is None:
                raise InvalidItem(item, "bad_date", f"published_at has no offset: {item.published_at!r}")
        for name in ("views", "comments"):
            value = getattr(item, name)
            if value is not None and value < 0:
                raise InvalidItem(item, "bad_count", f"{name} is negative: {value}")
        return item
