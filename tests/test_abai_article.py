"""abai.kz article pages: every mirror article parses to its checked-in expected JSON."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, mirror_pages
from crawler.errors import ParseError
from crawler.fixtures import SavedPage
from crawler.parsers import parse_article
from crawler.parsers.abai import parse_article as parse_abai_article

ARTICLES = mirror_pages("abai.kz", "article")


@pytest.mark.parametrize("page", ARTICLES, ids=[p.path.name for p in ARTICLES])
def test_article_matches_expected_json(page: SavedPage, parse_fixture) -> None:
    parse_fixture(page)


def seed_document() -> tuple[list[str], list[str]]:
    """(lines, body paragraphs) of the seed document, as the site showed it."""
    lines = (FIXTURES / "seed" / "000_e760ebb2c203a469.txt").read_text(encoding="utf-8").splitlines()
    start, end = lines.index("Nur Otan Trends пікірталас клубының кезекті басқосуы өтті") + 1, lines.index("Дайындаған Халима Бұқарқызы")
    return lines, [line for line in lines[start:end] if line.strip()]


@pytest.fixture(scope="module")
def seed_item():
    page = next(p for p in ARTICLES if p.url == "https://abai.kz/post/100000")
    return parse_article(page.html(), page.url, page.fetched_at)


def test_seed_article_fields_are_exact(seed_item) -> None:
    assert seed_item.title == "Nur Otan Trends пікірталас клубының кезекті басқосуы өтті"
    assert seed_item.category == "Билік"
    assert (seed_item.views, seed_item.comments) == (2852, 0)
    assert seed_item.published_at == "2018-09-19T16:01:00+06:00"
    assert seed_item.authors == ["Халима Бұқарқызы"]
    assert seed_item.source == "Abai.kz"
    assert seed_item.page_date == "2024-11-23"
    assert (seed_item.key, seed_item.script, seed_item.language) == ("abai.kz:100000", "cyrl", "kk")


def test_seed_body_is_the_26_paragraphs_and_nothing_else(seed_item) -> None:
    _, paragraphs = seed_document()
    assert len(paragraphs) == 26
    assert seed_item.paragraphs == paragraphs
    assert "Дайындаған" not in seed_item.body_html and "Facebook</a>" not in seed_item.body_html


def test_seed_best_materials(seed_item) -> None:
    got = [(m.category, m.title, m.author, m.views) for m in seed_item.best_materials]
    assert got == [
        ("Сыни-эссе", "«Таласбек сыйлығы»: Талқандалған талғам...", "Абай Мауқараұлы", 1482),
        ("Білгенге маржан", "«Шығыс Түркістан мемлекеті бейбіт түрде жоғалды»", "Әлімжан Әшімұлы", 3253),
        ("Біртуар", "Шоқанның әзіл-сықақтары", "Бағдат Ақылбеков", 5475),
    ]


def test_russian_body_in_kazakh_chrome_is_detected_in_every_script() -> None:
    variants = [p for p in ARTICLES if p.url.endswith("/post/124675")]
    assert len(variants) == 3
    items = [parse_article(p.html(), p.url, p.fetched_at) for p in variants]
    assert {i.script for i in items} == {"cyrl", "latn", "arab"}
    assert {i.language for i in items} == {"ru"}
    assert {i.key for i in items} == {"abai.kz:124675"}
    assert {i.published_at for i in items} == {"2020-11-30T12:03:00+06:00"}


def test_layout_changes_shift_strategies_instead_of_emptying_fields() -> None:
    by_url = {p.url: p for p in ARTICLES}
    text_head = by_url["https://abai.kz/lt/post/51637"]
    item = parse_article(text_head.html(), text_head.url, text_head.fetched_at)
    assert (item.category, item.views, item.comments) == ("Bilgenge marjan", 17699, 21)
    assert item.published_at == "2017-04-18T12:18:00+06:00"
    assert item.strategies["views"] == "text" and item.strategies["title"] == "structure"
    json_ld = by_url["https://abai.kz/tt/post/211030"]
    item = parse_article(json_ld.html(), json_ld.url, json_ld.fetched_at)
    assert item.published_at == "2026-01-30T13:48:00+05:00"
    assert item.strategies["published_at"] == "meta"


def test_the_metadata_layer_reads_json_ld_as_the_generic_parser_does() -> None:
    """A graph, a schema.org URL as the type and a trailing comma: what real pages print, the last layer reads."""
    ld = ('{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, {"@type": "http://schema.org/NewsArticle",'
          ' "headline": "Taqyryp", "articleSection": "Bilik", "commentCount": 3,'
          ' "datePublished": "2020-11-30T12:03:00+06:00", "author": [{"@type": "Person", "name": "Aidos Sarym"}],},]}')
    html = f"""<html><head><script type="application/ld+json">{ld}</script></head><body>
      <div><p>Birinshi abzats jәne ekinshi sóilem osy jerde.</p><p>Ekinshi abzats búl.</p></div></body></html>"""
    item = parse_abai_article(html, "https://abai.kz/lt/post/5", None)
    assert (item.title, item.category, item.comments, item.published_at, item.authors) == (
        "Taqyryp", "Bilik", 3, "2020-11-30T12:03:00+06:00", ["Aidos Sarym"])
    assert {item.strategies[f] for f in ("title", "category", "comments", "published_at", "authors")} == {"meta"}


def test_selectors_gone_entirely_still_reads_the_head_and_body() -> None:
    html = """<html><body><div class="x">Júma, 22 Qarasha 2024</div><main>
      <div>Bilik 12 3 pikir 30 Qarasha, 2020 saghat 12:03</div><h1>Taqyryp</h1>
      <div><p>Birinshi abzats jәne ekinshi sóilem osy jerde.</p><p>Ekinshi abzats búl.</p>
      <p>Daiyndaghan Aidos Sarym</p><p>Abai.kz</p></div></main></body></html>"""
    item = parse_abai_article(html, "https://abai.kz/lt/post/5", None)
    assert (item.category, item.views, item.comments) == ("Bilik", 12, 3)
    assert item.published_at == "2020-11-30T12:03:00+06:00"
    assert item.authors == ["Aidos Sarym"] and item.source == "Abai.kz"
    assert item.paragraphs == ["Birinshi abzats jәne ekinshi sóilem osy jerde.", "Ekinshi abzats búl."]


@pytest.mark.parametrize("heading", ["Үздік материалдар", "Үздік &#1084;атериалдар", "Үздік матер\x00иалдар",
                                     "<span>Үзд</span>ік материалдар", "ҮЗДІК МАТЕРИАЛДАР"],
                         ids=["typed", "character reference", "NUL", "parted by its markup", "capitals"])
def test_sidebar_without_its_class_is_found_by_its_heading_however_the_markup_spells_it(heading: str) -> None:
    html = f"""<html><body><h1>Taqyryp</h1><div class="post-content"><p>Birinshi abzats osy jerde.</p></div>
      <div class="x"><h4>{heading}</h4><div class="item"><span class="tag">Bilik</span>
      <h3><a href="/post/2">Ekinshi maqala</a></h3><span class="author">Aidos Sarym</span><span class="views">15</span></div></div>
      </body></html>"""
    item = parse_abai_article(html, "https://abai.kz/post/1", None)
    assert item.strategies["best_materials"] == "text"
    assert [(m.title, m.key, m.author, m.views) for m in item.best_materials] == [
        ("Ekinshi maqala", "abai.kz:2", "Aidos Sarym", 15)]


def test_non_article_url_and_empty_page_raise_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_abai_article("<html></html>", "https://abai.kz/part/1", None)
    with pytest.raises(ParseError):
        parse_abai_article("<html><body></body></html>", "https://abai.kz/post/1", None)


def test_a_poem_keeps_its_lines_and_an_ad_script_is_no_paragraph() -> None:
    """`<br>` parts lines (a poem; a byline over its source), a script's code is no text, a comment hides nothing."""
    html = ("<html><head><title>Өлең</title></head><body><article><h1 class='post-title'>Өлең</h1><div class='post-content'>"
            "<p>Жастықтың оты, қайдасың,<br>Жанымды жылытпайсың.</p>"
            "<div class='adv'><script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>"
            "<p>Бұл <b>ұзын</b>дау абзац <!-- жарнама -->мәтіні.</p>"
            "<p>Дайындаған Халима Бұқарқызы<br>Abai.kz</p></div></article></body></html>")
    item = parse_abai_article(html, "https://abai.kz/post/1")
    assert item.paragraphs == ["Жастықтың оты, қайдасың,\nЖанымды жылытпайсың.", "Бұл ұзындау абзац мәтіні."]
    assert (item.authors, item.source) == (["Халима Бұқарқызы"], "Abai.kz")
    assert "adsbygoogle" not in item.body_html and "Дайындаған" not in item.body_html


