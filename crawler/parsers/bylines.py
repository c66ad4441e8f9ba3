"""The elements of a page that hold its byline: rel=author links, itemprop=author, and elements classed so.

`authors.printed_authors` reads the names in them, and a declared first
name is spelled out from the bio they open with; apart because which
elements count is its own question, walked in Python for speed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from crawler.parsers.metadata import page_elements

# Elements whose class, id or test id says author or byline that are no byline: containers of the whole article, lists,
# and an <h1> (the headline, a section's or the blog's name, though a theme may class it "vcard author").
NOT_BYLINES = frozenset({"article", "section", "main", "body", "html", "ul", "ol", "h1"})
# Words of a byline's class, id or test id, matched in them lower-cased (their upper-case letters only: `_KEY_CASE`).
BYLINE_KEYS = ("author", "byline", "autor")
_KEY_CASE = str.maketrans("AUTHORBYLINEV", "authorbylinev")
# What splits an attribute's tokens (`rel="author noopener"`): XML's white space, as XPath's normalize-space reads it.
_XML_SPACE = re.compile("[ \t\r\n]+")


def byline_elements(sel: Selector) -> Iterator[HtmlElement]:
    """The page's byline elements in document order: rel=author links, itemprop=author, `<byline>`, and in its body
    `<address>` and elements whose class, id or test id says author or byline (`BYLINE_KEYS`), but `NOT_BYLINES`.

    A walk in Python, not one XPath: the XPath lower-cased three attributes of every element three times over,
    a tenth of a page's parse, and a walk stops at the byline it needs.
    """
    for element in page_elements(sel, etree.Element):
        tag = element.tag
        rel = element.get("rel")
        if (rel is not None and tag != "link" and "author" in _XML_SPACE.split(rel)) \
                or element.get("itemprop") == "author" or tag == "byline":
            yield element
        elif tag == "address" or tag not in NOT_BYLINES and _byline_keys(element):
            if next(element.iterancestors("body"), None) is not None:
                yield element


def _byline_keys(element: HtmlElement) -> bool:
    keys = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('data-testid') or ''}"
    keys = keys.translate(_KEY_CASE)
    return any(key in keys for key in BYLINE_KEYS)
