"""Whether a recrawled page whose text differs from the stored one was changed by the site, or only by our reading.

`article_revisions` records what the site changed. But a stored title or body
also differs from a new fetch's when the reader changed since it was stored: a
site profile's selectors edited, another `--profile FILE`, a newer parser.
`ReadAgain` tells the two apart for the store (`Store.save_articles` takes it
as its `site_changed`): it reads the previous fetch of the page again from its
WARC record with the current reader, as `reparse` does. When that gives the
new fetch's title and body, the page did not change. Only pages whose text
differs pay for it (one WARC seek, one parse, in the calling thread). The
store pipeline has them read before its write transaction (`prepare`):
parsed inside it, a batch of changed pages held the archive's write lock for
seconds, which the WARC writer's index waits for (five at most, then fails).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from crawler.errors import CrawlerError
from crawler.reparse import extract

if TYPE_CHECKING:
    from crawler.items import ArticleItem
    from crawler.profiles import Profile
    from crawler.storage import Store

logger = logging.getLogger(__name__)


class ReadAgain:
    """`site_changed` for the store: the previous fetch read again with the current reader (`profile`, else the seeds
    folder's profile of the page's site, as a crawl parses it), against the new fetch."""

    def __init__(self, store: Store, profile: Profile | None = None) -> None:
        self.store = store
        self.profile = profile
        self.outcomes: Counter[str] = Counter()
        """Outcome → pages: `site_changed`, `reading_changed` (no revision), `unverified` (no record of the previous
        fetch to read, or the reader failed on it: a revision, as without this check). The caller turns them into
        stats and clears them."""
        self.answers: dict[tuple[int, str, str | None], bool | None] = {}
        """(id of the item, URL and fetch time of its previous fetch) → `_site_changed`, worked out by `prepare`."""

    def prepare(self, items: list[ArticleItem]) -> None:
        """Read again the previous fetches of the pages of a batch whose title or body differ from their stored
        variant's, before the batch is written: the store then asks for answers already known. Until `clear`."""
        stored = self.store.variants_of((item.key for item in items), ("url", "fetched_at", "title", "body"))
        for item in items:
            previous = stored.get(item.key, {}).get(item.script or "und")
            if previous and (previous["title"], previous["body"]) != (item.title, item.body):
                self.answers[_asked(previous, item)] = self._site_changed(previous, item)

    def clear(self) -> None:
        """Forget a batch's outcomes and answers, once the caller counted them (or the batch failed)."""
        self.outcomes.clear()
        self.answers.clear()

    def __call__(self, previous: dict[str, Any], item: ArticleItem) -> bool:
        asked = _asked(previous, item)  # not prepared: an earlier page of the batch made `previous`
        changed = self.answers[asked] if asked in self.answers else self._site_changed(previous, item)
        self.outcomes["unverified" if changed is None else "site_changed" if changed else "reading_changed"] += 1
        return changed is not False

    def _site_changed(self, previous: dict[str, Any], item: ArticleItem) -> bool | None:
        """Whether the previous fetch, read now, gives another title or body than `item`; None when it cannot be read."""
        if previous.get("fetched_at") == item.fetched_at:  # fetched in the same second: the two records look alike
            return None
        page = self.store.fetch_of(previous["url"], previous.get("fetched_at"))
        if page is None:  # crawled with WARC off, or before the WARC index
            return None
        try:
            again = extract(self.store.path, page, self.profile)
        except CrawlerError as err:  # the file gone or cut short, the record not yet written, or no page any more
            logger.debug("Could not read the previous fetch of %s again (%s): its changed text is a revision", item.url, err)
            return None
        except Exception:  # a parser's bug on the old page: one page's check lost, not its batch (nor ingest's queue)
            logger.exception("Reading the previous fetch of %s again failed: its changed text is kept as a revision",
                             item.url)
            return None
        return (again.title, again.body) != (item.title, item.body)


def _asked(previous: dict[str, Any], item: ArticleItem) -> tuple[int, str, str | None]:
    """What `_site_changed` depends on: the new page, and which fetch of it the stored variant was read from."""
    return id(item), previous["url"], previous.get("fetched_at")
