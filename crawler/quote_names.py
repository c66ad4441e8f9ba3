"""People in an article's text, for the quote extractor: names, roles and who is who.

Finds the people a paragraph names (a run of capitalised words, or in Arabic
script the words after a role noun) with the role printed before them; the
article's people, spelling variants of one merged, are `quote_people.py`'s.
Pure: no state beyond one paragraph's reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.quote_russian import russian_nominative
from crawler.quote_words import (
    ACCUSATIVE,
    AND_WORDS,
    ARABIC,
    CAPITAL_STOPS,
    CASE_STOP,
    CHAIN_STOPS,
    GENITIVE,
    GENITIVE_PRONOUNS,
    INSIDE_COMMA,
    KAZAKH_LETTERS,
    LATIN,
    LATIN_DIGRAPH_H,
    LIST_SEPARATOR,
    MAX_INSIDE,
    NAME_LIKE_ROLES,
    NAME_RUN,
    NAME_WORD,
    NOT_ROLES,
    OTHER_CASE,
    PATRONYMIC,
    PLURAL,
    POSSESSIVE,
    POSSESSIVE_AFTER_VOWEL,
    PRONOUNS,
    ROLE_STEMS,
    RUSSIAN_GENITIVE_CONTEXT,
    SURNAME_END,
    TOKEN,
    VERB_WORD,
    VERBAL_NOUN,
)

# --------------------------------------------------------------------------
# Words and names
# --------------------------------------------------------------------------


# What folding drops from a word: the Arabic-script hamza anywhere, punctuation at its ends.
_HAMZAS = "ءٴ"
_PUNCTUATION = "«»\"'“”.,:;!?()…؟،"


@lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """Case-fold a word, drop the Arabic-script hamza and surrounding punctuation."""
    return word.casefold().replace(_HAMZAS[0], "").replace(_HAMZAS[1], "").strip(_PUNCTUATION)


# Words up to this long are folded whole, and cached.
_SHORT_WORD = 64


def folded_end(word: str, longer_than: int) -> str:
    """The end of a word folded, longer than `longer_than` characters, or all of it when it folds to no more; the
    folded word ends with it, since folding goes character by character and strips only the ends. Quotes glued
    together («…»«…»…) make one long word before each: folding each whole took seconds, and caching them gigabytes."""
    if len(word) <= _SHORT_WORD:
        return fold(word)
    word = word.rstrip(_HAMZAS + _PUNCTUATION)  # what folding drops from its end anyway
    size = _SHORT_WORD
    while size < len(word):
        end = fold.__wrapped__(word[-size:])
        if len(end) > longer_than:
            return end
        size *= 2
    return fold.__wrapped__(word)


# The parts of a written name that take capitals each: "Қасым-Жомарт", "Ж.ДӘДЕБАЙ".
_NAME_PARTS = re.compile(r"[^\s.\-]+")


def is_caps(word: str) -> bool:
    """True for an all-capitals word ("САРЫМ", Latin "ÁBIShEV" with its h digraphs)."""
    letters = LATIN_DIGRAPH_H.sub("", word).replace("-", "")
    return len(letters) > 1 and letters.isupper()


@lru_cache(maxsize=4096)
def normal_case(name: str) -> str:
    """A name in normal case: "Айдос САРЫМ" → "Айдос Сарым", "ÁBIShEV" → "Ábishev", "Ж.ДӘДЕБАЙ" → "Ж.Дәдебай";
    an abbreviation of three letters or fewer stays ("ҚР БҒМ")."""
    def fix(part: str) -> str:
        return part[0] + part[1:].lower() if is_caps(part) and len(part) > 3 else part

    return " ".join(_NAME_PARTS.sub(lambda m: fix(m[0]), word) for word in name.split())


def strip_case(word: str) -> str:
    """Drop a Kazakh case suffix from a surname: "Дорофеевтің" → "Дорофеев"."""
    if len(word) > 5 and GENITIVE.search(word.casefold()):
        return word[:-4] if word.casefold().endswith("ng") else word[:-3]
    match = OTHER_CASE.search(word.casefold())
    return word[: match.start()] if match and match.start() >= 4 else word


@lru_cache(maxsize=8192)
def is_verb(folded: str) -> bool:
    """True for a folded word that is a speech verb or "деп" (the verb pattern is long: cached per word)."""
    return VERB_WORD.fullmatch(folded) is not None


@lru_cache(maxsize=8192)
def role_stem(word: str) -> str | None:
    """The role stem a word starts with ("министрі" → "министр"), if any."""
    folded = fold(word).rsplit("-", 1)[-1]  # "Премьер-министр", "вице-министр"
    if not folded.startswith(ROLE_STEMS) or folded.startswith(NOT_ROLES):
        return None
    return next(stem for stem in ROLE_STEMS if folded.startswith(stem))


def script_of(text: str) -> str:
    """Writing system of a text: "arab", "cyrl" or "latn".

    Cyrillic letters take two bytes in UTF-8 and Latin ones one, so the byte
    length of a sample tells them apart without counting letters.
    """
    sample = text[:200]
    if ARABIC.search(sample):
        return "arab"
    return "cyrl" if len(sample.encode()) > 1.4 * len(sample) else "latn"


# --------------------------------------------------------------------------
# People named in a paragraph
# --------------------------------------------------------------------------


@dataclass(slots=True)
class Mention:
    """A person named in a paragraph, at `start`."""

    start: int
    end: int
    name: str
    role: str | None


def _possessive(word: str) -> bool:
    """Whether a word ends with the possessive of a compound's head: "министрі" (министр-і), "облысы" (облыс-ы)."""
    folded, stem = fold(word), role_stem(word)
    if stem is None:
        return POSSESSIVE_AFTER_VOWEL.search(folded) is not None
    ending = folded[len(stem):]
    return bool(ending) and (POSSESSIVE.fullmatch(ending) or POSSESSIVE_AFTER_VOWEL.fullmatch(ending)) is not None


