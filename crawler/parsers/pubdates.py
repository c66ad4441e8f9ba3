"""Publication and modification dates of any page, as aware datetimes.

Layers, most reliable first: what the page declares (JSON-LD, microdata,
`article:published_time` and other meta tags); the date printed beside the
headline, in its byline or dateline; the date printed in the page's
date and byline elements, read by our exact Kazakh/Russian/English patterns
(`crawler.dates`, the three abai.kz scripts included), or stamped on a
`<time datetime>` element of the article's own text; htmldate's heuristics
over the whole page (publication date, not the latest one); and a date in
the URL path. A time printed without an offset gets the site's time zone; an
explicit offset always wins. A day without a time is midnight local time. No
layer dates a page after `today`, the last day it can have, which also says
the century of a printed two-digit year ("07.11.23").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from itertools import islice, takewhile

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from crawler.dates import local_dates, localize, parse_datetime, parse_local, short_year_date, zone
from crawler.parsers.common import node_text
from crawler.parsers.date_elements import date_elements
from crawler.parsers.metadata import PageMetadata
from crawler.parsers.titles import CONTENT_H1, shown

# Words around a modification date, to skip it when looking for the publication date.
UPDATED_WORDS = re.compile(r"updated|aktualisiert|обновлено|жаңартылды|modifi", re.IGNORECASE)
PUBLISHED_WORDS = re.compile(
    r"publi(?:shed|ziert|cado|é|cato)|veröffentlicht|erschien|erschein|posted|опубликован|публикац|жариялан|jariyalan",
    re.IGNORECASE,
)
URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[^\d]|$)")
MIN_YEAR = 1995


def _plausible(moment: datetime | None, today: date | None) -> datetime | None:
    if moment is None or moment.year < MIN_YEAR:
        return None
    if today is not None and moment.date() > today:
        return None
    return moment


def declared(values: list[tuple[str, str]], tz: str, today: date | None = None) -> datetime | None:
    """The first declared date that parses (JSON-LD, microdata, meta tags)."""
    for _, text in values:
        moment = _plausible(parse_datetime(text, tz, fallback=False) or _loose(text, tz), today)
        if moment:
            return moment
    return None


def _loose(text: str, tz: str) -> datetime | None:
    """Declared dates that are not ISO 8601: "20200327", "2020/03/27 10:00", RFC 2822."""
    digits = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?", text.strip())
    if digits:
        try:
            return localize(datetime(int(digits[1]), int(digits[2]), int(digits[3]), int(digits[4] or 0), int(digits[5] or 0)), tz)
        except ValueError:
            return None
    slashed = re.match(r"((?:19|20)\d{2})[/.](\d{1,2})[/.](\d{1,2})", text.strip())
    if slashed:
        try:
            return localize(datetime(int(slashed[1]), int(slashed[2]), int(slashed[3])), tz)
        except ValueError:
            return None
    from email.utils import parsedate_to_datetime

    try:
        return localize(parsedate_to_datetime(text), tz)
    except (TypeError, ValueError, IndexError):
        return None


_HEADLINE = etree.XPath(CONTENT_H1)
# The headline's block: the largest element around the page's first shown headline `<h1>` with at most this many
# elements: the headline with its kicker, byline and dateline, not the article around it.
HEADLINE_BLOCK = 60
# Class, id or itemprop words of a date or byline element inside that block ("entry-date", "post-meta", "datum").
DATE_MARK = re.compile(r"date|time|publish|posted|meta|datum|fecha", re.IGNORECASE)
# A date without such a mark counts in a line this short, in the block or just beside it ("23.10.2018",
# "02.02.2022 10:16 Uhr - 1. Bundesliga - PM Vereine"); a longer one is a sentence that mentions a day
# ("Der nächste Stammtisch findet am Mi. 5. Februar 2020 ab 19 Uhr im …").
DATELINE = 80
# How many elements after the headline's block may hold its dateline: past a standfirst, a lead image, a share bar.
FOLLOWING = 3
# Elements whose dates are not the page's: headings ("Protokoll der Sitzung vom 10. Oktober 2019") and image
# captions ("Dust on the road, 21 October").
NOT_DATELINES = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "figcaption"})
# Outside an article, what these hold dates other pages or none: a banner's clock, a sidebar's or footer's teasers.
FURNITURE = frozenset({"nav", "aside", "footer", "header"})


def headline_date(sel: Selector, tz: str, today: date | None = None) -> datetime | None:
    """The date printed beside the headline: in the headline's block, a marked date (a `datetime`, a date or
    byline class), else a short line that holds one; else a short line just before the block or among the first
    few after it.

    What the reader sees as the article's date: a date class elsewhere may be a header's clock or a
    teaser's, and a dateline often has no class at all. A modification date is skipped.
    """
    h1 = next((heading for heading in _HEADLINE(sel.root) if shown(heading)), None)
    if h1 is None:
        return None
    block = h1
    for ancestor in h1.iterancestors():
        if ancestor.tag in ("body", "html") or _larger_than(ancestor, HEADLINE_BLOCK):
            break  # a small page's block stops at its body: the <title> is no dateline
        block = ancestor
    around = {h1, *h1.iterancestors()}
    in_article = next(h1.iterancestors("article", "main"), None) is not None
    lines = [e for e in block.iter() if _dateline(e, around, in_article)]
    for element in lines:
        marks = f"{element.get('class', '')} {element.get('id', '')} {element.get('itemprop', '')}"
        if (element.get("datetime") or DATE_MARK.search(marks)) and not UPDATED_WORDS.search(marks):
            if moment := _printed_in(element, tz, today):
                return moment
    beside = [e for e in _beside(block) if not _larger_than(e, HEADLINE_BLOCK) and _dateline(e, around, in_article)]
    for element in lines + beside:
        text = node_text(element)
        if len(text) <= DATELINE and not UPDATED_WORDS.search(text) and (found := _read(text, today)):
            if moment := _plausible(localize(found[0], tz), today):
                return moment
    return None


def _beside(block: HtmlElement) -> list[HtmlElement]:
    """The elements just before the headline's block and the first few after it (`FOLLOWING`).

    A standfirst `<h2>`, a lead image or a share bar often sits between the headline and its dateline.
    """
    before = block.getprevious()
    return ([before] if before is not None else []) + list(islice(block.itersiblings(etree.Element), FOLLOWING))


def _larger_than(element: HtmlElement, size: int) -> bool:
    """True when `element` holds more than `size` elements (counting stops there)."""
    return next(islice(element.iter(), size, None), None) is not None


def _dateline(element: HtmlElement, around: set[HtmlElement], in_article: bool) -> bool:
    """An element near the headline (`around`: it and its ancestors) that may print the page's date: no heading
    or caption, nor inside or around one, and not in navigation, nor in a header, footer or aside outside the
    article (`in_article`: the headline is in an `<article>` or `<main>`; the headline's own header is no banner)."""
    if not isinstance(element.tag, str) or next(element.iter(*NOT_DATELINES), None) is not None:
        return False
    between = [a.tag for a in takewhile(lambda a: a not in around, element.iterancestors())]
    if "nav" in between or not NOT_DATELINES.isdisjoint(between):
        return False
    return in_article or "article" in between or "main" in between or FURNITURE.isdisjoint(between)


def printed(sel: Selector, tz: str, today: date | None = None) -> datetime | None:
    """The date printed after a "published" label, else the first one in a date, time or byline element.

    A `<time datetime>` outside the page's furniture counts whatever its class or id: sites stamp the
    article's own time, with its offset, on a bare `<time>`.
    """
    nodes = list(islice(date_elements(sel), 60))
    for node in nodes:
        text = node_text(node)
        label = PUBLISHED_WORDS.search(text) if len(text) <= 300 else None
        if label and (found := _read(text[label.end():], today)):
            if moment := _plausible(localize(found[0], tz), today):
                return moment
    for node in nodes:
        if moment := _printed_in(node, tz, today):
            return moment
    return None


def _printed_in(node: HtmlElement, tz: str, today: date | None) -> datetime | None:
    stamp = node.get("datetime")  # parsel's .attrib raises on a page's "\x1b=" attribute name
    if stamp and (moment := _plausible(parse_datetime(stamp, tz, fallback=False), today)):
        return moment
    text = node_text(node)
    if not text or len(text) > 200 or UPDATED_WORDS.search(text):
        return None
    found = _read(text, today)
    return _plausible(localize(found[0], tz), today) if found else None


def _read(text: str, today: date | None) -> tuple[datetime, bool] | None:
    """The first known-format date printed in `text`; one with a two-digit year ("07.11.23") only when `today`, the
    last day the page can be dated, says its century."""
    return parse_local(text) or (short_year_date(text, today) if today else None)


def in_url(url: str, tz: str, today: date | None = None) -> datetime | None:
    """A date in the URL path (/2020/03/27/, /20200327/)."""
    match = URL_DATE.search(url)
    if not match:
        return None
    try:
        return _plausible(localize(datetime(int(match[1]), int(match[2]), int(match[3])), tz), today)
    except ValueError:
        return None


# A link's target, as htmldate's extensive search would read a date in it.
LINK_TARGET = re.compile(r"""\bhref\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def guessed(html: str, url: str, tz: str, today: date | None = None) -> datetime | None:
    """htmldate's estimate of the original publication date (whole page, extensive search), links left out, none
    after `today` (htmldate's own bound is the clock of the parse, no day of the page).

    A sidebar's link to an older article (`/news/2019/11/old-story.html`)
    dates that article, not this page: read, it gave an undated page
    2019-11-01, a day and time it made up.
    """
    from htmldate import find_date

    found = find_date(LINK_TARGET.sub("", html), url=url, original_date=True, extensive_search=True,
                      max_date=today.isoformat() if today else None)
    if not found:
        return None
    moment = localize(datetime.fromisoformat(found), tz)
    if moment.day == 1 and not _written(moment.date(), html):
        return None  # a month ("n. 03/2020", /2018/08/ in the URL) or a year ("© 2022") read as its first day
    return moment


def _written(day: date, html: str) -> bool:
    """Whether the page writes `day` in full: in numbers (2020-03-01, 01.03.2020, 03/01/2020) or with its month's
    name ("1. März 2020", "March 1, 2020").

    htmldate fills in the first of the month for a date it read without a day, and the first of January for a
    bare year: such a guess is no day the page gives.
    """
    y, m, d = day.year, day.month, day.day
    numbers = rf"(?<!\d)(?:{y}[-/.]0?{m}[-/.]0?{d}|0?{d}[-/.]\s?0?{m}[-/.]\s?{y}|0?{m}/0?{d}/{y})(?!\d)"
    return re.search(numbers, html) is not None or any(found.date() == day for found, _ in local_dates(html, numeric=0))


# Votes of each layer when they disagree on the day: a day that two layers agree on beats any single one but
# the headline's. JSON-LD (declared for the article itself) and htmldate (which weighs the whole page) count most
# of the rest; ties go to the earlier layer. Set once on the metadata dev set (no page rules); 2 everywhere loses 2
# pages. The date beside the headline outvotes any two other layers (7 against 6 at most): it was the labelled
# day on 253 of the 256 dev pages that print one (two of the other three labelled with a day the page does not
# show), each other layer on 89-97% of its pages.
# "modified" votes only for a day the page prints (see `_printed_update`), as much as a JSON-LD date. "page" (the
# meta tags that say only "date", see GENERIC_META) counts least: right on 13 of the 19 dev pages that declare nothing
# more specific, where the specific tags are right on 94% of theirs.
WEIGHTS = {"jsonld": 3.0, "meta": 2.0, "page": 1.0, "headline": 7.0, "text": 2.0, "heuristic": 3.0, "url": 2.0,
           "modified": 3.0}
# Meta tags that give "a date" of the page, not its publication: content systems fill them with the day the page was
# generated or last changed. htmldate reads them too, so its guess on their day is the same tag read twice.
GENERIC_META = frozenset({"meta:dc.date", "meta:date", "meta:dcterms.date"})


def publication_date(sel: Selector, html: str, url: str, meta: PageMetadata, tz: str,
                     today: date | None = None, *, heuristic: bool = True) -> tuple[datetime | None, str | None]:
    """(publication date, strategy): the day most layers agree on, from the most precise layer that gives it.

    Layers: "jsonld", "meta" (meta tags, microdata), "headline" (printed beside the
    headline), "text" (printed elsewhere), "heuristic" (htmldate; skipped when
    `heuristic` is False, or when its vote cannot change the outcome: `_settled`) and
    "url"; the declared modification date votes too when the page prints its day.
    """
    structured = [(s, v) for s, v in meta.published if s.startswith("jsonld")]
    tagged = [(s, v) for s, v in meta.published if not s.startswith("jsonld") and s not in GENERIC_META]
    generic = [(s, v) for s, v in meta.published if s in GENERIC_META]
    candidates = [
        ("jsonld", declared(structured, tz, today)),
        ("meta", declared(tagged, tz, today)),
        ("page", declared(generic, tz, today)),
        ("headline", headline_date(sel, tz, today)),
        ("text", printed(sel, tz, today)),
        ("url", in_url(url, tz, today)),
    ]
    found = [(layer, moment) for layer, moment in candidates if moment is not None]
    stamped, modified = stamps(sel, tz), modification_date(meta, tz, today)
    tallied = _tallied(found, stamped, modified)
    if heuristic and not _settled(tallied, found, modified, tz):
        guess = guessed(html, url, tz, today)
        if guess is not None:  # its place is before the URL's date
            found.insert(len(found) - (bool(found) and found[-1][0] == "url"), ("heuristic", guess))
            tallied = _tallied(found, stamped, modified)
    if not tallied:
        return None, None
    votes = _votes(tallied)
    best = max(votes.values())
    day = next(m.date() for _, m in tallied if votes[m.date()] == best)
    return next((moment, layer) for layer, moment in tallied if moment.date() == day)


def _tallied(found: list[tuple[str, datetime]], stamped: list[datetime],
             modified: datetime | None) -> list[tuple[str, datetime]]:
    """The layers' dates as they vote: each written with a local offset another gives it (`_most_local`), the
    modification date when the page prints its day, htmldate's echo of a generic date tag left out."""
    local = [m for _, m in found] + stamped
    found = [(layer, _most_local(moment, local)) for layer, moment in found]
    found += _printed_update(found, modified, local)
    return _without_echo(found)


def _votes(found: list[tuple[str, datetime]]) -> dict[date, float]:
    votes: dict[date, float] = {}
    for layer, moment in found:
        votes[moment.date()] = votes.get(moment.date(), 0.0) + WEIGHTS[layer]
    return votes


def _settled(tallied: list[tuple[str, datetime]], found: list[tuple[str, datetime]], modified: datetime | None,
             tz: str) -> bool:
    """Whether htmldate's guess, whatever day it gives, cannot change the date the other layers vote for: it is the
    dearest layer (a third of a page's parse), and most pages settle without it.

    Its vote adds `WEIGHTS["heuristic"]` to one day, so the leading day must lead
    every other (and a day no layer gives) by more. Its date, the local midnight
    of a day, would also be the local twin `_most_local` gives a date declared
    in UTC at that instant: no such date may be among the layers' or the modification date. `tallied` is `found`
    as it votes (`_tallied`).
    """
    ranked = sorted(_votes(tallied).values(), reverse=True) + [0.0, 0.0]
    if ranked[0] <= ranked[1] + WEIGHTS["heuristic"]:
        return False
    in_utc = [m for m in [*(m for _, m in found), modified] if m is not None and not m.utcoffset()]
    return not any(_midnight_twin(moment, tz) for moment in in_utc)


def _midnight_twin(moment: datetime, tz: str) -> bool:
    """Whether a local midnight in `tz` with an offset of its own equals `moment`, as htmldate's guess would."""
    days = {moment.date(), moment.astimezone(zone(tz)).date()}
    for day in days | {d + timedelta(days=1) for d in days} | {d - timedelta(days=1) for d in days}:
        midnight = localize(datetime.combine(day, time()), tz)
        if midnight.utcoffset() and midnight == moment:
            return True
    return False


def _without_echo(found: list[tuple[str, datetime]]) -> list[tuple[str, datetime]]:
    """`found` without htmldate's guess when a generic date tag is the only declared source of its day: htmldate
    read that tag, and a page's generation day would outvote the date printed on it."""
    specific = {m.date() for layer, m in found if layer in ("jsonld", "meta")}
    generic_only = {m.date() for layer, m in found if layer == "page"} - specific
    return [(layer, m) for layer, m in found if layer != "heuristic" or m.date() not in generic_only]


def _printed_update(found: list[tuple[str, datetime]], modified: datetime | None,
                    local: list[datetime]) -> list[tuple[str, datetime]]:
    """The declared modification date as a vote, when the page prints its day beside the headline or in a date
    element: a page that shows its update as its date (republished, re-dated) presents that day as its own,
    whatever its older declared publication date says; the dev set labels the day the page shows."""
    if modified is None:
        return []
    modified = _most_local(modified, local)
    printed_days = {moment.date() for layer, moment in found if layer in ("headline", "text")}
    return [("modified", modified)] if modified.date() in printed_days else []


def stamps(sel: Selector, tz: str) -> list[datetime]:
    """Machine-readable times on the page (`<time datetime>`) that carry their own offset."""
    found = []
    for value in sel.xpath("//time/@datetime").getall()[:30]:
        moment = parse_datetime(value, tz, fallback=False) if re.search(r"[+-]\d{2}:?\d{2}$", value.strip()) else None
        if moment is not None:
            found.append(moment)
    return found


def _most_local(moment: datetime, others: list[datetime]) -> datetime:
    """The same instant written with a local offset, when another layer gives one (UTC stamps shift the day)."""
    if moment.utcoffset():
        return moment
    for other in others:
        if other.utcoffset() and other == moment:
            return other
    return moment


def modification_date(meta: PageMetadata, tz: str, today: date | None = None) -> datetime | None:
    """The declared modification date, when the page gives one."""
    return declared(meta.modified, tz, today)
