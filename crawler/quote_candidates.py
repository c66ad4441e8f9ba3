"""The quote candidates of one paragraph: spans of its text that are quotes, with what their attribution says of
the speaker, before any speaker is resolved.

Why a module of its own: finding the candidates reads one paragraph on its own — «…» spans and whether an
attribution, a colon or a proverb formula makes them quotes, dash speech closed by "– дейді", reported speech
("Оның айтуынша, …", "По словам …") — while `quotes.py` walks the article: quotes over several paragraphs,
interview turns and the speakers the text has named so far. Pure: no I/O, no state.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from crawler.items import QuoteKind
from crawler.quote_layout import Layout
from crawler.quote_names import fold, folded_end
from crawler.quote_speakers import Speakers, Who, who_after
from crawler.quote_words import (
    ACCUSATIVE,
    COLLECTIVE,
    CONTINUATION,
    DASH_ATTRIBUTION,
    ENDS,
    INDIRECT_MARKERS_BY_CORE,
    INDIRECT_RU,
    INDIRECT_TAIL,
    INLINE_ATTRIBUTION,
    INTERRUPTING,
    LISTED_NEXT,
    OTHER_QUOTES,
    PROVERB_AFTER,
    PROVERB_WORD,
    RUSSIAN_INDIRECT_WORDS,
    SAID_BEFORE,
)

__all__ = [
    "Candidate",
    "dash_candidates",
    "guillemet_spans",
    "indirect_candidates",
    "inline_candidates",
    "mask",
    "trim",
]


@dataclass(slots=True)
class Candidate:
    """A quote found in a paragraph, its speaker not yet resolved."""

    kind: QuoteKind
    start: int
    end: int
    who: Who


def trim(text: str, start: int, end: int, chars: str = " \t\n") -> tuple[int, int]:
    """Shrink [start, end) past surrounding `chars`."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def guillemet_spans(text: str) -> list[tuple[int, int]]:
    """Top-level «…» spans (nested guillemets included; a stray « left open hides no other), and straight or
    curly quotes outside them ("Біз жеңеміз" деді Айдос Сарым, «Nur Otan» мүшесі)."""
    pairs: list[tuple[int, int]] = []
    opened: list[int] = []
    opens = text.find("«")
    closes = text.find("»", opens + 1) if opens >= 0 else -1
    while opens >= 0 or closes >= 0:  # each mark in turn, each found once
        if closes < 0 or 0 <= opens < closes:
            opened.append(opens)
            opens = text.find("«", opens + 1)
        else:
            if opened:
                pairs.append((opened.pop(), closes + 1))
            closes = text.find("»", closes + 1)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if not spans or start >= spans[-1][1]:  # not inside the span before it
            spans.append((start, end))
    if '"' in text or "“" in text:
        ends = [end for _, end in spans]
        spans = sorted(spans + [m.span() for m in OTHER_QUOTES.finditer(text) if not _overlaps(spans, ends, *m.span())])
    return spans


