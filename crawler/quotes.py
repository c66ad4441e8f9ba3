"""Direct quotations and their speakers, found in an article's paragraphs.

Why rules and not a model: Kazakh news prose attributes speech with a small,
closed set of forms — «…» деді ол, «…» дейді министр, a dash paragraph closed
by "– дейді", an interview block "Name SURNAME:" + a dash paragraph — and the
site prints the same forms in Latin (dedi, deydi) and Arabic script (دەدى,
دەيدى), next to Russian articles (сказал, отметила, по словам …). A few
compiled regexes and word lists cover them in about half a millisecond for a
4 kB article, and every decision can be read and tested.

Guillemets also wrap names of parties, agencies, laws and titles
(«Нұр Отан», «Рейтер»); a span counts as a quote only when an attribution verb
follows it or a colon introduces it. Speakers are resolved like a reader does:
a name in the attribution, else a role noun ("министр") pointing to the last
person given that role, else a pronoun or nothing pointing to the subject of
the text so far. Spelling variants of one person ("Дархан Қалетаев",
"Дарқан ҚАЛЕТАЕВ") merge into the first spelling seen.

The word lists and patterns live in `quote_words.py`, the people of the text
in `quote_names.py` (names, roles) and `quote_people.py` (spelling variants,
who a role noun means), what an attribution or an interview line says of its
speaker in `quote_speakers.py`, the quotes one paragraph holds on its own in
`quote_candidates.py`, where a paragraph's sentences and words lie in
`quote_layout.py`; this module walks the paragraphs — quotes over several of
them, interview turns and answers — and resolves the speakers. Pure: no I/O,
all state within one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.items import Quote, QuoteKind
from crawler.quote_candidates import (
    Candidate,
    dash_candidates,
    guillemet_spans,
    indirect_candidates,
    inline_candidates,
    mask,
    trim,
)
from crawler.quote_layout import Layout
from crawler.quote_names import (
    Mention,
    find_mentions,
    fold,
    script_of,
)
from crawler.quote_people import Person, Registry
from crawler.quote_speakers import (
    Who,
    as_subject,
    closing_thanks,
    speaker_line,
    who_after,
    who_in,
)
from crawler.quote_words import (
    AS_I_ENDING,
    AS_I_WORDS,
    DASHES,
    ENDS,
    GUILLEMET,
    INLINE_ATTRIBUTION,
    LABEL_LINE,
    LEADING_DASH,
    LETTERS,
    NOT_SPEAKING,
    SAID_BEFORE,
    SENTENCE_END,
    SPEAKING_ENDING,
    SPEAKING_WORDS,
    SPEECH_VERB,
)

__all__ = ["extract_quotes"]


# A quote may run over this many paragraphs: the one that opens it, those it goes on in and the one that closes it.
MAX_SPAN = 4


@dataclass(slots=True)
class _Open:
    """A quote its paragraph leaves open ("«Бізде …." without its », a dash paragraph without its "– деді", an
    interview answer), with the parts read so far as (paragraph, start, end). They are quotes only when a later
    paragraph closes it: with an attribution, or for an answer with the next speaker's line ("Айдос САРЫМ:")."""

    kind: QuoteKind
    parts: list[tuple[int, int, int]]
    answer_of: Quote | None = None  # the first paragraph of an interview answer, whose speaker the rest share
    reopened: set[bool] = field(default_factory=set)  # whether each later paragraph opened with « again


@dataclass(slots=True)
class _Paragraph:
    """Quote candidates of one paragraph and the text left for finding names."""

    candidates: list[Candidate]
    masked: str
    speaker_line: Who | None = None  # a bare "Name SURNAME:" line, waiting for its dash paragraph
    left_open: _Open | None = None  # the quote still open when the paragraph ends
    closes: Candidate | None = None  # the candidate that closes the quote left open before it
    turn: Who | None = None  # the speaker whose interview line opens the paragraph
    asked: bool = False  # a question line of the outlet's ("Abai.kz: – …?"): the interview is questions and answers


