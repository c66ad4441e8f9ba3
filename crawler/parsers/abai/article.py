"""abai.kz article pages → `ArticleItem`, in Cyrillic, Latin and Arabic script.

Each field is read by layered strategies: the site's selectors
(`selectors.py`), then text patterns on the visible page (`patterns.py`),
then generic page metadata (JSON-LD, OpenGraph). The item's `strategies`
records which one produced each field.

The page is read on lxml elements through `crawler/parsers/select.py`: a
`PageIndex` that reads the page's class attributes in one pass, and a
`Subtree` per sidebar item: a re-parse of an archive parses every page, so the
parser must cost little more than the HTML parse itself (`benchmarks/parse.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cached_property, lru_cache
from itertools import islice
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from crawler.dates import DEFAULT_TZ, fetch_time, iso, parse_datetime, zone
from crawler.errors import ParseError
from crawler.items import ArticleItem, BestMaterial
from crawler.language import detect_language
from crawler.parsers.abai import patterns as P
from crawler.parsers.abai import selectors as S
from crawler.parsers.abai.tail import Body, split_tail, tail_after
from crawler.parsers.abai.today import day_of, today_by_text
from crawler.parsers.abai.urls import SITE, article_key, article_ref, canonical, part_id
from crawler.parsers.common import (
    as_text,
    block_elements,
    block_text,
    clean,
    densest_paragraph_parent,
    first_of,
    may_hold_text,
    meta_content,
    node_text,
    page_text,
    parse_html,
    person_names,
    string_value,
    to_int,
    typed_forms,
)
from crawler.parsers.metadata import json_ld_article
from crawler.parsers.sanitize import sanitize
from crawler.parsers.select import PageIndex, Subtree, anchor_class
from crawler.quotes import extract_quotes
from crawler.urls import join_url

# Classes the page-level selectors are anchored on: read once per page by `PageIndex`.
_INDEXED = frozenset(
    c for c in map(anchor_class, (S.TODAY, S.HEAD, S.CATEGORY, S.VIEWS, S.COMMENTS, S.DATE, S.AUTHOR, S.TITLE,
                                  S.CONTENT, S.BEST_MATERIALS, S.MOST_READ,
                                  *(part.strip() for part in S.NOT_BODY.split(",")))) if c
)


def parse_article(html: str, url: str, fetched_at: str | None = None) -> ArticleItem:
    """Parse an abai.kz article page. Pure: no network, no clock.

    Raises ParseError when `url` is not an article URL or the page has no title.
    """
    return read_article(html, url, fetched_at)[0]


def read_article(html: str, url: str, fetched_at: str | None = None) -> tuple[ArticleItem, HtmlElement]:
    """`parse_article`, also returning the parsed page (unchanged), so a caller that reads more of it parses it once."""
    ref = article_ref(url)
    if ref is None:
        raise ParseError(f"not an abai.kz article URL: {url}")
    article_id, script = ref
    page = _Page(parse_html(html), canonical(url), fetched_at)
    title, how = page.title
    if not title:
        raise ParseError("page has no title")
    item = ArticleItem(
        url=page.url, site=SITE, article_id=article_id, key=article_key(article_id),
        script=script, language=None, title=title, fetched_at=fetched_at,
    )
    item.strategies["title"] = how or ""
    for name, (value, strategy) in page.fields().items():
        if value not in (None, "", []):
            setattr(item, name, value)
            item.strategies[name] = strategy or ""
    item.body = "\n\n".join(page.body.paragraphs)
    item.language = detect_language(item.body) or detect_language(title)
    item.quotes = extract_quotes(page.body.paragraphs)
    return item, page.root


class _Page:
    """One page, with the parts several fields read computed once."""

    def __init__(self, root: HtmlElement, url: str, fetched_at: str | None = None) -> None:
        self.root = root
        self.url = url
        self.fetched = fetch_time(fetched_at)
        """When the page was fetched: the day a date printed relative to it ("Бүгін, 16:01") counts from."""
        self.index = PageIndex(root, _INDEXED)

    def css(self, css: str) -> list[Any]:
        return self.index.css(css)

    @cached_property
    def sel(self) -> Selector:
        """The page as a parsel Selector, for the metadata helpers of the last strategy."""
        return Selector(root=self.root)

    @cached_property
    def ld(self) -> dict[str, Any]:
        return json_ld_article(self.sel)

    def fields(self) -> dict[str, tuple[object, str | None]]:
        return {
            "category": self.category(), "views": self.views(), "comments": self.comments(),
            "published_at": self.published_at(), "page_date": self.page_date(),
            "authors": self.authors(), "source": (self.body.source, "text"),
            "body_html": self.body_html(), "images": self.images(),
            "best_materials": self.sidebar(S.BEST_MATERIALS, P.BEST_MATERIALS_HEADINGS),
            "most_read": self.sidebar(S.MOST_READ, P.MOST_READ_HEADINGS),
        }

    # -- head -------------------------------------------------------------

    @cached_property
    def head(self) -> Mapping[str, str | None] | None:
        """The head line ("Билік 2852 0 пікір 19 Қыркүйек, 2018 сағат 16:01"), wherever it sits."""
        candidates = self.css(S.HEAD) or self._saying_comments
        for node in candidates:
            if match := _head_line(node):
                return match.groupdict()
        for node in candidates:
            # Its parts each in an element of their own: the one saying "0 пікір" alone, and its parents the rest.
            if P.COMMENTS_LINE.match(node_text(node)):
                for parent in islice(node.iterancestors(), 3):
                    if match := _head_line(parent):
                        return match.groupdict()
        return self._split_head(candidates)

    def _split_head(self, candidates: list[HtmlElement]) -> Mapping[str, str | None] | None:
        """A head printed in two parts (the date over the title, the rest under it): the widest element around a
        "0 пікір" whose text is the category and counts, with the first date line in its nearest ancestor that has one."""
        for node in candidates:
            if not P.COMMENTS_LINE.match(node_text(node)):
                continue
            widest = None
            for element in (node, *islice(node.iterancestors(), 3)):
                match = P.HEAD_COUNTS.match(text) if len(text := node_text(element)) <= P.MAX_HEAD else None
                if not match or len(match["category"] or "") > P.MAX_CATEGORY:
                    break
                widest = (element, match)
            if widest and widest[1]["views"]:  # a count of comments alone heads the comment section
                return {**widest[1].groupdict(), "date": _date_near(widest[0])}
        return None

    @cached_property
    def _saying_comments(self) -> list[HtmlElement]:
        """The innermost elements whose text says "пікір" (comments): the head line, the count over the comments."""
        return list(self.root.xpath(_deepest_containing(P.COMMENT_WORDS)))

    def _head(self, group: str) -> str | None:
        return self.head[group] if self.head else None

    @cached_property
    def title(self) -> tuple[str | None, str | None]:
        return first_of(
            ("selector", lambda: _text(self.css(S.TITLE))),
            ("structure", lambda: _text(self.css("article h1")) or next(filter(None, map(_headline, self.css("h1"))), None)),
            ("meta", lambda: as_text(self.ld.get("headline")) or meta_content(self.sel, "og:title")),
            ("meta", lambda: P.TITLE_SUFFIX.sub("", _text(self.css("title")) or "")),
        )

    def category(self) -> tuple[str | None, str | None]:
        return first_of(
            ("selector", lambda: _text(self.css(S.CATEGORY))),
            ("text", lambda: self._head("category")),
            ("meta", lambda: as_text(_first(self.ld.get("articleSection"))) or meta_content(self.sel, "article:section")),
        )

    def views(self) -> tuple[int | None, str | None]:
        return first_of(
            ("selector", lambda: to_int(_text(self.css(S.VIEWS)))),
            ("text", lambda: to_int(self._head("views"))),
        )

    def comments(self) -> tuple[int | None, str | None]:
        return first_of(
            ("selector", lambda: to_int(_text(self.css(S.COMMENTS)))),
            ("text", lambda: to_int(self._head("comments"))),
            ("text", lambda: next((to_int(text) for text in map(node_text, self._saying_comments) if P.COMMENTS_LINE.match(text)),
                                  None)),  # the count over the comments, "0 пікір", when the head is not read
            ("meta", lambda: to_int(str(self.ld.get("commentCount", "")))),
        )

    def published_at(self) -> tuple[str | None, str | None]:
        def parsed(text: str | None) -> str | None:
            # Known formats only: dateparser reads "19 Қыркүйек" (no year) as 1 September 2019.
            moment = parse_datetime(text, DEFAULT_TZ, fallback=False, now=self.fetched) if text else None
            return iso(moment.astimezone(zone(DEFAULT_TZ))) if moment else None  # Almaty's offset, a declared UTC one too

        return first_of(
            ("selector", lambda: parsed(_text(self.css(S.DATE)))),
            ("text", lambda: parsed(self._head("date"))),
            ("meta", lambda: parsed(_first(self.ld.get("datePublished")) or meta_content(self.sel, "article:published_time"))),
        )

    def page_date(self) -> tuple[str | None, str | None]:
        return first_of(("selector", lambda: day_of(_text(self.css(S.TODAY)))),
                        ("text", lambda: today_by_text(self.root, next(iter(self.body.elements), None))))

    def authors(self) -> tuple[list[str] | None, str | None]:
        return first_of(
            ("selector", lambda: [a for a in (as_text(string_value(e)) for e in self.css(S.AUTHOR)) if a]),
            ("text", lambda: self.body.authors),
            ("meta", lambda: person_names(self.ld.get("author")) or _split_names(meta_content(self.sel, "author"))),
        )

    # -- body ---------------------------------------------------------------

    @cached_property
    def content(self) -> HtmlElement | None:
        """The element holding the article text."""
        found = self.css(S.CONTENT)
        if found:
            return found[0]
        scope = self.css(S.ARTICLE) or self.css("body")
        best = densest_paragraph_parent(Selector(root=scope[0])) if scope else None
        return best.root if best is not None else None

    @cached_property
    def body(self) -> Body:
        body = Body()
        if self.content is None:
            return body
        # Keep the excluded elements referenced: lxml proxies (and their ids) live only as long.
        not_body = self.index.css_within(S.NOT_BODY, self.content)
        for element in block_elements(self.content, {id(e) for e in not_body}):
            text = block_text(element)
            if text:
                body.paragraphs.append(text)
                body.elements.append(element)
        split_tail(body)
        tail_after(body, self.content)
        body.dropped.extend(not_body)
        return body

    def body_html(self) -> tuple[str | None, str | None]:
        if self.content is None:
            return None, None
        return sanitize(self.content, self.url, self.body.dropped) or None, "selector"

    def images(self) -> tuple[list[str] | None, str | None]:
        if self.content is None:
            return None, None
        dropped = {id(e) for e in self.body.dropped}
        sources = [
            join_url(self.url, img.get("src", "").strip())
            for img in self.content.iter("img")
            if img.get("src") and not any(id(a) in dropped for a in img.iterancestors())
        ]
        return list(dict.fromkeys(s for s in sources if s)), "selector"

    # -- sidebars -------------------------------------------------------------

    @cached_property
    def text(self) -> bytes:
        return page_text(self.root)

    def sidebar(self, css: str, headings: tuple[str, ...]) -> tuple[list[BestMaterial] | None, str | None]:
        """Items of a sidebar list found by its class, else by its printed heading."""
        block = self.css(css)
        if block:
            return _sidebar_items(block[0], self.url), "selector"
        # Arabic script has no capitals: its heading once. The page's text is as typed: composed or not.
        for heading in dict.fromkeys(typed for heading in headings for spelled in (heading, heading.upper())
                                     for typed in typed_forms(spelled)):
            if not may_hold_text(self.text, heading):
                continue  # the XPath below tests every element of the page: skip it when it cannot match
            found = _heading_parents(heading)(self.root) or _heading_parents(heading, whole=True)(self.root)
            if found:
                return _sidebar_items(found[0], self.url), "text"
        return None, None


def _heading_parents(heading: str, *, whole: bool = False) -> etree.XPath:
    """Parents of the elements whose first text is `heading`: a sidebar found by its printed title; `whole`: of
    the headings (`<h2>`–`<h6>`) whose whole text is, however their markup parts it (`<span>Үзд</span>ік …`)."""
    if whole:
        return _xpath(f"//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6][normalize-space(.)='{heading}']/..")
    return _xpath(f"//*[normalize-space(text())='{heading}']/..")


@lru_cache(maxsize=64)
def _xpath(query: str) -> etree.XPath:
    """An XPath compiled once."""
    return etree.XPath(query, smart_strings=False)


def _sidebar_items(block: HtmlElement, base_url: str) -> list[BestMaterial]:
    items = Subtree(block).css(S.SIDEBAR_ITEM) or _xpath("./*[.//h3 or .//a]")(block)
    items = [entry for item in items for entry in (_xpath("./li")(item) if item.tag in ("ul", "ol") else [item])]
    result = []
    for item in items:
        inside = Subtree(item)
        link = inside.css(S.ITEM_TITLE_LINK) or _linking(inside, base_url, article_ref) or inside.css("h3") or inside.css("a")
        title = _text(link)
        if not title:
            continue
        href = link[0].get("href")
        joined = join_url(base_url, href) if href else None
        url = canonical(joined) if joined else None
        ref = article_ref(url) if url else None
        author, views = _text(inside.css(S.ITEM_AUTHOR)), to_int(_text(inside.css(S.ITEM_VIEWS)))
        if author is None and views is None:
            tail = node_text(item).rsplit(title, 1)[-1].strip()
            counted = P.AUTHOR_VIEWS.match(tail)
            author, views = (clean(counted["author"]) or None, to_int(counted["views"])) if counted else (clean(tail) or None, None)
        result.append(BestMaterial(
            url=url, title=title, category=_text(inside.css(S.ITEM_TAG)) or _text(_linking(inside, base_url, part_id)),
            author=author, views=views,
            key=article_key(ref[0]) if ref else None,
        ))
    return result


def _linking(item: Subtree, base_url: str, names: Callable[[str], object]) -> list[HtmlElement]:
    """The first of the item's links with text whose URL `names` something: a sidebar item's title is its link to an
    article (`article_ref`), whatever tag or class holds it; its category, its link to a section (`part_id`). A
    thumbnail's link to the same article, an image only, names nothing."""
    for link in item.css("a"):
        href = link.get("href")
        url = join_url(base_url, href) if href else None  # no href: no link, not one to the page itself
        if url and names(url) and _text([link]):
            return [link]
    return []