@pytest.mark.parametrize(("head", "expected"), [
    ("Билік 2852 0 пікір 19 Қыркүйек, 2018 сағат 16:01", ("Билік", 2852, 0, "2018-09-19T16:01:00+06:00")),
    ("Билік 2 852 0 пікір 19 Қыркүйек, 2018 сағат 16:01", ("Билік", 2852, 0, "2018-09-19T16:01:00+06:00")),
    ("Билік 1,2 мың 3 пікір 19 Қыркүйек, 2018 сағат 16:01", ("Билік", 1200, 3, "2018-09-19T16:01:00+06:00")),
    ("Билік · 2852 · 0 пікір · 19 Қыркүйек, 2018 сағат 16:01", ("Билік", 2852, 0, "2018-09-19T16:01:00+06:00")),
    ("Bilik 12.5K 4 pikir 19 Qyrkúıek, 2018 saǵat 16:01", ("Bilik", 12500, 4, "2018-09-19T16:01:00+06:00")),
    ("بيلىك 2852 0 پىكىر 30 قاراشا، 2020 ساعات 12:03", ("بيلىك", 2852, 0, "2020-11-30T12:03:00+06:00")),
    # each part in an element of its own: the innermost one saying "пікір" holds "0 пікір" alone
    ("<a>Билік</a> <span>2852</span> <span>0 пікір</span> <span>19 Қыркүйек, 2018 сағат 16:01</span>",
     ("Билік", 2852, 0, "2018-09-19T16:01:00+06:00")),
    ("Сенбі, 23 Қараша 2024 Билік 2852 0 пікір 19 Қыркүйек, 2018 сағат 16:01",  # today's date first
     ("Билік", 2852, 0, "2018-09-19T16:01:00+06:00")),
])
def test_a_head_without_its_classes_is_read_from_its_text(head: str, expected: tuple) -> None:
    """Views printed with a thousands space or as "1,2 мың" were cut into the category ("Билік 2", 852)."""
    html = (f"<html><head><title>Т</title></head><body><article><div class='info'>{head}</div>"
            "<h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div></article></body></html>")
    item = parse_abai_article(html, "https://abai.kz/post/1")
    assert (item.category, item.views, item.comments, item.published_at) == expected


