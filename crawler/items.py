"""Typed items that parsers return and pipelines store.

Every field states its contract in the docstring below it; values are
normalized once, by the parser that builds the item, so later stages can
trust them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Script = Literal["cyrl", "latn", "arab"]
QuoteKind = Literal["inline", "dash", "block", "question", "indirect"]


@dataclass(slots=True)
class BestMaterial:
    """One entry of a sidebar list ("Үздік материалдар", most read, ...)."""

    url: str | None
    """Canonical URL of the linked article, or None when the page gives no link."""
    title: str
    """Trimmed title as printed."""
    category: str | None = None
    """Category label printed above the title."""
    author: str | None = None
    """Author name printed under the title."""
    views: int | None = None
    """View count printed beside the entry."""
    key: str | None = None
    """`site:id` key of the linked article, when the URL names one."""


@dataclass(slots=True)
class ListingEntry:
    """One article card or feed line on a listing page (homepage, category)."""

    url: str
    """Canonical URL of the article."""
    link: str
    """The link's absolute URL as printed, before canonicalization."""
    key: str
    """`site:id` key of the article."""
    title: str
    """Trimmed title as printed on the card."""
    category: str | None = None
    author: str | None = None
    views: int | None = None
    comments: int | None = None
    published_at: str | None = None
    """ISO 8601 with offset, when the card prints a date."""


@dataclass(slots=True)
class Listing:
    """A parsed listing page: its article entries and the next page to read."""

    url: str
    """Canonical URL of the listing page."""
    entries: list[ListingEntry] = field(default_factory=list)
    """Every article entry, in page order, one per distinct article per block."""
    next_page: str | None = None
    """Canonical URL of the following page, or None on the last page."""
    page_date: str | None = None
    """The site's "today" header as an ISO date (YYYY-MM-DD)."""

    def observations(self, observed_at: str, source_url: str) -> list[Observation]:
        """The counts the entries print, once per article (its first entry that prints any)."""
        found: dict[str, Observation] = {}
        for entry in self.entries:
            if entry.key not in found and (entry.views is not None or entry.comments is not None):
                found[entry.key] = Observation(entry.key, observed_at, source_url, "listing", entry.views, entry.comments)
        return list(found.values())


@dataclass(slots=True)
class Quote:
    """A direct (or indirect) quotation with its speaker."""

    text: str
    """The quoted words, without guillemets or dashes."""
    speaker: str | None
    """The speaker's name in normal case ("Айдос Сарым"), or None when unknown."""
    speaker_role: str | None
    """The speaker's role when the text gives one ("Қоғамдық даму министрі")."""
    kind: QuoteKind
    """inline «…» деді; dash – …, – дейді; block "Name SURNAME:" + dash paragraph; question; indirect."""
    paragraph: int
    """Index of the paragraph (in the item's body) holding the quote."""
    start: int
    """Offset of the quote's first character in that paragraph."""
    end: int
    """Offset just past the quote's last character in that paragraph."""