def _overlaps(spans: list[tuple[int, int]], ends: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of `spans` (in order, none overlapping; `ends` their ends): the first
    that ends after `start` starts before `end`."""
    after = bisect_right(ends, start)
    return after < len(spans) and spans[after][0] < end


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the given spans (in order, none overlapping) blanked out (offsets kept), in one pass: a
    paragraph of thousands of quotes copied whole for each cost seconds."""
    pieces: list[str] = []
    at = 0
    for start, end in spans:
        pieces += (text[at:start], " " * (end - start))
        at = end
    return "".join(pieces) + text[at:]


def inline_candidates(text: str, masked: str, spans: list[tuple[int, int]], script: str) -> list[Candidate]:
    """«…» деді ол / «…», — сказал он / Министр: «…» — guillemet spans that are quotes."""
    if not spans:
        return []
    found: list[Candidate] = []
    words, blanked, speakers = Layout(text), Layout(masked), Speakers(masked, text, script)
    for (open_at, close_at), after in zip(spans, [0, *(end for _, end in spans)]):
        before = words.words_before(open_at, 1)
        if _names(text, before, open_at, close_at):
            continue
        sentence = blanked.sentence_start(open_at)
        if _proverb(blanked, sentence, open_at, close_at):
            continue
        attribution = INLINE_ATTRIBUTION.match(text, close_at)
        interrupted = INTERRUPTING.search(text, open_at + 1, close_at - 1) if attribution is None else None
        if interrupted is not None:  # both halves, each a quote of the speaker named between them
            who = who_after(text, text, interrupted, script)
            found += [Candidate("inline", *trim(text, open_at + 1, interrupted.start()), who),
                      Candidate("inline", *trim(text, interrupted.end(), close_at - 1), who)]
            continue
        if attribution is None and not (before and before[0].endswith(":") and _spoken(text, after, open_at, close_at)):
            continue  # a name: «Нұр Отан» партиясы, «Рейтер» агенттігі; after a colon, a list of them
        who = who_after(masked, text, attribution, script) if attribution else Who()
        if who.name is None and who.role_stem is None and not who.nobody:
            who = speakers.who_in(sentence, open_at)
        kind: QuoteKind = "question" if attribution and attribution.group("ask") else "inline"
        start, end = trim(text, open_at + 1, close_at - 1)
        found.append(Candidate(kind, start, end, who))
    return found


def _names(text: str, before: list[str], open_at: int, close_at: int) -> bool:
    """Whether a short «…» names what the word before it is (бұл кезеңді «ақтаңдақ» деп есептейді: this period
    they call "a blank spot"; адамдарды қазақ «шала қазақ» дейді), rather than quote what someone said; `before`
    holds the word before it, if any."""
    inner = text[open_at + 1:close_at - 1].strip()
    if not before or before[0].endswith((*ENDS, ":")):
        return False  # after a sentence's end the «…» starts a new one
    if len(inner.split()) > 3 or inner.endswith(tuple(ENDS)):
        return False  # a sentence of its own
    word = folded_end(before[0].strip(",;"), _LONGEST_COLLECTIVE)  # a people's word, or one with the ending
    return word in COLLECTIVE or (len(word) > 4 and ACCUSATIVE.search(word, len(word) - 3) is not None)


_LONGEST_COLLECTIVE = max(map(len, COLLECTIVE))


# How many words before a quoted span introduce it as a proverb: "Бір мақал бар:", "Халық даналығы:", "Мақалда
# айтылғандай:", "…мынадай мақалы бар:".
PROVERB_LEAD = 2


def _proverb(blanked: Layout, sentence: int, open_at: int, close_at: int) -> bool:
    """Whether a quoted span is a proverb or saying, which no speaker of the text says though it may end a sentence
    with a verb ("Бір мақал бар: «Білекті бірді жығар, …»", "«Бірлік бар жерде тірлік бар» дегендей, …"): a word naming
    a proverb among the words that introduce it (`PROVERB_LEAD`, within its sentence, which starts at `sentence`), or a
    formula that gives it as a saying after it.

    Not a proverb word further back in the sentence: there proverbs are a topic or a person's work, and the span a
    speaker's words ("Профессор мақал-мәтелдердің маңызы туралы айтты: «…»", "Мақал жинаған ғалым Серік Ахметов:
    «…»").
    """
    if PROVERB_AFTER.match(blanked.text, blanked.past_blanks(close_at)):  # the formula's first letter past the blanks
        return True
    lead = blanked.words_before(open_at, PROVERB_LEAD, sentence)
    return any(PROVERB_WORD.match(fold(word)) for word in lead)


def _spoken(text: str, after: int, open_at: int, close_at: int) -> bool:
    """Whether a «…» after a colon reads as speech ("Министр: «Біз жеңеміз.»"), not as names ("партиялар
    қатысады: «Nur Otan», «Ақ жол»", "Жоба атауы: «Рухани жаңғыру»"): a sentence, or four words or more, and
    not one of a list of guillemet spans. A verb of saying before the colon comes `after` the span before this one
    (or at 0): between them it has only letters and spaces."""
    inner = text[open_at + 1:close_at - 1].strip()
    if LISTED_NEXT.match(text, close_at):
        return False
    return inner.endswith(tuple(ENDS)) or len(inner.split()) >= 4 or SAID_BEFORE.search(text, after, open_at) is not None


def dash_candidates(text: str, start: int, script: str) -> list[Candidate]:
    """– …, – дейді. (– continued.) — dash speech from `start` (after the paragraph's dash, or at the start of a
    paragraph that goes on with a dash quote of the paragraph before) closed by an attribution."""
    attribution = DASH_ATTRIBUTION.search(text, start)
    if attribution is None:
        return []
    who = who_after(text, text, attribution, script)
    kind: QuoteKind = "question" if attribution.group("ask") else "dash"
    found = [Candidate(kind, *trim(text, start, attribution.start(), " \t\n,،"), who)]
    more = CONTINUATION.match(text, attribution.end())
    if more:
        found.append(Candidate("dash", *trim(text, more.end(), len(text)), who))
    return found


def _indirect_markers(layout: Layout) -> list[tuple[int, int, int]]:
    """(who_start, who_end, text_start) of each "…-тың айтуынша, " or "По словам …, " in the text."""
    text = layout.text
    found: list[tuple[int, int, int]] = []
    for marker in (m for core, markers in INDIRECT_MARKERS_BY_CORE.items() if core in text for m in markers):
        at = text.find(marker)
        while at >= 0:
            tail = INDIRECT_TAIL.match(text, at + len(marker))
            if tail and not (at and text[at - 1].isalpha()):
                found.append((layout.sentence_start(at), at, tail.end()))
            at = text.find(marker, at + 1)
    if any(word in text for word in RUSSIAN_INDIRECT_WORDS):
        found += [(*m.span("who"), m.end()) for m in INDIRECT_RU.finditer(text)]
    return sorted(found)


def indirect_candidates(text: str, masked: str, script: str) -> list[Candidate]:
    """Оның айтуынша, … / По словам Петрова, … — reported speech, kind "indirect"."""
    blanked = Layout(masked)
    markers = _indirect_markers(blanked)
    if not markers:
        return []
    found: list[Candidate] = []
    speakers = Speakers(masked, text, script)
    for who_lo, who_hi, text_at in markers:
        start, end = trim(text, text_at, blanked.sentence_end(text_at))
        if end > start:
            found.append(Candidate("indirect", start, end, speakers.who_in(who_lo, who_hi)))
    return found
