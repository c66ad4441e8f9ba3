"""Who speaks: the words around a quote that name its speaker, and the speaker lines of interviews (part of
crawler/quotes.py).

An attribution names a person ("деді Айдос Сарым"), a lone surname, a role
noun ("дейді министр": the last person given that role), a people ("дейді
қазақ": a saying, nobody) or no one (the subject of the text so far). An
interview line names its speaker before a colon ("Дарқан ҚАЛЕТАЕВ:",
"Білім және ғылым министрі Ерлан Сағадиев: – …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.quote_names import (
    Mention,
    Mentions,
    droppable,
    find_mentions,
    fold,
    is_caps,
    is_verb,
    normal_case,
    role_stem,
    strip_case,
)
from crawler.quote_words import (
    CAPITAL_WORD,
    COLLECTIVE,
    DASHES,
    GENITIVE,
    GENITIVE_PRONOUNS,
    INITIALS,
    INTERVIEW_WORD,
    NAME_LIKE_ROLES,
    NAME_WORD,
    PLACE_ENDING,
    PLURAL,
    PRONOUNS,
    ROLE_SPEAKER_LINE,
    SENTENCE_END,
    SPEAKER_LINE,
    SURNAME_END,
    THANKS,
)


@dataclass(slots=True)
class Who:
    """What the attribution says about the speaker."""

    name: str | None = None
    role: str | None = None
    role_stem: str | None = None
    nobody: bool = False
    """A people said it ("дейді қазақ": a saying): no person, not even the one the text is about."""


def who_in(masked: str, text: str, lo: int, hi: int, script: str) -> Who:
    """The speaker named in text[lo:hi]: a name, a lone surname, a role noun, or nothing."""
    return _Named(masked, text, lo, script).who(hi)


class Speakers:
    """`who_in` for the quotes of one paragraph, in reading order, each asking from its sentence's start: the words
    up to a quote are read on from the quote before when it is in the same sentence. A sentence of thousands of
    quotes, read from its start for each, cost seconds."""

    __slots__ = ("masked", "text", "script", "_named")

    def __init__(self, masked: str, text: str, script: str) -> None:
        self.masked, self.text, self.script = masked, text, script
        self._named: _Named | None = None  # read so far only up to offsets that `_whole` holds for

    def who_in(self, lo: int, hi: int) -> Who:
        """The speaker named in text[lo:hi]."""
        named = self._named
        if named is None or named.lo != lo or named.hi > hi:
            named = _Named(self.masked, self.text, lo, self.script)
        self._named = named if _whole(self.masked, hi) else None
        return named.who(hi)


def _whole(masked: str, at: int) -> bool:
    """Whether no word, run of capitalised words or token that reading masked[:at] and masked[at:] apart would cut
    crosses `at`: a space on one side, and no capital across a single space (which a name's run goes on over)."""
    if at <= 0 or at >= len(masked):
        return True
    before, after = masked[at - 1], masked[at]
    if not (before.isspace() or after.isspace()):
        return False
    if before in " \xa0" and after.isupper():
        return False
    return not (after in " \xa0" and at + 1 < len(masked) and masked[at + 1].isupper())


class _Named:
    """What masked[lo:hi] says of its speaker as `hi` grows, each part read only as far as `who` needs it, in its
    order: a pronoun or "оның" (his) says it is the subject, words for a people say nobody, then the first person
    named (as the subject, else in any case), the first lone surname, the first role noun."""

    __slots__ = ("masked", "text", "lo", "hi", "script", "words", "first", "genitive", "collective", "mentions",
                 "mention", "subject", "surname_at", "surname", "role_at")

    def __init__(self, masked: str, text: str, lo: int, script: str) -> None:
        self.masked, self.text, self.lo, self.hi, self.script = masked, text, lo, lo, script
        self.words: list[str] = []
        self.first = ""  # the first word, folded
        self.genitive = False  # a word is a genitive pronoun
        self.collective = True  # every word is a people's
        self.mentions: Mentions | None = None  # read once a person named is asked for
        self.mention: Mention | None = None  # the first person named
        self.subject: Mention | None = None  # the first person named as the subject
        self.surname_at, self.surname = lo, ""  # read up to here, and the first lone surname ("" for none yet)
        self.role_at = 0  # the words before it have no role noun

    def who(self, hi: int) -> Who:
        if hi > self.hi:
            words = self.masked[self.hi:hi].split()
            folded = [fold(w) for w in words]
            if folded and not self.words:
                self.first = folded[0]
            self.words += words
            self.genitive = self.genitive or not GENITIVE_PRONOUNS.isdisjoint(folded)
            self.collective = self.collective and COLLECTIVE.issuperset(folded)
            self.hi = hi
        if self.words and (self.first in PRONOUNS or self.genitive):
            return Who()
        if self.words and self.collective:
            return Who(nobody=True)  # "Атам қазақ: «…»": a saying, as after "дейді қазақ"
        mention = self._mention(hi)
        if mention:
            return Who(mention.name, mention.role)
        if self._surname(hi):
            return Who(self.surname)
        while self.role_at < len(self.words) and not role_stem(self.words[self.role_at]):
            self.role_at += 1
        if self.role_at < len(self.words):
            word = self.words[self.role_at]
            role = strip_case(word.strip(",;:"))  # "мамандарының айтуынша" (in the specialists' words)
            return Who(role_stem=role_stem(word), role=role.lower() if self.role_at == 0 and role.istitle() else role)
        return Who()

    def _mention(self, hi: int) -> Mention | None:
        """The first person named as the subject, else the first named."""
        self.mentions = self.mentions or Mentions(self.masked, self.text, self.lo, self.script)
        if self.subject is None and self.mentions.read_to < hi:
            for mention in self.mentions.read(hi):
                self.mention = self.mention or mention
                if as_subject(mention, self.text):
                    self.subject = mention
                    break
        return self.subject or self.mention

    def _surname(self, hi: int) -> str:
        """The first capitalised word that reads as a surname alone ("Дорофеевтің"), not a role or a people."""
        if not self.surname and self.surname_at < hi:
            for word in CAPITAL_WORD.finditer(self.masked, self.surname_at, hi):
                surname = fold(strip_case(word.group()))
                if (not role_stem(surname) and not _plural_noun(surname)
                        and (GENITIVE.search(fold(word.group())) or SURNAME_END.search(surname))):
                    self.surname = normal_case(strip_case(word.group()))
                    break
            self.surname_at = hi
        return self.surname


def _plural_noun(folded: str) -> bool:
    """A long word with a plural ending, capitalised only as a sentence's first ("Синоптиктердің айтуынша": in the
    forecasters' words): people, not a name. Shorter ones may be first names (Мұхтар, Искандер)."""
    return len(folded) >= 9 and PLURAL.search(folded) is not None


def _lone_name(word: str) -> bool:
    """True for a capitalised word right after the verb that can be a one-word name ("Абай"), not a place or time
    ("деді Астанада өткен брифингте ол": said at a briefing in Astana), nor a letter ("сказал И.О. министра": the
    acting minister; "деді Ә.": an initial whose surname is not there)."""
    folded = fold(word.strip(",;:"))
    return (word[0].isupper() and len(folded) > 1 and folded not in PRONOUNS and not droppable(word)
            and not PLACE_ENDING.search(folded))


def who_after(masked: str, text: str, rest: re.Match[str], script: str) -> Who:
    """The speaker named after the verb: "дейді саясаттанушы Айдос Сарым", "دەدى ايدوس سارىم"."""
    lo, hi = rest.span("rest")
    hi = _name_end(masked, lo, hi)
    words = NAME_WORD.findall(masked, lo, hi)  # "دەدى ا.نۇرماعانبەت": the initial, the surname
    if words and fold(words[0].strip(",.;:")) in COLLECTIVE:
        return Who(nobody=True)
    if script != "arab" or not words or fold(words[0]) in PRONOUNS:
        who = who_in(masked, text, lo, hi, script)
        if who.name or who.role_stem or not words or not _lone_name(words[0]):
            return who
        return Who(normal_case(strip_case(words[0].strip(",;:"))))  # "деп жазды Абай"
    role_at = next((i for i, w in enumerate(words) if role_stem(w)), -1)
    if role_at < 0 and len(words) <= 3:
        named = words[:2]  # no capitals to tell a name: not a place or time ("دەدى سوڭىندا": said at the end)
        return Who() if PLACE_ENDING.search(fold(named[-1].strip(",;:"))) else Who(" ".join(named))
    if 0 <= role_at < len(words) - 1:
        return Who(" ".join(words[role_at + 1 : role_at + 3]), " ".join(words[: role_at + 1]))
    return who_in(masked, text, lo, hi, script)


def _name_end(masked: str, lo: int, hi: int) -> int:
    """Where the words after the verb, masked[lo:hi], end: at the first lone capital and dot that start no name, as
    at a sentence's end. The rest of an attribution goes on over initials ("деді Ә. Нұрмағанбет.")."""
    for initials in INITIALS.finditer(masked, lo, hi):
        if not _starts_name(masked[lo:initials.start()].split()):
            return initials.start() + 1
    return hi


def _starts_name(before: list[str]) -> bool:
    """Whether initials after these words (those after the verb, or a speaker line's) start the speaker's name: with
    none before them, or a role noun ("деді сарапшы Ә. Нұрмағанбет", "Экономист Ә. НҰРМАҒАНБЕТ:"). After another
    word a lone capital and dot end a sentence ("деді жаттықтырушы, жеребеде түскен топ Б. Жарыс ертең басталады.":
    the group drawn is B. The race starts tomorrow; "Жоба Б. Мақсаты: – …": project B. Its aim: …)."""
    return not before or role_stem(before[-1]) is not None


def speaker_line(text: str, script: str) -> tuple[Who, int] | None:
    """The speaker of an interview line ("Дарқан ҚАЛЕТАЕВ:", "Саясат НҰРБЕК: – …") and where its quote starts.

    The quote may start on the same line after a dash, or after the colon alone
    when the name has a word in capitals; a bare line gives `len(text)`.
    """
    match = SPEAKER_LINE.match(text)
    if match is None:
        return _role_speaker_line(text, script)
    words, rest = NAME_WORD.findall(match.group("name")), match.group("rest")  # "Ә.НҰРМАҒАНБЕТ": two words
    if any(fold(w) in PRONOUNS or is_verb(fold(w)) or (w.endswith(".") and not _starts_name(words[:at]))
           for at, w in enumerate(words)):
        return None
    if script != "arab" and (len(words) < 2 or not all(w[0].isupper() for w in words)):
        return None
    if rest and rest[0] not in DASHES + "«" and (script == "arab" or not any(is_caps(w) for w in words)):
        return None
    roles = 0
    while roles < len(words) - 1 and role_stem(words[roles]) not in (None, *NAME_LIKE_ROLES):
        roles += 1
    role = " ".join(words[:roles]) or None
    who = Who(normal_case(" ".join(words[roles:])), role[0].lower() + role[1:] if role else None)
    return who, match.start("rest") if rest else len(text)


def _role_speaker_line(text: str, script: str) -> tuple[Who, int] | None:
    """A speaker line that names its speaker after a role phrase, the speech after a dash on the same line:
    "Білім және ғылым министрі Ерлан Сағадиев: – …". Only when the role phrase is all that comes before the name,
    so a sentence ending with a colon ("Жиында министр Ерлан Сағадиев:": at the meeting, …) is none."""
    match = ROLE_SPEAKER_LINE.match(text) if script != "arab" else None
    if match is None or any(is_verb(fold(word)) for word in match.group("name").split()):
        return None
    mentions = find_mentions(text, text, match.start("name"), match.end("name"), script)
    if len(mentions) != 1 or mentions[0].end != match.end("name") or not mentions[0].role:
        return None
    if fold(" ".join(text[match.start("name"):mentions[0].start].split())) != fold(mentions[0].role):
        return None
    return Who(mentions[0].name, mentions[0].role), match.start("rest")


def closing_thanks(text: str) -> bool:
    """Whether a paragraph opens with the interviewer's thanks for the interview ("Сұхбатыңызға рахмет!", "– Әңгімеңізге
    рахмет!"): the outlet's last turn, unlabelled, which like a labelled one ends the answer before it and quotes no
    one. Not after a colon: "Айдос САРЫМ: – Сұхбатқа шақырғаныңызға рахмет." is the guest's answer."""
    first = SENTENCE_END.split(text, 1)[0]
    return ":" not in first and THANKS.search(first) is not None and INTERVIEW_WORD.search(first) is not None


def as_subject(mention: Mention, text: str) -> bool:
    """Whether a name is written as it is (the one who acts), not with a case ending ("Тоқаевтың жолдауына": to
    Tokayev's address, "Әшімбаевпен кездескен": who met Äshimbaev): only the former is who "ол" (he, she) is."""
    written = NAME_WORD.findall(text, mention.start, mention.end)  # "Ә.Нұрмағанбет": the initial, the surname
    return bool(written) and fold(written[-1]) == fold(mention.name.split()[-1])
