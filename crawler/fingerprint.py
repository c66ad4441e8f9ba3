"""Request fingerprints on canonical URLs, so every spelling of a page is fetched once."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from crawler.parsers import canonical_url

if TYPE_CHECKING:
    from scrapy.http import Request


class CanonicalRequestFingerprinter:
    """Fingerprint = sha1(method, canonical URL, body): the dupe filter's notion of "same page"."""

    def fingerprint(self, request: Request) -> bytes:
        digest = hashlib.sha1()
        for part in (request.method.encode(), canonical_url(request.url).encode(), request.body or b""):
            digest.update(part)
            digest.update(b"\0")
        return digest.digest()
