"""Generic extraction on the site mirrors' article pages, and the metadata rules behind it (issue 5).

Every article page of the qamshy.kz, egemen.kz and nypost.com mirrors parses to its
checked-in expected JSON, with the site profile's time zone and selectors.
"""

from __future__ import annotations

import pytest

from conftest import mirror_pages
from crawler.fixtures import SavedPage
from crawler.items import ArticleItem
from crawler.parsers import generic, parse_article
from crawler.parsers.authors import byline_text, find_authors
from crawler.parsers.body import cleanup
from crawler.parsers.names import clean_name, split_names
from crawler.parsers.titles import choose_title
from crawler.parsers.metadata import read_metadata

SITES = ("qamshy.kz", "egemen.kz", "nypost.com")
ARTICLES = [page for site in SITES for page in mirror_pages(site, "article")]


@pytest.mark.parametrize("page", ARTICLES, ids=[f"{p.site}/{p.path.name}" for p in ARTICLES])
def test_article_matches_expected_json(page: SavedPage, parse_fixture) -> None:
    parse_fixture(page)


def egemen(story_id: int):
    page = next(p for p in mirror_pages("egemen.kz", "article") if f"/{story_id}-" in p.url)
    return parse_article(page.html(), page.url)


def test_profile_time_zone_applies_to_naive_dates_from_the_tz_database() -> None:
    # JSON-LD "2024-05-02T10:30:00" and "2024-02-20T09:15:00": Almaty was UTC+6 until 2024-03-01, UTC+5 after.
    assert egemen(370001).published_at == "2024-05-02T10:30:00+05:00"
    assert egemen(370002).published_at == "2024-02-20T09:15:00+06:00"


def test_an_explicit_offset_fixes_the_instant_given_in_the_profile_time_zone() -> None:
    # JSON-LD's 15:00+06:00 after Almaty moved to UTC+5 is 14:00 there, as the page prints it.
    assert egemen(370003).published_at == "2024-05-03T14:00:00+05:00"


def test_json_ld_graph_author_by_id_section_and_language() -> None:
    item = egemen(370001)
    assert (item.authors, item.category, item.language) == (["Айгүл Серікқызы"], "Мәдениет", "kk")
    assert item.body.split("\n\n")[0] == "Елорданың сол жағалауында жаңа қалалық кітапхана оқырмандарға есігін ашты."
    assert "Бөлісу" not in item.body


def test_a_count_selector_takes_the_first_number_it_picks() -> None:
    """A selector may pick the count's label before its number ("Қаралды" "1 234"): the first text with a number."""
    html = ("<html><head><title>Жаңалық</title></head><body><article><h1>Жаңа кітапхана ашылды</h1>"
            "<div class='stats'><span>Қаралды</span><span>1 234</span><span>Пікір</span><span>5</span></div>"
            "<p>Астанада жаңа кітапхана ашылды.</p></article></body></html>")
    item = parse_article(html, "https://dala.example/a/1", tz="Asia/Almaty",
                         overrides={"views": "div.stats span", "comments": "div.stats span:nth-child(n+3)"})
    assert (item.views, item.comments, item.strategies["views"]) == (1234, 5, "selector")


def test_profile_selectors_beat_the_generic_layers() -> None:
    page = mirror_pages("qamshy.kz", "article")[0]
    item = parse_article(page.html(), page.url)
    assert item.strategies["published_at"] == "selector" and item.strategies["title"] == "selector"
    assert item.published_at == "2018-03-15T15:52:00+06:00"


