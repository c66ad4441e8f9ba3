"""scrapy-redis's dupe filter, fingerprinting requests with the crawler's own fingerprinter.

scrapy-redis 0.9's `RFPDupeFilter` hashes `w3lib.canonicalize_url(url)`
itself and ignores REQUEST_FINGERPRINTER_CLASS, so `http://www.abai.kz/index.php/post/1`
and `https://abai.kz/post/1` would be two requests. This subclass asks
`crawler.request_fingerprinter` (crawler/fingerprint.py: our canonical
URL), so a distributed crawl dedupes exactly as a single-machine one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy_redis.dupefilter import RFPDupeFilter

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Request


class CanonicalDupeFilter(RFPDupeFilter):  # type: ignore[misc]  # scrapy-redis ships no types
    """The shared fingerprint set in Redis, keyed by the crawler's fingerprints (hex)."""

    def __init__(self, server: Any, key: str, debug: bool = False, fingerprinter: Any = None) -> None:
        super().__init__(server, key, debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_spider(cls, spider: Spider) -> CanonicalDupeFilter:
        base = super().from_spider(spider)
        return cls(base.server, base.key, base.debug, spider.crawler.request_fingerprinter)

    def request_fingerprint(self, request: Request) -> str:
        if self.fingerprinter is None:  # built outside a crawl (from_settings): scrapy-redis's own hash
            return str(super().request_fingerprint(request))
        return self.fingerprinter.fingerprint(request).hex()  # type: ignore[no-any-return]
