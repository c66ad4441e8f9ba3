"""Which publication date a page gets when its declared, printed and guessed dates disagree."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.parsers.generic import page_selector, parse_article
from crawler.parsers import pubdates
from crawler.parsers.pubdates import headline_date, printed

URL = "https://news.example.org/politics/a-long-story"
# Enough paragraphs that the headline's block is the headline alone: a date among them is printed "elsewhere".
PARAGRAPHS = "".join(f"<p>The council met on evening {n} and talked about the <b>bridge</b>.</p>" for n in range(40))


def page(head: str, dateline: str = "", body: str = "", before: str = "") -> str:
    """An article page: `head` in its <head>; `dateline` just after its headline, `body` among its paragraphs,
    `before` ahead of the article (the site's banner or sidebar)."""
    return (f"<html><head><title>A long story</title>{head}</head><body>{before}<article>"
            f"<h1>A long story about the council</h1>{dateline}<p>What the council said.</p><p>And what it did not.</p>"
            f"{PARAGRAPHS}{body}{PARAGRAPHS}</article></body></html>")


def published_day(head: str, dateline: str = "", body: str = "") -> str | None:
    """The calendar day of the page's publication date."""
    published = parse_article(page(head, dateline, body), URL).published_at
    return published[:10] if published else None


def headline_day(dateline: str, before: str = "") -> str | None:
    """The calendar day the headline search reads on the page (the "headline" layer, before any vote)."""
    found = headline_date(page_selector(page("", dateline=dateline, before=before)), "UTC")
    return found.date().isoformat() if found else None


def printed_day(body: str, before: str = "") -> str | None:
    """The calendar day the printed-date search reads on the page (the "text" layer, before any vote)."""
    found = printed(page_selector(page("", body=body, before=before)), "UTC")
    return found.date().isoformat() if found else None


def test_the_printed_day_the_page_declares_as_its_update_beats_the_older_declared_publication() -> None:
    head = ('<meta property="article:published_time" content="2021-11-29T14:13:37Z">'
            '<meta property="article:modified_time" content="2022-01-12T14:27:30Z">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A long story",'
            ' "datePublished": "2021-11-29T14:13:37Z", "dateModified": "2022-01-12T14:27:30Z"}</script>')
    assert published_day(head, dateline="<p>12. Januar 2022</p>") == "2022-01-12"


def test_a_declared_update_the_page_does_not_print_leaves_the_publication_date() -> None:
    head = ('<meta property="article:published_time" content="2021-11-29T14:13:37Z">'
            '<meta property="article:modified_time" content="2022-01-12T14:27:30Z">')
    assert published_day(head, dateline='<span class="date">29. November 2021</span>') == "2021-11-29"


def test_a_date_printed_in_a_date_element_beats_a_generic_date_meta_tag() -> None:
    head = '<meta name="date" content="2021-12-20T11:02:44+01:00">'
    assert published_day(head, body='<span class="date">27.01.2022</span>') == "2022-01-27"


def test_a_generic_date_meta_tag_still_dates_a_page_that_prints_none() -> None:
    assert published_day('<meta name="date" content="2021-12-20T11:02:44+01:00">') == "2021-12-20"


def test_a_page_dated_only_by_its_copyright_year_gets_no_date() -> None:
    """htmldate reads "© 2022" as 2022-01-01, a day the page never gives."""
    html = page("", body="<footer><p>Copyright © 2022 The Example Society</p></footer>")
    assert parse_article(html, URL).published_at is None


def test_the_first_of_a_month_the_page_prints_stays_its_date() -> None:
    assert published_day("", body='<p><span class="blue">01.02.2022</span> Category: Sport</p>') == "2022-02-01"


def test_the_printed_date_search_skips_a_navigation_bar_clock() -> None:
    clock = '<nav><span class="time">Monday, 14 March 2022</span><a href="/">Home</a></nav>'
    assert printed_day('<span class="date">27.01.2022</span>', before=clock) == "2022-01-27"


def test_the_printed_date_search_skips_a_sidebar_teaser() -> None:
    sidebar = '<aside><ul><li><a href="/old">An older story</a> <span class="date">14.03.2022</span></li></ul></aside>'
    assert printed_day('<span class="date">27.01.2022</span>', before=sidebar) == "2022-01-27"


@pytest.mark.parametrize("stamp", ['<time datetime="2022-03-14T16:00:08+00:00">Mar 14, 2022</time>',
                                   '<span class="date">14.03.2022</span>'])
def test_the_printed_date_search_skips_an_embedded_post(stamp: str) -> None:
    """An embedded Instagram or Twitter post is a `<blockquote>` that prints the post's own date."""
    quote = f'<blockquote class="instagram-media"><p>A post shared by X on {stamp}</p></blockquote>'
    assert printed_day(f'{quote}<p class="meta">27.01.2022</p>') == "2022-01-27"


def test_the_printed_date_search_reads_the_article_own_footer() -> None:
    assert printed_day('<footer><span class="posted">27.01.2022</span></footer>') == "2022-01-27"


def test_the_headline_search_reads_a_dateline_after_the_standfirst() -> None:
    standfirst = "<h2>Why the bridge will cost twice as much as planned</h2>"
    assert headline_day(f"{standfirst}<p>27.01.2022</p>") == "2022-01-27"


def test_the_headline_search_reads_a_dateline_after_the_standfirst_and_the_lead_image() -> None:
    lead = '<h2>Why the bridge will cost more</h2><figure><img src="/bridge.jpg"><figcaption>The bridge</figcaption></figure>'
    assert headline_day(f"{lead}<div>By Jane Doe | 27.01.2022</div>") == "2022-01-27"


def test_the_headline_search_does_not_read_the_article_text_as_its_dateline() -> None:
    """A short line of the article's text, past the headline's standfirst and first paragraphs, is no dateline."""
    assert headline_day("<h2>Why the bridge will cost more</h2><p>First.</p><p>Second.</p><p>27.01.2022</p>") is None



@pytest.mark.parametrize("hidden", ['<div><h1 class="sr-only">Details</h1><p>14.03.2022</p></div>',
                                    '<div style="display: none"><h1>Details</h1><p>14.03.2022</p></div>'])
def test_the_headline_search_skips_a_hidden_heading(hidden: str) -> None:
    """A screen-reader-only or hidden `<h1>` ahead of the article is not its headline: the date beside the shown
    one is."""
    assert headline_day("<p>27.01.2022</p>", before=hidden) == "2022-01-27"


FETCHED = "2023-11-08T09:30:00+00:00"


@pytest.mark.parametrize("dateline", ["<p>07.11.23</p>", '<span class="date">07.11.23, 14:35</span>',
                                      "<p>Опубликовано 7.11.23 г. в 14:35</p>"])
def test_a_dateline_with_a_two_digit_year_dates_a_page_by_its_fetch_time(dateline: str) -> None:
    """The headline's dateline wins the vote, not htmldate's guess alone."""
    item = parse_article(page("", dateline=dateline), URL, FETCHED)
    assert item.published_at is not None and item.published_at.startswith("2023-11-07")
    assert item.strategies["published_at"] == "headline"


def test_a_two_digit_year_is_not_read_without_the_last_day_the_page_can_have() -> None:
    """Nothing on the page says which century "07.11.23" is in; the clock of a later re-parse is no date of it."""
    sel = page_selector(page("", dateline="<p>07.11.23</p>"))
    assert headline_date(sel, "UTC") is None
    found = headline_date(sel, "UTC", date(2023, 11, 8))
    assert found is not None and found.date() == date(2023, 11, 7)


@pytest.mark.parametrize(("dateline", "body"), [
    ("<p>15.03.2025</p>", ""),
    ("", "<p>Das nächste Konzert im Stadtpark findet am 15. März 2025 ab 19 Uhr statt, bei freiem Eintritt.</p>"),
])
def test_a_day_after_the_page_was_fetched_is_no_publication_date(dateline: str, body: str) -> None:
    """A coming event's day, beside the headline or read by htmldate in the text, does not date a page fetched
    months before it."""
    assert parse_article(page("", dateline=dateline, body=body), URL, "2024-11-08T09:30:00+00:00").published_at is None


def test_htmldate_is_asked_only_when_its_vote_could_change_the_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two declared layers agree: htmldate's vote, on any day, cannot outweigh them, so the page pays no heuristics."""
    head = ('<meta property="article:published_time" content="2020-03-01T08:00:00+06:00">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-03-01T08:00:00+06:00"}'
            '</script>')
    monkeypatch.setattr(pubdates, "guessed", _no_guess)
    item = parse_article(page(head), URL, "2020-03-05T10:00:00+00:00", tz="Asia/Almaty")
    assert item.published_at == "2020-03-01T08:00:00+06:00"


def test_htmldate_guess_still_writes_a_utc_date_with_the_site_offset_when_that_date_settles_the_vote(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The declared dates outvote any guess, but a guess of the local midnight they declare in UTC is their local
    twin (`_most_local`): htmldate is still asked, and the date is written at +06:00."""
    head = ('<meta property="article:published_time" content="2020-03-01T18:00:00Z">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-03-01T18:00:00Z"}'
            '</script>')
    monkeypatch.setattr(pubdates, "guessed", lambda *_: datetime(2020, 3, 2, tzinfo=ZoneInfo("Asia/Almaty")))
    item = parse_article(page(head), URL, "2020-03-05T10:00:00+00:00", tz="Asia/Almaty")
    assert item.published_at == "2020-03-02T00:00:00+06:00"


def _no_guess(*_: object) -> datetime | None:
    raise AssertionError("htmldate asked on a page whose date is settled")
