"""Authors of any page: declared names (JSON-LD, microdata, meta tags), else the printed byline.

Each source is tried in layers, most trusted first; `names` turns what a source holds into
people's names, and this module drops the site's own name when a person is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain, islice
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from crawler.parsers.bylines import byline_elements
from crawler.parsers.common import node_text
from crawler.parsers.metadata import PageMetadata
from crawler.parsers.names import newsroom, split_names
from crawler.parsers.sitenames import holds_site, names_site, site_names, squash
from crawler.parsers.titles import SHOWN_H1

# Up to four words of a name, "und"/"and" not among them: it joins two names ("Autoren Jelko Djuren und Jutta Klaukien").
_NAME = r"[^\W\d_][\w.'’-]*(?:\s+(?!(?:und|and)\s)[^\W\d_][\w.'’-]*){0,3}"
# A short printed line that is a byline: "By Jane Doe", "Posted by Konstantin @ 12:00", "von Klaus Stanjek", "Von: Götz
# Warnke", "Text von Christian Seiler", "Eine Kolumne von Nils Pickert". An "Autor" without its colon must have the name
# end the line or a list ("Autor Nikolai Huke", "Автор Иван Петров, фото: ТАСС"): "Autor Schlink: Wahl …" is a headline.
BYLINE_TEXT = re.compile(
    r"^(?:(?:posted|written|geschrieben|erstellt|verfasst|eingestellt|blog|beitrag|blogbeitrag|gastbeitrag|ein|"
    r"eine|artikel|article|post|story|report|reported|interview|kommentar|kolumne|column|text|texte)\s+){0,2}"
    r"(?P<label>автор(?:ы)?|autor(?:in|innen|en)?|by|von|vom|par|por|text(?=:))(?P<colon>:)?"
    rf"\s+(?P<name>{_NAME}(?:\s+(?:und|and)\s+{_NAME})?)",
    re.IGNORECASE,
)
BLOCK_TAGS = frozenset({"p", "a", "span", "div", "em", "small", "h4", "h5", "h6", "li", "address", "strong", "b", "i", "td"})
_TEXT_NODES = etree.XPath("//body//text()[normalize-space()]")
# A byline word anywhere in a short text node: the cheap screen before BYLINE_TEXT.
LEAD_HINT = re.compile(r"\b(?:by|von|vom|par|por|автор|text:|autor)", re.IGNORECASE)
# Name particles written in lower case ("Walter von Aachen", "Jose de la Cruz").
PARTICLES = frozenset("von van de la del der da di du le ten ter zu y".split())


# Author sources, most trusted first; `jsonld-page` is a WebPage's author, often the article's.
SOURCES = ("jsonld", "microdata", "meta", "jsonld-page")


def _organisation(name: str, sites: list[str]) -> bool:
    """A newsroom's name, not a person's: a site's or desk's name, or a byline holding the site's ("unocero - Alberto Ávila")."""
    return _site_byline(name, sites) or newsroom(name)


def _site_byline(name: str, sites: list[str]) -> bool:
    """A byline that is, or holds, a name the site goes by: a person's name seldom holds the site's."""
    return names_site(name, sites) or holds_site(name, sites)


def declared_authors(meta: PageMetadata, sites: list[str]) -> tuple[list[str], list[str]]:
    """(people, organisations) the page declares: names of the first source that names a person, and site names seen.

    A later meta tag that names those people and more wins: a JSON-LD author often
    holds only the first of a byline's names that the meta tag lists whole. (Not
    microdata: it gathers the authors of every teaser on the page.)
    """
    orgs: list[str] = []
    found: list[tuple[str, list[str]]] = []
    for prefix in SOURCES:
        for source, values in meta.authors:
            if source.split(":")[0] != prefix:
                continue
            names = list(dict.fromkeys(n for value in values for n in split_names(value)))
            found.append((prefix, [n for n in names if not _organisation(n, sites)]))
            orgs += [n for n in names if _organisation(n, sites)]
    people = next((names for _, names in found if names), [])
    more = [names for prefix, names in found if prefix == "meta" and _fold(people) < _fold(names)]
    return max(more, key=len, default=people), orgs


