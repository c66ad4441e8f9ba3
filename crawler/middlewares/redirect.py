"""Redirects that are followed only when they lead somewhere new and on site; the others become errors.

Scrapy's RedirectMiddleware hands every redirect to the scheduler, whose
dupe filter silently drops a target it has seen: a loop (A → B → A) or a
redirect to another spelling of the same page (http → https, `www.`) then
vanishes without a trace, and the off-site filter drops an off-site target
just as silently. These subclasses refuse loops, off-site targets and over
long chains with a `FetchRefused` the spider's errback records, and let a
redirect to a respelling of the same page through the dupe filter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.utils.url import url_is_from_any_domain

from crawler.failures import FetchRefused
from crawler.parsers import canonical_url

if TYPE_CHECKING:
    from scrapy import Request


class _Guard:
    """The checks, shared by the Location-header and the meta-refresh middleware."""

    crawler: Any
    max_redirect_times: int

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise FetchRefused("redirect_loop", "redirect loop: " + " -> ".join([*chain, redirected.url]))
        domains = getattr(self.crawler.spider, "allowed_domains", None)
        if domains and not url_is_from_any_domain(redirected.url, domains):
            raise FetchRefused("redirect_offsite", f"redirect to off-site {redirected.url}")
        if len(chain) > self.max_redirect_times:
            raise FetchRefused("too_many_redirects", f"more than {self.max_redirect_times} redirects, last to {redirected.url}")
        redirected = super()._redirect(redirected, request, reason)  # type: ignore[misc]
        if canonical_url(redirected.url) == canonical_url(request.url):
            redirected.dont_filter = True  # the same page respelled: the dupe filter would drop it
        return redirected


class GuardedRedirectMiddleware(_Guard, RedirectMiddleware):
    """RedirectMiddleware (3xx + Location) with loop, off-site and respelling handling."""


class GuardedMetaRefreshMiddleware(_Guard, MetaRefreshMiddleware):
    """MetaRefreshMiddleware (`<meta http-equiv=refresh>`) with the same checks."""