NEWS_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Rivers rise in spring | Daily Example</title>
<meta property="og:site_name" content="Daily Example">
<meta property="og:title" content="Rivers rise in spring | Daily Example">
<meta property="article:published_time" content="2024-04-02T08:00:00-05:00">
<meta property="article:modified_time" content="2024-04-03T09:00:00-05:00">
<meta property="article:section" content="Weather"><meta property="article:tag" content="rivers">
<meta property="article:tag" content="floods"><meta property="og:image" content="/img/lead.jpg">
<meta name="author" content="https://www.facebook.com/dailyexample"></head>
<body><header><h1 class="logo">Daily Example</h1></header><article><h1>Rivers rise in spring</h1>
<div class="byline">By Ann Lee and Bo Chen | Updated 9:00</div>
<p>The rivers of the region rose by two metres this week after heavy rain in the hills.</p>
<p>Officials said the dams were holding and that no homes were at risk for now.</p>
<p>Share this article</p></article></body></html>"""


def test_declared_metadata_is_read_from_the_tags_that_declare_it_wherever_they_sit() -> None:
    html = """<html><head><meta HTTP-EQUIV="CONTENT-LANGUAGE"><meta http-equiv="Content-Language" content="kk-KZ">
      <link rel="canonical"><link rel="Canonical" href="/wrong"><meta name="author" content=" ">
      <script type="application/ld+json; charset=utf-8">{"@type": "NewsArticle", "headline": "Declared"}</script>
      </head><body><div itemscope itemtype="https://schema.org/Thing"></div>
      <link rel="canonical" href=" /post/1 "><meta name="author" content="Aidos Sarym"></body></html>"""
    meta = read_metadata(generic.page_selector(html), "https://abai.kz/post/1?x=2")
    assert (meta.language, meta.canonical) == ("kk", "https://abai.kz/post/1")
    assert (meta.titles, meta.authors, meta.article_typed) == ([("jsonld", "Declared")], [("meta:author", ["Aidos Sarym"])], True)
    scoped = '<html><body><div itemscope itemtype="https://schema.org/NewsArticle"></div></body></html>'
    assert not read_metadata(generic.page_selector(scoped), "https://abai.kz/post/1").article_typed  # no itemprop: no microdata
    # What follows a stray </html> is a second top-level element to libxml2, and still the page's.
    after = html.replace("</body></html>", '</body></html><meta property="og:title" content="After">'
                                          '<script type="application/ld+json">{"@type": "NewsArticle", "author": "Ainur Ospan"}'
                                          '</script><link rel="canonical" href="/post/2">')
    meta = read_metadata(generic.page_selector(after), "https://abai.kz/post/1")
    assert (meta.titles, meta.authors[0], meta.canonical) == (
        [("jsonld", "Declared"), ("og", "After")], ("jsonld", ["Ainur Ospan"]), "https://abai.kz/post/1")


def test_generic_page_metadata_in_one_item() -> None:
    item = generic.parse_article(NEWS_PAGE, "https://news.example.org/2024/04/02/rivers?utm_source=x", tz="Europe/Berlin")
    assert item.title == "Rivers rise in spring"
    assert (item.published_at, item.modified_at) == ("2024-04-02T08:00:00-05:00", "2024-04-03T09:00:00-05:00")
    assert item.authors == ["Ann Lee", "Bo Chen"]  # the profile URL in meta author is no name; the byline is
    assert (item.category, item.tags, item.image) == ("Weather", ["rivers", "floods"], "https://news.example.org/img/lead.jpg")
    assert item.url == "https://news.example.org/2024/04/02/rivers" and item.language == "en"


def test_kazakh_printed_date_takes_the_sites_time_zone() -> None:
    html = ("<html><body><h1>Жаңалық тақырыбы</h1><span class='date'>19 Қыркүйек, 2018 сағат 16:01</span>"
            "<p>Мәтін бірінші абзац, бұл жаңалықтың негізгі бөлігі және ол жеткілікті ұзын болуы керек.</p></body></html>")
    item = generic.parse_article(html, "https://example.kz/news/1", tz="Asia/Almaty")
    assert item.published_at == "2018-09-19T16:01:00+06:00"


def test_a_link_to_an_older_article_dates_no_page() -> None:
    """htmldate reads dates in link targets too: a sidebar's /news/2019/11/… gave an undated article 2019-11-01."""
    html = ("<html><head><title>Steppe eagles return | Herald</title></head><body><article><h1>Steppe eagles return</h1>"
            "<p>Ornithologists counted more than two hundred steppe eagles at the nesting grounds this spring.</p>"
            "<p>The birds arrived earlier than usual, which the scientists put down to a mild winter.</p></article>"
            "<aside><a href='/news/2019/11/old-story.html'>Old</a></aside></body></html>")
    item = generic.parse_article(html, "https://herald.example/wildlife/steppe-eagles.html", tz="Asia/Almaty")
    assert (item.published_at, item.strategies.get("published_at")) == (None, None)


@pytest.mark.parametrize(("declared", "shown", "expected"), [
    ("Headline here and more | Site Name", "Headline here and more", "Headline here and more"),
    ("Site Name » Blog Archive » The real headline", None, "The real headline"),
    ("The real headline : Example-Blog | tagline | 2005", None, "The real headline"),
    ("SONNENENERGIE: Der WindRebell", "Der WindRebell", "Der WindRebell"),  # a kicker before the shown headline
    ("Nachrichten: Sport", "Sport", "Nachrichten: Sport"),  # one shown word is a section, not a headline
    ("Feuerwehr Oldenburg - Ausbildung", "Bootsdienst Ausbildung", "Bootsdienst Ausbildung"),  # short, echoed
    ("Жаңа кітап: «Абай жолы» | Site Name", None, "Жаңа кітап: «Абай жолы»"),  # the guillemet closes a quotation
    ("Site Name » The real headline »", None, "The real headline"),  # this one closes nothing
])
def test_title_without_the_site_name(declared: str, shown: str | None, expected: str) -> None:
    body = f"<h1>{shown}</h1>" if shown else "<h1>Example-Blog</h1>"
    html = f"<html><head><title>{declared}</title><meta property='og:site_name' content='Site Name'></head><body>{body}</body></html>"
    sel = generic.page_selector(html)
    assert choose_title(sel, read_metadata(sel, "https://example-blog.org/x"), "https://example-blog.org/x")[0] == expected


