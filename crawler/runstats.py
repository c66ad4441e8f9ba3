"""The run report: how full each article field came back, which strategy filled it, and what the server answered.

`RunReport` (an extension) counts every stored article page's filled
fields and their strategies as Scrapy stats (`fields/pages`,
`fields/filled/<field>`, `fields/strategy/<field>/<strategy>`), and when the
spider has closed (so the stats hold the finish reason and elapsed time)
writes `run_report(stats)` to the run's `crawl_runs` row, for
`python -m crawler health`. When a site changes its markup, fill rates drop
or fields move from the `selector` strategy to a later one: both show here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.fulldisk import stopping_when_full
from crawler.items import ArticleItem, filled
from crawler.storage import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# Fields whose fill rate a run records: the article's metadata and content.
FIELDS = (
    "title", "published_at", "category", "authors", "views", "comments", "source", "body", "language",
    "images", "page_date", "quotes", "best_materials",
)
_STATUS = "downloader/response_status_count/"
_EXCEPTION = "downloader/exception_type_count/"


class RunReport:
    """Counts filled fields and their strategies of every article page that reached the store; saves the report."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("DB_PATH")
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        return cls(crawler)

    def spider_closed(self, spider: Any = None, reason: str | None = None) -> None:
        """Write the report to the run's row. CoreStats has set `finish_reason` by now: it connected first."""
        assert self.stats is not None
        stats = dict(self.stats.get_stats())
        run_id = stats.get("newsarchive/crawl_run")
        if run_id is None:  # the store never opened: nothing to report to
            return
        stats.setdefault("finish_reason", reason)
        report = {**run_report(stats), "site": getattr(spider, "site", None)}
        store = Store(stats.get("newsarchive/db_path") or self.db_path)
        with stopping_when_full(self.crawler, f"the run report into {store.path}"):
            store.save_run_report(int(run_id), stats, report)

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if not isinstance(item, ArticleItem):
            return
        assert self.stats is not None
        self.stats.inc_value("fields/pages")
        for name in FIELDS:
            if filled(getattr(item, name)):
                self.stats.inc_value(f"fields/filled/{name}")
                strategy = item.strategies.get(name)
                if strategy:
                    self.stats.inc_value(f"fields/strategy/{name}/{strategy}")


def run_report(stats: dict[str, Any]) -> dict[str, Any]:
    """The `crawl_runs` report columns of one run, from its Scrapy stats."""
    pages = int(stats.get("fields/pages", 0))
    requests: dict[str, int] = {}
    for name, value in stats.items():
        if name.startswith(_STATUS):
            requests[name[len(_STATUS):]] = int(value)
        elif name.startswith(_EXCEPTION):
            requests[name[len(_EXCEPTION):].rsplit(".", 1)[-1]] = int(value)
    fill = {name: round(int(stats.get(f"fields/filled/{name}", 0)) / pages, 4) for name in FIELDS} if pages else {}
    strategies: dict[str, dict[str, int]] = {}
    for name, value in stats.items():
        if name.startswith("fields/strategy/"):
            field, strategy = name[len("fields/strategy/"):].split("/", 1)
            strategies.setdefault(field, {})[strategy] = int(value)
    return {
        "items": pages, "finish_reason": stats.get("finish_reason"), "requests_by_status": dict(sorted(requests.items())),
        "fill_rates": fill, "field_strategies": dict(sorted(strategies.items())),
    }
