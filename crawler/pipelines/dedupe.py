"""Drop a second copy of the same article page within one crawl; record two pages that claim one URL.

The dupe filter already keeps one request per canonical URL; this catches
the same variant reached under another canonical URL (a redirect, a
`<link rel=canonical>`). Across runs, the store's upsert on `key` dedupes.
A second page under a key whose title differs is no copy: one of them names
the other's URL as canonical by mistake (a template's). The page fetched from
that URL itself is the article: it is stored, whichever came first, and the
other is an error row (`canonical_conflict`) the summary counts, never a
silent loss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.pipelines.validate import InvalidItem, invalid_page

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class DedupePipeline:
    """One item per (key, script) per crawl."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.titles: dict[tuple[str, str | None], tuple[str | None, bool]] = {}
        """(key, script) → the title of the page stored under it in this crawl, and whether that page claimed the URL."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        ident, claims = (item.key, item.script), item.strategies.get("url") == "canonical"
        if ident not in self.titles:
            self.titles[ident] = (item.title, claims)
            return item
        kept, kept_claimed = self.titles[ident]
        if item.title != kept and kept_claimed and not claims:  # the page itself, after one that claimed its URL
            self.titles[ident] = (item.title, False)
            replaced = InvalidItem(item, "canonical_conflict", f"a page titled {kept!r} named {item.url} as its "
                                   f"canonical URL and was stored under it; the page itself, {item.title!r}, replaces it")
            self.crawler.signals.send_catch_log(signal=invalid_page, exception=replaced)
            return item
        if item.title != kept:
            raise InvalidItem(item, "canonical_conflict", f"names {item.url} as its canonical URL, as the page "
                              f"{kept!r} stored under it in this crawl does; this one, {item.title!r}, is not stored")
        self.stats.inc_value("articles/duplicate")
        raise DropItem(f"duplicate of {item.key} ({item.script}) in this crawl", log_level="INFO")