def _read_paragraph(index: int, text: str, script: str, waiting: Who | None, pending: _Open | None) -> _Paragraph:
    """Find the quotes of one paragraph; `waiting` is the speaker of a preceding bare speaker line, `pending` the
    quote the paragraphs before left open."""
    spans = guillemet_spans(text)
    masked = mask(text, spans)
    if pending and pending.kind == "block" and not spans and closing_thanks(text):
        return _Paragraph([], masked, turn=Who())  # the interviewer's last turn, unlabelled: it ends the answer
    if pending:
        closing = _closing(text, spans, script, pending) if pending.kind != "block" else None
        if closing:
            return closing
        if (len(pending.parts) < MAX_SPAN - 1 and _goes_on(text, script, pending.kind)  # and no quote of its own:
                and not (inline_candidates(text, masked, spans, script) or indirect_candidates(text, masked, script))):
            pending.parts.append((index, *trim(text, 0, len(text), " \t\n«")))
            pending.reopened.add(text.lstrip().startswith("«"))
            return _Paragraph([], masked, left_open=pending)
    line = speaker_line(text, script)
    if line and line[1] == len(text):
        return _Paragraph([], masked, speaker_line=line[0], turn=line[0])
    if line is None and LABEL_LINE.match(text):  # the outlet's turn: it ends an answer and quotes no one
        return _Paragraph([], masked, turn=Who(), asked=text.rstrip().endswith(("?", "؟")))
    said = SAID_BEFORE.search(masked) if not spans and masked.rstrip().endswith(":") else None
    if said:  # "Министр Дархан Қалетаев былай деді:" and the dash paragraph after it is the speech
        sentence = Layout(masked).sentence_start(said.start())
        return _Paragraph([], masked, speaker_line=who_in(masked, text, sentence, said.start(), script))
    speaker: Who | None = waiting
    lead = LEADING_DASH.match(text)
    block_start = lead.end() if lead else -1
    if line and text[line[1]] != "«":
        speaker, lead = line[0], LEADING_DASH.match(text, line[1])
        block_start = lead.end() if lead else line[1]
    if speaker and block_start >= 0 and not text.rstrip().endswith(";"):  # "– мемлекеттік тілді дамыту;": a list
        start, end = trim(text, block_start, len(text))
        return _Paragraph([Candidate("block", start, end, speaker)], mask(text, [(start, end)]),
                          left_open=_Open("block", []), turn=line[0] if line else None)
    dashed = dash_candidates(text, lead.end(), script) if lead else []
    if dashed:
        return _Paragraph(dashed, mask(text, [(c.start, c.end) for c in dashed]))
    found = inline_candidates(text, masked, spans, script) + indirect_candidates(text, masked, script)
    opened = _opening(text, lead)
    left_open = _Open("dash" if lead else "inline", [(index, *opened)]) if opened else None
    return _Paragraph(found, masked, left_open=left_open)


def _opening(text: str, lead: re.Match[str] | None) -> tuple[int, int] | None:
    """The part of a paragraph that opens a quote it does not close: all of a dash paragraph without its "– деді"
    (not a question: an interview's, answered by the next dash paragraph), or what follows a « that no » closes
    and that starts a sentence ("Министр: «…", not "Шымкентте «Болашақ бағдарламасы …", a typo), when the
    paragraph ends a sentence there."""
    end = text.rstrip()
    if not end.endswith(tuple(ENDS)):
        return None  # "– мемлекеттік тілді дамыту," a list; "«Нұр Отан партиясы" a typo
    if lead:
        return None if end.endswith(("?", "؟")) else trim(text, lead.end(), len(text))
    at = text.rfind("«")
    before = text[:at].rstrip()
    if at < 0 or "»" in text[at:] or (before and not before.endswith((":", *ENDS, *DASHES))):
        return None
    return trim(text, at + 1, len(text))


def _goes_on(text: str, script: str, kind: QuoteKind) -> bool:
    """Whether a paragraph can be the middle of a quote left open: a sentence with no dash speech or speaker line
    of its own, its guillemets paired («Әлеуметтік кодекс»; but the « that starts each paragraph of a long quote),
    and no verb of saying, which tells of speech ("Сарапшы … деді.") rather than goes on with it."""
    inner = text.lstrip().removeprefix("«") if kind == "inline" else text
    return (text.rstrip().endswith(tuple(ENDS)) and _paired(inner) and LEADING_DASH.match(text) is None
            and speaker_line(text, script) is None and LABEL_LINE.match(text) is None and SPEECH_VERB.search(text) is None)