def _stops_chain(token: str, script: str, kazakh: bool, before: str | None = None) -> bool:
    """True when a token, read backwards from a name, cannot belong to its role phrase; `before` is the token that
    follows it in the text, already in the phrase.

    A case ending stops the phrase ("жиынға министр …": at the meeting, the
    minister), but not before a noun with a possessive ending: the word is
    then the first of a compound, bare ("Алматы облысы", "экономика министрі").
    """
    folded = fold(token)
    if not folded or token in ",.;:!?()…؟،" or folded in CHAIN_STOPS or folded in PRONOUNS:
        return True
    if folded in GENITIVE_PRONOUNS or is_verb(folded):
        return True
    suffix_stop = CASE_STOP[script] if (script != "cyrl" or kazakh) else None
    if before is not None and _possessive(before):
        return False
    return bool(suffix_stop and len(folded) > 3 and not token.startswith("«") and suffix_stop.search(folded))


def _role_before(text: str, name_start: int, script: str, kazakh: bool) -> tuple[str | None, bool]:
    """The role phrase printed right before a name, and whether it was plural ("сарапшылар")."""
    tokens = list(reversed(TOKEN.findall(text, max(0, name_start - 120), name_start)))
    chain: list[str] = []
    head = -1
    for at, token in enumerate(tokens):
        stem = role_stem(token)
        if stem and not GENITIVE.search(fold(token)):
            if head >= 0:
                break
            head = len(chain)
        elif len(chain) >= 6 or _stops_chain(token, script, kazakh, chain[-1] if chain else None):
            if head >= 0:
                chain += tokens[at : at + _institution_inside(tokens, at, chain, script, kazakh)]
            break
        chain.append(token)
    if head < 0:
        return None, False
    if script == "cyrl" and not kazakh:
        chain = chain[: head + 1]  # Russian: the role noun comes first ("министр информации")
    plural = bool(PLURAL.search(fold(chain[head])))
    if plural:
        chain[head] = chain[head][:-3]
    words = list(reversed(chain))
    if role_stem(words[0]):
        words[0] = words[0][0].lower() + words[0][1:]
    return INSIDE_COMMA.sub(r"\1", " ".join(words)), plural


