"""The parsers' selector shortcuts answer exactly as parsel's `.css()` does, and parsing leaves the page as parsed.

Issue 12 (parse cost): `PageIndex` and `Subtree` answer selectors in Python
instead of libxml2, and the dispatcher lets `generic.fill` read the tree the
abai.kz parser already built. These tests pin that neither changes a result.
"""

from __future__ import annotations

import re
import sys

import pytest
from conftest import mirror_pages
from lxml import etree

from crawler.dates import DEFAULT_TZ
from crawler.fixtures import SavedPage
from crawler.parsers import generic, parse_article
from crawler.parsers.abai import parse_article as parse_abai_article
from crawler.parsers.abai import read_article
from crawler.parsers.abai import selectors as S
from crawler.parsers.abai.article import _INDEXED
from crawler.parsers.common import clean, may_hold_text, page_text, parse_html, string_value, visible_texts
from crawler.parsers.sanitize import sanitize
from crawler.parsers.select import (
    PageIndex,
    Subtree,
    anchor_class,
    css_xpath,
    has_class,
    simple_selector,
)

PAGES = mirror_pages("abai.kz", "article", "listing", "home")
PAGE_SELECTORS = [
    S.TODAY, S.HEAD, S.CATEGORY, S.VIEWS, S.COMMENTS, S.DATE, S.AUTHOR, S.TITLE, S.CONTENT, S.NOT_BODY,
    S.BEST_MATERIALS, S.MOST_READ, S.ARTICLE, "title", "div.col-md-4 .views", ".post-meta span", ".bm-item, .tag",
]
INNER_SELECTORS = [
    S.SIDEBAR_ITEM, S.ITEM_TITLE_LINK, S.ITEM_AUTHOR, S.ITEM_VIEWS, S.ITEM_TAG, S.CARD_VIEWS, S.CARD_DATE,
    S.CARD_TAG, S.CARD_AUTHOR, "h3", "div a", "div span.views, h3 a", "li", "a.title", "span span",
]


def _anchors(css: str) -> set[str]:
    return set(re.findall(r"\.([\w-]+)", css))


@pytest.mark.parametrize("page", PAGES, ids=[p.path.name for p in PAGES])
def test_page_index_answers_as_parsel(page: SavedPage) -> None:
    root = parse_html(page.html())
    index = PageIndex(root, set().union(*map(_anchors, PAGE_SELECTORS)))
    for css in PAGE_SELECTORS:
        assert index.css(css) == css_xpath(css)(root), css
    for scope in root.iter("div", "article", "body"):
        assert index.css_within(S.NOT_BODY, scope) == css_xpath(S.NOT_BODY)(scope)


@pytest.mark.parametrize("page", PAGES, ids=[p.path.name for p in PAGES])
def test_subtree_answers_as_parsel(page: SavedPage) -> None:
    root = parse_html(page.html())
    for scope in root.iter("div", "li", "article"):
        inside = Subtree(scope)
        for css in INNER_SELECTORS:
            assert inside.css(css) == css_xpath(css)(scope), css
            assert inside.css(css, strict=True) == css_xpath(css, "descendant::")(scope), css


VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]")
# Each text reader of crawler.parsers beside the XPath it stands in for (and must answer as).
TEXT_READERS = {"visible_texts": (visible_texts, VISIBLE_TEXT), "string_value": (string_value, etree.XPath("string()"))}


@pytest.mark.parametrize("reader", TEXT_READERS)
@pytest.mark.parametrize("page", PAGES, ids=[p.path.name for p in PAGES])
def test_text_readers_answer_as_their_xpath_on_every_element(page: SavedPage, reader: str) -> None:
    read, xpath = TEXT_READERS[reader]
    root = parse_html(page.html())
    for element in root.iter(etree.Element):
        assert read(element) == xpath(element)


def test_visible_texts_skip_scripts_styles_and_comments_but_keep_their_tails() -> None:
    root = parse_html("<div>a<script>s</script>b<!-- c -->d<style>t</style>e<p>f<b>g</b>h</p>i</div>")
    div = root.find(".//div")
    assert visible_texts(div) == VISIBLE_TEXT(div) == list("abdefghi")
    assert visible_texts(div.find("script")) == []


def test_visible_texts_of_a_tree_deeper_than_python_recurses() -> None:
    root = parse_html("<div>" + "<span>x" * 5000 + "</span>" * 5000 + "</div>")  # libxml2 nests 2,045 of them
    assert max(len(list(e.iterancestors())) for e in root.iter()) > sys.getrecursionlimit()
    assert visible_texts(root) == VISIBLE_TEXT(root)


DOCUMENT_TEXT = etree.XPath("string(/)")