@pytest.mark.parametrize("url", ["https://қазақ.kz/a/1", "https://xn--80aau21bd.kz/a/1"])
def test_an_internationalized_host_names_the_site_in_a_title(url: str) -> None:
    sel = generic.page_selector("<html><head><title>Ауа райы ертең өзгереді – Қазақ</title></head><body></body></html>")
    assert choose_title(sel, read_metadata(sel, url), url)[0] == "Ауа райы ертең өзгереді"


@pytest.mark.parametrize(("declared", "h1", "expected"), [
    ("Corona-Pandemie - „Es kommt darauf an“ | Cicero",
     "<span class='teaser__kicker'>Corona-Pandemie</span><span class='visually-hidden'> - </span>"
     "<span class='h1'>„Es kommt darauf an“</span>", "„Es kommt darauf an“"),  # the kicker's class says what it is
    ("Patch Notes - Patchnotes 4.47.4 | Forums",
     "<a href='/t/1'><span class='label label--blue'>Patch Notes</span><span>\xa0</span> Patchnotes 4.47.4</a>",
     "Patchnotes 4.47.4"),
    ("Corona-Pandemie - „Es kommt darauf an“ | Cicero",
     "<span class='h1-small'>Corona-Pandemie - </span><span class='h1'>„Es kommt darauf an“</span>",
     "Corona-Pandemie - „Es kommt darauf an“"),  # no kicker class: the declared title confirms the whole
])
def test_title_without_its_kicker(declared: str, h1: str, expected: str) -> None:
    sel = generic.page_selector(f"<html><head><title>{declared}</title></head><body><h1>{h1}</h1></body></html>")
    assert choose_title(sel, read_metadata(sel, "https://cicero.de/x"), "https://cicero.de/x") == (expected, "structure")


@pytest.mark.parametrize(("h1s", "expected"), [
    # no declared title confirms the <h1>: the reader's headline still beats the one written for search engines
    ("<h1>Eignet sich eine Wärmepumpe im Altbau?</h1>", ("Eignet sich eine Wärmepumpe im Altbau?", "structure")),
    ("<h1>Mes&shy;sen&shy;ger&shy;diens&shy;te sind kein rechts&shy;frei&shy;er Raum</h1>",
     ("Messengerdienste sind kein rechtsfreier Raum", "structure")),  # soft hyphens are no characters
    ("<h1 class='aural'>Navigation und Service</h1><h1><span class='visuallyhidden'>Headline:</span> "
     "Eignet sich eine Wärmepumpe im Altbau?</h1>", ("Eignet sich eine Wärmepumpe im Altbau?", "structure")),
    ("<h1><a href='/'><span>Heizung und Sanitär in Berlin</span></a></h1>",
     ("Wärmepumpe im Altbau - Wann es sich lohnt", "structure")),  # a link home is the logo
    ("<h1>Ratgeber Heizung</h1>", ("Wärmepumpe im Altbau - Wann es sich lohnt", "structure")),
    # what the reader never sees, or the site's banner, is no headline
    ("<div id='cookies' style='display: none'><h1>Wir verwenden Cookies auf unserer Website</h1></div>",
     ("Wärmepumpe im Altbau - Wann es sich lohnt", "structure")),
    ("<div hidden><h1>Melden Sie sich für unseren Newsletter an</h1></div>",
     ("Wärmepumpe im Altbau - Wann es sich lohnt", "structure")),
    ("<header><h1>Nachrichten aus der Region Hochtaunus</h1></header>",
     ("Wärmepumpe im Altbau - Wann es sich lohnt", "structure")),
    # a header whose class names the entry is the article's, though the article is a <div>
    ("<div class='post'><header class='entry-header'><h1>Eignet sich eine Wärmepumpe im Altbau?</h1></header></div>",
     ("Eignet sich eine Wärmepumpe im Altbau?", "structure")),
    # a class that hides overflow hides no text: the article's headline, not the newsletter box after it
    ("<div class='overflow-hidden hidden-xs'><article><header><h1>Eignet sich eine Wärmepumpe im Altbau?</h1></header>"
     "</article></div><div><h1>Abonnieren Sie jetzt unseren Newsletter</h1></div>",
     ("Eignet sich eine Wärmepumpe im Altbau?", "structure")),  # two words: a section, not a headline
])
def test_an_unconfirmed_headline_shown_first(h1s: str, expected: tuple[str, str]) -> None:
    html = (f"<html><head><title>Wärmepumpe im Altbau - Wann es sich lohnt | Heizung.de</title></head>"
            f"<body>{h1s}<p>Text</p></body></html>")
    sel = generic.page_selector(html)
    assert choose_title(sel, read_metadata(sel, "https://heizung.de/x"), "https://heizung.de/x") == expected


