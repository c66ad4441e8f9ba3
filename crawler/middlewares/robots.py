"""Scrapy's robots.txt fetch, reused: the parser keeps the body, `RobotsWatch` tells a spider what came of each host's.

With ROBOTSTXT_OBEY on, Scrapy's RobotsTxtMiddleware fetches each host's
robots.txt before the first request to it and announces the parsed file with
the `robots_parsed` signal. A spider that also wants the file's `Sitemap:`
lines would otherwise ask for robots.txt a second time; with this parser
(ROBOTSTXT_PARSER) it finds the body on the parser the signal carries. A
robots.txt that could not be fetched at all (a network error) is announced by
no signal: `RobotsWatch` tells it from the host's first request going on
without one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.robotstxt import ProtegoRobotParser, RobotParser
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler


class BodyKeepingRobotParser(ProtegoRobotParser):
    """`ProtegoRobotParser` (Scrapy's default) that keeps the robots.txt it parsed, as fetched."""

    def __init__(self, robotstxt_body: bytes, spider: Spider | None) -> None:
        super().__init__(robotstxt_body, spider)
        self.body = robotstxt_body


# A line of a robots.txt: what a 404 page, an error page or an empty file lacks.
_ROBOTS_LINE = re.compile(rb"^[ \t]*(?:user-agent|disallow|allow|sitemap|crawl-delay)[ \t]*:", re.IGNORECASE | re.MULTILINE)


def has_robots_rules(body: bytes) -> bool:
    """True when `body` holds at least one robots.txt line: else the host has no robots.txt to read, whatever the status."""
    return _ROBOTS_LINE.search(body) is not None


class RobotsWatch:
    """Once per watched host: `found(body, robots_url)` when Scrapy fetched a robots.txt, else `missing(robots_url)`.

    RobotsTxtMiddleware sends `robots_parsed` (for any status, a 404
    included, so a body without a single robots.txt line counts as missing)
    before it lets the host's first request go on; when the fetch failed it
    sends nothing and lets the request go on all the same. So a request of a
    host whose robots.txt was not announced by the time it reaches the
    downloader means there was none to read. Hosts are keyed by `host:port`
    as Scrapy requests them (lower case, IDNA), as the middleware keys them.
    Whoever creates a watch keeps it: signals hold their receivers weakly.
    """

    def __init__(self, crawler: Crawler, hosts: Iterable[str], found: Callable[[bytes, str], None],
                 missing: Callable[[str], None]) -> None:
        """`hosts` as URLs (`https://example.kz`); `found` and `missing` get the robots.txt URL."""
        self.pending = {urlsplit(Request(host).url).netloc for host in hosts}
        self.found = found
        self.missing = missing
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.request_reached_downloader, signal=signals.request_reached_downloader)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Signal handler: the robots.txt of the host of `request` (the request that made Scrapy fetch it)."""
        body = getattr(robotparser, "body", None)  # BodyKeepingRobotParser's
        if not self._settle(request):
            return
        if body is not None and has_robots_rules(body):
            self.found(body, _robots_url(request.url))
        else:
            self.missing(_robots_url(request.url))

    def request_reached_downloader(self, request: Request) -> None:
        """Signal handler: a request let through before its host's robots.txt was announced means it failed."""
        if not self.pending or request.meta.get("dont_obey_robotstxt"):  # all settled; or robots.txt itself
            return
        if self._settle(request):
            self.missing(_robots_url(request.url))

    def _settle(self, request: Request) -> bool:
        """True the first time a watched host is heard of."""
        host = urlsplit(request.url).netloc
        if host not in self.pending:
            return False
        self.pending.discard(host)
        return True


def _robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy 2.19's robots.txt middleware, with every request that waited on the fetch judged by the file.

    Requests to a host made while its robots.txt is being fetched all await
    one Deferred: the first gets the parser, the others the value its
    callback returned, None, which lets them through unjudged (a `Disallow: /`
    site had its first listing pages in every script fetched). So the parsers
    are also kept here, by host, as the `robots_parsed` signal announces each
    one (before the waiters resume), and a request gets its host's parser from
    here; a host whose fetch failed has none, as in Scrapy.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.parsed: dict[str, RobotParser] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        """Signal handler: `robotparser` is the robots.txt of the host of `request`."""
        self.parsed[urlparse_cached(request).netloc] = robotparser

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        return self.parsed.get(urlparse_cached(request).netloc, parser)