@pytest.mark.parametrize("html", [
    *(page.html() for page in PAGES),
    "<html><body>a</body></html>  b  <p>c</p> d",  # after a stray </html>: a second <html> beside the first
    "<!-- x -->t<html><body>a&amp;b</body></html><!-- y -->z", "</html>q<div>r</div>s<!--c-->t<?pi x?>u",
    "<!DOCTYPE html> hi <script>s</script><style>t</style>", "", "x",
], ids=[*(p.path.name for p in PAGES), "stray-html", "comments", "stray-html-first", "doctype", "empty", "text"])
def test_page_text_is_xpaths_string_of_the_document(html: str) -> None:
    root = parse_html(html)
    assert page_text(root) == DOCUMENT_TEXT(root).encode()


def test_a_heading_may_be_on_a_page_only_when_its_words_are_there_spaced_by_xml_space() -> None:
    text = page_text(parse_html("<div><h3>Көп\n  оқылған</h3><p>Үздік\u00a0материалдар</p></div>"))
    assert may_hold_text(text, "Көп оқылған")
    assert not may_hold_text(text, "Үздік материалдар")  # a no-break space is no XML space
    assert not may_hold_text(text, "Көп оқылғандар")


def test_clean_collapses_ascii_whitespace_only_whatever_other_spaces_a_text_holds() -> None:
    # clean() takes a shortcut through str.split() when a text holds no whitespace but ASCII's: every other
    # character str.split() splits on must send it the long way, which keeps them inside the text.
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    for space in [*spaces, "\xad"]:
        for text in (f"a{space}b", f" \t{space}a \n b{space}\r", f"{space}", f"a  b{space}"):
            assert clean(text) == re.sub(r"[ \t\r\n\f\v]+", " ", text.replace("\xad", "")).strip(), repr(text)
    assert clean("a\u00a0 \n b") == "a\u00a0 b"


def test_selectors_beyond_tags_and_classes_go_to_xpath() -> None:
    assert simple_selector("h3 a, a.title") == ((("h3", None), ("a", None)), (("a", "title"),))
    for css in ("a[rel=next]", "ul > li", "a::attr(href)", "*", ".a.b", "", "p,"):
        assert simple_selector(css) is None, css
    root = parse_html('<div><ul class="x"><li><a rel="next" href="/2">2</a></li></ul></div>')
    assert [a.get("href") for a in Subtree(root).css("ul > li a[rel=next]")] == ["/2"]


def test_class_tokens_split_on_xml_space_only() -> None:
    assert has_class("a\tpost-meta\nb", "post-meta")
    assert not has_class("a\u00a0post-meta", "post-meta")  # a no-break space is no separator in CSS
    assert not has_class("post-metadata", "post-meta")
    assert not has_class(None, "post-meta")


def test_sanitize_leaves_the_page_as_parsed() -> None:
    html = ('<html><body><div class="c"><p>one</p><p data-newsarchive-drop="kept">two</p>'
            '<div class="share-buttons">x</div><p>three</p></div></body></html>')
    root = parse_html(html)
    before = etree.tostring(root)
    container = root.find(".//div")
    dropped = [container[1], container[2], container[2]]
    assert sanitize(container, "https://abai.kz/", dropped) == "<p>one</p><p>three</p>"
    assert etree.tostring(root) == before


def test_a_pages_own_drop_attribute_drops_nothing() -> None:
    root = parse_html('<div><p>one</p><p data-newsarchive-drop="no">two</p></div>')
    assert sanitize(root.find(".//div"), "https://abai.kz/") == '<p>one</p><p>two</p>'


def test_sanitize_drops_control_characters_around_what_it_removes_and_ignores_those_of_comments() -> None:
    root = parse_html("<div><p>a\x1bb<script>x</script>\x07c<span>d\x0c</span></p><!-- \x1b -->e</div>")
    assert sanitize(root.find(".//div"), "https://abai.kz/") == "<p>abcd</p>e"
    root = parse_html("<div><p>a<!-- \x1b -->b<span>c</span></p></div>")
    assert sanitize(root.find(".//div"), "https://abai.kz/") == "<p>abc</p>"


def test_the_parsers_index_holds_every_class_the_body_exclusions_are_anchored_on() -> None:
    parts = [part.strip() for part in S.NOT_BODY.split(",")]
    assert all(anchor_class(part) in _INDEXED for part in parts), parts
    root = parse_html(ARTICLES[0].html())
    assert PageIndex(root, _INDEXED).css_within(S.NOT_BODY, root) == css_xpath(S.NOT_BODY)(root)


ARTICLES = [p for p in PAGES if p.kind == "article"]


@pytest.mark.parametrize("page", ARTICLES, ids=[p.path.name for p in ARTICLES])
def test_dispatcher_fills_from_the_parsed_page_as_from_a_fresh_parse(page: SavedPage) -> None:
    html = page.html()
    fresh = generic.fill(parse_abai_article(html, page.url, page.fetched_at), generic.page_selector(html), tz=DEFAULT_TZ)
    assert parse_article(html, page.url, page.fetched_at) == fresh
    _, root = read_article(html, page.url, page.fetched_at)
    assert etree.tostring(root) == etree.tostring(parse_html(html))  # the parser changed nothing on the page
