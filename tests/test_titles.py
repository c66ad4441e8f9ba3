"""Headlines of small news pages: how kickers, site names and sections are told from the headline."""

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


def test_a_styled_lead_stays_when_a_declared_title_holds_the_whole_h1() -> None:
    head = '<meta property="og:title" content="City council New budget approved after a long debate">'
    body = '<article><h1><span class="small-line">City council</span> New budget approved after a long debate</h1></article>'
    assert title_of(head, body) == "City council New budget approved after a long debate"


def test_a_headline_over_a_shorter_subtitle_in_one_h1_is_no_kicker() -> None:
    head = '<meta property="og:title" content="The long road north to the coast of the island">'
    body = ('<article><h1><span class="title">The long road north to the coast of the island</span>'
            ' <small class="subtitle">A travel diary</small></h1></article>')
    assert title_of(head, body) == "The long road north to the coast of the island"
