"""Authors of small news pages: how bylines, dates beside them, bios and declared names are told apart."""

import pytest

from crawler.parsers.generic import parse_article


def page(head: str, body: str) -> str:
    """A minimal news page with `head` in its `<head>` and `body` in its `<body>`."""
    return (f"<html><head>{head}</head><body><h1>Flood waters recede in the valley</h1>{body}"
            f"<p>{'Lorem ipsum dolor sit amet. ' * 20}</p></body></html>")


def authors_of(body: str, head: str = "") -> list[str]:
    return parse_article(page(head, body), "https://news.example.org/2024/05/story").authors


def test_the_date_beside_a_byline_is_no_name() -> None:
    body = '<div class="byline">By <a href="/staff/jane">Jane Doe</a> Thursday, November 9, 2023 4:41AM</div>'
    assert authors_of(body) == ["Jane Doe"]


def test_an_inner_byline_that_lists_more_names_than_its_dated_holder_wins() -> None:
    body = ('<div class="author-box"><div class="byline">Isabel Caro, Rocío Latorre y José Miguel Wilson</div>'
            '<time>Hace 13 horas</time> <span>Tiempo de lectura: 8 minutos</span></div>')
    assert authors_of(body) == ["Isabel Caro", "Rocío Latorre", "José Miguel Wilson"]


def test_a_byline_wins_over_a_declared_person_the_page_never_prints() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Kate Webmaster"}}</script>'
    body = '<div class="article-byline">By <a href="/staff/jane">Jane Doe</a> and <a href="/staff/gail">Gail Levy</a></div>'
    assert authors_of(body, head) == ["Jane Doe", "Gail Levy"]


def test_a_declared_person_the_page_prints_stays() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Kate Webb"}}</script>'
    body = '<div class="article-byline">By Jane Doe</div><p>Kate Webb is our science editor.</p>'
    assert authors_of(body, head) == ["Kate Webb"]


def test_a_writer_credit_names_the_writer_and_a_photo_credit_no_one() -> None:
    assert authors_of('<td class="authorbold">Text &amp; Fotos: Ivan Valetny</td>') == ["Ivan Valetny"]
    body = '<span class="image-author">Foto: Ingo Schneider</span><span class="article-author">Von Clara Müller</span>'
    assert authors_of(body) == ["Clara Müller"]


def test_a_role_printed_after_the_name_is_left_out() -> None:
    assert authors_of('<div class="author-info"><span>Harald Bauer</span> <span>Autor</span></div>') == ["Harald Bauer"]


LONG = "The river rose overnight and the town spent the morning moving sandbags to the bridge. " * 3


def test_an_emphasised_name_that_ends_the_article_signs_it() -> None:
    body = f'<div class="text"><p>{LONG}</p><p><strong>Marina Mucha</strong></p></div>'
    assert authors_of(body) == ["Marina Mucha"]


def test_an_emphasised_heading_before_a_list_signs_nothing() -> None:
    body = f'<div class="text"><p>{LONG}</p><p><strong>Weitere Informationen</strong></p><ul><li>Pegel</li></ul></div>'
    assert authors_of(body) == []


def test_a_text_credit_line_names_its_writer_and_not_its_illustrator() -> None:
    assert authors_of("<p>Text von Christian Seiler Illustration von Markus Roost</p>") == ["Christian Seiler"]


def test_a_login_followed_by_its_date_is_a_name() -> None:
    body = '<div class="left author">Author: <a href="/profile/58"><b>Bo2man</b></a> am 29.12.2010, 13:36 Uhr</div>'
    assert authors_of(body) == ["Bo2man"]


def test_a_declared_name_keeps_no_bracket_of_the_url_after_it() -> None:
    assert authors_of("", '<meta name="author" content="Deutsche Welle (www.dw.com)">') == ["Deutsche Welle"]


def test_a_company_or_agency_is_no_person_beside_one() -> None:
    """"GmbH", "e.V.", "Agencia", "Agência" mark an organisation: kept only when no person is named."""
    for org in ("Web Commerce GmbH", "Agencia Reforma", "Agência Brasil", "Heimatverein e.V."):
        head = f'<meta name="author" content="{org}, Jane Doe">'
        assert authors_of("", head) == ["Jane Doe"], org


def test_a_closing_line_in_bold_is_no_signature() -> None:
    """Only a whole name signs: not a greeting, "to be continued", nor a credit whose name part is one word."""
    def signed_by(line: str) -> list[str]:
        html = (f"<html><head><title>Flood</title></head><body><h1>Flood waters recede in the valley</h1>"
                f"<p>{'Lorem ipsum dolor sit amet. ' * 10}</p><p>{line}</p></body></html>")
        return parse_article(html, "https://news.example.org/2024/05/story").authors

    for line in ("<strong>Guten Appetit!</strong>", "<b>Продолжение Следует</b>", "<strong>Alle Fotos</strong>",
                 "<b>Frohe Weihnachten</b>"):
        assert signed_by(line) == [], line
    assert signed_by("<em>Anna-Lena von Hoff</em>") == ["Anna-Lena von Hoff"]