@pytest.mark.parametrize(("printed", "views"), [("2 852", 2852), ("1,2 мың", 1200), ("12.5K", 12500), ("5 мыңнан астам", 5000)])
def test_views_printed_short_are_counted_in_full(printed: str, views: int) -> None:
    html = (f"<html><body><article><div class='post-meta'><span class='views'>{printed}</span></div>"
            "<h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div></article></body></html>")
    assert parse_abai_article(html, "https://abai.kz/post/1").views == views


def test_a_date_printed_as_today_counts_from_the_fetch_not_the_clock() -> None:
    """The parser is pure: "Бүгін, 16:01" re-parsed in a year is still the day the page was fetched."""
    html = ("<html><body><article><div class='post-meta'><span class='date'>Бүгін, 16:01</span></div>"
            "<h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div></article></body></html>")
    assert parse_abai_article(html, "https://abai.kz/post/1", "2018-09-19T06:00:00+00:00").published_at == "2018-09-19T16:01:00+06:00"
    assert parse_abai_article(html, "https://abai.kz/post/1").published_at is None
    undated = html.replace("Бүгін, 16:01", "19 Қыркүйек")  # no year: not 1 September 2019, as dateparser had it
    assert parse_abai_article(undated, "https://abai.kz/post/1", "2018-09-19T06:00:00+00:00").published_at is None


def test_a_date_declared_in_utc_is_given_in_almaty_time() -> None:
    """`published_at` carries the offset Almaty had that day, whichever layer read it."""
    html = ("<html><head><meta property='article:published_time' content='2026-01-30T08:48:00Z'></head><body>"
            "<h1>Тақырып</h1><div><p>Мәтін бірінші абзац.</p></div></body></html>")
    item = parse_abai_article(html, "https://abai.kz/post/1")
    assert (item.published_at, item.strategies["published_at"]) == ("2026-01-30T13:48:00+05:00", "meta")


@pytest.mark.parametrize("wrapper", ["article", "div"])
def test_the_logos_h1_is_no_headline(wrapper: str) -> None:
    """A redesign without the title's class: the first <h1> of the page is the site's logo in its header."""
    html = (f"<html><body><header><h1 class='logo'><a href='/'>Abai.kz</a></h1></header><{wrapper}><h1>Нағыз тақырып</h1>"
            f"<div class='entry'><p>Мәтін.</p></div></{wrapper}></body></html>")
    item = parse_abai_article(html, "https://abai.kz/post/1")
    assert (item.title, item.strategies["title"]) == ("Нағыз тақырып", "structure")


