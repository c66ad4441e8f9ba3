"""Kazakh dates in three scripts (and Russian, numeric, ISO), with the Asia/Almaty offset of that date."""

from datetime import UTC, date, datetime

import pytest
from parsel import Selector

from crawler.dates import MONTHS, _fold, parse_date, parse_datetime, parse_local, short_year_date
from crawler.parsers.generic import parse_article
from crawler.parsers.pubdates import headline_date, printed

CYRILLIC = ["Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым", "Шілде", "Тамыз", "Қыркүйек", "Қазан", "Қараша", "Желтоқсан"]
LATIN = ["Qantar", "Aqpan", "Nauryz", "Sәuir", "Mamyr", "Mausym", "Shilde", "Tamyz", "Qyrkýiek", "Qazan", "Qarasha", "Jeltoqsan"]
ARABIC = ["قاڭتار", "اقپان", "ناۋرىز", "ءساۋىر", "مامىر", "ماۋسىم", "شىلدە", "تامىز", "قىركۇيەك", "قازان", "قاراشا", "جەلتوقسان"]
AT = {"cyrl": "сағат", "latn": "saghat", "arab": "ساعات"}


@pytest.mark.parametrize(("script", "names"), [("cyrl", CYRILLIC), ("latn", LATIN), ("arab", ARABIC)])
@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_in_every_script(script: str, names: list[str], month: int) -> None:
    text = f"7 {names[month - 1]}, 2019 {AT[script]} 09:05"
    moment = parse_datetime(text, fallback=False)
    assert moment is not None
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == (2019, month, 7, 9, 5)
    assert moment.utcoffset().total_seconds() == 6 * 3600


def test_month_names_are_case_insensitive() -> None:
    assert MONTHS[_fold("ҚЫРКҮЙЕК")] == 9
    assert MONTHS[_fold("qarasha")] == 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19 Қыркүйек, 2018 сағат 16:01", "2018-09-19T16:01:00+06:00"),
        ("30 Qarasha, 2020 saghat 12:03", "2020-11-30T12:03:00+06:00"),
        ("30 قاڭتار, 2026 ساعات 13:48", "2026-01-30T13:48:00+05:00"),
        # Asia/Almaty moved from UTC+6 to UTC+5 on 2024-03-01.
        ("29 Ақпан, 2024 сағат 23:59", "2024-02-29T23:59:00+06:00"),
        ("1 Наурыз, 2024 сағат 00:30", "2024-03-01T00:30:00+05:00"),
        ("17/03/2018 12:40", "2018-03-17T12:40:00+06:00"),
        ("Von Deutscher Tennis Bund 4.\u20092.\u20092022.", "2022-02-04T00:00:00+06:00"),  # thin spaces after the dots
        ("2020-11-30T12:03:00+03:00", "2020-11-30T12:03:00+03:00"),
        ("5 марта 2024 года в 10:15", "2024-03-05T10:15:00+05:00"),
        ("30 قاراشا، 2020 ساعات 12:03", "2020-11-30T12:03:00+06:00"),  # the Arabic comma
        ("19 Qyrkúıek, 2018 saǵat 16:01", "2018-09-19T16:01:00+06:00"),  # the 2021 Latin alphabet
        ("5 Qańtar, 2025 saǵat 09:00", "2025-01-05T09:00:00+05:00"),
        ("Publié le 29 juin 2019 à 10:00", "2019-06-29T10:00:00+06:00"),  # French, Spanish, Italian, Portuguese, Dutch
        ("30 de septiembre de 2018", "2018-09-30T00:00:00+06:00"),
        ("14 Gennaio 2020", "2020-01-14T00:00:00+06:00"),
        ("1 de março de 2021 às 08:30", "2021-03-01T08:30:00+06:00"),
        ("3 maart 2022 om 12:00", "2022-03-03T12:00:00+06:00"),
    ],
)
def test_known_formats(text: str, expected: str) -> None:
    moment = parse_datetime(text)
    assert moment is not None and moment.isoformat() == expected


def test_fast_path_needs_no_dateparser() -> None:
    assert parse_local("Билік 2852 0 пікір 19 Қыркүйек, 2018 сағат 16:01") is not None
    assert parse_datetime("yesterday-ish nonsense", fallback=False) is None


def test_invalid_day_is_rejected() -> None:
    assert parse_datetime("31 Ақпан, 2019 сағат 10:00", fallback=False) is None


@pytest.mark.parametrize(
    ("header", "day"),
    [
        ("Сенбі, 23 Қараша 2024", date(2024, 11, 23)),
        ("Júma, 29 Nauryz 2024", date(2024, 3, 29)),
        ("سەنبى, 23 قاڭتار 2021", date(2021, 1, 23)),
        ("Бейсенбі, 22 Наурыз 2018", date(2018, 3, 22)),
    ],
)
def test_today_headers(header: str, day: date) -> None:
    assert parse_date(header) == day