def _institution_inside(tokens: list[str], at: int, chain: list[str], script: str, kazakh: bool) -> int:
    """How many tokens from tokens[at] on, the word that stopped a role phrase read backwards, still belong to it as
    the inside of an institution's name: Kazakh capitalises only its first word, which ends the phrase.

    The inside may hold "және" (and), the commas of a list that "және" closes
    ("Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі министрі"), bare
    lower-case words, and a word in the accusative that a verbal noun of the
    phrase governs ("Еңбек және халықты әлеуметтік қорғау министрі": of labour
    and of protecting the people socially); 0 when any other word comes first
    ("Жиынға келген …": who came to the meeting; "Президент Тоқаев, еңбек
    министрі …": a comma of no list), or the capital word is a name's ("Айдос
    Сарым және экономика министрі": two people).
    """
    listed = False  # a "және" read: commas before it part the list it closes
    for end in range(at, min(at + MAX_INSIDE, len(tokens))):
        token, folded = tokens[end], fold(tokens[end])
        if token[:1].isupper():
            named = end + 1 < len(tokens) and _may_be_name(tokens[end + 1], script, kazakh)
            return end - at + 1 if end > at and _may_be_name(token, script, kazakh) and not named else 0
        listed = listed or folded in AND_WORDS
        inside = (folded in AND_WORDS or (listed and token in ",،") or not _stops_chain(token, script, kazakh)
                  or (ACCUSATIVE.search(folded) is not None and any(VERBAL_NOUN.search(fold(w)) for w in chain)))
        if not inside or role_stem(token):
            return 0  # "сарапшылар және экономика министрі": people listed
    return 0


def _may_be_name(token: str, script: str, kazakh: bool) -> bool:
    """Whether a token may be a word of a person's name: capitalised, no stop word, no case ending."""
    return token[:1].isupper() and not droppable(token) and not _stops_chain(token, script, kazakh)


def droppable(word: str) -> bool:
    """A capitalised word that opens a run but is no part of the name: "Сарапшы", "Төрағасының"."""
    folded = fold(word)
    if (folded in CAPITAL_STOPS and not word.endswith(".")) or GENITIVE.search(folded):  # "А. Петров": no "а" (and)
        return True
    stem = role_stem(word)
    return stem is not None and stem not in NAME_LIKE_ROLES


@lru_cache(maxsize=4096)
def _name_in(words: tuple[str, ...], latin: bool) -> tuple[int, int, str] | None:
    """(first, last + 1, name) of the person's name inside a run of capitalised words."""
    first = next((i for i, w in enumerate(words) if not droppable(w) and not _ended_sentence(words, i)), len(words))
    if len(words) - first < 2:
        return None
    # The last word pair ending in a surname: "Мажилиса Ирина Смирнова" → "Ирина Смирнова".
    ends = [i for i in range(first, len(words) - 1) if SURNAME_END.search(fold(strip_case(words[i + 1])))]
    pick, size = (ends[-1] if ends else first), 2
    if pick > first and PATRONYMIC.search(fold(words[pick])):
        pick, size = pick - 1, 3  # "Дмитрий Сергеевич Иванов"
    chosen = list(words[pick : pick + size])
    if any(droppable(w) for w in chosen[:-1]) or (LATIN.search(" ".join(chosen)) is not None) != latin:
        return None  # "Open Government Partnership" in a Cyrillic text
    chosen[-1] = strip_case(chosen[-1])
    if fold(chosen[-1]) in CAPITAL_STOPS or fold(chosen[-1]) in PRONOUNS:
        return None  # "Жиында Қазақстан": at the meeting, Kazakhstan; "витамин С. Ол …": a letter, then "he"
    return pick, pick + size, normal_case(" ".join(chosen))


def _ended_sentence(words: tuple[str, ...], at: int) -> bool:
    """Whether words[at] is a letter that ended a sentence, not an initial: a word no name holds follows it
    ("витамин С. Сарапшы Айдос Сарым …": vitamin C. The expert …), though not a surname in the genitive
    ("Т. Дүйсенованың")."""
    after = words[at + 1] if at + 1 < len(words) else ""
    return words[at].endswith(".") and droppable(after) and not GENITIVE.search(fold(after))


