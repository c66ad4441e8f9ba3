"""Pages built to break the parsers: a hostile snippet costs at most itself, never the page.

Every snippet here once made a parser raise something other than ParseError
(found by feeding the parsers fixture pages mutated at random, issue 11),
which lost the whole article or listing: a link that is no URL
(`https://[x`, a port `99kz`), an attribute named with a control character
(parsel's `.attrib` refuses it), control characters next to a removed
`<script>` (lxml refuses to move such text), a page number that is no number.
The last test repeats a small seeded run of that fuzzing.
"""

from __future__ import annotations

import random

import pytest

from conftest import SITES
from crawler.errors import ParseError
from crawler.parsers import parse_article as parse_any_article
from crawler.parsers.abai import parse_article, parse_listing

ABAI = SITES / "abai.kz" / "pages"
ARTICLE = (ABAI / "post-100000.html").read_text(encoding="utf-8")
ARTICLE_URL = "https://abai.kz/post/100000"
LISTING = (ABAI / "part-1.html").read_text(encoding="utf-8")
LISTING_URL = "https://abai.kz/part/1"
GENERIC = (SITES / "qamshy.kz" / "pages" / "balasi-zhemqor-adam-mazhiliske-layiq-pa.html").read_text(encoding="utf-8")
GENERIC_URL = "https://qamshy.kz/article/balasi-zhemqor-adam-mazhiliske-layiq-pa.html"

SNIPPETS = [
    '<a href="https://[abai.kz/post/1">not a URL</a>',
    '<a href="https://abai.kz:99kz/post/2">a port that is no number</a>',
    '<img src="http://[x/y.jpg">',
    '<p \x1b="x" data-\x07="y">attribute names with control characters</p>',
    '<time \x1b="1" datetime="2020-01-01">1 January 2020</time>',
    '<span itemprop="datePublished" \x1b="1" content="2020-01-01">x</span>',
    "<p>text with \x1b[31m escape \x07 bell \x0c form feed</p><script>drop(me)</script>\x1b tail",
    '<p alt="a\x1bb">x</p><img src="a.jpg" alt="a\x1bb\x00c">',
    '<a rel="next" href="https://[x">next</a>',
    '<a rel="next" href="?page=abc">next</a>',
    '<ul class="pagination"><li><a href="?page=\x1b">2</a></li></ul>',
    "&#0; &#xD800; &#99999999; &#x1b;",
    "<![CDATA[ unclosed",
    "<svg><foreignObject><p>inside svg</p></foreignObject></svg>",
]
HEAD_SNIPPETS = [
    '<link rel="canonical" href="http://[x">',
    '<meta property="og:image" content="http://[x">',
    '<meta property="og:url" content="http://[x">',
    '<meta \x1b="1" property="og:title" content="T">',
    '<script type="application/ld+json">{"@type": "NewsArticle", "image": "http://[x", "datePublished": "99999-99-99",'
    ' "author": {"name": [1, 2]}}</script>',
    '<script type="application/ld+json">{"@graph": 5}</script>',
]


def with_snippet(page: str, snippet: str, head: bool = False) -> str:
    marker = "</head>" if head else "<p>"
    return page.replace(marker, snippet + marker, 1)


@pytest.mark.parametrize("snippet", SNIPPETS + HEAD_SNIPPETS)
def test_an_abai_article_keeps_its_title_and_body(snippet: str) -> None:
    expected = parse_article(ARTICLE, ARTICLE_URL)
    item = parse_article(with_snippet(ARTICLE, snippet, head=snippet in HEAD_SNIPPETS), ARTICLE_URL)
    assert item.title == expected.title
    assert item.body and expected.body.split("\n\n")[-1] in item.body


@pytest.mark.parametrize("snippet", SNIPPETS + HEAD_SNIPPETS)
def test_a_generic_article_keeps_its_title(snippet: str) -> None:
    expected = parse_any_article(GENERIC, GENERIC_URL)
    item = parse_any_article(with_snippet(GENERIC, snippet, head=snippet in HEAD_SNIPPETS), GENERIC_URL)
    assert item.title == expected.title and item.body


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_a_listing_keeps_its_other_entries(snippet: str) -> None:
    expected = parse_listing(LISTING, LISTING_URL)
    listing = parse_listing(LISTING.replace('<h3><a href="https://abai.kz/post/67688">', snippet + '<h3><a href="https://abai.kz/post/67688">', 1),
                            LISTING_URL)
    assert {e.key for e in expected.entries} <= {e.key for e in listing.entries}


def test_a_listing_url_with_a_page_that_is_no_number_has_no_next_page() -> None:
    assert parse_listing(LISTING, "https://abai.kz/part/1?page=abc").entries


JUNK = ["<", ">", "</p>", "<p", '"', "'", "<!--", "<script>", "</div>", "\x00", "\x1b", "\u202e", "<table>", "9" * 40,
        "сағат 99:99", "32 Қыркүйек, 2018", ' \x1b="x" ', " a<b=1 ", ' itemprop="headline" ', ' datetime="2021-13-45" ',
        *SNIPPETS, *HEAD_SNIPPETS]


def test_mutated_pages_raise_nothing_but_parse_error() -> None:
    rng = random.Random("issue-11")
    pages = [(ARTICLE, ARTICLE_URL, parse_article), (LISTING, LISTING_URL, parse_listing), (GENERIC, GENERIC_URL, parse_any_article)]
    for _ in range(60):
        for page, url, parse in pages:
            for _ in range(rng.randint(1, 20)):
                at = rng.randrange(len(page))
                roll = rng.random()
                if roll < 0.6:
                    page = page[:at] + rng.choice(JUNK) + page[at:]
                elif roll < 0.8:
                    page = page[:at] + page[at + rng.randint(1, 200):]
                else:
                    page = page[:at] + page[at:at + rng.randint(1, 50)] * rng.randint(2, 5) + page[at:]
            try:
                parse(page, url)
            except ParseError:
                pass
