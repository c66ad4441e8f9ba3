"""Responses are what their bytes are: a file is not a page, and an undeclared Cyrillic code page is named."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse, Response, TextResponse

from crawler.encoding import looks_binary, undeclared_codepage

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class ContentSniffMiddleware:
    """Turns binary bodies into plain `Response`s and sets the code page of undeclared Cyrillic pages.

    Runs after decompression. A server that sends an image or an archive as
    `text/html` would otherwise have it parsed as a page (and recorded as a
    page without a title); as a plain Response the spider records it as
    `not_html`. A page with no charset in its header, BOM or `<meta>` that
    is not UTF-8 gets windows-1251 or KZ-1048 when its bytes say so
    (`crawler.encoding.cyrillic_codepage`); anything else is left to Scrapy.
    """

    def __init__(self, stats: StatsCollector | None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContentSniffMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or request.method == "HEAD":
            return response
        if looks_binary(response.body):
            self._count("content/binary_as_text")
            return Response(**{name: getattr(response, name) for name in Response.attributes})
        if isinstance(response, HtmlResponse):
            codec = undeclared_codepage(response.headers.get("Content-Type"), response.body)
            if codec:
                self._count(f"content/undeclared_{codec}")
                return response.replace(encoding=codec)
        return response

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
