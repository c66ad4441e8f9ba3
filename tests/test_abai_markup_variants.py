"""abai.kz article markup the fixture mirror does not have: constructed pages (tests/fixtures/abai-variants/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.parsers import parse_article

VARIANTS = Path(__file__).parent / "fixtures" / "abai-variants"


def parse_variant(name: str, url: str):  # type: ignore[no-untyped-def]
    return parse_article((VARIANTS / name).read_text(encoding="utf-8"), url, "2024-11-23T06:00:00+00:00")


def test_a_byline_and_source_printed_after_the_body_element_are_read() -> None:
    item = parse_variant("byline-after-body-2018.html", "http://abai.kz/post/74180")
    assert (item.authors, item.source) == (["Халима Бұқарқызы"], "Abai.kz")
    assert item.body.endswith("сөз тіркестеріне дейін жазылған.")
    two = parse_variant("two-authors-after-body-2018.html", "http://abai.kz/post/67688")
    assert (two.authors, two.source) == (["Алтынбек Құмырзақұлы", "Гүлнар Мұхтарқызы"], "Abai.kz")


def test_a_comment_section_after_the_body_names_no_author() -> None:
    html = ("<html><body><article><h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div>"
            "<div class='comments'><p>Дайындаған Ерлан Ерланов</p><p>Керемет мақала, рахмет!</p></div></article></body></html>")
    item = parse_article(html, "https://abai.kz/post/1")
    assert (item.authors, item.source) == ([], None)


def test_a_sidebar_items_title_is_its_link_to_an_article_and_its_category_its_link_to_a_section() -> None:
    item = parse_variant("newer-template-jsonld.html", "https://abai.kz/post/124675")
    assert [(m.category, m.title, m.key) for m in item.best_materials] == [
        ("Тарих", "Алаш зиялыларының соңғы хаттары", "abai.kz:124601"),
        ("Әдебиет", "Абайдың аудармалары туралы бірер сөз", "abai.kz:124522")]


def test_a_sidebar_items_thumbnail_link_is_no_title() -> None:
    """A thumbnail that links the same article comes first and holds only an image: the item kept no title and
    was dropped."""
    html = (VARIANTS / "newer-template-jsonld.html").read_text(encoding="utf-8").replace(
        '<h4 class="best-item__title"><a href="https://abai.kz/post/124601">',
        '<a class="best-item__thumb" href="https://abai.kz/post/124601"><img src="https://abai.kz/a.jpg" alt=""></a>'
        '<h4 class="best-item__title"><a href="https://abai.kz/post/124601">')
    item = parse_article(html, "https://abai.kz/post/124675", "2024-11-23T06:00:00+00:00")
    assert [(m.title, m.key) for m in item.best_materials] == [
        ("Алаш зиялыларының соңғы хаттары", "abai.kz:124601"), ("Абайдың аудармалары туралы бірер сөз", "abai.kz:124522")]


def test_an_interviews_byline_says_who_interviewed() -> None:
    for byline, name in (("Сұхбаттасқан Айбек Сейітов", "Айбек Сейітов"), ("Súhbattasqan Aibek Seyitov", "Aibek Seyitov"),
                         ("سۇحباتتاسقان ايبەك سەيىتوۆ", "ايبەك سەيىتوۆ")):
        html = ("<html><body><article><h1 class='post-title'>Тақырып</h1><div class='post-content'>"
                f"<p><strong>Abai.kz:</strong> – Сұрақ?</p><p>{byline}</p><p>Abai.kz</p></div></article></body></html>")
        item = parse_article(html, "https://abai.kz/post/1")
        assert (item.authors, item.source, item.body) == ([name], "Abai.kz", "Abai.kz: – Сұрақ?")


def test_a_signature_above_the_source_line_names_the_author() -> None:
    arab = parse_variant("tt-signature-with-role-2018.html", "https://abai.kz/index.php/tt/post/211030")
    assert (arab.authors, arab.source) == (["سەرىك جولداسباي"], "Abai.kz")
    assert arab.body.endswith("سوندىقتان انا ءتىلىمىزدى قورعايىق!")
    cyrl = parse_variant("www-index-php-signature-2018.html", "http://www.abai.kz/index.php/post/67613")
    assert (cyrl.url, cyrl.authors, cyrl.source) == ("https://abai.kz/post/67613", ["Сағат Жүсіп"], "Abai.kz")


@pytest.mark.parametrize(("tail", "authors", "last"), [
    ("<p style='text-align: right;'><strong>Сағат ЖҮСІП</strong></p><p>Abai.kz</p>", ["Сағат Жүсіп"], "Мәтін."),
    ("<p><b>Серік Жолдасбай,</b><br><i>филология ғылымдарының кандидаты</i></p><p>Abai.kz</p>", ["Серік Жолдасбай"], "Мәтін."),
    ("<p>Мерекеңіз құтты болсын</p><p>Abai.kz</p>", [], "Мерекеңіз құтты болсын"),  # a sentence, not a name
    ("<p>Сағат Жүсіп</p>", [], "Сағат Жүсіп"),  # no source line below: a name alone may end a text
    # Arabic script has no capitals: a short last sentence, a verse line or a greeting above the source line is no
    # signature; nor is a slogan of three capitalised words.
    ("<p>بۇل ۇلكەن جەڭىس.</p><p>Abai.kz</p>", [], "بۇل ۇلكەن جەڭىس."),
    ("<p>اتامەكەن اسىل جەرىم</p><p>Abai.kz</p>", [], "اتامەكەن اسىل جەرىم"),
    ("<p>مەرەكەڭىز قۇتتى بولسىن</p><p>Abai.kz</p>", [], "مەرەكەڭىز قۇتتى بولسىن"),
    ("<p>Тәуелсіз Қазақстан Жасасын</p><p>Abai.kz</p>", [], "Тәуелсіз Қазақстан Жасасын"),
    # A place or an institution, capitalised like a name: its noun (қаласы: city, облысы: region) says what it is.
    ("<p>Астана Қаласы</p><p>Abai.kz</p>", [], "Астана Қаласы"),
    ("<p>АЛМАТЫ ОБЛЫСЫ</p><p>Abai.kz</p>", [], "АЛМАТЫ ОБЛЫСЫ"),
    ("<p>Qarasay Audany</p><p>Abai.kz</p>", [], "Qarasay Audany"),
    ("<p>Абай Университеті</p><p>Abai.kz</p>", [], "Абай Университеті"),
    ("<p>Бейбіт Нұрланұлы Қойшыбаев</p><p>Abai.kz</p>", ["Бейбіт Нұрланұлы Қойшыбаев"], "Мәтін."),
    ("<p>سەرىك جولداسباي</p><p>Abai.kz</p>", ["سەرىك جولداسباي"], "Мәтін."),
])
def test_a_signature_in_the_body_is_a_name_alone_right_above_the_source_line(tail: str, authors: list[str], last: str) -> None:
    html = ("<html><body><article><h1 class='post-title'>Тақырып</h1><div class='post-content'>"
            f"<p>Мәтін.</p>{tail}</div></article></body></html>")
    item = parse_article(html, "https://abai.kz/post/1")
    assert (item.authors, item.paragraphs[-1]) == (authors, last)


def test_a_head_printed_in_two_parts_gives_its_date_and_counts() -> None:
    item = parse_variant("tt-date-over-title-sidebar-first.html", "https://abai.kz/tt/post/124675")
    assert (item.published_at, item.category, item.views, item.comments) == (
        "2020-11-30T12:03:00+06:00", "جازىلعان جايدىڭ جاڭعىرىعى", 1303, 4)


def test_a_comment_sections_count_and_dates_are_no_head() -> None:
    html = ("<html><body><article><h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div>"
            "<section><h3>2 пікір</h3><div><b>Ерлан</b> <span>30 Қараша, 2020 сағат 14:22</span><p>Рахмет!</p></div>"
            "</section></article></body></html>")
    item = parse_article(html, "https://abai.kz/post/1")
    assert (item.published_at, item.views, item.comments) == (None, None, 2)


def test_an_author_meta_tag_naming_two_people_gives_two_authors() -> None:
    """The last fallback: no byline in the page, a `<meta name=author>` of names joined by a comma or "және"."""
    html = ("<html><head><meta name='author' content='Айдос Сарым және Ерлан Ерланов, Гүлнар Мұхтарқызы'></head><body>"
            "<article><h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Мәтін.</p></div></article></body></html>")
    item = parse_article(html, "https://abai.kz/post/1")
    assert (item.authors, item.strategies.get("authors")) == (["Айдос Сарым", "Ерлан Ерланов", "Гүлнар Мұхтарқызы"], "meta")


ABAI_PAGES = Path(__file__).parent / "fixtures" / "sites" / "abai.kz" / "pages"


@pytest.mark.parametrize(("name", "url", "day"), [
    ("post-100000.html", "https://abai.kz/post/100000", "2024-11-23"),
    ("lt-post-51637.html", "https://abai.kz/lt/post/51637", "2024-03-29"),
    ("tt-post-124675.html", "https://abai.kz/tt/post/124675", "2021-01-23"),
])
def test_todays_date_is_read_from_its_line_when_its_class_is_gone(name: str, url: str, day: str) -> None:
    """The header's line ("Сенбі, 23 Қараша 2024", "Júma, 29 Nauryz 2024", "سەنبى, 23 قاڭتار 2021"): without its class
    the page had no `page_date`; the weekday tells it from a story's dateline."""
    html = (ABAI_PAGES / name).read_text(encoding="utf-8")
    assert parse_article(html, url).page_date == day
    renamed = parse_article(html.replace('class="text-center date"', 'class="today-box"'), url)
    assert (renamed.page_date, renamed.strategies["page_date"]) == (day, "text")