@pytest.mark.parametrize(("upper", "lower"), [("PM", "pm"), ("P.M.", "p.m."), ("Pm", "p.m")])
def test_upper_case_am_pm_reads_like_lower_case(upper: str, lower: str) -> None:
    # "June 11, 2024 9:15 PM" came back as 09:15 while "pm" gave 21:15.
    expected = (datetime(2024, 6, 11, 21, 15), True)
    assert parse_local(f"June 11, 2024 9:15 {upper}") == expected
    assert parse_local(f"June 11, 2024 9:15 {lower}") == expected


@pytest.mark.parametrize("text", ["June 11, 2024 12:05 AM", "11 June 2024, 12:05 A.M."])
def test_twelve_am_is_just_past_midnight(text: str) -> None:
    assert parse_local(text) == (datetime(2024, 6, 11, 0, 5), True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 June 2024 at 14:20", datetime(2024, 6, 10, 14, 20)),
        ("10 June 2024 at 2:20 PM", datetime(2024, 6, 10, 14, 20)),
        ("6. November 2023 um 15:25", datetime(2023, 11, 6, 15, 25)),
        ("am 6. November 2023 um 12:30 am Marktplatz", datetime(2023, 11, 6, 12, 30)),  # German "am": no a.m.
    ],
)
def test_day_first_dates_keep_the_time_after_at(text: str, expected: datetime) -> None:
    # The day-month-year pattern knew the Kazakh and Russian words for "at", not the English or German ones.
    assert parse_local(text) == (expected, True)


@pytest.mark.parametrize(("text", "expected"), [
    ("07.11.23", (datetime(2023, 11, 7), False)),
    ("7.11.23 г.", (datetime(2023, 11, 7), False)),
    ("Опубликовано 7.11.23 г. в 14:35", (datetime(2023, 11, 7, 14, 35), True)),
    ("mardi 10.12.19", (datetime(2019, 12, 10), False)),
    ("01.03.24", (datetime(2024, 3, 1), False)),  # the last day itself
    ("07.11.98", (datetime(1998, 11, 7), False)),
    ("02.03.24", (datetime(1924, 3, 2), False)),  # after the last day: a century back, too old for any caller
    ("11/07/23", None),  # month-first on American pages
    ("v2.10.15", None),
    ("Version 2.10.15", None),  # a release's number, in a download page's meta line
    ("Firefox ver. 1.12.23 · 80 MB", None),
    ("Жаңа нұсқа 3.11.22", None),
    ("1.10.12.5", None),
    ("07.11.2023", None),  # a full year is `parse_local`'s
    ("31.02.23", None),
])
def test_a_two_digit_year_is_the_latest_day_with_those_digits_up_to_the_last_day(
        text: str, expected: tuple[datetime, bool] | None) -> None:
    assert short_year_date(text, date(2024, 3, 1)) == expected


ARTICLE_PAGE = """<!doctype html>
<html><head><title>Steppe wind</title></head>
<body>
{furniture}
<article>
<h1>Steppe wind</h1>
<p><time datetime="2024-06-11T09:15:00+01:00">11 June 2024</time></p>
<p>The wind over the steppe rose early on Tuesday and kept on through the afternoon, lifting dust over the road.</p>
<p>Farmers said the season had been dry and that they expected more such days before the rains came back.</p>
</article>
</body></html>"""
# Times that date other pages or other people's words, set before the article's own one.
FURNITURE = {
    "nav": '<nav><a href="/en/story/t0"><time datetime="2024-06-20T08:00:00+01:00">20 June 2024</time></a></nav>',
    "aside": '<aside><time datetime="2024-06-20T08:00:00+01:00">20 June 2024</time></aside>',
    "footer": '<footer><time datetime="2024-06-20T08:00:00+01:00">20 June 2024</time></footer>',
    "comments": '<div class="Comments"><p><time datetime="2024-06-20T08:00:00+01:00">20 June 2024</time> Nice.</p></div>',
    "related": '<ul class="related-articles"><li><a href="/en/story/t0">Earlier</a>'
               ' <time datetime="2024-06-20T08:00:00+01:00">20 June 2024</time></li></ul>',
    "ticker": '<div class="breaking-ticker"><ul><li><a href="/x">Storm warning'
              ' <time datetime="2024-06-20T08:00:00+01:00">08:00</time></a></li></ul></div>',
}


def test_a_time_element_counts_on_a_page_without_article_or_main() -> None:
    html = ARTICLE_PAGE.format(furniture="").replace("<article>", "<div class='post'>").replace("</article>", "</div>")
    moment = printed(Selector(text=html, type="html"), "Asia/Almaty")
    assert moment is not None and moment.isoformat() == "2024-06-11T09:15:00+01:00"


def test_article_time_element_without_a_date_class_gives_its_offset() -> None:
    # A bare <time datetime> only re-wrote an instant another layer found, so htmldate's local midnight won.
    html = ARTICLE_PAGE.format(furniture="")
    item = parse_article(html, "https://steppe.example/en/story/t1", tz="Asia/Almaty")
    assert item.published_at == "2024-06-11T09:15:00+01:00"
    assert item.strategies["published_at"] == "headline"  # the <time> under the <h1>


@pytest.mark.parametrize(("furniture", "inside"), [*((name, False) for name in FURNITURE),
                                                    *((name, True) for name in FURNITURE if name != "ticker")])
