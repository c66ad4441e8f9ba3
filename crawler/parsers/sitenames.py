"""The names a site goes by, and whether a title part or a heading is one: its host, its declared name, its tagline.

A declared title carries the site's name beside the headline ("Headline | Cicero Online"), and a
page's first `<h1>` is often the site's logo; both are told by the host's labels and the declared
site name, which may itself hold the headline.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from crawler.urls import readable_host, site_of

if TYPE_CHECKING:
    from crawler.parsers.metadata import PageMetadata

# Separators between a headline and the site or section name in a declared title.
SEPARATOR = re.compile(r"\s+[|\-–—·•»›:/~]{1,2}\s+|\s*[|│]\s*|\s+::\s+")
_NON_ALNUM = re.compile(r"[\W_]+")
# A title part that is a domain name, one token ("www.zeit.de"): the site's own, or a sister site's.
DOMAIN = re.compile(r"[\w.-]*\w\.[a-z]{2,6}")
ARCHIVED = re.compile(r"https?://web\.archive\.org/web/[^/]+/(.+)")
_PLAIN = str.maketrans("–—‐‑“”„«»‘’‚", "----\"\"\"\"\"'''")


def norm(text: str) -> str:
    """Comparison form: NFC, case-folded, whitespace collapsed, typographic dashes, quotes and ellipses plain."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.translate(_PLAIN).replace("…", "...")
    return " ".join(text.split())


def squash(text: str) -> str:
    """Letters and digits only, for matching a site name against a host ("Cicero Online" ~ cicero.de)."""
    return _NON_ALNUM.sub("", norm(text))


def site_names(meta: PageMetadata, url: str) -> list[str]:
    """Squashed names the site goes by: its host's labels (of the archived URL on archive.org) and its declared name."""
    archived = ARCHIVED.match(url)
    host = readable_host(site_of(archived[1] if archived else url))
    labels = [label for label in host.split(".")[:-1] if len(label) >= 3 and label not in ("www", "com", "co", "org", "net")]
    names = [n for n in (squash(host), *(squash(label) for label in labels)) if len(n) >= 3]
    declared = _declared_site_name(meta.site_name, [t for _, t in meta.titles if t], names) if meta.site_name else []
    return names + [n for n in map(squash, declared) if len(n) >= 3]


def _declared_site_name(name: str, titles: list[str], hosts: list[str]) -> list[str]:
    """The declared site name, or those of its parts that name the site when it holds the headline.

    Some sites declare the page's title as their name ("Headline | Site"); taken whole, any part of
    a title would count as the site's name and the `<h1>` as its logo. A part that is a declared title
    is the headline; a name that repeats a declared title of several parts may hold it in any part. So
    only the parts that name the host are kept then. A name of one part equal to a declared title is
    kept: the page is titled by the site's name ("News.az").
    """
    parts = [part for part in SEPARATOR.split(name) if squash(part)]
    titled = {norm(title) for title in titles}
    whole = norm(name) in titled or any(SEPARATOR.search(t) and t in norm(name) for t in titled)
    if len(parts) < 2 or not (whole or titled.intersection(map(norm, parts))):
        return [name]
    return [part for part in parts if names_site(part, hosts) or not (whole or norm(part) in titled)]


def names_site(part: str, sites: list[str]) -> bool:
    """True when a title part is the site's name (or its host spelled out), perhaps with words any site's name has."""
    squashed = squash(part)
    if not squashed:
        return True
    if DOMAIN.fullmatch(part.strip().lower()):
        return True  # "MDR.DE", "jagd-oesterreich.at"; not a headline ending in one ("… auf Gipfelbuch.ch")
    return any(_name_and_generic_words(part, site) or (squashed in site and len(squashed) >= 4) for site in sites)


def holds_site(text: str, sites: list[str]) -> bool:
    """Whether a text holds a name the site goes by, or ends in the site's own domain name ("… Informationen
    by馬市.com"), as a site's tagline or a newsroom's byline may; a headline ending in another domain ("Why I
    stopped using Booking.com") does not."""
    squashed, words = squash(text), text.split()
    if any(site in squashed for site in sites):
        return True
    domain = words[-1].lower() if words and DOMAIN.fullmatch(words[-1].lower()) else ""
    name = squash(domain.rsplit(".", 1)[0])
    return bool(name) and any(name in site or site in name for site in sites)


# Stems of the words a site's name may carry beside the name ("Cicero Online", "Abai.kz ақпараттық порталы"),
# and its articles ("Die FURCHE"; those of two letters are generic as any such word is).
SITE_WORDS = ("news", "online", "zeitung", "magazin", "blog", "portal", "journal", "nachrichten", "aktuell", "media",
              "medien", "radio", "info", "presse", "noticias", "notizie", "nieuws", "actualit", "haber",
              "новост", "газет", "журнал", "портал", "ақпарат", "жаңалық")
ARTICLES = frozenset({"the", "die", "der", "das", "les", "des", "los", "las"})


def _name_and_generic_words(part: str, site: str) -> bool:
    """Whether a title part is `site` with generic words, a TLD and some words that are not the most of it.

    Containing the name is not enough: a headline may open with the brand ("Parallels Desktop 15
    for Mac" on parallels.com) or hold a short host's name ("Zeit für Veränderung" on zeit.de).
    A name may be qualified by one word ("Handball Schweiz") or by words with fewer letters than
    it has ("EFC Bayrische Bembel Regensburg" on bayrische-bembel.de).
    """
    words = [word for word in map(squash, part.split()) if word]  # "Schleswig-Holstein" is one word
    at = "".join(words).find(site)
    if at < 0:
        return False
    end, start, rest = at + len(site), 0, []
    for word in words:
        rest += [word[: max(0, at - start)], word[max(0, end - start):]]
        start += len(word)
    others = [piece for piece in rest if piece and not _generic(piece)]
    return len(others) <= 1 or sum(map(len, others)) <= len(site)


def _generic(word: str) -> bool:
    """A word any site's name may have: one of SITE_WORDS, two letters at most (a TLD, an article) or a number."""
    letters = word.strip("0123456789")
    return len(letters) <= 2 or letters in ARTICLES or letters.startswith(SITE_WORDS)


def site_parts(parts: list[str], sites: list[str]) -> set[int]:
    """Which of a declared title's parts name the site: those that are its name, else those that hold it.

    A site's tagline may hold its name ("Alles hat seine Zeit | Marktplatz für ein gutes Leben" on
    marktplatz.…); when no part is the name, the part that holds it is the site's, not the headline.
    """
    named = {i for i, part in enumerate(parts) if names_site(part, sites)}
    return named or {i for i, part in enumerate(parts) if holds_site(part, sites)}
