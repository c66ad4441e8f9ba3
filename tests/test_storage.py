"""The store: variants merge into one article row, statuses, children, errors, the quotes query."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from crawler.errors import StorageError
from crawler.items import ArticleItem, BestMaterial, Quote
from crawler.storage import SCHEMA_VERSION, Store


def item(script: str = "cyrl", **changes) -> ArticleItem:
    prefix = {"cyrl": "", "latn": "/lt", "arab": "/tt"}[script]
    base = ArticleItem(
        url=f"https://abai.kz{prefix}/post/7", site="abai.kz", article_id="7", key="abai.kz:7", script=script,  # type: ignore[arg-type]
        language="kk", title=f"Тақырып {script}", category="Билік", published_at="2018-09-19T16:01:00+06:00",
        views=10, comments=1, authors=["Айдос Сарым"], body="Бір.\n\nЕкі.", page_date="2024-11-23",
        quotes=[Quote("Сөз", "Айдос Сарым", None, "inline", 0, 1, 4)],
        best_materials=[BestMaterial(url="https://abai.kz/post/8", title="Басқа", views=3, key="abai.kz:8")],
    )
    return replace(base, **changes)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "a.sqlite")


def test_variants_merge_into_one_row_whatever_the_order(tmp_path: Path) -> None:
    rows = []
    for order in (["arab", "latn", "cyrl"], ["cyrl", "arab", "latn"]):
        store = Store(tmp_path / f"{''.join(order)}.sqlite")
        for n, script in enumerate(order):
            store.save_articles([item(script, views=100 + n * 7)])
        row = dict(store.db["articles"].get("abai.kz:7"))
        rows.append({k: row[k] for k in ("title", "url", "script", "views", "category")})
        assert store.db["article_variants"].count == 3
    assert rows[0] == rows[1] == {"title": "Тақырып cyrl", "url": "https://abai.kz/post/7", "script": "cyrl",
                                  "views": 114, "category": "Билік"}


def test_statuses_new_unchanged_updated(store: Store) -> None:
    assert store.save_articles([item()]) == ["new"]
    assert store.save_articles([item(fetched_at="2025-01-01T00:00:00+00:00")]) == ["unchanged"]
    assert store.save_articles([item(title="Жаңа тақырып")]) == ["updated"]
    assert store.db["articles"].get("abai.kz:7")["title"] == "Жаңа тақырып"


def test_children_are_replaced_not_appended(store: Store) -> None:
    store.save_articles([item()])
    store.save_articles([item()])
    assert store.db["quotes"].count == 1
    assert store.db["best_materials"].count == 1
    assert store.db["best_materials"].get(("abai.kz:7", "cyrl", "best_materials", 0))["linked_key"] == "abai.kz:8"


def test_speaker_query_folds_case_beyond_ascii(store: Store) -> None:
    store.save_articles([item()])
    assert [r["text"] for r in store.speaker_quotes("айдос САРЫМ")] == ["Сөз"]
    assert list(store.speaker_quotes("Нұрбек")) == []


def test_errors_and_runs_are_recorded(store: Store) -> None:
    run = store.start_run("abai", {"max_articles": 2})
    store.save_articles([item()], run)
    store.record_error("https://abai.kz/post/9", "download", "http_404", "HTTP 404", run)
    row = store.finish_run(run, {"response_received_count": 3})
    assert (row["articles_new"], row["errors"]) == (1, 1)
    assert store.run_summary(run)["errors_by_kind"] == {"http_404": 1}


def test_foreign_keys_and_wal_are_on(store: Store) -> None:
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2


def test_unusable_database_is_a_storage_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="cannot open database"):
        Store(broken)
    with pytest.raises(StorageError, match="no database"):
        Store(tmp_path / "missing.sqlite", create=False)