def _fold(names: list[str]) -> set[str]:
    return {name.casefold() for name in names}


def printed_authors(sel: Selector, sites: list[str], orgs: list[str] | None = None) -> list[str]:
    """Names in the first byline element that holds a person's name; newsroom names seen go to `orgs`.

    A byline element inside that one that names those people and more wins: the outer
    element also holds the date or reading time, which can hide the last name of a list
    ("…, Rocío Latorre y José Miguel Wilson Hace 13 horas") that the inner one prints alone.
    """
    found: list[str] = []
    holder = None
    for element in islice(byline_elements(sel), 20):
        if holder is not None and holder not in element.iterancestors():
            break
        people = _people_in(element, sites, orgs)
        if people and (holder is None or _fold(found) < _fold(people)):
            found = people
        holder = holder if holder is not None or not people else element
    return found


# A byline of someone else's text: a comment's, or a teaser's of another article ("slider-teaser-opinion__author").
_OTHERS_BYLINE = etree.XPath("ancestor-or-self::*[contains(@class, 'comment') or contains(@id, 'comment')"
                             " or contains(@class, 'teaser')]")


def _people_in(node: HtmlElement, sites: list[str], orgs: list[str] | None) -> list[str]:
    """People one byline element names (its itemprop=name, if it has one); newsroom names go to `orgs`."""
    if _OTHERS_BYLINE(node):
        return []
    inner = next(_own_names(node), None)
    text = node_text(inner) if inner is not None else node_text(node)
    if not text or len(text) > 150:
        return []
    names = split_names(text)
    if _prose(text):  # a bio or a notice; or a byline that goes on in a sentence: its full names only
        names = [n for n in names if _full_name(n)] if _byline_opening(text) else []
    if orgs is not None:
        orgs += [n for n in names if _organisation(n, sites)]
    return [n for n in names if not _organisation(n, sites)]


def _full_name(name: str) -> bool:
    """Two words or more, capitalised as a name is: "Jane Doe", "Walter von Aachen", not "Heimkino"."""
    words = name.split()
    return len(words) >= 2 and _name_cased(words)


def _name_cased(words: list[str]) -> bool:
    """Whether words are capitalised as a name's: each word but a particle after the first ("Walter von Aachen")."""
    return bool(words) and words[0][:1].isupper() and all(w[:1].isupper() or w in PARTICLES for w in words[1:])


def _own_names(byline: etree._Element) -> Iterator[etree._Element]:
    """The byline element's itemprop=name elements that name its person: not those of an item nested in it
    that is not an author, such as the breadcrumbs beside the name ("in Rubrik: <span itemprop=name>Hyundai")."""
    for name in byline.iterfind(".//*[@itemprop='name']"):
        scope = next((a for a in name.iterancestors() if a.get("itemscope") is not None), None)
        if scope is None or byline not in scope.iterancestors() or _author_item(scope):
            yield name


def _author_item(item: etree._Element) -> bool:
    return "author" in (item.get("itemprop") or "") or "Person" in (item.get("itemtype") or "")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _prose(text: str) -> bool:
    """A byline element's text that holds a sentence: an author box's bio ("… Zudem haben wir jede Menge Tipps
    für zu Hause.") or a notice, whose pieces between commas and "und" are no names ("Heimkino"), unless full
    names after a byline's label ("By Jane Doe, The Times, and John Roe, who reported from …").

    A sentence ends in a stop and has six words or more, three of them small words: lower case, of three letters
    or more ("ist", "und", "werden"). A byline's date has not: "By Grace Zokovitch | PUBLISHED: November 8, 2023
    at 4:56 p.m." ("by", "at" are shorter).
    """
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        small = sum(len(w) >= 3 and w.isalpha() and w.islower() for w in words)
        if sentence.endswith((".", "!", "?")) and len(words) >= 6 and small >= 3:
            return True
    return False


