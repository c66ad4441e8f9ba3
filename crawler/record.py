"""`fixtures record`: fetch pages with the project's own Scrapy settings (or take saved files) and save them as fixtures.

The fetch is a tiny Scrapy crawl with the settings every crawl uses (User-Agent,
robots.txt, throttling, retries, size limit, compression), so a saved page is
what the crawler itself would have received. Nothing is stored in the archive:
the responses are written into the site's fixture mirror (`crawler/fixtures.py`)
with their expected JSON from the current parser.

Redirects are saved as they came (status and `Location`) and their target,
on the same site, is fetched and saved too, so a replayed crawl follows the
same hops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.crawl import scrapy_process
from crawler.errors import ConfigError
from crawler.fixtures import (
    FieldDiff,
    RecordedResponse,
    SavedPage,
    check_site_urls,
    diff_fields,
    parse_saved,
    read_expected,
    save_page,
    write_expected,
)
from crawler.interrupts import interrupts_deferred
from crawler.mirror import with_mirror
from crawler.progress import NoProgress
from crawler.urls import on_site, site_of
from crawler.warc import fetched_time

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.progress import Progress

MAX_REDIRECTS = 5

Saved = Callable[[SavedPage, dict[str, Any] | None, list[FieldDiff] | None], None]
"""Told of each page as soon as it is saved: the page, its expected JSON, and how that changed since its last recording."""


@dataclass
class RecordResult:
    """What one `record` saved, and the URLs it could not fetch."""

    saved: list[tuple[SavedPage, dict[str, Any] | None]] = field(default_factory=list)
    """Each saved page with the expected JSON written for it (None when its kind has no parser)."""
    changed: dict[str, list[FieldDiff]] = field(default_factory=dict)
    """URL → how the expected JSON a page had before this recording differs from its new one (fetch time aside)."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(URL, reason) of every request that got no response."""


def record(urls: list[str], directory: Path, site: str, kind: str | None = None,
           overrides: dict[str, Any] | None = None, saved: Saved | None = None,
           progress: Progress | None = None) -> RecordResult:
    """Fetch `urls`, counting them on `progress` as they come, and save each response, and its expected JSON, into the
    fixture folder `directory`, telling `saved` of each page as it is saved: an interrupted recording has said which
    pages it kept."""
    check_site_urls(urls, site)
    responses, failed = fetch(urls, site, overrides or {}, progress)
    result = RecordResult(failed=failed)
    requested = set(urls)
    order = {url: i for i, url in reversed(list(enumerate(urls)))}
    responses.sort(key=lambda r: order.get(r.url, len(urls)))  # as asked; redirect targets last, as they came
    unique: dict[str, RecordedResponse] = {}
    for response in responses:
        unique.setdefault(response.url, response)  # a redirect's target that was also asked for came twice: one page
    for response in unique.values():
        _save(result, directory, response, kind if response.url in requested else None, saved=saved)
    return result


def record_file(path: Path, url: str, directory: Path, site: str, kind: str | None = None,
                saved: Saved | None = None) -> RecordResult:
    """Save a page kept on disk (a browser's "Save page as", a page written by hand) as the 200 answer of `url`.

    For pages the crawler cannot fetch from here. The page is served as HTML,
    in UTF-8 when its bytes are, else with no charset, which the crawl then
    detects as it would from such a server.
    """
    check_site_urls([url], site)
    try:
        body = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror or err}") from err
    try:
        body.decode("utf-8")
        content_type = "text/html; charset=utf-8"
    except UnicodeDecodeError:
        content_type = "text/html"
    now = datetime.now(UTC).isoformat(timespec="seconds")
    result = RecordResult()
    _save(result, directory, RecordedResponse(url, 200, {"Content-Type": content_type}, body, now), kind,
          source=f"file {path.name}, saved {now[:10]}", saved=saved)
    return result


def _save(result: RecordResult, directory: Path, response: RecordedResponse, kind: str | None,
          source: str | None = None, saved: Saved | None = None) -> None:
    """Save one response and its expected JSON, noting how that JSON changed since the page's last recording. Ctrl-C
    waits until both are written, and `saved` told: a page in the manifest without its JSON fails `fixtures check`."""
    with interrupts_deferred():
        page = save_page(directory, response, kind, source)
        before, expected = _previous(page), parse_saved(page)
        if expected is not None:
            write_expected(page, expected)
        if expected is not None and before is not None and (
                diffs := diff_fields({**before, "fetched_at": None}, {**expected, "fetched_at": None})):
            result.changed[page.url] = diffs
        result.saved.append((page, expected))
        if saved is not None:
            saved(page, expected, result.changed.get(page.url))


def _previous(page: SavedPage) -> dict[str, Any] | None:
    """The expected JSON a page had before this recording; one that cannot be read (a merge conflict) counts as none."""
    try:
        before = read_expected(page)
    except ConfigError:
        return None
    return before if isinstance(before, dict) else None


def fetch(urls: list[str], site: str, overrides: dict[str, Any],
          progress: Progress | None = None) -> tuple[list[RecordedResponse], list[tuple[str, str]]]:
    """Run a Scrapy crawl of exactly `urls` (plus same-site redirect targets) with the project's settings, counting on
    `progress` each URL whose answer came (at the end of its redirects) or whose fetch failed."""
    progress = progress or NoProgress()
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")  # nothing goes to the archive
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    settings.setdict(with_mirror(overrides), priority="cmdline")
    responses: list[RecordedResponse] = []
    failed: list[tuple[str, str]] = []
    process = scrapy_process(settings)
    process.crawl(RecordSpider, urls=urls, site=site, responses=responses, failed=failed, progress=progress)
    progress.start("pages", len(urls))  # once Scrapy's log handler is in place: a bar then shows its lines above it
    process.start()
    progress.finish()
    return responses, failed


class RecordSpider(scrapy.Spider):
    """Requests the given URLs once each, keeps every response whatever its status, and counts on `progress` each URL
    done (answered at the end of its redirects, or failed)."""

    name = "newsarchive-record"

    def __init__(self, urls: list[str], site: str, responses: list[RecordedResponse],
                 failed: list[tuple[str, str]], progress: Progress, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls, self.site, self.responses, self.failed, self.progress = urls, site, responses, failed, progress

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield self._request(url, hops=0)

    def _request(self, url: str, hops: int, dont_filter: bool = False) -> scrapy.Request:
        # No redirect following and no status filtering: a 301 or a 404 is saved as it is.
        return scrapy.Request(url, callback=self.keep, errback=self.lost, cb_kwargs={"hops": hops},
                              meta={"dont_redirect": True, "handle_httpstatus_all": True}, dont_filter=dont_filter)

    def keep(self, response: Response, hops: int) -> Iterator[scrapy.Request]:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        self.responses.append(RecordedResponse(response.url, response.status, headers, response.body,
                                               fetched_time(response)))
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location and hops < MAX_REDIRECTS:
            target = response.urljoin(location.decode("latin-1"))
            if on_site(site_of(target), self.site):
                # Not filtered: http → https is the same page to the dupe filter, and its line replaces the 301's.
                yield self._request(target, hops + 1, dont_filter=True)
                return
        self.progress.advance(1)

    def lost(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.failed.append((request.url, f"{type(failure.value).__name__}: {failure.value}"))
        self.progress.advance(1)