def _paired(text: str) -> bool:
    """Whether every « of a text is closed by a » after it, and every » closes one."""
    depth = 0
    for mark in GUILLEMET.finditer(text):
        depth += 1 if mark.group() == "«" else -1
        if depth < 0:
            return False
    return depth == 0


def _closing(text: str, spans: list[tuple[int, int]], script: str, pending: _Open) -> _Paragraph | None:
    """The paragraph that closes a quote left open, when it does: "…», – деді ол." for a «, "…, – деді ол." for a dash
    paragraph; its closing part comes first among its candidates, and quotes after it follow.

    A long quote opens each of its paragraphs with « again, or none of them: a
    "«…», – деді." after paragraphs that did not is a quote of its own, and the
    « left open before it a typo ("Шымкентте «Болашақ бағдарламасы …").
    """
    if pending.kind == "dash":
        found = [] if LEADING_DASH.match(text) else dash_candidates(text, 0, script)
        part = text[found[0].start:found[0].end] if found else ""
        if not part or part.endswith("»") or not _paired(part) or SPEECH_VERB.search(part):
            return None  # "… сөйледі. «Бұл маңызды жоба», – деді ол.": a quote of its own after narrative
        return _Paragraph(found, mask(text, [(c.start, c.end) for c in found]), closes=found[0])
    if pending.reopened - {text.lstrip().startswith("«")}:
        return None
    close_at = text.find("»")
    head = text[:close_at].lstrip().removeprefix("«")
    attribution = INLINE_ATTRIBUTION.match(text, close_at + 1) if close_at >= 0 and "«" not in head else None
    start, end = trim(text, 0, close_at, " \t\n«")
    if attribution is None or end <= start:
        return None
    later = [span for span in spans if span[0] > close_at]
    masked = mask(text, [(0, close_at + 1), *later])
    ask: QuoteKind = "question" if attribution.group("ask") else "inline"
    closing = Candidate(ask, start, end, who_after(masked, text, attribution, script))
    return _Paragraph([closing, *inline_candidates(text, masked, later, script)], masked, closes=closing)


def _speaker(who: Who, registry: Registry, context: list[Person]) -> tuple[Person | None, str | None]:
    """Resolve an attribution to a person: a name, else a role noun, else the current subject."""
    if who.nobody:
        return None, None
    if who.name:
        named = registry.mention(who.name, who.role)
        return named, named.role
    if who.role_stem:
        person = registry.with_role(who.role_stem)
        return (person, person.role) if person else (None, who.role)
    person = context[0] if context else registry.subject
    return person, person.role if person else None


def _paragraph_quotes(index: int, text: str, para: _Paragraph, script: str, registry: Registry) -> list[Quote]:
    """Resolve a paragraph's candidates in reading order, registering the names met on the way."""
    mentions = find_mentions(para.masked, text, 0, len(text), script)
    candidates = [c for c in para.candidates if c.end > c.start]  # "«»" or "– , – деді" quote nothing
    events = sorted([(m.start, 0, m) for m in mentions] + [(c.start, 1, c) for c in candidates], key=lambda e: e[:2])
    context: list[Person] = []  # the people the paragraph names so far, as subjects: not "Тоқаевтың" (Tokayev's)
    quotes: list[Quote] = []
    for _, _, event in events:
        if isinstance(event, Mention):
            named = registry.mention(event.name, event.role)
            if as_subject(event, text):
                context.append(named)
            continue
        person, role = _speaker(event.who, registry, context)
        if person is not None:
            context.append(person)
        speaker = person.name if person else None
        quotes.append(Quote(text[event.start : event.end], speaker, role, event.kind, index, event.start, event.end))
    if context:
        registry.subject = context[0]
    return quotes