def test_body_html_shows_what_the_body_says() -> None:
    """What cleanup drops from the body's paragraphs (the headline repeated, a lone date line) leaves its HTML too."""
    html = ("<html><head><title>Steppe Times</title></head><body><article><h1>Trees for the ring road</h1>"
            "<p>June 3, 2024</p><p>The city will plant four thousand trees along the ring road this autumn, the mayor said.</p>"
            "<p>Work starts in September and should be finished before the first frost, according to the plan.</p>"
            "<p>Residents can suggest places for new trees on the city's website until the end of the month.</p>"
            "</article></body></html>")
    item = generic.parse_article(html, "https://steppe.example/en/story/1")
    assert item.title == "Trees for the ring road" and item.body.startswith("The city will plant")
    assert item.body_html.startswith("<p>The city will plant") and "June 3" not in item.body_html


def test_the_headline_repeated_with_other_punctuation_leaves_the_body() -> None:
    """Title "Обзор кафе: «Кокпар»" (declared), its first paragraph "Обзор кафе «Кокпар»": the same words, no paragraph."""
    paragraphs = ["Новое кафе «Кокпар» открылось на проспекте Абая в Алматы, меню составлено из блюд казахской кухни.",
                  "Цены умеренные: обед на двоих обойдётся примерно в двенадцать тысяч тенге, обслуживание быстрое."]
    html = ("<html><head><title>Обзор кафе: «Кокпар» | Steppe Herald</title></head><body><article>"
            f"<p><b>Обзор кафе «Кокпар»</b></p>{''.join(f'<p>{p}</p>' for p in paragraphs)}</article></body></html>")
    item = generic.parse_article(html, "https://herald.example/news/2024/05/cafe-review.html")
    assert (item.title, item.strategies["title"]) == ("Обзор кафе: «Кокпар»", "structure")
    assert item.paragraphs == paragraphs
    assert item.body_html.startswith("<p>Новое кафе")


@pytest.mark.parametrize("article", [True, False], ids=["in-article", "in-body"])
def test_a_page_that_is_only_its_headline_has_no_body(article: bool) -> None:
    """The headline taken for the body stored the page as an article whose body says its title again; a short item
    whose one paragraph repeats its headline keeps it."""
    head = "<html><head><title>Тек тақырып қана бар бет</title></head><body><nav><a href='/'>Басты</a></nav>"
    h1 = "<h1>Тек тақырып қана бар бет</h1>"
    item = generic.parse_article(f"{head}{f'<article>{h1}</article>' if article else h1}</body></html>",
                                 "https://dala.example/article/1")
    assert (item.title, item.body, item.body_html) == ("Тек тақырып қана бар бет", "", "")
    short = generic.parse_article(f"{head}<article>{h1}<p>Тек тақырып қана бар бет.</p></article></body></html>",
                                  "https://dala.example/article/2")
    assert short.body == "Тек тақырып қана бар бет."


def test_body_html_drops_the_occurrence_the_body_drops() -> None:
    """"Berlin" as a subheading stays; "Berlin" in the tag list at the end goes, from the text and from the HTML."""
    para = "Die Stadt plant neue Radwege entlang der großen Straßen, sagte die Senatorin am Montag vor der Presse. "
    html = (f"<html><head><title>Radwege | Zeitung</title></head><body><article><h1>Radwege in zwei Städten</h1>"
            f"<p>{para * 2}</p><h2>Berlin</h2><p>{para * 2}</p><h2>Hamburg</h2><p>{para * 2}</p>"
            f"<p>Schlagwörter:</p><p>Berlin</p></article></body></html>")
    item = generic.parse_article(html, "https://zeitung.example/a/1")
    assert "Berlin" in item.paragraphs and item.paragraphs[-1] != "Berlin"
    assert "<h2>Berlin</h2>" in item.body_html and "<p>Berlin</p>" not in item.body_html


