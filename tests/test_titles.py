"""Headlines of small news pages: how kickers, site names and sections are told from the headline."""

import pytest

from crawler.parsers.generic import parse_article


def page(head: str, body: str) -> str:
    """A minimal news page with `head` in its `<head>` and `body` in its `<body>`."""
    return f"<html><head>{head}</head><body>{body}<p>{'Lorem ipsum dolor sit amet. ' * 20}</p></body></html>"


def title_of(head: str, body: str, url: str = "https://news.example.org/2024/05/story") -> str:
    return parse_article(page(head, body), url).title


def test_a_kicker_in_a_styled_span_of_the_h1_is_left_out_when_the_declared_title_has_none() -> None:
    head = '<meta property="og:title" content="Flood waters recede in the valley - Example News">'
    body = '<article><h1><span class="sub-heading">Weather alert:</span> Flood waters recede in the valley</h1></article>'
    assert title_of(head, body) == "Flood waters recede in the valley"


def test_a_kicker_in_a_styled_span_is_left_out_of_an_unconfirmed_h1() -> None:
    head = "<title>Town news | Example News</title>"
    body = '<article><h1><span class="small-line">City council</span> New budget approved after a long debate</h1></article>'
    assert title_of(head, body) == "New budget approved after a long debate"


def test_a_styled_lead_that_is_the_sentences_subject_stays_in_an_unconfirmed_h1() -> None:
    """Unconfirmed, the rest stands alone only when the lead reads as a kicker: a colon after it, or a capital opening
    the rest; a person's name styled in the headline is its subject."""
    head = "<title>Town news | Example News</title>"
    body = ('<article><h1><span class="person">Ерлан Сағадиев</span> мектептер жаңа бағдарламаға көшетінін айтты</h1>'
            "</article>")
    assert title_of(head, body) == "Ерлан Сағадиев мектептер жаңа бағдарламаға көшетінін айтты"


def test_a_styled_lead_stays_when_a_declared_title_holds_the_whole_h1() -> None:
    head = '<meta property="og:title" content="City council New budget approved after a long debate">'
    body = '<article><h1><span class="small-line">City council</span> New budget approved after a long debate</h1></article>'
    assert title_of(head, body) == "City council New budget approved after a long debate"


def test_a_headline_over_a_shorter_subtitle_in_one_h1_is_no_kicker() -> None:
    head = '<meta property="og:title" content="The long road north to the coast of the island">'
    body = ('<article><h1><span class="title">The long road north to the coast of the island</span>'
            ' <small class="subtitle">A travel diary</small></h1></article>')
    assert title_of(head, body) == "The long road north to the coast of the island"


def test_of_two_confirmed_headings_the_one_the_og_title_confirms_beats_the_one_only_the_title_tag_does() -> None:
    head = ("<title>Harbour reopens: ferries run again</title>"
            '<meta property="og:title" content="Ferries run again as the harbour reopens">')
    body = ("<div><h1>Harbour reopens: ferries run again</h1></div>"
            "<article><h2>Ferries run again as the harbour reopens</h2></article>")
    assert title_of(head, body) == "Ferries run again as the harbour reopens"


def test_an_h2_offers_its_headline_after_a_styled_kicker() -> None:
    head = ("<title>Summer by the lake - Swimming in the north</title>"
            '<meta name="title" content="Swimming in the northern lakes all summer">')
    body = ("<h1>Summer by the lake - Swimming in the north</h1>"
            '<article><h2><span class="subline">Summer by the lake</span> Swimming in the northern lakes all summer'
            "</h2></article>")
    assert title_of(head, body) == "Swimming in the northern lakes all summer"


def test_a_one_word_section_heading_yields_to_the_headline_after_it_in_the_declared_title() -> None:
    head = '<meta name="title" content="Announcements - Changes to the customs tariff for tobacco products">'
    body = ("<main><h1>Announcements</h1><h1>Changes to the customs tariff for tobacco products</h1>"
            "</main>")
    assert title_of(head, body) == "Changes to the customs tariff for tobacco products"