@pytest.mark.parametrize("tail", [
    "<p><strong>Дайындаған Халима БҰҚАРҚЫЗЫ</strong></p><p><strong>«Abai.kz»</strong></p>"
    "<p>Abai.kz-тің Telegram арнасына жазылыңыз!</p>",  # a call to subscribe after the source line
    "<p>Дайындаған – Халима Бұқарқызы</p><p>Abai.kz</p>",
])
def test_the_byline_and_source_leave_the_body_however_they_are_set(tail: str) -> None:
    html = ("<html><body><article><h1 class='post-title'>Тақырып</h1><div class='post-content'>"
            f"<p>Мәтін бірінші абзац.</p>{tail}</div></article></body></html>")
    item = parse_abai_article(html, "https://abai.kz/post/1")
    assert (item.authors, item.source, item.body) == (["Халима Бұқарқызы"], "Abai.kz", "Мәтін бірінші абзац.")


def test_sidebar_items_without_classes_keep_their_authors_and_views() -> None:
    """Items in a list, views printed "3 253" (were author "… 3", views 253), an author without views, bare views."""
    html = """<html><body><h1>Taqyryp</h1><div class="post-content"><p>Birinshi abzats osy jerde.</p></div>
      <div><h4>Үздік материалдар</h4><ul>
      <li><a href="/post/2">Екінші мақала</a> <span>Әлімжан Әшімұлы</span> <span>3 253</span></li>
      <li><a href="/post/3">Үшінші мақала</a> <span>Айдос Сарым</span></li>
      <li><a href="/post/4">Төртінші мақала</a> <span>5 475</span></li></ul></div></body></html>"""
    item = parse_abai_article(html, "https://abai.kz/post/1", None)
    assert [(m.title, m.key, m.author, m.views) for m in item.best_materials] == [
        ("Екінші мақала", "abai.kz:2", "Әлімжан Әшімұлы", 3253), ("Үшінші мақала", "abai.kz:3", "Айдос Сарым", None),
        ("Төртінші мақала", "abai.kz:4", None, 5475)]


def test_a_headline_saying_opinion_is_no_part_of_the_head() -> None:
    """"пікір" is also "opinion": a heading that says it before the head is no category, nor is a paragraph."""
    head = "<a>Билік</a> <span>2852</span> <span>0 пікір</span> <span>19 Қыркүйек, 2018 сағат 16:01</span>"
    for before in ("<h1>Сарапшылар пікірі</h1>", "<p>Бұл туралы сарапшылар пікірі әртүрлі болды деп жазды.</p>"):
        html = (f"<html><body><article><div class='top'>{before}<div class='info'>{head}</div></div>"
                "<h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div></article></body></html>")
        item = parse_abai_article(html, "https://abai.kz/post/1")
        assert (item.category, item.views, item.comments) == ("Билік", 2852, 0)


def test_a_fetch_time_that_is_no_iso_time_is_no_error() -> None:
    html = ("<html><body><article><div class='post-meta'><span class='date'>Бүгін, 24:00</span></div>"
            "<h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div></article></body></html>")
    for fetched in ("2024-11-23 06:00 UTC", "2024-11-23T06:00:00+00:00"):  # and 24:00 is no time of day
        assert parse_abai_article(html, "https://abai.kz/post/1", fetched).published_at is None


def test_a_byline_of_initials_keeps_its_capitals_where_they_belong() -> None:
    html = ("<html><body><article><h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p>"
            "<p>Дайындаған Ж.ДӘДЕБАЙ</p></div></article></body></html>")
    assert parse_abai_article(html, "https://abai.kz/post/1").authors == ["Ж.Дәдебай"]


@pytest.mark.parametrize("page", ARTICLES, ids=[p.path.name for p in ARTICLES])
def test_letters_typed_decomposed_give_the_same_body_and_quotes(page: SavedPage) -> None:
    """A page typed with combining marks ("и" + U+0306 for "й", "y" + U+0301 for "ý", "ي" + U+0654 for "ئ")
    lost its quotes, and those found counted offsets in characters the stored (NFC) body no longer had."""
    import unicodedata

    typed = parse_article(unicodedata.normalize("NFD", page.html()), page.url, page.fetched_at)
    expected = parse_article(page.html(), page.url, page.fetched_at)
    assert (typed.body, typed.quotes) == (expected.body, expected.quotes)
