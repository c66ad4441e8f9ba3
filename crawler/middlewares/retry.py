"""Scrapy's retries, but waiting as long as a 429 or 503 response's Retry-After asks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.http import Request, Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that honours Retry-After (seconds or an HTTP date), up to RETRY_AFTER_MAX.

    Scrapy's own middleware retries a 429 or 503 at once, which is what the
    server just asked us not to do. Here the retry waits the asked time; a
    wait longer than RETRY_AFTER_MAX is not retried at all (the response
    goes on, and the page is recorded as failed with the Retry-After in its
    reason). The number of retries stays RETRY_TIMES.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX")

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response.headers.get("Retry-After"))
        if wait is None:
            return self._retry(request, response_status_message(response.status)) or response
        if wait > self.max_wait:
            self.crawler.stats.inc_value("retry/retry_after_too_long")
            logger.info("Not retrying %s: Retry-After %.0f s is over RETRY_AFTER_MAX (%.0f s)", request, wait, self.max_wait)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        self.crawler.stats.inc_value("retry/retry_after_waits")
        await sleep(wait)
        return retry


def retry_after(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header value asks to wait (RFC 9110: delay-seconds or HTTP-date); None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