def test_a_label_or_button_beside_a_byline_is_no_name() -> None:
    """"Veröffentlicht am <date>" cut at its date left the label ("Veröffentlicht"); a profile button is no name either."""
    body = '<div class="post-date-author">Veröffentlicht am 8. Februar 2022</div>'
    assert authors_of(body, '<meta name="author" content="Tierschutz-Team">') == ["Tierschutz-Team"]
    assert authors_of('<div class="author-info">Zuletzt geändert am: 15.10.2021</div>') == []
    assert authors_of('<a class="profile-link" rel="author" href="/u/1">Afficher mon profil complet</a>') == []
    assert authors_of('<a class="author-all-posts" href="/autoren/tierschutz-team/">Alle Beiträge</a>') == []
    assert authors_of('<a class="author-email-link" href="mailto:news@example.org">Sende uns eine E-Mail</a>') == []
    assert authors_of('<a class="author-more" href="/autor/efe">Más del autor</a>') == []


def test_an_author_box_with_a_bio_names_the_person_of_its_name_element_not_pieces_of_the_bio() -> None:
    body = ('<div class="author-box"><span class="author-name">Jane Doe</span>'
            '<p>Jane Doe is a reporter who covers floods, rivers and the weather for us.</p></div>')
    assert authors_of(body) == ["Jane Doe"]
    bio = ('<div class="author-info"><h3>Autor</h3><p class="author-bio">Alles über Lautsprecher, Heimkino und HiFi-Trends. '
           'Zudem haben wir jede Menge praktische Tipps und Tricks für zu Hause.</p></div>')
    assert authors_of(bio, '<meta name="author" content="Teufel Blog Redaktion">') == ["Teufel Blog Redaktion"]


def test_a_byline_with_its_time_is_no_sentence() -> None:
    body = '<div class="byline">By Grace Zokovitch | PUBLISHED: November 8, 2023 at 4:56 p.m.</div>'
    assert authors_of(body) == ["Grace Zokovitch"]


def test_a_byline_that_goes_on_in_a_sentence_still_names_its_writers() -> None:
    """A byline element that opens with "By …" is no bio, though a sentence on the reporting follows the names."""
    body = ('<p class="byline">By Jane Doe, The Times, and John Roe, who reported from the border for this story.'
            '</p>')
    assert authors_of(body) == ["Jane Doe", "John Roe"]


def test_a_column_line_names_its_writer_and_spells_out_a_declared_first_name() -> None:
    head = '<meta name="author" content="Nils">'
    assert authors_of("<p><strong>Eine Kolumne von Nils Pickert</strong></p>", head) == ["Nils Pickert"]
    assert authors_of("<p><em>Column by Jane Doe</em></p>") == ["Jane Doe"]


def test_a_declared_login_of_first_and_last_name_takes_the_name_the_page_prints() -> None:
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person", "name": "marta.kowalski"}}</script>'
    assert authors_of("<p>The bridge stays closed until Monday. (Marta J. Kowalski)</p>", head) == ["Marta J. Kowalski"]
    assert authors_of("<p>The bridge stays closed until Monday.</p>", head) == ["marta.kowalski"]


def test_a_declared_first_name_takes_the_full_name_its_bio_opens_with() -> None:
    head = '<meta name="author" content="Stefanus">'
    box = ('<div class="byline"><span class="author">Stefanus</span> 26. Januar 2022</div>'
           '<div class="author-bio">{} Seit 2002 auf dem Mountainbike unterwegs und in den Alpen zu Hause.</div>')
    assert authors_of(box.format("Stefanus Stahl - Maschinenbauer und Abenteurer."), head) == ["Stefanus Stahl"]
    assert authors_of(box.format("Stefanus Ich bin Maschinenbauer und Abenteurer."), head) == ["Stefanus"]


@pytest.mark.parametrize("bio", ["Das ist mein Blog über Berge.", "Hier ist mein Blog.", "Es war einmal ein Rad.",
                                 "This is my blog about mountains.", "Here is where I write."])
def test_a_bio_that_opens_with_a_sentence_of_its_own_spells_out_no_surname(bio: str) -> None:
    """A first word that opens a sentence ("Das ist …", "This is …") is no surname, capitalised before "is" though;
    the same word before another language's "is" may be ("Das is a reporter": a Bengali surname)."""
    head = '<meta name="author" content="Stefanus">'
    box = '<div class="byline"><span class="author">Stefanus</span></div><div class="author-bio">Stefanus {}</div>'
    assert authors_of(box.format(bio), head) == ["Stefanus"]
    assert authors_of(box.format("Das is a reporter."), head) == ["Stefanus Das"]


def test_the_breadcrumbs_in_a_byline_are_not_its_person() -> None:
    body = ('<div class="article-author"><time>Donnerstag, 4. November 2021</time> von <address class="author">'
            '<a rel="author" href="/impressum">Automagazin Redaktion</a></address> <ul itemscope '
            'itemtype="http://schema.org/BreadcrumbList">in Rubrik: <li itemprop="itemListElement" itemscope '
            'itemtype="http://schema.org/ListItem"><span itemprop="name">Hyundai</span></li></ul></div>')
    assert authors_of(body) == ["Automagazin Redaktion"]
    person = ('<div class="byline" itemprop="author" itemscope itemtype="http://schema.org/Person">'
              'Text: <span itemprop="name">Jane Doe</span></div>')
    assert authors_of(person) == ["Jane Doe"]


