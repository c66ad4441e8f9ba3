"""Pipelines: invalid items are rejected with a reason and land in `errors`; text is normalized; duplicates dropped."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, Quote
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
        ({"key": "abai.kzx:1"}, "bad_key"),  # another site whose name starts with this one's
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


def test_the_previous_fetch_is_read_again_before_the_batch_takes_the_write_lock(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A page whose text changed is parsed again from its previous fetch (crawler/revisions.py): outside the batch's
    transaction, whose write lock the WARC writer's index waits for, five seconds at most."""
    crawler = get_crawler(settings_dict={"DB_PATH": str(tmp_path / "a.sqlite"), "STORE_BATCH_SIZE": 10})
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    store = pipeline.store
    assert store is not None
    before, now = "2025-01-01T00:00:00+00:00", "2025-01-02T00:00:00+00:00"
    store.save_pages([{"url": "https://abai.kz/post/1", "status": 200, "kind": "article", "fetched_at": before,
                       "key": "abai.kz:1", "site": "abai.kz", "warc_file": "f.warc.gz", "warc_offset": 0, "warc_length": 1}])
    store.save_articles([article(fetched_at=before)])
    changed = article(title="Жаңа оқылым", fetched_at=now)
    locked: list[bool] = []

    def read_again(*_: object) -> ArticleItem:
        locked.append(store.db.conn.in_transaction)
        return changed  # the old page reads as the new one: only our reading changed

    monkeypatch.setattr("crawler.revisions.extract", read_again)
    pipeline.process_item(changed)
    pipeline.close_spider()
    assert locked == [False]
    assert store.count("article_revisions") == 0 and crawler.stats.get_value("revisions/reading_changed") == 1


def test_a_batch_that_cannot_be_stored_is_recorded_and_later_batches_go_on(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    crawler = get_crawler(settings_dict={"DB_PATH": str(tmp_path / "a.sqlite"), "STORE_BATCH_SIZE": 2})
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    store = pipeline.store
    assert store is not None
    save = store.save_articles

    def refuse_article_2(items: list[ArticleItem], *args: object, **kwargs: object) -> list[str]:
        if any(item.key == "abai.kz:2" for item in items):
            raise RuntimeError("disk on fire")
        return save(items, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "save_articles", refuse_article_2)
    for n in (1, 2, 3, 4):  # batches (1, 2) and (3, 4)
        pipeline.process_item(article(url=f"https://abai.kz/post/{n}", key=f"abai.kz:{n}", article_id=str(n)))
    pipeline.close_spider()
    assert sorted(r["key"] for r in store.db["articles"].rows) == ["abai.kz:3", "abai.kz:4"]  # (1, 2) rolled back
    assert [(r["url"], r["stage"], r["kind"]) for r in store.db["errors"].rows] == [
        ("https://abai.kz/post/1", "store", "store_failed"), ("https://abai.kz/post/2", "store", "store_failed")]
    assert crawler.stats.get_value("store/failed_batches") == 1
    assert store.run()["finished_at"]  # the run is closed all the same



def test_a_full_disk_stops_the_crawl_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """A batch the disk has no room for: the crawl closes (disk_full), said once without a traceback; the batch's
    errors rows and the run's counts need the room that is missing, and their failures said it again, an item's whole
    repr in each (the next run fetches those articles as new)."""
    import sqlite3

    from crawler.errors import StorageError

    def no_room(*args: object, **kwargs: object) -> None:
        full = sqlite3.OperationalError("database or disk is full")
        full.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise StorageError("cannot write to database a.sqlite: database or disk is full") from full

    monkeypatch.setattr("scrapy.utils.defer.is_asyncio_available", lambda: False)  # no reactor: the close runs at once
    crawler = get_crawler(settings_dict={"DB_PATH": str(tmp_path / "a.sqlite"), "STORE_BATCH_SIZE": 1})
    reasons: list[str] = []

    class Engine:
        async def close_spider_async(self, *, reason: str) -> None:
            reasons.append(reason)

    crawler.engine = Engine()  # type: ignore[assignment]
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    assert pipeline.store is not None
    for name in ("save_articles", "record_error", "finish_run"):
        monkeypatch.setattr(pipeline.store, name, no_room)
    pipeline.process_item(article())
    pipeline.process_item(article(url="https://abai.kz/post/2", key="abai.kz:2", article_id="2"))
    pipeline.close_spider()
    assert reasons == ["disk_full"]
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("ERROR", None)]
    assert caplog.records[0].getMessage().startswith("Could not write a batch of 1 articles: cannot write to database")

def test_normalize_composes_unicode_and_dedupes_authors() -> None:
    decomposed = unicodedata.normalize("NFD", "Қайырбек")  # "й" decomposes ("Ә", "ң", "і" have no NFD form)
    assert decomposed != "Қайырбек"
    item = NormalizePipeline().process_item(article(title=f"  {decomposed} ", authors=["А Б", "А Б", " ", decomposed,
                                                                                        "Қайырбек"]))
    assert item.title == "Қайырбек" and item.authors == ["А Б", "Қайырбек"]


def test_normalize_composes_quote_text() -> None:
    quote = Quote(text=unicodedata.normalize("NFD", "Айдос"), speaker=None, speaker_role=None, kind="inline", paragraph=0,
                  start=0, end=5)
    item = NormalizePipeline().process_item(article(quotes=[quote]))
    assert item.quotes[0].text == "Айдос"


def test_dedupe_drops_the_second_copy_of_a_variant() -> None:
    crawler = get_crawler()
    pipeline = DedupePipeline.from_crawler(crawler)
    pipeline.process_item(article())
    pipeline.process_item(article(script="latn"))
    with pytest.raises(DropItem):
        pipeline.process_item(article())
    assert crawler.stats.get_value("articles/duplicate") == 1


def test_a_second_page_claiming_a_url_another_claim_holds_is_rejected_not_stored() -> None:
    """Two template pages naming one URL as canonical: the first is kept; neither is the page itself, so no swap."""
    pipeline = DedupePipeline.from_crawler(get_crawler())
    claimed = {"url": "canonical"}
    first = pipeline.process_item(article(title="Бірінші", strategies=claimed))
    with pytest.raises(InvalidItem) as caught:
        pipeline.process_item(article(title="Екінші", strategies=claimed))
    assert first.title == "Бірінші" and caught.value.kind == "canonical_conflict"
