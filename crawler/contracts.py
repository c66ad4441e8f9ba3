"""Spider contracts of our own (SPIDER_CONTRACTS), for `scrapy check`."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter, is_item
from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail


class FieldsContract(Contract):
    """`@fields ArticleItem title published_at body`: the callback returns at least one item of that
    class, and each has a non-empty value for every named field.

    Scrapy's `@scrapes` only asks that a field exists, and every field of a
    dataclass item always exists, so it cannot fail on our items. This one
    fails when a field comes out None or empty, or when the callback returns
    no item of the class (say, an error item in place of the article). Items
    of other classes are left alone.
    """

    name = "fields"

    def post_process(self, output: list[Any]) -> None:
        if not self.args:
            raise ContractFail("@fields needs an item class name, then field names")
        cls, names = self.args[0], self.args[1:]
        items = [item for item in output if is_item(item) and type(item).__name__ == cls]
        if not items:
            found = sorted({type(item).__name__ for item in output if is_item(item)}) or ["no items"]
            raise ContractFail(f"returned no {cls} (got {', '.join(found)})")
        for item in items:
            adapter = ItemAdapter(item)
            empty = [name for name in names if adapter.get(name) in (None, "", [], {})]
            if empty:
                raise ContractFail(f"{cls} has no value for: {', '.join(empty)}")
