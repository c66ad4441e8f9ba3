"""abai.kz listing pages (homepage, `/part/<id>`) → `Listing`.

Every link to an article with a visible title is an entry; its card (the
nearest container of a known class, or the feed's `<li>`) gives category,
author, views, comments and date where it prints them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from crawler.dates import DEFAULT_TZ, iso, parse_datetime
from crawler.items import Listing, ListingEntry
from crawler.parsers.abai import selectors as S
from crawler.parsers.abai.today import day_of, today_by_text
from crawler.parsers.abai.urls import article_key, article_ref, canonical
from crawler.parsers.common import node_text, parse_html, to_int
from crawler.parsers.select import Subtree, class_tokens, css_xpath

_VIEWS_ICON = "span[contains(@class, 'icon-photo') or contains(@class, 'icon-eye')]"
_CHAT_ICON = "span[contains(@class, 'icon-chat')]"

# Compiled once: a listing page has a hundred links, each read with several queries.
_LINKS = etree.XPath(S.CARD_LINKS, smart_strings=False)
_CARDS = frozenset(S.CARD_CLASSES)
_VIEWS_TEXT = etree.XPath(f".//{_VIEWS_ICON}/following-sibling::text()[1]", smart_strings=False)
_CHAT_TEXT = etree.XPath(f".//{_CHAT_ICON}/following-sibling::text()[1]", smart_strings=False)


def parse_listing(html: str, url: str) -> Listing:
    """Parse a listing page: its entries in page order and the next page. Pure."""
    root = parse_html(html)
    listing = Listing(url=canonical(url))
    seen: set[tuple[HtmlElement, str]] = set()  # holding the cards keeps their proxies, so identity is stable
    for link in _LINKS(root):
        try:
            absolute = urljoin(url, link.attrib["href"].strip())
            ref = article_ref(absolute)
        except ValueError:  # no URL at all ("https://[x", port "99kz"): no entry; the rest of the page counts
            continue
        title = node_text(link)
        if ref is None or not title:
            continue
        card = _card_of(link)
        place = (card, ref[0])  # one entry per article per card
        if place in seen:
            continue
        seen.add(place)
        listing.entries.append(_entry(card, absolute, ref[0], title))
    listing.next_page = _next_page(root, listing.url)
    printed = css_xpath(S.TODAY)(root)
    listing.page_date = (day_of(node_text(printed[0])) if printed else None) or today_by_text(root)
    return listing


def _card_of(link: HtmlElement) -> HtmlElement:
    """The link's card: its nearest ancestor of a card class or `<li>`, else its parent."""
    for ancestor in link.iterancestors():
        value = ancestor.get("class")
        if ancestor.tag == "li" or (value is not None and not _CARDS.isdisjoint(class_tokens(value))):
            return ancestor
    return link.getparent()


def _entry(card: HtmlElement, link: str, article_id: str, title: str) -> ListingEntry:
    inside = Subtree(card)
    views_box = inside.css(S.CARD_VIEWS)
    views = comments = None
    if views_box:
        views = to_int(next((t for box in views_box for t in _VIEWS_TEXT(box)), None))
        comments = to_int(next((t for box in views_box for t in _CHAT_TEXT(box)), None))
        if views is None and comments is None:
            numbers = [to_int(t) for t in re.findall(r"\d+", node_text(views_box[0]))]
            views, comments = (numbers + [None, None])[:2]
    dates = inside.css(S.CARD_DATE)
    date_text = node_text(dates[0]) if dates else ""
    moment = parse_datetime(date_text, DEFAULT_TZ, fallback=False) if date_text else None
    return ListingEntry(
        url=canonical(link), link=link, key=article_key(article_id), title=title,
        category=_first_text(inside, S.CARD_TAG), author=_first_text(inside, S.CARD_AUTHOR),
        views=views, comments=comments, published_at=iso(moment) if moment else None,
    )


def _first(texts: list[str]) -> str | None:
    return texts[0] if texts else None


def _first_text(card: Subtree, css: str) -> str | None:
    nodes = card.css(css)
    return node_text(nodes[0]) or None if nodes else None


def _next_page(root: HtmlElement, url: str) -> str | None:
    """The rel=next link, else the pagination link to the page after this one (None when they are no URLs)."""
    try:
        href = _first(css_xpath(S.NEXT_PAGE)(root))
        if href:
            return canonical(urljoin(url, href))
        current = int(parse_qs(urlsplit(url).query).get("page", ["1"])[0])
        for link in css_xpath(S.PAGINATION_LINKS)(root):
            target = canonical(urljoin(url, link.attrib.get("href", "")))
            if parse_qs(urlsplit(target).query).get("page") == [str(current + 1)]:
                return target
    except ValueError:  # a next link that is no URL, or a page number that is no number
        return None
    return None