def extract_quotes(paragraphs: list[str]) -> list[Quote]:
    """All quotes of an article, in reading order, each with its speaker when the text tells it.

    Direct quotes have kind "inline", "dash", "block" or "question"; reported
    speech introduced by "Оның айтуынша," or "По словам …," has kind "indirect".
    """
    registry = Registry()
    quotes: list[Quote] = []
    waiting: Who | None = None
    pending: _Open | None = None
    asked = False
    for index, text in enumerate(paragraphs):
        script = script_of(text)
        para = _read_paragraph(index, text, script, waiting, pending)
        if para.speaker_line and para.speaker_line.name:
            registry.mention(para.speaker_line.name, para.speaker_line.role)
        found = _paragraph_quotes(index, text, para, script, registry)
        if pending:
            quotes += _closed(pending, para, found, paragraphs)
        quotes.extend(found)
        waiting, pending, asked = para.speaker_line, para.left_open, asked or para.asked
        if pending and pending.kind == "block" and pending.answer_of is None:
            pending.answer_of = found[0] if found else None
    if pending and pending.answer_of:
        quotes += _last_answer(pending, pending.answer_of, paragraphs, asked)
    return quotes


def _last_answer(pending: _Open, answer: Quote, paragraphs: list[str], asked: bool) -> list[Quote]:
    """The paragraphs the article's last interview answer goes on in: no next speaker's line closes it, so those
    that speak in the first or second person ("…айтамын", "Сіз…"), up to the first that does not, and on to the
    last that speaks as I. The reporter's closing lines ("Жиын осымен аяқталды.") do not speak so, and the
    speaker's I after a line in the third person ("Стандарттар да керек.") says the answer went on through it, as a
    next speaker's line would: a roundtable's report has a narrator, who does not step out and back in. Its closing
    lines may speak to the reader or as the outlet's we ("Ал сіз қалай ойлайсыз?", "Тақырыпқа әлі ораламыз."), never
    as I. When the outlet asked the questions ("Abai.kz: – …?"), the interview has no narrator to close it: all of
    them, in the third person too."""
    parts = pending.parts
    if not asked:
        texts = [paragraphs[at][start:end] for at, start, end in parts]
        speaking = next((n for n, text in enumerate(texts) if not _speaking(text)), len(texts))
        as_i = [n + 1 for n, text in enumerate(texts) if _speaking(text, AS_I_WORDS, AS_I_ENDING)]
        parts = parts[: max([speaking, *as_i])]
    return [Quote(paragraphs[at][start:end], answer.speaker, answer.speaker_role, answer.kind, at, start, end)
            for at, start, end in parts]


def _speaking(text: str, pronouns: frozenset[str] = SPEAKING_WORDS, ending: re.Pattern[str] = SPEAKING_ENDING) -> bool:
    """Whether a text speaks as I or to you (a pronoun), or ends a sentence with a verb in the first person: Kazakh
    puts the verb last, and a possessive inside the sentence ("еліміз": our country) is the outlet's voice too. With
    AS_I_WORDS and AS_I_ENDING: whether it speaks as I."""
    if any(fold(word) in pronouns for word in LETTERS.findall(text)):
        return True
    for sentence in SENTENCE_END.split(text):
        words = LETTERS.findall(sentence)
        last = fold(words[-1]) if words else ""
        if len(last) > 4 and last not in NOT_SPEAKING and ending.search(last):
            return True
    return False


def _closed(pending: _Open, para: _Paragraph, found: list[Quote], paragraphs: list[str]) -> list[Quote]:
    """The parts of a quote left open, as quotes of their own, when this paragraph closes it; else none.

    An attributed close gives them its speaker. An interview answer closes
    at the next speaker's line, unless its later paragraphs name that
    speaker: then they introduce the turn ("Келесі сөз Талғат Қалиевке
    берілді."), not go on with the answer.
    """
    if para.closes:
        said = next(q for q in found if (q.start, q.end) == (para.closes.start, para.closes.end))
    elif pending.answer_of and para.turn and not _names_next(pending, para.turn, paragraphs):
        said = pending.answer_of
    else:
        return []
    return [Quote(paragraphs[at][start:end], said.speaker, said.speaker_role, said.kind, at, start, end)
            for at, start, end in pending.parts]


def _names_next(pending: _Open, turn: Who, paragraphs: list[str]) -> bool:
    """Whether the paragraphs of an open answer name the speaker of the next turn (by surname, any case ending)."""
    surname = fold(turn.name.split()[-1]) if turn.name else ""
    stem = surname[:-1] if len(surname) > 4 else surname  # "Қалиевке" (to Qaliev), "Калиевой" (by Kalieva)
    return bool(stem) and any(fold(word).startswith(stem) for at, _, _ in pending.parts for word in paragraphs[at].split())