@pytest.mark.parametrize("pointer", ["READ MORE: Two diagnosed with plague in Beijing", "Related post: Pickled sprouts",
                                     "Also on rt.com Journalists threatened with sedition arrests", "More:",
                                     "[Related: Dreamforce keynote: AI and integration]", "You may also like..."])
def test_a_pointer_to_another_story_inside_the_text_leaves_the_body(pointer: str) -> None:
    """A "READ MORE: …" line between two paragraphs links other stories (dev set: express.co.uk, rt.com, crn.com,
    cleveland.com and three more)."""
    para = "Die Stadt plant neue Radwege entlang der großen Straßen, sagte die Senatorin am Montag vor der Presse. "
    html = (f"<html><head><title>Radwege | Zeitung</title></head><body><article><h1>Radwege</h1>"
            f"<p>{para * 2}</p><p>{pointer}</p><p>{para * 3}</p></article></body></html>")
    item = generic.parse_article(html, "https://zeitung.example/a/1")
    assert item.paragraphs == [(para * 2).strip(), (para * 3).strip()]
    assert pointer not in item.body_html


def test_a_sentence_also_on_a_day_is_no_pointer_to_a_site() -> None:
    """"Also on rt.com …" points to a site; "Also on Nov.12 …", typed without its space, is a day of the story."""
    line = "Also on Nov.12 police arrested two more suspects in the case."
    assert cleanup(["The council met on Monday.", line, "It adjourned at noon."])[1:2] == [line]


def test_a_list_of_links_to_other_stories_leaves_the_body() -> None:
    """Headlines of other stories, each a whole link, that trafilatura kept as headings after the text (dev set:
    inexhibit.com, billboard.com); a single linked line, and bare addresses citing sources, stay."""
    text = ["Flos", "The showroom features a light installation by a London-based designer."]
    others = ["Design Week: a tribute to Castiglioni", "Seiko's 'The Flow of Time' at the Triennale",
              "A preview of new design at Zona Santambrogio"]
    sources = ["http://amzn.to/2iJFhRj", "http://amzn.to/2hZfWFJ", "http://amzn.to/2hWw372"]
    links = frozenset(["Flos", *others, *sources, "Home"])
    assert cleanup([*text, *others, *sources], links=links) == [*text, *sources]


@pytest.mark.parametrize(("host", "kept"), [("https://www.nature.example", True), ("", False),
                                            ("https://www.paper.example", False), ("https://blogs.paper.example", False)])
def test_linked_titles_of_other_sites_are_the_articles_sources(host: str, kept: bool) -> None:
    """Three linked headlines in a row are other stories of the site (its own host, a subdomain, a relative link);
    titles that link other sites are the studies or sources the article cites, and stay."""
    para = "The panel reviewed the evidence on sea-level rise gathered over the last two decades by several teams. "
    titles = ["Global burden of coastal flooding, 2019", "Climate sensitivity revisited by three teams",
              "A new look at Antarctic ice loss"]
    listed = "".join(f'<h3><a href="{host}/study/{i}">{title}</a></h3>' for i, title in enumerate(titles))
    html = (f"<html><head><title>Sea level | Paper</title></head><body><article><h1>Sea level</h1><p>{para * 2}</p>"
            f"<p>{para * 3}</p><h2>The studies</h2>{listed}<p>{para * 2}</p></article></body></html>")
    item = generic.parse_article(html, "https://paper.example/2024/05/sea-level")
    assert [title for title in titles if title in item.paragraphs] == (titles if kept else [])


@pytest.mark.parametrize("closing", [["paul.takahashi@steppe.example", "twitter.com/paultakahashi"],
                                     ["Reach the reporters on Twitter at http://twitter.com/MegKinnardAP"],
                                     ["Have a tip? Amy may be reached at amy@paper.example. Follow her on Twitter."],
                                     ["Keith Bradsher contributed reporting from Hong Kong."]])
def test_closing_notes_on_the_reporters_leave_the_body(closing: list[str]) -> None:
    """The reporter's address after the text (dev set: chron.com, ctpost.com, nj.com), a credit to another reporter
    (nytimes.com, foxnews.com); a tweet's picture link stays."""
    para = "New car sales fell ten percent in October as buyers waited for the holiday discounts, dealers said. "
    last = "Dealers expect sales to recover in December. pic.twitter.com/s96jjh8AlD"
    html = (f"<html><head><title>Car sales | Paper</title></head><body><article><h1>Car sales</h1>"
            f"<p>{para * 2}</p><p>{para * 3}</p><p>{last}</p>{''.join(f'<p>{line}</p>' for line in closing)}"
            f"</article></body></html>")
    item = generic.parse_article(html, "https://paper.example/business/car-sales.php")
    assert item.paragraphs == [(para * 2).strip(), (para * 3).strip(), last]


