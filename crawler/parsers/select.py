"""CSS selectors on lxml elements, answered exactly as parsel's `.css()` answers them, but cheaply.

A parser runs a few dozen selectors per page. Through libxml2 each costs an
XPath set-up plus a class test on every element it walks, and together they
cost more than parsing the page. Two shortcuts answer the selectors our
parsers use, with parsel's results in document order:

* `PageIndex` reads every class attribute of a page once and answers
  selectors anchored on a class ("div.preheader .date", ".post-meta") from it;
* `Subtree` walks a small element (a sidebar item, a listing card) once and
  answers selectors made of tag and class steps ("h3 a, a.title", ".views")
  in Python.

Any other selector runs as the XPath parsel would run, so selectors may
change freely (`crawler/parsers/abai/selectors.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()
_XML_SPACE = re.compile(r"[ \t\r\n]+")
# What CSS (cssselect) counts as whitespace between the parts of a selector: not a no-break space.
_CSS_SPACE = re.compile(r"[ \t\r\n\f]+")
# "div.preheader .date", ".post-meta", "h1.post-title": a tag and one class, then any descendant selector.
_ANCHORED = re.compile(
    r"^(?P<tag>[a-z][a-z0-9]*)?\.(?P<cls>[A-Za-z_][\w-]*)(?:[ \t\r\n\f]+(?P<rest>[^ \t\r\n\f>+~,:][^,:]*))?$")
# One step of a simple selector: "h3", ".views", "a.title".
_STEP = re.compile(r"(?P<tag>[a-z][a-z0-9]*)?(?:\.(?P<cls>[A-Za-z_][A-Za-z0-9_-]*))?")

Step = tuple[str | None, str | None]  # (tag, class); None matches any


@lru_cache(maxsize=512)
def css_xpath(css: str, prefix: str = "descendant-or-self::") -> etree.XPath:
    """A CSS selector compiled once, to the XPath parsel's `.css()` would run."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix=prefix), smart_strings=False)


def anchor_class(css: str) -> str | None:
    """The class a selector is anchored on ("div.preheader .date" → "preheader"), if it has that form."""
    match = _ANCHORED.match(css)
    return match["cls"] if match else None


def has_class(value: str | None, cls: str) -> bool:
    """True when a class attribute `value` holds the token `cls`, split as parsel's XPath (normalize-space) splits it."""
    return value is not None and cls in value and cls in class_tokens(value)


def class_tokens(value: str) -> list[str]:
    """The tokens of a class attribute, split as parsel's XPath (normalize-space) splits it: on XML space only."""
    return _XML_SPACE.split(value)


@lru_cache(maxsize=256)
def simple_selector(css: str) -> tuple[tuple[Step, ...], ...] | None:
    """A selector list of tag/class steps joined by spaces ("h3 a, a.title"), as chains of steps; else None."""
    chains = []
    for part in css.split(","):
        steps = []
        for word in _CSS_SPACE.split(part.strip(" \t\r\n\f")):
            step = _STEP.fullmatch(word)
            if step is None or not step.group():
                return None
            steps.append((step["tag"], step["cls"]))
        if not steps:
            return None
        chains.append(tuple(steps))
    return tuple(chains)


def _matches(tag: str, value: str | None, step: Step) -> bool:
    """True when an element of this tag and class attribute matches one step."""
    want_tag, want_class = step
    return (want_tag is None or tag == want_tag) and (want_class is None or has_class(value, want_class))


def _ancestors_match(element: HtmlElement, steps: tuple[Step, ...], scope: HtmlElement, strict: bool) -> bool:
    """True when ancestors of `element` inside `scope` match `steps`, the innermost last.

    The outermost step may match `scope` itself unless `strict`. Taking the
    nearest ancestor for each step finds a match whenever one exists.
    """
    wanted = len(steps) - 1
    if element is scope:
        return False
    for ancestor in element.iterancestors():
        if ancestor is scope and strict:
            return False
        if _matches(ancestor.tag, ancestor.get("class"), steps[wanted]):
            wanted -= 1
            if wanted < 0:
                return True
        if ancestor is scope:
            return False
    return False


