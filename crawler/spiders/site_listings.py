"""Listing pages of the `site` spider: the profile's start pages, the listings they link, and their pagination.

A part of `SiteSpider` (crawler/spiders/site.py), apart from its sitemaps
and feeds (crawler/spiders/site_discovery.py): a listing carries no dates
and is paged one page at a time, so --since, `stop_after_known` and
`max_listing_pages` can stop its series. Its article links go to
`SiteArticles._articles` (crawler/spiders/site_articles.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import scrapy

from crawler.discovery import next_page
from crawler.failures import empty_listing
from crawler.incremental import gone, keep_paging
from crawler.items import PageError
from crawler.parsers import canonical_url
from crawler.spiders.site_articles import SiteArticles
from crawler.urls import as_requested, join_url

if TYPE_CHECKING:
    from scrapy.http import Response

# The next page a listing declares: `rel=next` in its pager or its head, or a pager link of class "next".
_DECLARED_NEXT = "a[rel~=next]::attr(href), link[rel~=next]::attr(href), a.next::attr(href), .next > a::attr(href)"


class SiteListings(SiteArticles):
    """The `site` spider's listing pages: read, paged, and their article links handed on."""

    def _is_later_page(self, url: str) -> bool:
        """A page the profile's pagination reaches (not a start page), such as one an earlier run failed to fetch."""
        profile = self.profile
        return profile.allows(url) and profile.is_next_page(url) and url not in profile.start_urls

    def _listing(self, url: str, series: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed, cb_kwargs={"series": series})

    def parse_listing(self, response: Response, series: str) -> Iterator[Any]:
        """Listing → its article links, its next page unless done, and (from start pages) the listings it links."""
        if not isinstance(response, scrapy.http.TextResponse):
            yield PageError(response.url, "parse", "not_html", f"content type {response.headers.get('Content-Type')!r}")
            return
        self.pages_read[series] = self.pages_read.get(series, 0) + 1
        self.paged.add(canonical_url(response.url))  # a link back to it is no next page
        is_start = response.url in self.profile.start_urls or series in self.profile.start_urls
        articles: list[tuple[str, str]] = []
        next_pages: list[str] = []
        listings: dict[str, str] = {}  # as requested (and in `errors` if it failed) → as linked
        for link in dict.fromkeys(response.css("a::attr(href)").getall()):
            url = join_url(response.url, link.strip())
            if url is None or not url.startswith(("http://", "https://")) or not self.profile.allows(url):
                continue
            if self.profile.is_article(url):
                articles.append((url, link))
            elif self.profile.is_next_page(url):
                next_pages.append(url)
            elif is_start and self.profile.is_listing(url):
                listings[as_requested(url)] = url
        declared = [url for link in response.css(_DECLARED_NEXT).getall()
                    if (url := join_url(response.url, link.strip())) and self._is_later_page(url)]
        self._stat("listings/read")
        if articles and self.crawler.stats is not None:
            self.crawler.stats.inc_value("listings/article_links", len(articles))
        if not (articles or next_pages or listings or declared):
            yield empty_listing(response.url)
            return
        dead = gone(self.frontier, list(listings))  # a linked listing that answered 404 lately is skipped like an article
        for requested, url in listings.items():
            if requested in dead:
                self._stat("incremental/skipped_gone")
            else:
                yield self._listing(url, series=canonical_url(url))
        yield from self._articles(response.url, series, articles)  # first: they decide whether to page on
        following = next_page([url for url in dict.fromkeys([*next_pages, *declared])
                               if canonical_url(url) not in self.paged], declared)
        if (following and series not in self.exhausted and not self._full()
                and self.pages_read[series] < self.profile.max_listing_pages):
            if keep_paging(self.frontier, series):
                self.paged.add(canonical_url(following))
                yield self._listing(following, series)
            else:
                self._stat("incremental/stopped_paging")
