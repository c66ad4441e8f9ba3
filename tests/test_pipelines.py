"""Pipelines: invalid items are rejected with a reason and land in `errors`; text is normalized; duplicates dropped."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.pipelines.dedupe import DedupePipeline
from crawler.pipelines.normalize import NormalizePipeline
from crawler.pipelines.store import StorePipeline
from crawler.pipelines.validate import InvalidItem, ValidatePipeline
from crawler.storage import Store


def article(**changes) -> ArticleItem:
    values = dict(url="https://abai.kz/post/1", site="abai.kz", article_id="1", key="abai.kz:1", script="cyrl",
                  language="kk", title="Тақырып")
    values.update(changes)
    return ArticleItem(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"title": None}, "no_title"),
        ({"url": "/post/1"}, "bad_url"),
        ({"key": "other.kz:1"}, "bad_key"),
        ({"published_at": "19 Қыркүйек"}, "bad_date"),
        ({"published_at": "2018-09-19T16:01:00"}, "bad_date"),
        ({"views": -1}, "bad_count"),
    ],
)
def test_validate_rejects_with_a_kind(changes: dict, kind: str) -> None:
    with pytest.raises(InvalidItem) as caught:
        ValidatePipeline().process_item(article(**changes))
    assert caught.value.kind == kind


def test_rejected_items_are_written_to_errors(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"DB_PATH": str(tmp_path / "a.sqlite"), "STORE_BATCH_SIZE": 10})
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    bad = article(title=None)
    crawler.signals.send_catch_log(signals.item_dropped, item=bad, response=None,
                                   exception=InvalidItem(bad, "no_title", "article has no title"), spider=None)
    pipeline.process_item(article())
    pipeline.close_spider()
    store = Store(tmp_path / "a.sqlite")
    assert [(r["url"], r["stage"], r["kind"]) for r in store.db["errors"].rows] == [
        ("https://abai.kz/post/1", "validate", "no_title")]
    assert store.db["articles"].count == 1


def test_normalize_composes_unicode_and_dedupes_authors() -> None:
    decomposed = unicodedata.normalize("NFD", "Әшімбаев")
    item = NormalizePipeline().process_item(article(title=f"  {decomposed} ", authors=["А Б", "А Б", " "]))
    assert item.title == "Әшімбаев" and item.authors == ["А Б"]


def test_dedupe_drops_the_second_copy_of_a_variant() -> None:
    crawler = get_crawler()
    pipeline = DedupePipeline.from_crawler(crawler)
    pipeline.process_item(article())
    pipeline.process_item(article(script="latn"))
    with pytest.raises(DropItem):
        pipeline.process_item(article())
    assert crawler.stats.get_value("articles/duplicate") == 1
