"""Why a request failed, as the (kind, reason) pair stored in `errors`.

The one place that knows Scrapy's and Twisted's exceptions. Scrapy 2.19's
download handlers wrap Twisted errors in their own classes
(`DownloadTimeoutError`, `DownloadFailedError`, ...); older code paths and
other handlers still raise the Twisted ones, so both are listed.
"""

from __future__ import annotations

import gzip
import re
import zlib
from typing import TYPE_CHECKING

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web.client import ResponseFailed

from crawler.items import PageError

if TYPE_CHECKING:
    from twisted.python.failure import Failure

# Exception classes → kind, first match wins.
KINDS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, DNSLookupError), "dns"),
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timeout"),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection_refused"),
    ((ResponseDataLossError,), "truncated"),
    ((DownloadFailedError, ResponseFailed, ConnectionLost, ConnectionDone), "connection_lost"),
    # Scrapy 2.19's HTTP/1.1 handler cancels a download only when the body
    # passes DOWNLOAD_MAXSIZE (announced or while streaming); timeouts
    # surface as DownloadTimeoutError.
    ((DownloadCancelledError,), "too_large"),
    # A Content-Encoding the body does not match (HttpCompressionMiddleware).
    ((zlib.error, gzip.BadGzipFile, EOFError), "bad_encoding"),
)
# Kinds a later attempt would meet again: the site refused the page (robots.txt, a 4xx but 408 and 429) or we
# did (off-site, too large, a redirect loop). Any other failure (a timeout, a lost connection, a 5xx, an error
# Scrapy retries that we do not name) may pass: incremental runs resume paging at a listing page that failed
# that way (crawler/incremental.py).
PERMANENT_KINDS: tuple[str, ...] = (
    "robots_disallowed", "offsite", "redirect_offsite", "redirect_loop", "too_many_redirects", "too_large", "ignored",
    *(f"http_{status}" for status in range(400, 500) if status not in (408, 429)),
)
# A listing page that answered 2xx with no article link and no next page: an error page served as a success (a
# CDN's, a framework's, a maintenance notice), or a layout no rule reads. Its series ends there, as at a failed
# download, so incremental runs ask for it again like one (crawler/incremental.py), as they do for a page whose
# callback raised (`parser_exception`, crawler/middlewares/errors.py).
EMPTY_LISTING = "empty_listing"
RETRIED_PARSE_KINDS: tuple[str, ...] = (EMPTY_LISTING, "parser_exception")
# Kinds of failure a site that is down, or refuses the crawler, gives every page: no answer, or a 5xx, 408 or 429.
UNANSWERED_KINDS: frozenset[str] = frozenset(
    {"dns", "timeout", "connection_refused", "connection_lost", "truncated", "http_408", "http_429",
     *(f"http_{status}" for status in range(500, 600))})
# IgnoreRequest messages of Scrapy's own middlewares → kind.
IGNORED: tuple[tuple[str, str], ...] = (
    ("Forbidden by robots.txt", "robots_disallowed"),
    ("DOWNLOAD_MAXSIZE", "too_large"),
    ("max redirections reached", "too_many_redirects"),
    ("Filtered offsite request", "offsite"),
)


class FetchRefused(IgnoreRequest):
    """One of our middlewares refused a response on purpose; `kind` says why (redirect_loop, ...)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def classify(failure: Failure) -> tuple[str, str]:
    """(kind, reason) of a failed request, for the `errors` table."""
    error = failure.value
    if isinstance(error, FetchRefused):
        return error.kind, error.reason
    if isinstance(error, HttpError):
        response = error.response
        reason = f"HTTP {response.status}"
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            reason += f", Retry-After {retry_after.decode('latin-1')}"
        return f"http_{response.status}", reason
    reason = str(error) or type(error).__name__
    if isinstance(error, IgnoreRequest):
        kind = next((kind for text, kind in IGNORED if text in reason), "ignored")
        return kind, reason
    for classes, kind in KINDS:
        if isinstance(error, classes):
            return kind, _reason(kind, error)
    return _snake(type(error).__name__), reason


def download_error(failure: Failure) -> PageError:
    """A failed request as its `errors` row: under the URL first asked for (before redirects), kind and reason from `classify`."""
    request = failure.request  # type: ignore[attr-defined]
    kind, reason = classify(failure)
    return PageError(request.meta.get("redirect_urls", [request.url])[0], "download", kind, reason)


def empty_listing(url: str) -> PageError:
    """The error row of a listing page that held no article link and no next page (`EMPTY_LISTING`)."""
    return PageError(url, "parse", EMPTY_LISTING,
                     "no article link and no next page: an error page answered with 2xx, or a layout no rule reads")


def _reason(kind: str, error: BaseException) -> str:
    text = str(error)
    if text:
        return text
    return {
        "too_large": "body passed DOWNLOAD_MAXSIZE while streaming; download cancelled",
        "truncated": "connection closed before the announced Content-Length arrived",
    }.get(kind, type(error).__name__)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