@pytest.mark.parametrize("last", ["Anyone with information is asked to email tips@police.example.",
                                  "For tickets and the full program, write to info@lakefestival.example."])
def test_a_closing_line_that_gives_readers_an_office_address_stays(last: str) -> None:
    """An address of an office or a service (tips@, info@) is the story's news for its readers, not the author's."""
    assert cleanup(["The festival opens on Friday by the lake.", last]) == ["The festival opens on Friday by the lake.", last]


def test_a_long_last_paragraph_without_spaces_is_checked_for_an_address_in_linear_time() -> None:
    """A text without spaces between its words (Chinese, Thai) or a hostile run of letters, last in the body: the
    address search tried it from every letter (60,000 letters took about 10 s); the bound only catches that."""
    import time

    last = "字" * 60_000
    started = time.perf_counter()
    assert cleanup(["Erster Absatz.", last]) == ["Erster Absatz.", last]
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("last", [False, True], ids=["inside", "last"])
def test_an_embedded_tweet_stays_in_the_body(last: bool) -> None:
    """Twitter's embed code in a site's "embed" wrapper: the tweet is text the article quotes (dev set: nj.com,
    news.sky.com), not furniture to drop with its wrapper; its dated signature line, last on the page, is no date line
    (thehill.com)."""
    para = "The state's new slogan for an anti-drug campaign drew a large share of attention on social media on Monday. "
    tweet = ('<div class="social-media-embed"><blockquote class="twitter-tweet"><p lang="en">on. meth. dot. com.</p>'
             '— tall glass of coquito (@_orabora) <a href="https://twitter.com/_orabora/status/1">November 19, 2019</a>'
             '</blockquote></div>')
    paragraphs = f"<p>{para * 2}</p><p>{para * 3}</p>{tweet}" if last else f"<p>{para * 2}</p>{tweet}<p>{para * 3}</p>"
    html = (f"<html><head><title>Meth. We're on it | Paper</title></head><body><article><h1>Meth. We're on it</h1>"
            f"{paragraphs}</article></body></html>")
    item = generic.parse_article(html, "https://paper.example/2019/11/slogan.html")
    quoted = ["on. meth. dot. com.", "— tall glass of coquito (@_orabora) November 19, 2019"]
    assert (item.paragraphs[2:] if last else item.paragraphs[1:3]) == quoted
    assert "on. meth. dot. com." in item.body_html


def test_a_hostile_attribute_in_a_headline_costs_nothing() -> None:
    """parsel's .attrib fails on an attribute named "\x1b"; the page still parses."""
    html = ("<html><head><title>Stadtrat | Zeitung</title></head><body><article><h1><span class='kicker' \x1b='x'>Corona"
            "</span> Stadtrat beschließt den Haushalt</h1><p>Text des Artikels.</p></article></body></html>")
    assert generic.parse_article(html, "https://zeitung.example/a/1").title == "Stadtrat beschließt den Haushalt"


def test_byline_names_are_cleaned() -> None:
    assert split_names("By Jane Doe, PhD and John Roe") == ["Jane Doe", "John Roe"]
    assert split_names("Posted by Konstantin") == ["Konstantin"]
    assert split_names("https://www.facebook.com/someone") == []
    assert clean_name("Matthieu Hy le 3 mai") == "Matthieu Hy" and clean_name("Walter von Aachen") == "Walter von Aachen"


def test_a_byline_after_many_long_candidate_blocks_is_found() -> None:
    """Each block is looked at once; none is skipped for an id() a freed lxml proxy left behind (results varied from run to run)."""
    long = "By the editors of this magazine, who wrote a great deal about nothing much at all in the end"
    html = "<html><body>" + f"<p><a>{long}</a></p>" * 5 + "<p><a>By Jane Doe</a></p></body></html>"
    assert byline_text(generic.page_selector(html), []) == ["Jane Doe"]