def test_a_last_title_part_with_more_words_than_a_long_site_name_is_the_headline() -> None:
    head = "<title>Northern Amateur Rowing Club e.V. - Club life » The spring races at the lake</title>"
    body = "<div id='logo'>NARC</div><div class='post'><h2>The spring races at the lake</h2></div>"
    assert title_of(head, body) == "The spring races at the lake"


# Site names told from headlines: (head, body, the page's URL, the title expected).
SITE_NAME_CASES = {
    "a_headline_declared_as_the_site_name_is_no_site_name": (
        '<meta property="og:site_name" content="Flood waters recede in the valley | Example Times">'
        '<meta property="og:title" content="Flood waters recede in the valley | Example Times">',
        "<article><h1>Flood waters recede in the valley</h1></article>",
        "https://news.example.org/2024/05/story", "Flood waters recede in the valley"),
    "a_site_name_that_repeats_the_declared_title_names_no_part_of_it": (
        '<meta property="og:site_name" content="Night trains return to the mountains - My Little Diary">'
        '<meta property="og:title" content="Night trains return to the mountains - My Little Diary">',
        "<header><h1>My Little Diary</h1></header><article><h2>Night trains return to the mountains</h2></article>",
        "https://blog.example.net/2024/05/story", "Night trains return to the mountains"),
    "a_headline_that_opens_with_the_brand_is_no_site_name": (
        "<title>Run Windows on Mac - Parallels Desktop 15 Virtual Machine for Mac</title>",
        "<main><h1>Parallels Desktop 15 for Mac</h1></main>",
        "https://www.parallels.com/products/desktop/", "Parallels Desktop 15 for Mac"),
    "a_short_headline_holding_a_short_host_name_is_no_logo": (
        "<title>Wechsel im Vorstand | ZEIT ONLINE</title>",
        "<header><h1><a href='/'>ZEIT ONLINE</a></h1></header><article><h1>Zeit für Veränderung</h1></article>",
        "https://www.zeit.de/wirtschaft/2024-05/vorstand", "Zeit für Veränderung"),
    "a_site_name_with_a_generic_word_is_still_the_site": (
        "<title>Жаңа кітап жарық көрді | Abai.kz ақпараттық порталы</title>",
        "<h1>Abai.kz ақпараттық порталы</h1><article><p>Мәтін</p></article>",
        "https://abai.kz/post/12345", "Жаңа кітап жарық көрді"),
    "a_tagline_holding_the_host_name_that_the_declared_title_ends_with_is_the_logo": (
        "<title>Alles hat seine Zeit | Marktplatz für ein gutes Leben</title>",
        "<div><h1>Marktplatz für ein gutes Leben</h1></div><article><h1>Alles hat seine Zeit</h1></article>",
        "https://marktplatz.example.org/alles-hat-seine-zeit/", "Alles hat seine Zeit"),
    "a_dash_is_no_word_of_an_unconfirmed_h1": (
        "<title>Mieder und Schnürbrust: Shops und Designer | Example Shop</title>",
        "<main><h1>Korsetts – Deutschland</h1></main>",
        "https://www.example-shop.de/korsetts/", "Mieder und Schnürbrust: Shops und Designer"),
    "a_headline_ending_in_a_domain_name_is_no_site_name": (
        "<title>Hochauflösende Schneekarten auf Gipfelbuch.ch | Example News</title>",
        "<article><h1>Hochauflösende Schneekarten auf Gipfelbuch.ch</h1></article>",
        "https://news.example.org/2024/05/story", "Hochauflösende Schneekarten auf Gipfelbuch.ch"),
}


@pytest.mark.parametrize("case", SITE_NAME_CASES)
def test_site_names_and_headlines_are_told_apart(case: str) -> None:
    head, body, url, expected = SITE_NAME_CASES[case]
    assert title_of(head, body, url) == expected


def test_a_title_part_ending_in_another_sites_domain_is_no_site_part() -> None:
    """Only the site's own domain at a part's end makes it the site's tagline: a headline may end in a brand's."""
    from crawler.parsers.sitenames import site_parts

    assert site_parts(["Why I stopped using Booking.com", "Travel diary"], ["janedoe"]) == set()
    assert site_parts(["Why I stopped using Booking.com", "Tips and tricks by janedoe.net"], ["janedoe"]) == {1}
