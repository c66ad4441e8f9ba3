"""A page typed with combining marks ("й" as "и" + U+0306, a Mac's decomposed accents) parses as its composed twin.

Each fixture page is taken twice: its text nodes composed (NFC) and
decomposed (NFD), its markup (attribute values: links, image sources) and its
scripts and styles as they are. Both must give the same item, field for field.
So is a page whose declared metadata (its metas' contents, its JSON-LD) is typed
with combining marks, its text as it is: its URLs stay as typed.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from typing import Literal

import lxml.html
import pytest

from conftest import FIXTURES, mirror_pages
from crawler.items import ArticleItem
from crawler.parsers import generic, parse_article
from crawler.parsers.common import with_text_composed
from crawler.urls import canonicalize

VARIANTS = [(path.read_text(encoding="utf-8"), url) for path, url in (
    (FIXTURES / "abai-variants" / name, url) for name, url in (
        ("byline-after-body-2018.html", "http://abai.kz/post/74180"),
        ("newer-template-jsonld.html", "https://abai.kz/post/124675"),
        ("tt-date-over-title-sidebar-first.html", "https://abai.kz/tt/post/1"),
        ("tt-signature-with-role-2018.html", "https://abai.kz/index.php/tt/post/211030"),
        ("two-authors-after-body-2018.html", "http://abai.kz/post/67688"),
        ("www-index-php-signature-2018.html", "http://www.abai.kz/index.php/post/67613"),
    ))]



def with_text(html: str, form: Literal["NFC", "NFD"]) -> str:
    """The page with its text nodes in Unicode normal form `form`; tags, attributes, scripts and styles as they are."""
    root = lxml.html.document_fromstring(html)
    for element in root.iter():
        typed = isinstance(element.tag, str) and element.tag not in ("script", "style")
        if typed and element.text:
            element.text = unicodedata.normalize(form, element.text)
        if element.tail:
            element.tail = unicodedata.normalize(form, element.tail)
    return lxml.html.tostring(root, encoding="unicode")


def with_declared(html: str, form: Literal["NFC", "NFD"]) -> str:
    """The page with its metas' contents and its JSON-LD in normal form `form`; all else as it is."""
    root = lxml.html.document_fromstring(html)
    for meta in root.iter("meta"):
        if meta.get("content"):
            meta.set("content", unicodedata.normalize(form, meta.get("content", "")))
    for script in root.iter("script"):
        if script.get("type", "").startswith("application/ld+json") and script.text:
            script.text = unicodedata.normalize(form, script.text)
    return lxml.html.tostring(root, encoding="unicode")


def changed_by(rewrite: Callable[[str, Literal["NFC", "NFD"]], str]) -> list[tuple[str, str]]:
    """The abai.kz parser's pages and the generic parser's (Kazakh sites) whose two forms under `rewrite` differ: they
    hold a letter that decomposes where `rewrite` normalizes (no URL among them does)."""
    pages = [(page.html(), page.url) for site in ("abai.kz", "egemen.kz", "qamshy.kz")
             for page in mirror_pages(site, "article")] + VARIANTS
    return [(html, url) for html, url in pages if rewrite(html, "NFC") != rewrite(html, "NFD")]


PAGES = changed_by(with_text)
DECLARING = changed_by(with_declared)


@pytest.mark.parametrize(("html", "url"), PAGES, ids=[url for _, url in PAGES])
def test_a_decomposed_page_parses_as_its_composed_twin(html: str, url: str) -> None:
    assert_twins(with_text(html, "NFC"), with_text(html, "NFD"), url)


def assert_twins(composed: str, decomposed: str, url: str) -> None:
    """The two pages give the same item, field for field (the differing fields are named)."""
    expected = asdict(parse_article(composed, url, "2024-11-23T06:00:00+00:00"))
    got = asdict(parse_article(decomposed, url, "2024-11-23T06:00:00+00:00"))
    assert {name: value for name, value in got.items() if value != expected[name]} == {}


@pytest.mark.parametrize(("html", "url"), DECLARING, ids=[url for _, url in DECLARING])
def test_a_page_declaring_decomposed_metadata_parses_as_its_composed_twin(html: str, url: str) -> None:
    """Its text as typed (composed). egemen.kz's declared author, decomposed, was not among the page's printed
    words, so the byline's name took its place."""
    assert_twins(with_declared(html, "NFC"), with_declared(html, "NFD"), url)


# A page of the generic parser whose title, site name, author, section, tags and date only its metadata declares;
# its image and its own URL (og:url) hold letters that decompose, typed decomposed in both twins.
IMAGE = unicodedata.normalize("NFD", "https://example.kz/суреттер/Қыркүйек.jpg")
PAGE_URL = unicodedata.normalize("NFD", "https://example.kz/news/Қыркүйек-айы")
DECLARED = {"title": "Қыркүйектен бастап ауылда жаңа мектеп жұмыс істейді", "site": "Ақпарат айнасы",
            "author": "Айгүл Серікқызы", "section": "Ой-пікір", "tags": "мектеп, Қыркүйек, Ý bilim",
            "date": "2 қыркүйек 2024, 10:30", "description": "Ауылда жаңа мектеп ашылады: қыркүйектен бастап"}