def byline_text(sel: Selector, sites: list[str]) -> list[str]:
    """The name in the first short text block that reads as a byline ("By Jane Doe").

    Text nodes are screened with a cheap test first: only those holding a byline word are
    looked at as whole blocks.
    """
    seen: set[etree._Element] = set()  # the blocks themselves: an id() outlives its lxml proxy and comes back for another element
    for text in _TEXT_NODES(sel.root):
        if len(text) > 120 or not LEAD_HINT.search(text):
            continue
        node, block = text.getparent(), ""
        while node is not None and (node.tag not in BLOCK_TAGS or len(block := node_text(node)) < 8):
            node = node.getparent()  # "<span>By</span> <a>Name</a>": the name is in the enclosing block
        if node is None or node in seen or _in_furniture(node):
            continue
        seen.add(node)
        if not 5 <= len(block) <= 80:
            continue
        match = _byline_opening(block)
        if not match or (not match["colon"] and (_in_running_text(node, block) or _headline_after(match, block)
                                                 or _headline_link(node, block))):
            continue
        names = [n for n in split_names(re.split(r"\s+(?:@|on|am|um|\|)\s+", match["name"])[0]) if not _site_byline(n, sites)]
        if names:
            return names
    return []


def _byline_opening(text: str) -> re.Match[str] | None:
    """`text` opening as a byline does ("By Jane Doe", "Von Anna Weber"): its label, then a name's capitalised words
    ("Autor Alles über Lautsprecher, …" is a heading over a bio)."""
    match = BYLINE_TEXT.match(text)
    return match if match and _name_cased(match["name"].split()[:2]) else None


# A meta line beside the headline that dates the page and names its writer: "11.12.2019 - Amelie Loevenich",
# "04.02.2022 | 13:10 Uhr | Uta Helkenberg". Not a name before the date: "Bad Homburg, 12.03.2021" is a dateline.
_DATE = r"(?:\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.?\s+[^\W\d_]+\.?\s+\d{4}|[^\W\d_]+\.?\s+\d{1,2},\s+\d{4})"
_STAMP = rf"{_DATE}(?:\s*[|,–—·•-]?\s*\d{{1,2}}[:.]\d{{2}}(?:\s*(?:uhr|h|am|pm)\b)?)?"
_LINE_SEP = r"\s*[|,–—·•/-]\s*"
DATED_LINE = re.compile(rf"^{_STAMP}{_LINE_SEP}(?P<name>[^\W\d_][^|:]*)$", re.IGNORECASE)  # no "Foto: …" credit
_HEADLINE = etree.XPath(SHOWN_H1)
NEIGHBOURS = 3


def dated_line(sel: Selector, sites: list[str]) -> list[str]:
    """The writer named in a short line of date and name beside the first headline (one of its nearest siblings).

    Only whole names of two words or more count: "12.03.2021 - Berlin" is a dateline, not a byline.
    """
    headline = next(iter(_HEADLINE(sel.root)), None)
    if headline is None:
        return []
    for node in chain(islice(headline.itersiblings(preceding=True), NEIGHBOURS), islice(headline.itersiblings(), NEIGHBOURS)):
        text = node_text(node) if isinstance(node.tag, str) else ""
        match = DATED_LINE.match(text) if len(text) <= 80 else None
        if not match:
            continue
        names = [n for n in split_names(match["name"])
                 if len(words := n.split()) >= 2 and all(w[:1].isupper() for w in words) and not _organisation(n, sites)]
        if names:
            return names
    return []


AUTHOR_LABELS = frozenset({"автор", "авторы", "autor", "autorin", "autorinnen", "autoren"})


def _headline_after(match: re.Match[str], block: str) -> bool:
    """An "Autor" without its colon followed by more than a list separator: a headline ("Autor Schlink: Wahl …")."""
    rest = block[match.end():].strip()
    return match["label"].lower() in AUTHOR_LABELS and bool(rest) and rest[0] not in ",;|·•–—-"


def _headline_link(node: Any, block: str) -> bool:
    """A link to another article whose URL spells its text, a headline: "<a href="/von-hexen-henkern-und-vampiren">Von
    Hexen, Henkern und Vampiren</a>". A byline's link goes to its writer's page ("/author/jane-doe")."""
    slug = "-".join(re.findall(r"[^\W_]+", block.casefold())[:2])
    return node.tag == "a" and slug in (node.get("href") or "").casefold()


