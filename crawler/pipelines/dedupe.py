"""Drop a second copy of the same article page within one crawl; record two pages that claim one URL.

The dupe filter already keeps one request per canonical URL; this catches
the same variant reached under another canonical URL (a redirect, a
`<link rel=canonical>`). Across runs, the store's upsert on `key` dedupes.
A second page under a key whose title differs is no copy: its canonical
link names another article (a template's mistake), and dropping it quietly
would lose an article without a trace, so it is an error row
(`canonical_conflict`) the summary counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.pipelines.validate import InvalidItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class DedupePipeline:
    """One item per (key, script) per crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.titles: dict[tuple[str, str | None], str | None] = {}
        """(key, script) → the title of the page stored under it in this crawl."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        ident = (item.key, item.script)
        if ident not in self.titles:
            self.titles[ident] = item.title
            return item
        kept = self.titles[ident]
        if item.title != kept:
            raise InvalidItem(item, "canonical_conflict", f"names {item.url} as its canonical URL, as the page "
                              f"{kept!r} stored under it in this crawl does; this one, {item.title!r}, is not stored")
        self.stats.inc_value("articles/duplicate")
        raise DropItem(f"duplicate of {item.key} ({item.script}) in this crawl", log_level="INFO")
