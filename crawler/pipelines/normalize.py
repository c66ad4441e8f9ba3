"""Normalize text once, at the item boundary: Unicode NFC, trimmed, no duplicate authors."""

from __future__ import annotations

import unicodedata
from typing import Any

from crawler.items import ArticleItem

_TEXT_FIELDS = ("title", "category", "source", "body", "body_html")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


class NormalizePipeline:
    """Same characters for the same text, whichever page or script it came from."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        for name in _TEXT_FIELDS:
            value = getattr(item, name)
            if value is not None:
                setattr(item, name, nfc(value))
        item.authors = list(dict.fromkeys(nfc(a) for a in item.authors if a.strip()))
        for quote in item.quotes:
            quote.text = unicodedata.normalize("NFC", quote.text)
        return item
