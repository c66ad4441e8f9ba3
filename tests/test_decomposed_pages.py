"""A page typed with combining marks ("й" as "и" + U+0306, a Mac's decomposed accents) parses as its composed twin.

Each fixture page is taken twice: its text nodes composed (NFC) and
decomposed (NFD), its markup (attribute values: links, image sources) and its
scripts and styles as they are. Both must give the same item, field for field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict
from typing import Literal

import lxml.html
import pytest

from conftest import FIXTURES, mirror_pages
from crawler.parsers import parse_article
from crawler.parsers.common import with_text_composed

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


# The abai.kz parser's pages and the generic parser's (Kazakh sites), each holding a letter that decomposes.
PAGES = [(html, url) for html, url in [(page.html(), page.url) for site in ("abai.kz", "egemen.kz", "qamshy.kz")
                                       for page in mirror_pages(site, "article")] + VARIANTS
         if with_text(html, "NFC") != with_text(html, "NFD")]


@pytest.mark.parametrize(("html", "url"), PAGES, ids=[url for _, url in PAGES])
def test_a_decomposed_page_parses_as_its_composed_twin(html: str, url: str) -> None:
    composed, decomposed = with_text(html, "NFC"), with_text(html, "NFD")
    expected = asdict(parse_article(composed, url, "2024-11-23T06:00:00+00:00"))
    got = asdict(parse_article(decomposed, url, "2024-11-23T06:00:00+00:00"))
    assert {name: value for name, value in got.items() if value != expected[name]} == {}


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
