"""Scrapy's robots.txt parser, keeping the file's body: the site spider reads its Sitemap lines from the fetch Scrapy made.

With ROBOTSTXT_OBEY on, Scrapy's RobotsTxtMiddleware fetches each host's
robots.txt before the first request to it and announces the parsed file with
the `robots_parsed` signal. A spider that also wants the file's `Sitemap:`
lines would otherwise ask for robots.txt a second time; with this parser
(ROBOTSTXT_PARSER) it finds the body on the parser the signal carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.robotstxt import ProtegoRobotParser

if TYPE_CHECKING:
    from scrapy import Spider


class BodyKeepingRobotParser(ProtegoRobotParser):
    """`ProtegoRobotParser` (Scrapy's default) that keeps the robots.txt it parsed, as fetched."""

    def __init__(self, robotstxt_body: bytes, spider: Spider | None) -> None:
        super().__init__(robotstxt_body, spider)
        self.body = robotstxt_body
