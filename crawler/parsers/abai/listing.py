"""abai.kz listing pages (homepage, `/part/<id>`) → `Listing`.

Every link to an article with a visible title is an entry; its card (the
nearest container of a known class, or the feed's `<li>`) gives category,
author, views, comments and date where it prints them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector

from crawler.dates import DEFAULT_TZ, iso, parse_date, parse_datetime
from crawler.items import Listing, ListingEntry
from crawler.parsers.abai import selectors as S
from crawler.parsers.abai.urls import article_key, article_ref, canonical
from crawler.parsers.common import node_text, to_int

_CARD_TEST = " or ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {c} ')" for c in S.CARD_CLASSES)
_CARD = f"ancestor::*[{_CARD_TEST} or self::li][1]"
_VIEWS_ICON = "span[contains(@class, 'icon-photo') or contains(@class, 'icon-eye')]"
_CHAT_ICON = "span[contains(@class, 'icon-chat')]"


def parse_listing(html: str, url: str) -> Listing:
    """Parse a listing page: its entries in page order and the next page. Pure."""
    sel = Selector(text=html)
    listing = Listing(url=canonical(url))
    tree = sel.root.getroottree()
    seen: set[tuple[str, str]] = set()
    for link in sel.xpath(S.CARD_LINKS):
        absolute = urljoin(url, link.attrib["href"].strip())
        ref = article_ref(absolute)
        title = node_text(link)
        if ref is None or not title:
            continue
        card = link.xpath(_CARD) or link.xpath("..")
        place = (tree.getpath(card[0].root), ref[0])  # one entry per article per card
        if place in seen:
            continue
        seen.add(place)
        listing.entries.append(_entry(card[0], absolute, ref[0], title))
    listing.next_page = _next_page(sel, listing.url)
    today = sel.css(S.TODAY)
    day = parse_date(node_text(today[0])) if today else None
    listing.page_date = day.isoformat() if day else None
    return listing


def _entry(card: Selector, link: str, article_id: str, title: str) -> ListingEntry:
    views_box = card.css(S.CARD_VIEWS)
    views = comments = None
    if views_box:
        views = to_int(views_box.xpath(f".//{_VIEWS_ICON}/following-sibling::text()[1]").get())
        comments = to_int(views_box.xpath(f".//{_CHAT_ICON}/following-sibling::text()[1]").get())
        if views is None and comments is None:
            numbers = [to_int(t) for t in re.findall(r"\d+", node_text(views_box[0]))]
            views, comments = (numbers + [None, None])[:2]
    date_text = node_text(card.css(S.CARD_DATE)[0]) if card.css(S.CARD_DATE) else ""
    moment = parse_datetime(date_text, DEFAULT_TZ, fallback=False) if date_text else None
    return ListingEntry(
        url=canonical(link), link=link, key=article_key(article_id), title=title,
        category=_first_text(card, S.CARD_TAG), author=_first_text(card, S.CARD_AUTHOR),
        views=views, comments=comments, published_at=iso(moment) if moment else None,
    )


def _first_text(card: Selector, css: str) -> str | None:
    nodes = card.css(css)
    return node_text(nodes[0]) or None if nodes else None


def _next_page(sel: Selector, url: str) -> str | None:
    """The rel=next link, else the pagination link to the page after this one."""
    href = sel.css(S.NEXT_PAGE).get()
    if href:
        return canonical(urljoin(url, href))
    current = int(parse_qs(urlsplit(url).query).get("page", ["1"])[0])
    for link in sel.css(S.PAGINATION_LINKS):
        target = canonical(urljoin(url, link.attrib.get("href", "")))
        if parse_qs(urlsplit(target).query).get("page") == [str(current + 1)]:
            return target
    return None
