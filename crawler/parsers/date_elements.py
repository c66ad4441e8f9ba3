"""The elements of a page that print its dates: date and byline elements, and its article's `<time datetime>`.

`pubdates.printed` reads them; apart because which elements count is its own
question (a page's furniture dates other pages or none), walked in Python
for speed.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from crawler.parsers.metadata import page_elements

# Elements that may print a date when their class or id says they hold a date or a byline (`DATE_KEYS`).
DATE_TAGS = frozenset({"time", "span", "div", "p", "li", "small", "em", "dd"})
# Words of a date element's class or id (and, for "date", its itemprop), matched in them with ASCII capitals lowered.
DATE_KEYS = ("date", "publish", "time", "posted", "meta")
# Containers whose dates are no page's: a navigation bar's clock, an embedded post's quote (Instagram, Twitter).
DATE_FURNITURE = frozenset({"nav", "blockquote"})
# Containers of a page's teasers (a sidebar's, the site footer's) outside its article or `<main>`: one inside them
# is the article's own (a "posted on" footer).
TEASERS = frozenset({"aside", "footer"})
ARTICLE = frozenset({"article", "main"})
# Containers whose `<time datetime>` dates another page or other people's words: navigation, asides, footers,
# embedded posts (a `<blockquote>`).
STAMP_FURNITURE = frozenset({"nav", "aside", "footer", "blockquote"})
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def date_elements(sel: Selector) -> Iterator[HtmlElement]:
    """The page's date and byline elements in document order: elements whose class or id says they hold a date or a
    byline, and the article's `<time datetime>` elements whatever their class or id.

    A date or byline element counts but in the page's furniture: in navigation,
    an embedded post, comments, or a sidebar's or the site footer's teasers, which
    date other pages or none. An `<aside>` or `<footer>` inside the article or
    `<main>` is its own (a "posted on" footer); a `<header>` may hold the whole article.
    A `<time datetime>` counts inside the page's `<article>` or `<main>`, when it
    has one (a ticker or teaser list around it dates other pages), but not in
    navigation, asides, footers, embedded posts, comments or lists of related articles.

    A walk in Python, not an XPath: the XPath lower-cased two attributes of every element five times over.
    Capitals are lowered as XPath's `translate` of a word's own letters would (other ASCII capitals match no word).
    """
    in_article = next(page_elements(sel, "article", "main"), None) is not None
    for element in page_elements(sel, etree.Element):
        tag = element.tag
        if tag in DATE_TAGS and _date_keys(element) and _outside_date_furniture(element):
            yield element
        elif tag == "time" and element.get("datetime") is not None and _article_stamp(element, in_article):
            yield element


def _date_keys(element: HtmlElement) -> bool:
    keys = f"{element.get('class') or ''} {element.get('id') or ''}".translate(_ASCII_LOWER)
    return any(key in keys for key in DATE_KEYS) or "date" in (element.get("itemprop") or "").translate(_ASCII_LOWER)


def _outside_date_furniture(element: HtmlElement) -> bool:
    ancestors = list(element.iterancestors())
    for index, ancestor in enumerate(ancestors):
        if ancestor.tag in DATE_FURNITURE or "comment" in (ancestor.get("class") or "") or "comment" in (ancestor.get("id") or ""):
            return False
        if ancestor.tag in TEASERS and not any(outer.tag in ARTICLE for outer in ancestors[index + 1:]):
            return False
    return True


def _article_stamp(element: HtmlElement, in_article: bool) -> bool:
    """A `<time datetime>` of the page's body, inside its article when `in_article` (the page has one)."""
    ancestors = list(element.iterancestors())
    tags = {ancestor.tag for ancestor in ancestors}
    if "body" not in tags or (in_article and ARTICLE.isdisjoint(tags)) or not STAMP_FURNITURE.isdisjoint(tags):
        return False
    for ancestor in ancestors:
        keys = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".translate(_ASCII_LOWER)
        if "comment" in keys or "related" in keys:
            return False
    return True
