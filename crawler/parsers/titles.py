"""The headline of any page: the shown `<h1>` confirmed by the declared titles, else the declared title without the site name.

Declared titles (JSON-LD `headline`, `og:title`, `<title>`) are reliable but
often carry the site name ("Headline | Site", "Site - Headline"); the `<h1>`
is what the reader sees but is sometimes the site's logo. A headline that
both agree on wins; otherwise the declared title is trimmed of the parts
that name the site.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from crawler.parsers.common import as_text, clean, node_text
from crawler.parsers.sitenames import SEPARATOR, names_site, norm, site_names, site_parts, squash

if TYPE_CHECKING:
    from crawler.parsers.metadata import PageMetadata

# Characters a title trimmed of its site name may be left with at either end; and the guillemets' openers.
SEPARATOR_CHARS = " \xa0|-–—:·•│"
OPENING = {"»": "«", "›": "‹"}
_WORDS = re.compile(r"[^\W\d_]+")
# Declared-title sources, most trusted first.
DECLARED = ("jsonld", "microdata", "og", "twitter", "meta", "jsonld-page")
MAX_LENGTH = 400


# Parts of a declared title that name no headline (WordPress' default "Blog Archive" and the like).
GENERIC_PARTS = frozenset({"blogarchive", "blogarchiv", "archive", "archiv", "home", "startseite", "news", "blog"})


def strip_site(title: str, sites: list[str]) -> str:
    """`title` without the parts that name the site: the parts before the first one that does, else after the last."""
    parts = SEPARATOR.split(title)
    seps = SEPARATOR.findall(title)
    if len(parts) < 2:
        return title
    generic = [i for i, part in enumerate(parts) if squash(part) in GENERIC_PARTS]
    site = site_parts(parts, sites)
    named = [i for i in range(len(parts)) if i in site or i in generic]
    if not named or len(named) == len(parts):
        return title
    if generic and generic[-1] < len(parts) - 1:
        start, end = generic[-1] + 1, len(parts)  # "Blog » Blog Archive » Headline"
        end = next((i for i in named if i > start), end)
    else:
        start, end = (0, named[0]) if named[0] > 0 else (named[-1] + 1, len(parts))
    if start >= end:
        start, end = next((i, i + 1) for i in range(len(parts)) if i not in named)
    pieces = [parts[start]]
    for index in range(start + 1, end):
        pieces += [seps[index - 1], parts[index]]
    return clean("".join(pieces))


# Classes of the kicker an `<h1>` may open with ("<span class='kicker'>Corona</span> Headline").
KICKER_CLASS = re.compile(r"kicker|topline|overline|dachzeile|spitzmarke|eyebrow|roofline|\blabel\b", re.IGNORECASE)


def _without_kicker(h1: Selector, text: str) -> str | None:
    """The headline of an `<h1>` that opens with an element marked as its kicker, else None."""
    for kicker in h1.xpath(".//*[@class]")[:3]:
        # .root.get, not parsel's .attrib, which copies every attribute and fails on a name like "\x1b"
        if KICKER_CLASS.search(kicker.root.get("class") or "") and (lead := node_text(kicker)) and text.startswith(lead):
            return _trim(text[len(lead):]) if len(text) > len(lead) else None
    return None


# Elements a kicker is set in when no class names it as one; and the most words such a kicker has.
KICKER_TAGS = frozenset({"span", "small", "div", "p"})
KICKER_WORDS = 4


def _after_styled_lead(heading: HtmlElement, text: str) -> str | None:
    """The headline of a heading that opens with a short styled element before a longer rest, else None.

    Sites set the kicker apart by a class of their own ("<span class='sub-line'>Weather alert:</span>
    Flood waters recede"), which KICKER_CLASS cannot know. A lead of two to four words (or one ending
    in ":") shorter than the rest is taken for one; a lead as long as the rest is the headline over its
    subtitle, and `<b>`, `<em>` or a link are emphasis within the headline. Unlike a kicker its class
    names, such a lead may belong to the headline, so the whole heading stays a candidate beside the rest.
    """
    children = [child for child in heading if isinstance(child.tag, str)]
    first = children[0] if children else None
    if first is None or (heading.text or "").strip() or first.tag not in KICKER_TAGS or not first.get("class"):
        return None
    lead = node_text(first)
    words = len(lead.split())
    if not lead or not text.startswith(lead) or words > KICKER_WORDS or (words < 2 and not lead.endswith(":")):
        return None
    rest = _trim(text[len(lead):])
    return rest if len(rest) > len(lead) and len(rest.split()) >= 2 else None


def _unconfirmed_lead_cut(heading: HtmlElement, text: str) -> str | None:
    """The rest after a styled lead, for an `<h1>` no declared title confirms: only when the lead reads as a kicker
    (it ends in ":") or the rest starts a sentence of its own (a capital). "<span class='person'>Ерлан Сағадиев</span>
    мектептер … айтты" is one sentence, whose subject the lead is."""
    rest = _after_styled_lead(heading, text)
    if rest is None:
        return None
    lead = text[: len(text) - len(rest)].strip()
    return rest if lead.endswith(":") or rest[:1].isupper() else None