def _person_in_run(run: re.Match[str], script: str) -> tuple[int, int, str] | None:
    """The person's name inside a run of capitalised words, as (start, end, name)."""
    spans = [m.span() for m in NAME_WORD.finditer(run.string, run.start(), run.end())]
    found = _name_in(tuple(run.string[a:b] for a, b in spans), script == "latn")
    return (spans[found[0]][0], spans[found[1] - 1][1], found[2]) if found else None


@lru_cache(maxsize=16)
def _kazakh(text: str) -> bool:
    """Whether a Cyrillic paragraph is Kazakh, not Russian: it has a Kazakh letter. Asked for each quote's mentions,
    and a Russian paragraph, having none, is read to its end each time (a str keeps its hash: a hit costs nothing)."""
    return KAZAKH_LETTERS.search(text) is not None


class Mentions:
    """The people named in masked[lo:hi] (quotes blanked out of the paragraph `text`), with their roles, read on as
    `hi` grows: a sentence of thousands of quotes asks who each names before it, and reading it from its start for
    each cost seconds.

    A read goes on from where the last stopped, with what it needs of the
    mentions before it: the role a list of names shares, and in Arabic
    script the last two tokens, which a role noun among them makes a name.
    It reads as one read from `lo` would only when no run of capitalised
    words or token crosses the offset where the last read stopped.
    """

    __slots__ = ("masked", "text", "script", "read_to", "_list_role", "_last", "_tokens")

    def __init__(self, masked: str, text: str, lo: int, script: str) -> None:
        self.masked, self.text, self.script, self.read_to = masked, text, script, lo
        self._list_role: str | None = None  # the role of a list of names, for the next one in it
        self._last: Mention | None = None
        self._tokens: list[re.Match[str]] = []  # Arabic script: the last two tokens read

    def read(self, hi: int) -> list[Mention]:
        """The people named from where the last read stopped up to `hi`."""
        lo, self.read_to = self.read_to, max(self.read_to, hi)
        return self._arabic(lo, hi) if self.script == "arab" else self._capitalised(lo, hi)

    def _capitalised(self, lo: int, hi: int) -> list[Mention]:
        """Names as runs of capitalised words, with the role before each, or the list's before the first."""
        found: list[Mention] = []
        for run in NAME_RUN.finditer(self.masked, lo, hi):
            person = _person_in_run(run, self.script)
            if person is None:
                continue
            start, end, name = person
            kazakh = self.script == "latn" or _kazakh(self.text)
            role, plural = _role_before(self.text, start, self.script, kazakh)
            if not kazakh and RUSSIAN_GENITIVE_CONTEXT.search(self.text, max(0, start - 60), start):
                name, role = russian_nominative(name), role and russian_nominative(role, head_only=True)
            if role is None and self._list_role and self._listed(start):
                role = self._list_role
            elif role is not None:
                self._list_role = role if plural else None
            self._last = Mention(start, end, name, role)
            found.append(self._last)
        return found

    def _listed(self, start: int) -> bool:
        """Whether a name at `start` follows the last one read with only a list's separator between them."""
        return self._last is not None and LIST_SEPARATOR.fullmatch(self.text[self._last.end : start]) is not None

    def _arabic(self, lo: int, hi: int) -> list[Mention]:
        """Arabic script has no capitals: a name is the two words after a role noun."""
        tokens = self._tokens + list(TOKEN.finditer(self.masked, lo, hi))
        self._tokens = tokens[-2:]
        found: list[Mention] = []
        for i, token in enumerate(tokens[:-2]):
            if not role_stem(token.group()) or GENITIVE.search(fold(token.group())):
                continue
            first, last = tokens[i + 1], tokens[i + 2]
            if any(_stops_chain(t.group(), "arab", False) or role_stem(t.group()) for t in (first, last)):
                continue
            role, _ = _role_before(self.text, first.start(), "arab", False)
            found.append(Mention(first.start(), last.end(), f"{first.group()} {strip_case(last.group())}", role))
        return found


def find_mentions(masked: str, text: str, lo: int, hi: int, script: str) -> list[Mention]:
    """People named in text[lo:hi] (quotes blanked out in `masked`), with their roles."""
    return Mentions(masked, text, lo, script).read(hi)