def test_a_weekday_alone_is_no_name() -> None:
    assert authors_of('<div class="article-author"><time>Donnerstag, 4. November 2021</time></div>') == []


def test_a_teasers_or_a_comments_author_is_not_the_articles() -> None:
    body = ('<div class="slider"><span class="slider-teaser__author">Manfred Prisching</span></div>'
            '<p>Von Ursula Baatz</p>')
    assert authors_of(body) == ["Ursula Baatz"]
    assert authors_of('<span class="comment-author">Max Leser</span>') == []


def test_a_team_after_a_dash_is_not_part_of_the_last_name() -> None:
    body = '<span class="byline-author">Posted by Nathan Parker and Kiran C Nair - Chrome Safe Browsing team</span>'
    assert authors_of(body) == ["Nathan Parker", "Kiran C Nair"]


def test_a_heading_classed_as_author_is_the_blogs_name_not_its_byline() -> None:
    body = '<h1 class="site-title vcard author">Kriminalarchiv</h1><h4 class="vcard author">vom Krimiblogger</h4>'
    assert authors_of(body) == ["Krimiblogger"]


def test_a_link_whose_url_spells_its_text_is_a_headline_not_a_byline() -> None:
    teaser = '<ul><li><a href="/2024/05/von-hexen-henkern-und-vampiren">Von Hexen, Henkern und Vampiren in Bernau</a></li></ul>'
    assert authors_of(teaser) == []
    assert authors_of('<p><a href="/autor/jane-doe">Von Jane Doe</a></p>') == ["Jane Doe"]


def test_a_publication_or_a_newsroom_is_no_person_beside_one() -> None:
    """A name opening with an article ("The Washington Post", "El Sol de México") is a publication's, and "Redacción",
    "Redação", "Redazione", "Rédaction" a newsroom's, as "Redaktion" is: kept only when no person is named."""
    for org in ("The Washington Post", "El Sol de México", "Redacción LR", "Redação"):
        assert authors_of("", f'<meta name="author" content="Ana Gómez, {org}">') == ["Ana Gómez"], org
    assert authors_of("", '<meta name="author" content="Der Spendenteddy">') == ["Der Spendenteddy"]
    assert authors_of('<a class="author-source" href="https://wsj.com/x">Lire l’article original</a>') == []


@pytest.mark.parametrize("person", ["El Hassan Benali", "La Toya Jackson", "La Văn Cầu", "Le Van Thanh", "Les Carpenter"])
def test_a_persons_name_opening_as_an_article_does_is_a_person_beside_another(person: str) -> None:
    """Three capitalised words after "El", "La" or "Le" are a name; a publication's is shorter or holds a particle."""
    assert authors_of("", f'<meta name="author" content="Ana Gómez, {person}">') == ["Ana Gómez", person]
    assert authors_of(f'<div class="byline">By {person} and Ana Gómez</div>') == [person, "Ana Gómez"]


@pytest.mark.parametrize("publication", ["El País", "La Repubblica", "La Voz de Galicia", "El Sol de México", "Le Monde",
                                         "Le Journal de Québec", "El Nuevo Herald", "La Prensa Gráfica", "El Diario Vasco",
                                         "Le Monde Diplomatique", "Les Echos"])
def test_a_publication_opening_with_an_article_is_no_person_beside_one(publication: str) -> None:
    """Three capitalised words are a publication's name too when a paper's word follows the article ("Nuevo",
    "Diario", "Monde"), and "Les" opens one only so ("Les Echos"; "Les Carpenter" is a person)."""
    assert authors_of("", f'<meta name="author" content="Ana Gómez, {publication}">') == ["Ana Gómez"]
    assert authors_of(f'<div class="byline">By {publication} and Ana Gómez</div>') == ["Ana Gómez"]
    assert authors_of("", f'<meta name="author" content="{publication}">') == [publication]


def test_a_label_word_of_one_language_that_is_a_surname_in_another_is_a_name() -> None:
    assert authors_of("", '<meta name="author" content="Thijs van Leer">') == ["Thijs van Leer"]


@pytest.mark.parametrize(("body", "expected"), [
    ('<p class="ByLine">Jane Doe</p>', ["Jane Doe"]),  # the class's capitals lowered
    ('<p data-testid="AuthorName">Jane Doe</p>', ["Jane Doe"]),
    ('<span rel="noopener\tauthor">Jane Doe</span>', ["Jane Doe"]),  # one of the rel's tokens, split at a tab
    ('<h1 class="vcard author">Jane Doe</h1>', []),  # a headline classed author names no one
    ('<ul class="authors"><li>Jane Doe</li></ul>', []),
])
def test_a_byline_element_is_told_by_its_class_test_id_or_rel(body: str, expected: list[str]) -> None:
    assert authors_of(body) == expected