@pytest.mark.parametrize(("body", "expected"), [
    # a label and its name: with a colon, or without one when the name ends the line
    ("<p>Text of the story, long enough.</p><a href='mailto:x'><b>Von:</b><br><br>Götz Warnke</a>", (["Götz Warnke"], "structure")),
    ("<div><h4>Autor</h4><p><a href='/profil/nh'>Nikolai Huke</a>, </p></div>", (["Nikolai Huke"], "structure")),
    ("<p>Autor Schlink: Wahl zum Gratisbuch ist eine große Ehre</p>", ([], None)),  # a headline, not a byline
    ("<p>Fotos: Max Muster, Gestaltung: Ina Roe, <a href='/autor/jd'>Text: Jane Doe</a></p>",
     (["Jane Doe"], "structure")),  # "Text:" is a label with its colon, as "Von:" is, wherever its line stands
    ("<h3><a href='/unfall'>Von der Fahrbahn abgekommen</a></h3>", ([], None)),  # a name starts with a capital
    ("<p>Die Studie wurde <a href='https://charite.de/'>von Forschern der Charité</a> am Montag vorgestellt.</p>",
     ([], None)),  # a link inside a sentence
    ("<p><a href='/autor/jd'>By Jane Doe</a></p>", (["Jane Doe"], "structure")),  # a link that is the whole line
    ("<p><a href='/autor/ks'>Von Klaus Stanjek</a> | 12.03.2021</p>", (["Klaus Stanjek"], "structure")),  # and a date
    ("<div><a href='/author/jane'>By Jane Doe</a>, March 3, 2020 · 5 min read</div>", (["Jane Doe"], "structure")),
    ("<p>Автор Иван Петров, фото: ТАСС</p>", (["Иван Петров"], "structure")),  # a list after the name
    # a plural label as the singular one, and two names joined by "und"/"and" read whole
    ("<p>Autoren Jana Beispiel und Max Muster</p>", (["Jana Beispiel", "Max Muster"], "structure")),
    ("<p>Von Jane Doe und John Roe</p>", (["Jane Doe", "John Roe"], "structure")),
    ("<h3 class='title-authors'>Auteurs</h3><p class='byline author'>Par Jeanne Dupont</p>", (["Jeanne Dupont"], "structure")),
    ("<h1>Stadtrat beschließt neuen Haushalt</h1><div>12.03.2021 | Foto: Max Mustermann</div>", ([], None)),  # a credit
    # a line of date and name beside the headline
    ("<div><small>04.02.2022 | 13:10 Uhr | Uta Helkenberg</small><h1>Stellungnahme zum Pilotjahr</h1></div>",
     (["Uta Helkenberg"], "structure")),
    ("<h1>Variablen und ihr Zuhause</h1><p>11.12.2019 - Amelie Loevenich</p>", (["Amelie Loevenich"], "structure")),
    ("<h1>Planung</h1><div>Essay</div><div><span>25.10.2022 - Reiner Nagel</span></div>", (["Reiner Nagel"], "structure")),
    ("<h1>Hochwasser am Main</h1><p>12.03.2021 - Frankfurt</p>", ([], None)),  # a dateline: one word is no name
    ("<h1>Hochwasser</h1><p>Bad Homburg, 12.03.2021</p>", ([], None)),  # a place before the date
    ("<h1>Hochwasser</h1><p>Sa.</p><p>Text</p><p>More</p><p>12.03.2021 - Uta Helkenberg</p>", ([], None)),  # too far
])
def test_printed_bylines(body: str, expected: tuple[list[str], str | None]) -> None:
    url = "https://example-news.de/artikel/1"
    sel = generic.page_selector(f"<html><head><title>Seite</title></head><body>{body}</body></html>")
    assert find_authors(sel, read_metadata(sel, url), url) == expected


def _declared(author: str) -> str:
    return f"<script type='application/ld+json'>{{\"@type\": \"BlogPosting\", \"author\": {{\"@type\": \"Person\", \"name\": \"{author}\"}}}}</script>"


@pytest.mark.parametrize(("head", "body", "expected"), [
    # a declared first name or login is the account's; the printed byline spells out the person
    (_declared("Todd"), "<p class='byline'>By Todd Bates</p>", ["Todd Bates"]),
    (_declared("janedoe"), "<div class='post-author'>von Jane Doe</div>", ["Jane Doe"]),
    (_declared("Jessie"), "<div class='author-bio'>Jessie Ich bin Bloggerin aus Köln.</div>", ["Jessie"]),  # a bio, no surname
    (_declared("AFP"), "<p class='byline'>By AFP Staff</p>", ["AFP"]),  # an acronym is no first name
    # a meta tag that lists the JSON-LD author and more names the whole byline; the page's teasers do not
    (_declared("Jane Doe") + "<meta name='author' content='Jane Doe, John Roe'>", "", ["Jane Doe", "John Roe"]),
    (_declared("Jane Doe"), "<ul><li><span itemprop='author'>Jane Doe</span></li>"
     "<li><span itemprop='author'>Max Muster</span></li></ul>", ["Jane Doe"]),
    # microdata: the article's author, not a photo's (its photographer) nor a teaser's inside the article
    ("", "<article itemscope itemtype='https://schema.org/NewsArticle'><span itemprop='author'>Jane Doe</span>"
     "<figure itemscope itemtype='https://schema.org/ImageObject'><span itemprop='author'>Foto: Max Muster</span></figure>"
     "<div itemscope itemtype='https://schema.org/BlogPosting'><span itemprop='author'>John Roe</span></div></article>",
     ["Jane Doe"]),
    ("", "<article itemscope itemtype='https://schema.org/NewsArticle/ https://schema.org/Thing'>"
     "<span itemprop='author'>Jane Doe</span></article>", ["Jane Doe"]),  # a trailing slash, two types
])
def test_declared_names(head: str, body: str, expected: list[str]) -> None:
    url = "https://example-news.de/artikel/1"
    sel = generic.page_selector(f"<html><head><title>Seite</title>{head}</head><body><h1>Titel</h1>{body}</body></html>")
    assert find_authors(sel, read_metadata(sel, url), url) == (expected, "meta")


