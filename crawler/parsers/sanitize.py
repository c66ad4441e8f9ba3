"""Sanitized article HTML: the structure a reader needs, nothing a page could run.

Keeps paragraphs, headings, lists, quotes, tables, emphasis, links and
images; unwraps every other tag (its text stays); removes scripts, styles,
frames, forms and the elements a parser marked as not part of the body
(byline, source line, share buttons); keeps only href, src and alt, and only
http(s) URLs in them.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import uuid
from collections.abc import Iterable
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement

from crawler.parsers.common import composed, string_value

KEPT_TAGS = frozenset(
    "p h2 h3 h4 h5 h6 blockquote ul ol li a img strong em b i u br figure figcaption "
    "table thead tbody tr td th".split()
)
REMOVED_TAGS = frozenset("script style iframe frame form button input noscript svg object embed template".split())
KEPT_ATTRS = {"a": ("href",), "img": ("src", "alt")}
_DROP_MARK = "data-newsarchive-drop"
# Characters XML 1.0 forbids: lxml parses them from a page but refuses them in text it is given back.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def sanitize(container: HtmlElement, base_url: str, drop: Iterable[HtmlElement] = ()) -> str:
    """Inner HTML of `container`, sanitized, with URLs made absolute against `base_url`.

    The dropped elements are marked only while the container is copied, and
    their attributes restored after, so other readers of the tree see the page as parsed.
    """
    token = uuid.uuid4().hex  # this call's mark: a page's own attribute of that name drops nothing
    marked = {id(e): (e, e.get(_DROP_MARK)) for e in drop}
    for element, _ in marked.values():
        element.set(_DROP_MARK, token)
    try:
        tree = copy.deepcopy(container)
    finally:
        for element, before in marked.values():
            if before is None:
                element.attrib.pop(_DROP_MARK, None)
            else:
                element.set(_DROP_MARK, before)
    _clean_text(tree)
    for element in list(tree.iter()):
        if element is tree or not isinstance(element.tag, str):
            if not isinstance(element.tag, str):  # comments, processing instructions
                element.drop_tree()
            continue
        if element.get(_DROP_MARK) == token or element.tag in REMOVED_TAGS:
            element.drop_tree()
        elif element.tag not in KEPT_TAGS:
            element.drop_tag()
        else:
            _keep_safe_attributes(element, base_url)
    # The copy's inner HTML: serialized whole (one call, its leading text escaped like every other text), then unwrapped.
    tree.tag = "div"
    tree.attrib.clear()
    html: str = etree.tostring(tree, method="html", encoding="unicode", with_tail=False)
    return html[len("<div>") : -len("</div>")].strip()


def _clean_text(tree: HtmlElement) -> None:
    """The tree's text without the control characters XML forbids (else moving text around, `drop_tag` and
    `drop_tree`, raises on them) and with its letters composed, as the body's text is (`composed`); attributes as typed."""
    text = string_value(tree)
    if _NOT_XML.search(text) is None and unicodedata.is_normalized("NFC", text):
        return  # no text node needs it (comments and the tree's own tail go anyway): two checks, not four a node
    for element in tree.iter():
        if element.text:
            element.text = composed(_NOT_XML.sub("", element.text))
        if element.tail:
            element.tail = composed(_NOT_XML.sub("", element.tail))


def _keep_safe_attributes(element: HtmlElement, base_url: str) -> None:
    kept = {}
    for name in KEPT_ATTRS.get(element.tag, ()):
        value = element.get(name)
        if value is None:
            continue
        if name in ("href", "src"):
            try:
                value = urljoin(base_url, value.strip())
            except ValueError:  # no URL at all ("https://[x"): drop the attribute, keep the text
                continue
            if not value.startswith(("http://", "https://")):
                continue
        kept[name] = _NOT_XML.sub("", value)
    element.attrib.clear()
    element.attrib.update(kept)