@dataclass(slots=True)
class ArticleItem:
    """One article page as the site showed it, in one script."""

    url: str
    """Canonical URL: https, no www, no /index.php, no query or fragment."""
    site: str
    """Site name, the registrable host ("abai.kz")."""
    article_id: str | None
    """The site's own article id ("124675"), when its URLs carry one."""
    key: str
    """Dedupe key, `site:article_id` (or `site:` + canonical path without one)."""
    script: Script | None
    """Writing system of the page: "cyrl", "latn" or "arab"."""
    language: str | None
    """ISO 639-1 language of the body, detected ("kk", "ru", "en")."""
    title: str | None
    """Trimmed headline."""
    category: str | None = None
    """Category label as printed in the article head."""
    published_at: str | None = None
    """ISO 8601 with the offset the site's time zone had on that date."""
    views: int | None = None
    """View count printed on the page."""
    comments: int | None = None
    """Comment count printed on the page ("N пікір")."""
    authors: list[str] = field(default_factory=list)
    """Authors in normal case, from the byline or the author block."""
    source: str | None = None
    """Source line printed under the body ("Abai.kz")."""
    body: str = ""
    """Body paragraphs joined by a blank line; no byline, source line, sidebar or buttons."""
    body_html: str = ""
    """Sanitized article HTML: paragraphs, headings, lists, quotes, links, images only."""
    images: list[str] = field(default_factory=list)
    """Absolute URLs of images inside the article."""
    best_materials: list[BestMaterial] = field(default_factory=list)
    """The "Үздік материалдар" sidebar, in page order."""
    most_read: list[BestMaterial] = field(default_factory=list)
    """A most-read sidebar list, when the page has one."""
    page_date: str | None = None
    """The site's "today" header (YYYY-MM-DD): the day the page was seen, not published."""
    fetched_at: str | None = None
    """ISO 8601 UTC time of the fetch, passed in by the caller."""
    quotes: list[Quote] = field(default_factory=list)
    """Direct quotations found in the body."""
    strategies: dict[str, str] = field(default_factory=dict)
    """For each filled field, the strategy that produced it ("selector", "text", "meta")."""
    modified_at: str | None = None
    """ISO 8601 with offset: when the page says the article was last modified."""
    tags: list[str] = field(default_factory=list)
    """Tags or keywords the page declares (`article:tag`, JSON-LD `keywords`), trimmed, in page order."""
    image: str | None = None
    """Absolute URL of the lead image the page declares (`og:image`, JSON-LD `image`)."""

    @property
    def paragraphs(self) -> list[str]:
        """The body split back into its paragraphs."""
        return [p for p in self.body.split("\n\n") if p]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every field."""
        return asdict(self)


def filled(value: Any) -> bool:
    """A field counts as filled unless it is None, empty text or an empty list."""
    return value is not None and value != "" and value != [] and value != {}


@dataclass(slots=True)
class UrlSeen:
    """A link to an article as a listing printed it, before canonicalization."""

    url: str
    """Absolute URL exactly as linked."""
    canonical_url: str
    key: str
    script: Script | None


@dataclass(slots=True)
class PageUrl:
    """A URL an article page was fetched from, as the page it leads to: a row of `urls`.

    The site spider yields one with each page's item (and for a page
    dropped as older than --since, whose date saves the next runs its
    fetch; so does the abai spider), for the URL it asked for and each it
    was redirected through: filed under the page's key, which
    may be another URL's (the page's `<link rel=canonical>` named another
    article of the site, a slug, an AMP page's article; a permanent redirect
    led there), else under the URL's own. The page is authoritative: this
    row replaces what a listing's sighting of the URL said, and later
    sightings leave it alone, so incremental runs know the link as that
    stored page.
    """

    url: str
    """The URL as requested (as in `pages` and `errors`): the one asked for, or one it redirected to."""
    canonical_url: str
    """Canonical URL of the page it leads to: its item's `url`, or the URL's own."""
    key: str
    """The key of the page it leads to: its item's, or the URL's own."""
    script: Script | None
    """The page's script, as its item's (None for a URL filed as its own page)."""
    fetched_at: str | None = None
    """When the page was fetched (as its `pages` row says; None without WARC)."""
    published_at: str | None = None
    """The page's publication date (ISO 8601 with offset), as its item's: kept for a page dropped as older than --since."""


ObservationKind = Literal["article", "listing", "best_materials", "feed"]


@dataclass(slots=True)
class Observation:
    """An article's counts as one page showed them at one moment: a row of `metrics`."""

    key: str
    """`site:id` key of the article counted (which may not be in the archive)."""
    observed_at: str
    """ISO 8601 UTC time of the fetch of the page that printed the counts."""
    source_url: str
    """URL of that page, as in `pages.url`."""
    source_kind: ObservationKind
    """What printed them: the article's own page, a listing card, a sidebar list, a feed item."""
    views: int | None = None
    comments: int | None = None


@dataclass(slots=True)
class LinksSeen:
    """What one listing page showed of other articles: its links (rows of `urls`) and the counts beside them (`metrics`).

    One item per page rather than one per link: a listing links about a
    hundred articles, and Scrapy's machinery for each item (spider
    middlewares, pipelines, signals) costs more than storing the rows.
    """

    page_url: str
    """URL of the listing page."""
    links: list[UrlSeen] = field(default_factory=list)
    """Every article link, in page order."""
    observations: list[Observation] = field(default_factory=list)
    """Counts printed beside the links, one per article."""

    @classmethod
    def of(cls, page_url: str, links: list[UrlSeen],
           observations: list[Observation] | None = None) -> list[LinksSeen]:
        """What a page showed, as the one item a spider yields for it; none when it showed no article."""
        return [cls(page_url, links, observations or [])] if links or observations else []


@dataclass(slots=True)
class PageError:
    """A page that could not be fetched or parsed; stored in `errors`, never dropped silently."""

    url: str
    stage: str
    """Where it failed: "download", "parse", "validate", ..."""
    kind: str
    """Short machine-readable cause ("http_404", "timeout", "no_title")."""
    reason: str
    """Human-readable detail."""