# The page's headlines as shown, not those of its navigation or footer.
SHOWN_H1 = "//body//h1[not(ancestor::nav or ancestor::footer)]"


def _shown_texts(sel: Selector) -> list[str]:
    """Visible headline candidates: the first `<h1>`s, then `<h2>`s (blogs whose `<h1>` is the logo).

    An `<h1>` made of a kicker and a headline element gives its parts first; one whose kicker
    says so by its class gives its headline instead of its whole text, and one that opens with
    a styled lead gives the rest first; an `<h2>` with a kicker gives its rest before its whole text.
    """
    found = []
    for h1 in sel.xpath(SHOWN_H1)[:4]:
        text = node_text(h1)
        if headline := _without_kicker(h1, text):
            found.append(headline)
            continue
        if rest := _after_styled_lead(h1.root, text):
            found.append(rest)
        parts = [part for child in h1.xpath("./*") if (part := node_text(child)) and part != text]
        if len(parts) >= 2:
            found += [p for p in parts if len(p) >= 12]
        found.append(text)
    for h2 in sel.xpath("//body//h2[not(ancestor::nav or ancestor::footer)]")[:6]:
        text = node_text(h2)
        if rest := _without_kicker(h2, text) or _after_styled_lead(h2.root, text):
            found.append(rest)
        found.append(text)
    return [t for t in dict.fromkeys(found) if 4 <= len(t) <= MAX_LENGTH]


# What a reader does not see: screen-reader headings ("Navigation und Service") and labels ("Headline:").
# Whole class names only: "overflow-hidden" or Bootstrap's "hidden-xs" hide nothing of their text.
HIDDEN_CLASSES = frozenset({"hidden", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "aural",
                            "unsichtbar", "invisible", "offscreen", "element-invisible", "is-hidden", "u-hidden"})
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# node_text's texts, as smart strings: each knows the element it belongs to (`getparent`, `is_tail`).
_TEXTS = etree.XPath(".//text()[not(ancestor::script or ancestor::style)]")
_BANNER = ("ancestor::header[not(ancestor::article or ancestor::main)]"
           "[not(contains(@class, 'entry') or contains(@class, 'post') or contains(@class, 'article'))]")
# The shown `<h1>`s outside the site's banner: where the headline is, for its text and the dates printed beside it.
CONTENT_H1 = f"{SHOWN_H1}[not({_BANNER})]"
# An unconfirmed `<h1>` reads as a headline from this many characters and three words.
PROMINENT = 20


def _hidden(element: HtmlElement) -> bool:
    """Hidden by its attributes (`hidden`, `aria-hidden`, an inline style) or by a class whose name says so."""
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    return not HIDDEN_CLASSES.isdisjoint((element.get("class") or "").lower().split())


def shown(element: HtmlElement) -> bool:
    """Neither the element nor any element around it is hidden: a screen-reader-only `<h1>` ("Details",
    "Navigation") is no headline the reader sees, nor are the lines beside it a dateline."""
    return not _hidden(element) and not any(_hidden(a) for a in element.iterancestors())


def _seen_text(element: HtmlElement) -> str:
    """The text of an element without what its hidden descendants hold, as text (`as_text`)."""
    seen = []
    for text in _TEXTS(element):
        owner = text.getparent().getparent() if text.is_tail else text.getparent()
        while owner is not element and not _hidden(owner):
            owner = owner.getparent()
        if owner is element:
            seen.append(text)
    return as_text(" ".join(seen))


def _prominent_h1(sel: Selector, logos: list[str], references: list[str]) -> str | None:
    """The first visible `<h1>` when it reads as a headline, though no declared title confirms it.

    What the reader sees first (the declared titles are often written for search engines:
    "Wärmepumpe im Altbau - Wann es sich lohnt" over "Eignet sich eine Wärmepumpe im Altbau?").
    Not an `<h1>` that is hidden, in the site's banner (a `<header>` outside the article, unless
    its class names an entry, post or article), a link home (a logo), a name the site goes by or
    the part of a declared title that names the site.
    """
    for h1 in sel.xpath(CONTENT_H1)[:4]:
        root = h1.root
        if not shown(root):
            continue
        if any(urlsplit(href).path in ("", "/") and not urlsplit(href).query for href in root.xpath("./a/@href")):
            return None
        text = _seen_text(root)
        headline = _without_kicker(h1, text) or _unconfirmed_lead_cut(root, text) or text
        if names_site(headline, logos) or _declared_site_part(headline, references, logos):
            return None
        words = sum(1 for word in headline.split() if squash(word))  # a dash is no word: "Korsetts – Deutschland"
        if len(headline) >= PROMINENT and words >= 3 or words >= 2 and _shares_a_stem(headline, references):
            return headline
        return None
    return None