def test_a_datelines_date_is_no_page_date() -> None:
    """A place and a date at a story's head ("Алматы, 23 Қараша 2024") is where it was written, not the day served."""
    html = ("<html><body><h1 class='post-title'>Тақырып</h1><div class='post-content'><p>Алматы, 23 Қараша 2024</p>"
            "<p>Мәтін.</p></div></body></html>")
    assert parse_article(html, "https://abai.kz/post/1").page_date is None


def test_a_storys_line_that_opens_with_a_weekday_is_no_page_date() -> None:
    """A page printed without the header: a paragraph opening with a weekday and a date ("Senbi, 23 Qarasha 2024 kúni
    …", a diary's entry) dates the story, not the day the page was served; nor does a comment's or a sidebar's line."""
    html = (ABAI_PAGES / "lt-post-94535.html").read_text(encoding="utf-8")
    assert parse_article(html, "https://abai.kz/lt/post/94535").page_date is None
    dated = html.replace("<p>", "<p>Senbi, 23 Qarasha 2024 kúni Almatyda jıyn ótti. ", 1).replace(
        "</body>", "<div class='comment'>Júma, 22 Qarasha 2024</div></body>")
    assert parse_article(dated, "https://abai.kz/lt/post/94535").page_date is None


@pytest.mark.parametrize(("name", "url", "day"), [
    ("home-2018-03-22.html", "https://abai.kz/", "2018-03-22"),
    ("tt-part-1.html", "https://abai.kz/tt/part/1", "2026-01-30"),
])
def test_a_listings_date_is_read_from_its_line_when_its_class_is_gone(name: str, url: str, day: str) -> None:
    from crawler.parsers import parse_listing

    html = (ABAI_PAGES / name).read_text(encoding="utf-8")
    assert parse_listing(html, url).page_date == day
    assert parse_listing(html.replace('class="text-center date"', 'class="today-box"'), url).page_date == day