BODY = ("<body><article><div class='content'><p>Ауылдағы жаңа мектепке биыл үш жүз оқушы барады, оның жетпісі бірінші"
        " сыныпқа.</p><p>Мектептің спорт залы мен кітапханасы ауыл тұрғындарына да ашық болады, деді әкім.</p>"
        "<p>Құрылысқа облыс бюджетінен қаржы бөлінді, жұмыс екі жылға созылды.</p></div></article></body>")


Page = Callable[[Literal["NFC", "NFD"]], str]
"""A page built with its declared text in the given normal form."""


def declared_in_metas(form: Literal["NFC", "NFD"]) -> str:
    text = {name: unicodedata.normalize(form, value) for name, value in DECLARED.items()}
    metas = {"og:title": f"{text['title']} | {text['site']}", "og:site_name": text["site"], "author": text["author"],
             "description": text["description"], "article:section": text["section"], "keywords": text["tags"],
             "date": text["date"], "og:image": IMAGE, "og:url": PAGE_URL}
    head = "".join(f"<meta property='{name}' content='{content}'>" for name, content in metas.items())
    return f"<html><head><title>{text['title']} | {text['site']}</title>{head}</head>{BODY}</html>"


def declared_in_json_ld(form: Literal["NFC", "NFD"]) -> str:
    text = {name: unicodedata.normalize(form, value) for name, value in DECLARED.items()}
    article = {"@type": "NewsArticle", "headline": text["title"], "author": [{"@type": "Person", "name": text["author"]}],
               "articleSection": text["section"], "keywords": text["tags"].split(", "), "image": IMAGE,
               "datePublished": "2024-09-02T10:30:00+05:00", "description": text["description"]}
    data = {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": text["site"]}, article]}
    script = f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"
    return f"<html><head><title>{text['title']} | {text['site']}</title>{script}</head>{BODY}</html>"


@pytest.mark.parametrize(("page", "url"), [(declared_in_metas, canonicalize(PAGE_URL, https=True)),
                                           (declared_in_json_ld, "https://example.kz/news/1")])
def test_decomposed_metadata_gives_the_composed_twins_text_and_the_urls_as_typed(page: Page, url: str) -> None:
    assert_twins(page("NFC"), page("NFD"), "https://example.kz/news/1")
    item = parse_article(page("NFD"), "https://example.kz/news/1", "2024-11-23T06:00:00+00:00")
    assert (item.title, item.authors, item.category) == (DECLARED["title"], [DECLARED["author"]], DECLARED["section"])
    assert (item.tags, item.image, item.images, item.url) == (DECLARED["tags"].split(", "), IMAGE, [IMAGE], url)


def test_composing_a_pages_text_leaves_its_markup_as_typed() -> None:
    """Links, image sources and JSON-LD's URLs are the bytes the server was given: composed, a file is not found."""
    decomposed = unicodedata.normalize("NFD", "Қыркүйек Ýzdik")
    markup = (f'<a title="a > b" href="/{decomposed}.html">', f"<script>{{\"image\": \"/{decomposed}.jpg\"}}</script>",
              f"<!-- {decomposed} -->", f"<img src='/{decomposed}.jpg' alt=\"{decomposed}\">")
    page = "".join(f"<p>{decomposed} {part} {decomposed}</p>" for part in markup)
    assert with_text_composed(page) == "".join(f"<p>Қыркүйек Ýzdik {part} Қыркүйек Ýzdik</p>" for part in markup)


@pytest.mark.parametrize("url", ["https://abai.kz/post/1", "https://example.kz/news/1"])
def test_a_decomposed_pages_image_urls_stay_as_typed(url: str) -> None:
    """Both parsers: the body's images and the declared one keep the URL the page gave, combining marks and all."""
    name = unicodedata.normalize("NFD", "Қыркүйек")
    image = f"https://example.kz/{name}.jpg"
    html = (f"<html><head><meta property='og:image' content='{image}'></head><body><article>"
            f"<h1 class='post-title'>{name} айы</h1><div class='post-content'><p>{name} айында жаңа кітапхана ашылды,"
            f" оқырмандар көп.</p><p><img src='{image}'></p><p>Кітапхана қорында жүз мыңнан астам кітап бар.</p>"
            "</div></article></body></html>")
    item = parse_article(html, url, "2024-11-23T06:00:00+00:00")
    assert item.title == "Қыркүйек айы"
    assert (item.images, item.image) == ([image], image)


@pytest.mark.parametrize("page", [
    "<html><head><title>{}</title></head><body><p>Ауылдағы жаңа мектепке биыл үш жүз оқушы барады.</p></body></html>",
    "<html><body><h1>{}</h1><p>Ауылдағы жаңа мектепке биыл үш жүз оқушы барады.</p></body></html>",
], ids=["title", "h1"])
def test_fill_reads_a_decomposed_title_as_its_composed_twin(page: str) -> None:
    """`fill` reads the site parser's tree, whose text is as typed: the `<title>` (or an unconfirmed `<h1>`) it gives
    an item whose site parser found none is composed, as its other fields are."""
    def filled(form: Literal["NFC", "NFD"]) -> ArticleItem:
        item = ArticleItem(url="https://abai.kz/post/1", site="abai.kz", article_id="1", key="abai.kz:1",
                           script="cyrl", language="kk", title=None)
        return generic.fill(item, generic.page_selector(page.format(unicodedata.normalize(form, DECLARED["title"]))))

    assert filled("NFD").title == filled("NFC").title == DECLARED["title"]
