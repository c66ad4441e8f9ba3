"""Where a site lists its articles: robots.txt `Sitemap:` lines, sitemaps and sitemap indexes, news sitemaps, RSS and Atom feeds.

Pure functions from a fetched body to `Found` entries (URL, date when the
source gives one, and whether it is another sitemap to read). XML is parsed
safely: no external entities, no DTD loading, no network, a size cap; a
gzipped sitemap is unpacked by Scrapy's own `gunzip` with the same cap, and
robots.txt is read by Scrapy's `sitemap_urls_from_robots`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.dates import localize, parse_datetime
from crawler.urls import join_url

# Bodies larger than this (unpacked) are not read: a sitemap holds at most 50 MB by the protocol.
MAX_BODY = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b\x08"


@dataclass(frozen=True, slots=True)
class Found:
    """A URL a sitemap, feed or robots.txt points to."""

    url: str
    published: datetime | None = None
    """Publication date (news sitemap, feed item), else the sitemap's `lastmod`, when given."""
    sitemap: bool = False
    """True for another sitemap to read (a sitemap index entry, a robots.txt line)."""


def safe_parser() -> etree.XMLParser:
    """An XML parser that resolves no entity and loads no DTD or URL (no XXE, no billion laughs)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, recover=True, remove_comments=True, remove_pis=True)


def unpack(body: bytes) -> bytes:
    """The body, gunzipped when it is gzip data (a `.xml.gz` sitemap), capped at MAX_BODY."""
    if body[:3] == GZIP_MAGIC:
        return gunzip(body, max_size=MAX_BODY)
    return body[:MAX_BODY]


def _root(body: bytes) -> etree._Element | None:
    try:
        root = etree.fromstring(unpack(body), parser=safe_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    """Text of the first descendant whose local name is one of `names` (namespaces ignored)."""
    for node in element.iter():
        if _local(node.tag) in names and node.text and node.text.strip():
            return str(node.text).strip()
    return None


def _date(text: str | None, tz: str) -> datetime | None:
    """A feed or sitemap date: RFC 822 (RSS `pubDate`) or ISO 8601 (W3C); a date without offset is in `tz`."""
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return parse_datetime(text, tz)
    return localize(moment, tz)


def robots_sitemaps(body: bytes, base_url: str) -> list[Found]:
    """The `Sitemap:` lines of a robots.txt."""
    return [Found(url, sitemap=True) for url in sitemap_urls_from_robots(body, base_url=base_url)]


def read_sitemap(body: bytes, base_url: str, tz: str = "UTC") -> list[Found]:
    """Entries of a sitemap or sitemap index; a news sitemap's `news:publication_date` wins over `lastmod`."""
    root = _root(body)
    if root is None:
        return []
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return []
    found = []
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        loc = next((str(n.text).strip() for n in entry if _local(n.tag) == "loc" and n.text), None)
        if not loc:
            continue
        published = _date(_child_text(entry, "publication_date"), tz) or _date(_child_text(entry, "lastmod"), tz)
        url = join_url(base_url, loc)
        if url:
            found.append(Found(url, published, sitemap=kind == "sitemapindex"))
    return found


def read_feed(body: bytes, base_url: str, tz: str = "UTC") -> list[Found]:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, with their publication dates."""
    root = _root(body)
    if root is None:
        return []
    return list(_feed_items(root, base_url, tz))


def _feed_items(root: etree._Element, base_url: str, tz: str) -> Iterator[Found]:
    for item in root.iter():
        name = _local(item.tag)
        if name == "item":  # RSS 2.0 and RSS 1.0
            link = next((str(n.text).strip() for n in item if _local(n.tag) == "link" and n.text), None)
            link = link or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
            if not link:
                continue
            date_text = next((str(n.text).strip() for n in item if _local(n.tag) in ("pubdate", "date", "published")
                              and n.text), None)
            if url := join_url(base_url, link):
                yield Found(url, _date(date_text, tz))
        elif name == "entry":  # Atom
            links = [n for n in item if _local(n.tag) == "link" and n.get("href")]
            link = next((n for n in links if n.get("rel", "alternate") == "alternate"), links[0] if links else None)
            if link is None:
                continue
            date_text = next((str(n.text).strip() for n in item if _local(n.tag) in ("published", "updated", "issued")
                              and n.text), None)
            if url := join_url(base_url, str(link.get("href"))):
                yield Found(url, _date(date_text, tz))


def next_page(unread: Sequence[str], declared: Collection[str] = ()) -> str | None:
    """The listing page to read next, among a page's unread pagination links (in page order).

    The one the page declares next (`rel=next`, a pager link of class
    "next"), else the first. A numbered pager also links pages before the
    current one ("1 2 3 … 5 6 7"), unread when a run starts paging in the
    middle of a listing (where an earlier run failed): the declared next page
    keeps it going forward. Page numbers alone cannot tell the way: a date
    archive or a cursor counts down.
    """
    return next((url for url in unread if url in declared), unread[0] if unread else None)