def test_printed_date_skips_time_elements_of_the_page_furniture(furniture: str, inside: bool) -> None:
    """Around the article (a ticker included), or inside it: its own comments, related list, navigation…"""
    if inside:
        page = ARTICLE_PAGE.format(furniture="").replace("<article>", f"<article>{FURNITURE[furniture]}")
    else:
        page = ARTICLE_PAGE.format(furniture=FURNITURE[furniture])
    moment = printed(Selector(text=page, type="html"), "Asia/Almaty")
    assert moment is not None and moment.isoformat() == "2024-06-11T09:15:00+01:00"


@pytest.mark.parametrize(("text", "expected"), [
    ("Бүгін, 16:01", "2018-09-20T16:01:00+06:00"),  # fetched 02:00 on the 20th in Almaty
    ("Кеше, сағат 09:30", "2018-09-19T09:30:00+06:00"),
    ("Búgin 08:15", "2018-09-20T08:15:00+06:00"),
    ("Вчера в 23:59", "2018-09-19T23:59:00+06:00"),
])
def test_today_and_yesterday_count_from_when_the_page_was_fetched(text: str, expected: str) -> None:
    fetched = datetime(2018, 9, 19, 20, 0, tzinfo=UTC)
    moment = parse_datetime(text, now=fetched)
    assert moment is not None and moment.isoformat() == expected
    assert parse_datetime(text) is None  # without a fetch time, no date: a re-parse's clock is no date of the page


@pytest.mark.parametrize("text", ["19 Қыркүйек", "19 Қыркүйек 16:01"])
def test_a_date_without_its_year_is_none_without_a_fetch_time(text: str) -> None:
    """dateparser read "19" as the year: 1 September 2019."""
    assert parse_datetime(text) is None


# A page whose own date is printed beside its headline, without any date class, while the site's header shows
# today's date and a sidebar other pages' dates, both in date classes. Its article is longer than the headline's
# block (`HEADLINE_BLOCK` elements), as an article is.
DATELINE_PAGE = """<!doctype html>
<html><head><title>Dry summer on the steppe</title></head>
<body>
<header class="site-header"><div class="top-bar"><span class="date">Monday, 6 November 2023</span></div>
<a href="/">Steppe News</a></header>
<div class="content">
<div class="headline-wrap"><h1>Dry summer on the steppe</h1></div>
<p>23.10.2023 | Weather | Staff</p>
{paragraphs}
</div>
<div class="sidebar"><ul><li><a href="/news/x">Rain at last</a> <span class="post-date">02.11.2023</span></li></ul></div>
</body></html>""".format(paragraphs="<p>The wind over the steppe rose early and kept on through the <b>afternoon</b>.</p>" * 40)


def test_a_dateline_beside_the_headline_beats_header_clocks_and_teasers() -> None:
    item = parse_article(DATELINE_PAGE, "https://steppe.example/news/dry-summer", tz="Asia/Almaty")
    assert item.published_at is not None and item.published_at.startswith("2023-10-23")
    assert item.strategies["published_at"] == "headline"


@pytest.mark.parametrize(("block", "expected"), [
    ('<h1>Dry summer</h1><p class="meta">By Staff · 23 October 2023</p>', "2023-10-23"),
    ('<h1>Dry summer</h1><div><time class="updated" datetime="2023-10-29">29 Oct</time>'
     '<time class="published" datetime="2023-10-23">23 Oct</time></div>', "2023-10-23"),  # not the update
    ('<h1>Minutes of the meeting of 10 October 2023</h1><p class="meta">23.10.2023</p>', "2023-10-23"),  # no heading
    ('<figure><img src="a.jpg"><figcaption>Dust on the road, 21 October 2023</figcaption></figure>'
     '<h1>Dry summer</h1><p>October 23, 2023</p>', "2023-10-23"),  # no caption
    ("<h1>Meet-up</h1><p>The next meet-up is on Wednesday, 5 February 2024 from 7 pm at the inn by the river.</p>",
     None),  # a sentence that mentions a day
])
def test_headline_date_reads_the_dateline_not_headings_captions_updates_or_sentences(block: str, expected: str | None) -> None:
    page = f"<html><body><div class='page'><article>{block}</article></div></body></html>"
    moment = headline_date(Selector(text=page, type="html"), "UTC")
    assert (moment.date().isoformat() if moment else None) == expected


def test_a_small_pages_title_is_no_dateline() -> None:
    """Its headline's block would grow to <html>, and the date in <title> outvote the declared one."""
    page = ('<html><head><title>Weekly digest 02.01.2020 | Steppe News</title><script type="application/ld+json">'
            '{"@type": "NewsArticle", "headline": "Weekly digest", "datePublished": "2023-10-23T08:00:00+00:00"}'
            "</script></head><body><h1>Weekly digest</h1><p>Rain came back to the steppe this week.</p></body></html>")
    assert headline_date(Selector(text=page, type="html"), "UTC") is None
    item = parse_article(page, "https://steppe.example/news/digest")
    assert (item.published_at, item.strategies["published_at"]) == ("2023-10-23T08:00:00+00:00", "jsonld")