def _shares_a_stem(headline: str, references: list[str]) -> bool:
    """A short `<h1>` ("Bootsdienst Ausbildung") that a declared title echoes ("Feuerwehr Oldenburg - Ausbildung"):
    a word of five letters or more begins the same in both, and it is no generic part ("News", "Archiv"). One word
    alone ("Sport" under "Nachrichten: Sport") is a section, which the caller leaves out."""
    stems = {w[:5] for w in _WORDS.findall(norm(headline)) if len(w) >= 5 and w not in GENERIC_PARTS}
    return any(w[:5] in stems for ref in references for w in _WORDS.findall(norm(ref)) if len(w) >= 5)


def grade(shown: str, declared: str, sites: list[str]) -> int:
    """How well a declared title confirms a shown headline.

    3: the same text (or the same once the site name is cut); 2: its first
    part, or its end after a kicker, or its whole when the declared one was
    cut short, or its longest part; 1: a shorter later part ("Headline | Shown":
    the shown text is likely the site's logo) or a first part of one word
    before a longer one ("Section - Headline"); 0: unrelated.
    """
    s, d = norm(shown), norm(declared)
    stripped = norm(strip_site(declared, sites))
    if s in (d, stripped):
        return 3
    parts = [norm(p) for p in SEPARATOR.split(declared)]
    if len(parts) > 1 and parts[0] == s:
        return 2 if " " in s or _longest(s, parts) else 1
    # "KICKER: Headline" around a shown "Headline" of two words or more; a declared title cut short of a long one.
    kicker = stripped.endswith(" " + s) and stripped[: -len(s)].rstrip().endswith(":") and len(s) >= 12 and " " in s
    if kicker or (len(s) >= 20 and len(stripped) >= 20 and s.startswith(stripped)):
        return 2
    if s not in parts[1:]:
        return 0
    # "Site - Section - Headline": a later part that is the longest is the headline; a shorter one, a logo.
    return 2 if _longest(s, parts) else 1


def _declared_site_part(shown: str, references: list[str], sites: list[str]) -> bool:
    """Whether a shown heading is a part of a declared title that names the site: the logo, though it holds more."""
    for reference in references:
        parts = SEPARATOR.split(reference)
        if len(parts) > 1 and any(norm(parts[i]) == norm(shown) for i in site_parts(parts, sites)):
            return True
    return False


def _longest(part: str, parts: list[str]) -> bool:
    """Whether `part` reads as the headline among a declared title's parts: longer than each other part in
    characters or in words ("Northern Amateur Rowing Club e.V. - Club life » The spring races at the lake":
    a site's name may have more letters than the headline, seldom more words)."""
    return all(len(part) > len(p) or len(part.split()) > len(p.split()) for p in parts if p != part)


def _trim(title: str) -> str:
    """A title without separators left dangling at either end ("» Headline", "Headline -").

    A `»` or `›` at the end is no separator when it closes a quotation the title opened («Абай жолы»).
    """
    trimmed = title.strip(SEPARATOR_CHARS).lstrip("»›" + SEPARATOR_CHARS)
    while trimmed.endswith(("»", "›")) and trimmed.count(trimmed[-1]) > trimmed.count(OPENING[trimmed[-1]]):
        trimmed = trimmed[:-1].rstrip(SEPARATOR_CHARS)
    return trimmed or title


def _confirmation(shown: str, references: list[str], sites: list[str]) -> tuple[int, int]:
    """(grade, -rank) of the best confirmation of a shown heading: its grade, then the rank of the reference
    giving it (0 the most trusted), so that of equal grades the more trusted declaration decides."""
    return max(((grade(shown, ref, sites), -rank) for rank, ref in enumerate(references)), default=(0, 0))


def choose_title(sel: Selector, meta: PageMetadata, url: str) -> tuple[str | None, str | None]:
    """(headline, strategy): "structure" when a shown heading is confirmed, "meta" for a declared title.

    Of two headings confirmed as well, the one a more trusted declaration confirms wins (JSON-LD's
    `headline` over `og:title` over `<title>`, which is often written for search engines), then the first.
    """
    sites = site_names(meta, url)
    declared = [t for source in DECLARED for s, t in meta.titles if s == source and t and len(t) <= MAX_LENGTH]
    # As text (`as_text`): `generic.fill` reads a site parser's tree, whose text is as typed, composed or not.
    doc_title = as_text(" ".join(sel.xpath("//head/title//text()").getall())) or as_text(sel.xpath("//title/text()").get())
    references = [*declared, *([doc_title] if doc_title else [])]
    shown = [t for t in _shown_texts(sel) if not names_site(t, sites) and not _declared_site_part(t, references, sites)]
    graded = [(_confirmation(t, references, sites), -i, t) for i, t in enumerate(shown)]
    best = max(graded, default=((0, 0), 0, ""))
    if best[0][0] >= 2:
        return best[2], "structure"
    logos = sites + [squash(t) for (g, _), _, t in graded if g == 1]
    if headline := _prominent_h1(sel, logos, references):
        return headline, "structure"
    if declared:
        return _trim(strip_site(declared[0], logos)), "meta"
    if doc_title:
        return _trim(strip_site(doc_title, logos)), "structure"
    h1 = next((t for t in _shown_texts(sel)[:1] if not names_site(t, sites)), None)
    return (h1, "structure") if h1 else (None, None)