def _in_running_text(node: Any, block: str) -> bool:
    """A link inside a sentence: "Die Studie wurde <a>von Forschern der Charité</a> am Montag vorgestellt".

    Not a byline link beside a date or a reading time ("<a>By Jane Doe</a>, March 3, 2020 · 5 min read"):
    a sentence has more words around the link than that.
    """
    parent = node.getparent()
    if node.tag != "a" or parent is None:
        return False
    around = node_text(parent).replace(block, " ", 1)
    return len(_WORDS.findall(around)) >= 4


_WORDS = re.compile(r"[^\W\d_]{2,}")


def _in_furniture(node: Any) -> bool:
    for ancestor in node.iterancestors():
        if ancestor.tag in ("nav", "footer") or "comment" in (ancestor.get("class") or ""):
            return True
    return False


def _first_name_or_login(name: str) -> bool:
    """One word that is a first name ("Nils") or a lower-case login ("arianschlichenmayer"), not an acronym ("AFP")."""
    return " " not in name and (name.istitle() or name.islower())


def _spelled_out(name: str, sel: Selector, sites: list[str]) -> str:
    """The full name a printed byline gives a declared first name or login, or `name` itself.

    Blog software declares an account's display name, often a first name or a login,
    while the byline prints the person: "Todd" is "By Todd Bates", "arianschlichenmayer"
    is "von Arian Schlichenmayer". A login of two names ("christian.stadtfeld") takes the name the page prints
    for it, and a first name the full name its bio opens with ("Stefanus Stahl - Maschinenbauer").
    """
    for printed in printed_authors(sel, sites) + byline_text(sel, sites):
        words = printed.split()
        if len(words) > 1 and (words[0] == name or squash(printed) == squash(name)):
            return printed
    return _login_spelled_out(name, sel) or _bio_spelled_out(name, sel) or name


# A login of a first and a last name: "christian.stadtfeld", "jane_doe", "max-mustermann".
_LOGIN = re.compile(r"(?P<first>[^\W\d_]{2,})[._-](?P<last>[^\W\d_]{2,})")


def _login_spelled_out(login: str, sel: Selector) -> str | None:
    """The name a login of first and last name stands for, as the page prints it: "christian.stadtfeld" is the
    "(Christian P. Stadtfeld)" that signs the text, a middle name or initial between the two allowed."""
    parts = _LOGIN.fullmatch(login)
    body = next(iter(sel.xpath("//body")), None)
    if not parts or body is None:
        return None
    pattern = rf"\b{parts['first']}(?:\s+[^\W\d_][\w'’-]*\.?)?\s+{parts['last']}\b"
    for found in re.finditer(pattern, node_text(body), re.IGNORECASE):
        if all(word[:1].isupper() for word in found[0].split()):
            return found[0]
    return None


def _unseen(names: list[str], sel: Selector) -> bool:
    """None of `names` is printed on the page: a declared account (the web agency, an editor who
    published the page) rather than the writers its byline names."""
    body = next(iter(sel.xpath("//body")), None)
    shown = node_text(body).casefold() if body is not None else ""
    return not any(name.casefold() in shown for name in names)


# What follows the full name that opens a bio: a dash before the person's roles, or "is" ("Hi, ich bin" is no surname).
_BIO_OPENING = r"\s+(?P<surname>[^\W\d_][\w'’-]+)\s+(?P<verb>[-–—]|ist|is|est|es|è|war|was)\s"
# Subjects of a sentence of the bio's own, capitalised before its "is" but no surname ("Anna Das ist mein Blog",
# "Anna This is my blog"), by the verb's language: "Anita Das is a reporter" keeps her surname.
_GERMAN_SUBJECTS = frozenset("das dies dieses es er sie hier heute jetzt dort".split())
_ENGLISH_SUBJECTS = frozenset("this that it he she here there today now".split())
_SUBJECTS_BEFORE = {
    "ist": _GERMAN_SUBJECTS, "war": _GERMAN_SUBJECTS, "is": _ENGLISH_SUBJECTS, "was": _ENGLISH_SUBJECTS,
    "est": frozenset("ce cela il elle ici".split()), "es": frozenset("esto eso él ella aquí hoy".split()),
    "è": frozenset("questo lui lei qui oggi".split()),
}