def test_a_body_typed_with_combining_marks_is_stored_composed_with_its_quotes() -> None:
    """The generic parser's body as the archive stores it (NFC), and its quotes read from that body: typed
    decomposed ("и" + U+0306 for "й", as a Mac may type it), "дейді" went unmatched and offsets overshot."""
    import unicodedata

    page = ("<html lang='kk'><head><title>Жаңалық</title></head><body><article><h1>Ауыл мектебі жаңа ғимаратқа көшті</h1>"
            "<p>Мектеп директоры бүгін ата-аналармен кездесті және жаңа ғимараттың есігін ашты.</p>"
            "<p>«Балаларымыз енді жылы сыныптарда оқиды», – дейді мектеп директоры Айгүл Сейітқызы.</p>"
            "<p>Ғимарат құрылысы екі жылға созылды, оған облыстық бюджеттен қаржы бөлінді.</p></article></body></html>")
    url = "https://news.example.kz/2024/05/mektep"
    typed = parse_article(unicodedata.normalize("NFD", page), url)
    expected = parse_article(page, url)
    assert expected.quotes and expected.quotes[0].speaker == "Айгүл Сейітқызы"
    assert (typed.body, typed.quotes) == (expected.body, expected.quotes)


@pytest.mark.parametrize(("href", "expected", "claims"), [
    ("https://news.example.org/2024/04/02/rivers-rise", "https://news.example.org/2024/04/02/rivers-rise", True),
    ("https://aggregator.example/2024/rivers", "https://news.example.org/2024/04/02/rivers", False),  # another site's
    ("https://news.example.org/", "https://news.example.org/2024/04/02/rivers", False),  # a template's home page
])
def test_rel_canonical_names_the_page_only_on_its_own_site_and_below_its_home(href: str, expected: str,
                                                                              claims: bool) -> None:
    """An item stored under a URL it was not fetched from says so (`strategies["url"]`): the dedupe weighs the claim."""
    html = NEWS_PAGE.replace("</head>", f'<link rel="canonical" href="{href}"></head>')
    item = generic.parse_article(html, "https://news.example.org/2024/04/02/rivers")
    assert (item.url, item.strategies.get("url") == "canonical") == (expected, claims)


@pytest.mark.parametrize(("declared", "kept"), [("2024-04-04T01:00:00+05:00", True), ("2024-04-05T01:00:00+05:00", False)])
def test_a_page_may_be_dated_up_to_the_day_after_its_fetch_in_the_sites_zone(declared: str, kept: bool) -> None:
    """Fetched at 04:00 on 3 April in Almaty: 4 April may already be printed further east, 5 April is a coming event's."""
    html = NEWS_PAGE.replace("2024-04-02T08:00:00-05:00", declared).replace("2024-04-03T09:00:00-05:00", declared)
    item = generic.parse_article(html, "https://news.example.org/weather/rivers", "2024-04-02T23:00:00+00:00",
                                 tz="Asia/Almaty")
    assert item.published_at == (declared if kept else None)


def test_fill_takes_author_names_only_from_the_tags_that_give_names() -> None:
    """`article:author` is mostly a profile URL and `twitter:creator` a handle: a site parser's item takes neither."""
    html = ('<html><head><meta name="twitter:creator" content="@dailyexample"><meta property="article:author" '
            'content="Jo Brown"><meta name="author" content="Ann Lee"></head><body><h1>T</h1></body></html>')
    item = generic.fill(ArticleItem(url="https://abai.kz/post/1", site="abai.kz", article_id="1", key="abai.kz:1",
                                    script="cyrl", language="kk", title="T"), generic.page_selector(html))
    assert (item.authors, item.strategies.get("authors")) == (["Ann Lee"], "meta")