class Subtree:
    """One small element whose elements are read once, answering selectors inside it.

    `css(selector)` equals `css_xpath(selector)(root)`: the root itself is a
    candidate ("descendant-or-self"); with `strict` it is not ("descendant").
    """

    def __init__(self, root: HtmlElement) -> None:
        self.root = root
        self._table: list[tuple[HtmlElement, str, str | None]] | None = None  # (element, tag, class) in document order

    def css(self, css: str, *, strict: bool = False) -> list[Any]:
        chains = simple_selector(css)
        if chains is None:
            return css_xpath(css, "descendant::" if strict else "descendant-or-self::")(self.root)  # type: ignore[no-any-return]
        if self._table is None:
            self._table = [(e, e.tag, e.get("class")) for e in self.root.iter(etree.Element)]
        found = []
        for element, tag, value in self._table[1:] if strict else self._table:
            for chain in chains:
                if _matches(tag, value, chain[-1]) and (
                        len(chain) == 1 or _ancestors_match(element, chain[:-1], self.root, strict)):
                    found.append(element)
                    break
        return found


def within(elements: Iterable[HtmlElement], scope: HtmlElement) -> list[HtmlElement]:
    """The elements that are `scope` or lie inside it, in their order."""
    return [e for e in elements if e is scope or any(a is scope for a in e.iterancestors())]


_MEMO_SIZE = 8192  # distinct class attributes remembered per set of indexed classes; a site has far fewer
# For each set of indexed classes: class attribute → the indexed classes it holds (split on XML space).
_MEMOS: dict[frozenset[str], dict[str, tuple[str, ...]]] = {}


class PageIndex:
    """Answers CSS selectors on one page, reading the page's class attributes once.

    libxml2 evaluates `.post-meta .views` by testing the class of every element;
    on a 100 kB page (about 1,000 elements) each such query costs a third of a
    millisecond, a page runs a dozen of them, and together they cost more than
    parsing the page. The index reads every class attribute in one pass and
    keeps the elements carrying the `classes` asked for; a selector anchored on
    one of them ("tag.class rest") then searches only inside those elements,
    and a list of such selectors without `rest` (".a, .b") is their union.
    Results are exactly parsel's `.css()` results, in document order; any
    other selector runs as parsel would run it.
    """

    def __init__(self, root: HtmlElement, classes: Iterable[str]) -> None:
        self.root = root
        self.classes = frozenset(classes)
        self._by_class: dict[str, list[HtmlElement]] | None = None
        self._order: dict[int, int] = {}  # id() of each indexed element → its place in the page

    def _index(self) -> dict[str, list[HtmlElement]]:
        found: dict[str, list[HtmlElement]] = {}
        wanted = self.classes
        memo = _MEMOS.setdefault(wanted, {})
        # A Python walk of the elements costs two thirds of XPath's "//@class" (no attribute strings built),
        # and a page repeats its class attributes, so each is split once per process.
        for place, element in enumerate(self.root.iter(etree.Element)):
            value = element.get("class")
            if value is None:
                continue
            tokens = memo.get(value)
            if tokens is None:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                tokens = memo[value] = tuple(t for t in dict.fromkeys(class_tokens(value)) if t in wanted)
            if tokens:
                self._order[id(element)] = place
            for token in tokens:
                found.setdefault(token, []).append(element)
        return found

    def _anchors(self, css: str) -> tuple[list[HtmlElement], str | None] | None:
        """Elements of the page `css` is anchored on, and the rest of the selector; None when it is not anchored."""
        match = _ANCHORED.match(css)
        if match is None or match["cls"] not in self.classes:
            return None
        if self._by_class is None:
            self._by_class = self._index()
        tag = match["tag"]
        return [e for e in self._by_class.get(match["cls"], ()) if tag is None or e.tag == tag], match["rest"]

    def css(self, css: str) -> list[Any]:
        """Elements (or strings, for `::text`/`::attr`) `css` selects on the page, in document order."""
        anchored = self._anchors(css)
        if anchored is None:
            found = self._union(css) if "," in css else None
            return css_xpath(css)(self.root) if found is None else found
        anchors, rest = anchored
        if rest is None:
            return anchors
        if len(anchors) == 1:
            return Subtree(anchors[0]).css(rest.strip(), strict=True)
        # Nested anchors see the same descendants: keep the first sighting, which keeps document order.
        return list(dict.fromkeys(node for anchor in anchors for node in Subtree(anchor).css(rest.strip(), strict=True)))

    def css_within(self, css: str, scope: HtmlElement) -> list[Any]:
        """What `css` selects inside `scope` (`scope` included), as `css_xpath(css)(scope)` does."""
        found = self._union(css) if "," in css else None
        return css_xpath(css)(scope) if found is None else within(found, scope)

    def _union(self, css: str) -> list[HtmlElement] | None:
        """A list of anchored selectors without descendants (".a, .b"), from the index; None for any other."""
        parts = [self._anchors(part.strip()) for part in css.split(",")]
        if any(part is None or part[1] is not None for part in parts):
            return None
        found = {id(e): e for part in parts if part for e in part[0]}
        return sorted(found.values(), key=lambda e: self._order[id(e)])