def _bio_spelled_out(first_name: str, sel: Selector) -> str | None:
    """The full name a byline element's bio opens with: "Stefanus Stahl - Maschinenbauer, …", "Nils Pickert ist
    freier Autor". Not any capitalised word after the first name: "Jessie Ich bin …" names no "Ich", "Tine Hi,
    ich bin Tine" no "Hi", and "Anna Das ist mein Blog" no "Das"."""
    opening = re.compile(rf"(?:^|\s){re.escape(first_name)}{_BIO_OPENING}")
    for node in islice(byline_elements(sel), 20):
        found = opening.search(node_text(node))
        surname = found["surname"] if found else ""
        if found and surname[:1].isupper() and surname.casefold() not in _SUBJECTS_BEFORE.get(found["verb"], ()):
            return f"{first_name} {surname}"
    return None


# A paragraph that is one emphasised line, the last text of its block or set to the right:
# "<p><strong>Marina Mucha</strong></p>". (Not a heading before a list: "<p><b>Weitere Informationen</b></p><ul>".)
_SIGNATURE = etree.XPath(
    "//body//p[count(*) = 1][b or strong or em or i]"
    "[not(following-sibling::*[normalize-space()]) or @align = 'right' or contains(@style, 'right')]"
    "[preceding-sibling::p]"
)
SIGNED_AFTER = 150
# A signature is letters, initials' dots, apostrophes and hyphens: "Guten Appetit!" or "Продолжение следует:" is not.
SIGNATURE_TEXT = re.compile(r"[^\W\d_][\w.'’ -]*")
# Closing lines set in bold like a signature: "to be continued", greetings, "more information", "all photos".
CLOSING_WORDS = frozenset(
    "продолжение следует жалғасы бар конец соңы frohe weihnachten keine kommentare weitere informationen "
    "happy new year viel spaß guten appetit alle fotos mehr more read continued end ende".split())


def signed(sel: Selector, sites: list[str]) -> list[str]:
    """The writer who signs an article at its end: a name of two or three words alone in bold or italics, after
    a paragraph of the text (one of the three before it). Read last: a byline or a declared name says more."""
    for node in _SIGNATURE(sel.root):
        text = node_text(node)
        before = islice(node.itersiblings("p", preceding=True), 3)
        if text != node_text(node[0]) or all(len(node_text(p)) < SIGNED_AFTER for p in before):
            continue
        words = text.split()
        if (not 2 <= len(words) <= 3 or not SIGNATURE_TEXT.fullmatch(text)
                or any(not w[:1].isupper() and w not in PARTICLES or w.casefold() in CLOSING_WORDS for w in words)):
            continue
        names = [n for n in split_names(text) if not _organisation(n, sites)]
        if names == [text.strip(" .")]:  # the whole line is one name ("Alle Fotos" gave "Alle")
            return names
    return []


def find_authors(sel: Selector, meta: PageMetadata, url: str) -> tuple[list[str], str | None]:
    """(authors, strategy): "meta" for declared names, "structure" for a printed byline.

    A site or agency name is kept only when no person is named anywhere. A byline
    wins over declared people the page never prints.
    """
    sites = site_names(meta, url)
    people, orgs = declared_authors(meta, sites)
    if len(people) == 1 and _first_name_or_login(people[0]):
        return [_spelled_out(people[0], sel, sites)], "meta"
    if people:
        printed = printed_authors(sel, sites)
        return (printed, "structure") if printed and _unseen(people, sel) else (people, "meta")
    people = printed_authors(sel, sites, orgs) or byline_text(sel, sites) or dated_line(sel, sites) or signed(sel, sites)
    if people:
        return people, "structure"
    return (orgs[:1], "meta") if orgs else ([], None)
