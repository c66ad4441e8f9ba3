"""Drop a second copy of the same article page within one crawl.

The dupe filter already keeps one request per canonical URL; this catches
the same variant reached under another canonical URL (a redirect, a
`<link rel=canonical>`). Across runs, the store's upsert on `key` dedupes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class DedupePipeline:
    """One item per (key, script) per crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.seen: set[tuple[str, str | None]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        ident = (item.key, item.script)
        if ident in self.seen:
            self.stats.inc_value("articles/duplicate")
            raise DropItem(f"duplicate of {item.key} ({item.script}) in this crawl")
        self.seen.add(ident)
        return item