def _deepest_containing(words: tuple[str, ...]) -> str:
    """XPath for the innermost elements whose text contains one of `words`, typed composed or not."""
    test = " or ".join(f"contains(., '{w}')" for word in words for w in typed_forms(word))
    return f"//body//*[{test}][not(*[{test}])]"


def _date_near(element: HtmlElement) -> str | None:
    """The first date line ("30 Қараша, 2020 сағат 12:03") in the nearest of the element's ancestors that has one."""
    for ancestor in islice(element.iterancestors(), 3):
        for node in _xpath(_deepest_containing(P.CLOCK_WORDS).replace("//body//", ".//"))(ancestor):
            if P.DATE_LINE.match(text := node_text(node)):
                return text
    return None


def _head_line(element: HtmlElement) -> re.Match[str] | None:
    """The head line an element's text is ("Билік 2852 0 пікір …"), today's date before it dropped; one whose category
    would run longer than a category does (a headline or a paragraph before the head) is none."""
    text = node_text(element)
    if len(text) > P.MAX_HEAD:  # a head is one short line; the pattern's backtracking would cost on a long text
        return None
    match = P.HEAD.match(P.TODAY_PREFIX.sub("", text))
    return match if match and len(match["category"] or "") <= P.MAX_CATEGORY else None


def _headline(h1: HtmlElement) -> str | None:
    """An `<h1>`'s text, unless it is the site's logo (in the page's header or navigation, or saying "Abai.kz")."""
    text = node_text(h1)
    if not text or P.SITE_NAME.fullmatch(text) or any(a.tag in ("header", "nav") for a in h1.iterancestors()):
        return None
    return text


def _text(nodes: list[HtmlElement]) -> str | None:
    return node_text(nodes[0]) or None if nodes else None


def _first(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _split_names(value: str | None) -> list[str]:
    return [clean(n) for n in P.AUTHOR_SEPARATORS.split(value or "") if clean(n)]
