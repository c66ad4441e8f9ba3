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

The module is pure: no I/O, and all state lives within one call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from crawler.items import Quote, QuoteKind

__all__ = ["extract_quotes", "normal_case"]

# --------------------------------------------------------------------------
# Word lists (compared on `_fold`ed words: case-folded, Arabic hamza dropped)
# --------------------------------------------------------------------------

SAY_VERBS = (
    # Kazakh, Cyrillic
    r"деді", r"дейді", r"атап\s+өтті", r"мәлімдеді",
    r"деп\s+(?:санайды|есептейді|мәлімдеді|атап\s+өтті|атап\s+көрсетті|айтты|айтады|жазды|жазады|"
    r"түйіндеді|қосты|ескертті|сендірді|хабарлады|түсіндірді|мойындады|толықтырды|пайымдайды|сенеді)",
    # Kazakh, Latin (abai.kz transliteration)
    r"dedi", r"deydi", r"atap\s+ótti", r"mәlimdedi",
    r"dep\s+(?:sanaydy|esepteydi|mәlimdedi|atap\s+ótti|aytty|aytady|jazdy|qosty|eskertti|habarlady|týsindirdi)",
    # Kazakh, Arabic script
    r"دەدى", r"دەيدى", r"اتاپ\s+ء?وتتى", r"ء?مالىمدەدى",
    r"دەپ\s+(?:سانايدى|ەسەپتەيدى|ء?مالىمدەدى|اتاپ\s+ء?وتتى|ايتتى|جازدى|قوستى)",
    # Russian
    r"(?:сказал|отметил|заявил|добавил|подчеркнул|пояснил|рассказал|сообщил|признал|уточнил|заключил)а?",
    r"считает", r"говорит", r"полагает", r"уверена?",
)
ASK_VERBS = (
    r"деп\s+сұрады", r"деген\s+(?:сауал|сұрақ)\w*(?:\s+(?:тастады|қойды|жолдады|берді))?",
    r"dep\s+súrady", r"degen\s+(?:saual|saýal|súraq)\w*(?:\s+(?:tastady|qoydy))?",
    r"دەپ\s+سۇرادى", r"دەگەن\s+(?:ساۋال|سۇراق)\w*(?:\s+(?:تاستادى|قويدى))?",
    r"спросила?", r"поинтересовал(?:ся|ась)",
)
# Indirect-speech markers: "Оның айтуынша, …", "Дорофеевтің пікірінше, …".
INDIRECT_MARKERS = (
    "айтуынша", "пікірінше", "сөзінше", "aytuynsha", "aituynsha", "pikirinshe", "sózinshe",
    "ايتۋىنشا", "پىكىرىنشە", "سوزىنشە",
)
PRONOUNS = frozenset({"ол", "ol", "ول", "он", "она", "они"})
GENITIVE_PRONOUNS = frozenset({"оның", "onyng", "ونىڭ", "его", "её", "ее", "их"})
# Role nouns, as stems: "министрі", "сарапшылар", "министра" all start with one.
ROLE_STEMS = (
    "министр", "сарапшы", "саясаттанушы", "директор", "президент", "төраға", "орынбасар", "депутат",
    "әкім", "модератор", "маман", "ғалым", "профессор", "журналист", "эксперт", "политолог",
    "аналитик", "глава", "председател", "заместител", "спикер", "аким", "хатшы", "секретар", "басшы",
    "төрайым", "елші", "посол", "ректор", "прокурор", "судья", "экономист", "губернатор",
    "ministr", "sarapshy", "sayasattanushy", "sayasattanýshy", "direktor", "prezident", "tóragha",
    "orynbasar", "deputat", "әkim", "akim", "moderator", "maman", "ghalym", "professor", "jurnalist",
    "hatshy", "ekonomist",
    "مينيستر", "ساراپشى", "ساياساتتانۋشى", "ديرەكتور", "پرەزيدەنت", "توراعا", "ورىنباسار",
    "دەپۋتات", "اكىم", "جۋرناليست",
)
# Role nouns that are also first names ("Ғалым Әбішев"): before a capitalised word, a name.
NAME_LIKE_ROLES = frozenset({"ғалым", "ghalym"})
# Words that start with a role stem but name an office, not a person.
NOT_ROLES = (
    "министрлі", "ministrli", "مينيسترلى", "әкімдік", "әкімшіл", "әkimdik", "әkimshil", "акимат",
    "басшылы", "ректорат", "посольств",
)
# Words that end a role phrase when read backwards from a name.
CHAIN_STOPS = frozenset(
    "және мен пен бен ал әрі бірақ бұл осы сол бүгін кеше сондай-ақ да де та те "
    "jәne men pen ben al biraq búl osy býgin keshe "
    "جانە مەن پەن بەن ال بۇل "
    "и а но в на по с о об от для это также".split()
)
# Capitalised words that start a run of capitals but are never a first name.
CAPITAL_STOPS = frozenset(
    "бұл ал бірақ мысалы мәселен бірінші екінші үшінші қазақстан республикасы мемлекет "
    "үкімет парламент мәжіліс сенат азаматтық қоғамдық ұлттық "
    "búl al biraq mysaly qazaqstan respublikasy "
    "в на по и а но однако когда казахстан россия республика".split()
)
LIST_SEPARATOR = re.compile(r"\s*(?:,|және|мен|пен|бен|jәne|men|pen|ben|جانە|مەن|پەن|بەن|и|and)\s*", re.I)

# --------------------------------------------------------------------------
# Regexes
# --------------------------------------------------------------------------

_DASHES = "–—-"
_ENDS = ".!?…؟"
_VERB = rf"(?:(?P<ask>{'|'.join(ASK_VERBS)})|(?P<say>{'|'.join(SAY_VERBS)}))(?!\w)"
_REST = rf"(?P<rest>[^{_ENDS}«»\n]*)"
# What may follow a closing guillemet: «…», – деді ол.
INLINE_ATTRIBUTION = re.compile(rf"[\s,،.!?…؟]*(?:[{_DASHES}]\s*)?{_VERB}{_REST}", re.I)
# The closing attribution inside a dash paragraph: – …, – дейді.
DASH_ATTRIBUTION = re.compile(rf"[,،]?\s+[{_DASHES}]\s*{_VERB}{_REST}", re.I)
LEADING_DASH = re.compile(rf"\s*[{_DASHES}]\s*(?=\S)")
CONTINUATION = re.compile(rf"[{_ENDS},،]?\s*[{_DASHES}]\s+(?=\S)")
INDIRECT_TAIL = re.compile(r"\s*[,،]\s*")
RUSSIAN_INDIRECT_WORDS = ("словам", "мнению", "оценке", "утверждению")
INDIRECT_RU = re.compile(
    r"(?<!\w)[Пп]о\s+(?P<who>(?:его|её|ее|их)\s+(?:словам|мнению)|"
    r"(?:словам|мнению|оценке|утверждению)\s+[^,.!?«»]{2,80}?)\s*,\s*"
)
# "Дарқан ҚАЛЕТАЕВ:" alone, or followed by its quote: "Саясат НҰРБЕК: – Біз …".
SPEAKER_LINE = re.compile(r"\s*(?P<name>[^\s:.!?…؟«»–—]+(?:[ \xa0][^\s:.!?…؟«»–—]+){0,2})\s*:\s*(?P<rest>.*)$", re.S)
SENTENCE_END = re.compile(r"[.!?…؟]+(?=\s|$)")
_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІÁÓÚÝÄÖÜÇĞŞÑİƏ"
_CAPITALISED = rf"[{_UPPER}](?:[^\W\d_]|['’-](?=[^\W\d_]))+"
# The capital comes first and the look-behind after it: far faster than a leading look-behind.
NAME_RUN = re.compile(rf"[{_UPPER}](?<![\w'’-].)(?:[^\W\d_]|['’-](?=[^\W\d_]))+(?:[ \xa0]{_CAPITALISED})+(?![\w'’-])")
CAPITAL_WORD = re.compile(rf"[{_UPPER}](?<![\w'’-].)(?:[^\W\d_]|['’-](?=[^\W\d_]))+(?![\w'’-])")
TOKEN = re.compile(r"«[^«»]*»|[^\s,.;:!?()«»…؟،\"“”]+|[,.;:!?()…؟،]")
GENITIVE = re.compile(r"(?:[тдн][ыі]ң|[tdn][yi]ng|[تدن]ىڭ)$")
# Other case endings, stripped from a surname only after a surname ending.
OTHER_CASE = re.compile(
    r"(?<=ов|ев|ин|ov|ev|in|وۆ|ەۆ)(?:қа|ке|ға|ге|ты|ті|ды|ді|та|те|тан|тен|пен|qa|ke|gha|ge|ty|ti|ta|te|tan|ten|pen)$"
)
PLURAL = re.compile(r"(?:[лдт][ае]р|[ldt][ae]r|[لدت][اە]ر)$")
SURNAME_END = re.compile(
    r"(?:ов|ев|ёв|ин|ова|ева|ина|овой|евой|иной|ский|ская|бек|ұлы|қызы|ov|ev|in|ova|eva|ina|bek|uly|úly|qyzy)$"
)
PATRONYMIC = re.compile(r"(?:ович|евич|овна|евна|ична|ұлы|қызы|uly|úly|qyzy)$")
# Russian genitive → nominative, for names after "по словам": male, and female by the surname.
RUSSIAN_GENITIVE_CONTEXT = re.compile(r"(?<!\w)[Пп]о\s+(?:словам|мнению|оценке|утверждению)\s+(?:[^\W\d_]+\s+){0,3}$")
FEMALE_GENITIVE = re.compile(r"(?:овой|евой|иной|ской|цкой)$")
NOMINATIVE_MALE = (("ского", "ский"), ("ия", "ий"), ("ея", "ей"), ("ая", "ай"), ("я", "ь"), ("ы", "а"), ("а", ""))
NOMINATIVE_FEMALE = (
    ("ской", "ская"), ("ой", "а"), ("ии", "ия"), ("ьи", "ья"), ("ги", "га"), ("ки", "ка"), ("хи", "ха"), ("ы", "а"),
)
# Kazakh case and verb endings that cannot sit inside "Қоғамдық даму министрі".
CASE_STOP = {
    "cyrl": re.compile(r"(?:[дтн][ыі]|[ғгқк][ае]|[ғгқк][ае]н|[дт][ае])$"),
    "latn": re.compile(r"(?:[dtn][yi]|(?:gh|g|q|k)[ae]n?|[dt][ae])$"),
    "arab": re.compile(r"(?:[دتن][ىي]|[عگقك][اە]ن?|[دت][اە])$"),
}
VERB_WORD = re.compile(rf"(?:{'|'.join(SAY_VERBS + ASK_VERBS)}|деп|dep|دەپ)", re.I)
WORD = re.compile(r"\S+")
OTHER_QUOTES = re.compile(r'"[^"\n]+"|“[^“”\n]+”|„[^“”\n]+[“”]')
LATIN_DIGRAPH_H = re.compile(r"(?<=[A-Z])h")  # "SYILYGhY": abai.kz writes Ғ as Gh even in capitals
ARABIC = re.compile(r"[\u0621-\u064A\u0671-\u06FF]")
LATIN = re.compile(r"[A-Za-zÁÓÚÝáóúýÄÖÜäöüÇĞŞÑçğşñİı]")
KAZAKH_LETTERS = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_SKELETON = str.maketrans("әғқңөұүһіё", "агкноуухие")


# --------------------------------------------------------------------------
# Words and names
# --------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    """Case-fold a word, drop the Arabic-script hamza and surrounding punctuation."""
    return word.casefold().replace("ء", "").replace("ٴ", "").strip("«»\"'“”.,:;!?()…؟،")


def _is_caps(word: str) -> bool:
    """True for an all-capitals word ("САРЫМ", Latin "ÁBIShEV" with its h digraphs)."""
    letters = LATIN_DIGRAPH_H.sub("", word).replace("-", "")
    return len(letters) > 1 and letters.isupper()


@lru_cache(maxsize=4096)
def normal_case(name: str) -> str:
    """A name in normal case: "Айдос САРЫМ" → "Айдос Сарым", "ÁBIShEV" → "Ábishev"."""
    def fix(part: str) -> str:
        return part[0] + part[1:].lower() if _is_caps(part) else part

    return " ".join("-".join(fix(p) for p in word.split("-") if p) for word in name.split())


def _strip_case(word: str) -> str:
    """Drop a Kazakh case suffix from a surname: "Дорофеевтің" → "Дорофеев"."""
    if len(word) > 5 and GENITIVE.search(word.casefold()):
        return word[:-4] if word.casefold().endswith("ng") else word[:-3]
    match = OTHER_CASE.search(word.casefold())
    return word[: match.start()] if match and match.start() >= 4 else word


@lru_cache(maxsize=8192)
def _role_stem(word: str) -> str | None:
    """The role stem a word starts with ("министрі" → "министр"), if any."""
    folded = _fold(word).rsplit("-", 1)[-1]  # "Премьер-министр", "вице-министр"
    if not folded.startswith(ROLE_STEMS) or folded.startswith(NOT_ROLES):
        return None
    return next(stem for stem in ROLE_STEMS if folded.startswith(stem))


def _script(text: str) -> str:
    """Writing system of a text: "arab", "cyrl" or "latn".

    Cyrillic letters take two bytes in UTF-8 and Latin ones one, so the byte
    length of a sample tells them apart without counting letters.
    """
    sample = text[:200]
    if ARABIC.search(sample):
        return "arab"
    return "cyrl" if len(sample.encode()) > 1.4 * len(sample) else "latn"


@lru_cache(maxsize=4096)
def _skeleton(name: str) -> tuple[str, ...]:
    """A name's words folded and with Kazakh letters mapped to their Russian bases."""
    return tuple(_fold(w).translate(_SKELETON) for w in name.split())


def _close(a: str, b: str) -> bool:
    """True when two words differ by at most one edit."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _same_surname(a: str, b: str) -> bool:
    """Equal surnames, allowing a Russian case ending ("Петрова" ~ "Петров")."""
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2)


def _same_person(a: str, b: str) -> bool:
    """True when two spellings name one person ("Дархан Қалетаев" ~ "Дарқан ҚАЛЕТАЕВ")."""
    wa, wb = _skeleton(a), _skeleton(b)
    if not _same_surname(wa[-1], wb[-1]):
        return False
    if len(wa) == 1 or len(wb) == 1:
        return True
    fa, fb = wa[0], wb[0]
    return _close(fa, fb) or (fa[0] == fb[0] and min(len(fa), len(fb)) <= 2) or _same_surname(fa, fb)


# --------------------------------------------------------------------------
# People mentioned in the text
# --------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    """One person of the article, under the first spelling seen, with the most specific role given."""

    name: str
    role: str | None = None


@dataclass(slots=True)
class _Registry:
    """People of one article, the most recently mentioned last."""

    people: list[_Person] = field(default_factory=list)
    subject: _Person | None = None
    spellings: dict[str, _Person] = field(default_factory=dict)  # every spelling met, for a fast lookup

    def find(self, name: str) -> _Person | None:
        known = self.spellings.get(name)
        return known or next((p for p in reversed(self.people) if _same_person(p.name, name)), None)

    def mention(self, name: str, role: str | None) -> _Person:
        person = self.find(name)
        if person is None:
            person = _Person(name)
        else:
            self.people.remove(person)
        self.people.append(person)
        self.spellings[name] = person
        person.role = _merge_role(person.role, role)
        return person

    def with_role(self, stem: str) -> _Person | None:
        return next((p for p in reversed(self.people) if p.role and stem in _fold(p.role)), None)


def _merge_role(old: str | None, new: str | None) -> str | None:
    """Keep the more specific role: "министр" adds nothing to "Қоғамдық даму министрі"."""
    if not new or not old:
        return new or old
    stems = {s for w in new.split() if (s := _role_stem(w))}
    return old if stems and all(s in _fold(old) for s in stems) else new


@dataclass(slots=True)
class _Mention:
    """A person named in a paragraph, at `start`."""

    start: int
    end: int
    name: str
    role: str | None


def _nominative_word(word: str, female: bool) -> str:
    """A Russian word from the genitive back to the nominative: "Соколова" → "Соколов"."""
    for old, new in NOMINATIVE_FEMALE if female else NOMINATIVE_MALE:
        if word.endswith(old):
            return word[: len(word) - len(old)] + new
    return word


def _russian_nominative(name: str, head_only: bool = False) -> str:
    """"Дмитрия Соколова" → "Дмитрий Соколов", "Ирины Смирновой" → "Ирина Смирнова"; a role by its head."""
    female = bool(FEMALE_GENITIVE.search(name)) and not head_only
    words = name.split()
    changed = words[:1] if head_only else words
    return " ".join([_nominative_word(word, female) for word in changed] + words[len(changed) :])


def _stops_chain(token: str, script: str, kazakh: bool) -> bool:
    """True when a token, read backwards from a name, cannot belong to its role phrase."""
    folded = _fold(token)
    if not folded or token in ",.;:!?()…؟،" or folded in CHAIN_STOPS or folded in PRONOUNS:
        return True
    if folded in GENITIVE_PRONOUNS or VERB_WORD.fullmatch(folded):
        return True
    suffix_stop = CASE_STOP[script] if (script != "cyrl" or kazakh) else None
    return bool(suffix_stop and len(folded) > 3 and not token.startswith("«") and suffix_stop.search(folded))


def _role_before(text: str, name_start: int, script: str, kazakh: bool) -> tuple[str | None, bool]:
    """The role phrase printed right before a name, and whether it was plural ("сарапшылар")."""
    tokens = TOKEN.findall(text, max(0, name_start - 120), name_start)
    chain: list[str] = []
    head = -1
    for token in reversed(tokens):
        stem = _role_stem(token)
        if stem and not GENITIVE.search(_fold(token)):
            if head >= 0:
                break
            head = len(chain)
        elif len(chain) >= 6 or _stops_chain(token, script, kazakh):
            break
        chain.append(token)
    if head < 0:
        return None, False
    if script == "cyrl" and not kazakh:
        chain = chain[: head + 1]  # Russian: the role noun comes first ("министр информации")
    plural = bool(PLURAL.search(_fold(chain[head])))
    if plural:
        chain[head] = chain[head][:-3]
    words = list(reversed(chain))
    if _role_stem(words[0]):
        words[0] = words[0][0].lower() + words[0][1:]
    return " ".join(words), plural


def _droppable(word: str) -> bool:
    """A capitalised word that opens a run but is no part of the name: "Сарапшы", "Төрағасының"."""
    folded = _fold(word)
    if folded in CAPITAL_STOPS or GENITIVE.search(folded):
        return True
    return _role_stem(word) is not None and folded not in NAME_LIKE_ROLES


@lru_cache(maxsize=4096)
def _name_in(words: tuple[str, ...], latin: bool) -> tuple[int, int, str] | None:
    """(first, last + 1, name) of the person's name inside a run of capitalised words."""
    first = next((i for i, w in enumerate(words) if not _droppable(w)), len(words))
    if len(words) - first < 2:
        return None
    # The last word pair ending in a surname: "Мажилиса Ирина Смирнова" → "Ирина Смирнова".
    ends = [i for i in range(first, len(words) - 1) if SURNAME_END.search(_fold(_strip_case(words[i + 1])))]
    pick, size = (ends[-1] if ends else first), 2
    if pick > first and PATRONYMIC.search(_fold(words[pick])):
        pick, size = pick - 1, 3  # "Дмитрий Сергеевич Иванов"
    chosen = list(words[pick : pick + size])
    if any(_droppable(w) for w in chosen[:-1]) or (LATIN.search(" ".join(chosen)) is not None) != latin:
        return None  # "Open Government Partnership" in a Cyrillic text
    chosen[-1] = _strip_case(chosen[-1])
    return pick, pick + size, normal_case(" ".join(chosen))


def _person_in_run(run: re.Match[str], script: str) -> tuple[int, int, str] | None:
    """The person's name inside a run of capitalised words, as (start, end, name)."""
    spans = [m.span() for m in WORD.finditer(run.string, run.start(), run.end())]
    found = _name_in(tuple(run.string[a:b] for a, b in spans), script == "latn")
    return (spans[found[0]][0], spans[found[1] - 1][1], found[2]) if found else None


def _arabic_mentions(masked: str, text: str, lo: int, hi: int) -> list[_Mention]:
    """Arabic script has no capitals: a name is the two words after a role noun."""
    tokens = list(TOKEN.finditer(masked, lo, hi))
    found: list[_Mention] = []
    for i, token in enumerate(tokens[:-2]):
        if not _role_stem(token.group()) or GENITIVE.search(_fold(token.group())):
            continue
        first, last = tokens[i + 1], tokens[i + 2]
        if any(_stops_chain(t.group(), "arab", False) or _role_stem(t.group()) for t in (first, last)):
            continue
        role, _ = _role_before(text, first.start(), "arab", False)
        found.append(_Mention(first.start(), last.end(), f"{first.group()} {_strip_case(last.group())}", role))
    return found


def _mentions(masked: str, text: str, lo: int, hi: int, script: str) -> list[_Mention]:
    """People named in text[lo:hi] (quotes blanked out in `masked`), with their roles."""
    if script == "arab":
        return _arabic_mentions(masked, text, lo, hi)
    kazakh = script == "latn" or bool(KAZAKH_LETTERS.search(text))
    found: list[_Mention] = []
    list_role: str | None = None
    for run in NAME_RUN.finditer(masked, lo, hi):
        person = _person_in_run(run, script)
        if person is None:
            continue
        start, end, name = person
        role, plural = _role_before(text, start, script, kazakh)
        if not kazakh and RUSSIAN_GENITIVE_CONTEXT.search(text, max(0, start - 60), start):
            name, role = _russian_nominative(name), role and _russian_nominative(role, head_only=True)
        if role is None and list_role and found and LIST_SEPARATOR.fullmatch(text[found[-1].end : start]):
            role = list_role
        elif role is not None:
            list_role = role if plural else None
        found.append(_Mention(start, end, name, role))
    return found


# --------------------------------------------------------------------------
# Who speaks: the words around a quote
# --------------------------------------------------------------------------


@dataclass(slots=True)
class _Who:
    """What the attribution says about the speaker."""

    name: str | None = None
    role: str | None = None
    role_stem: str | None = None


def _who_in(masked: str, text: str, lo: int, hi: int, script: str) -> _Who:
    """The speaker named in text[lo:hi]: a name, a lone surname, a role noun, or nothing."""
    words = masked[lo:hi].split()
    folded = [_fold(w) for w in words]
    if folded and (folded[0] in PRONOUNS or any(w in GENITIVE_PRONOUNS for w in folded)):
        return _Who()
    mentions = _mentions(masked, text, lo, hi, script)
    if mentions:
        return _Who(mentions[0].name, mentions[0].role)
    for word in CAPITAL_WORD.finditer(masked, lo, hi):
        surname = _fold(_strip_case(word.group()))
        if not _role_stem(surname) and (GENITIVE.search(_fold(word.group())) or SURNAME_END.search(surname)):
            return _Who(normal_case(_strip_case(word.group())))
    role_at = next((i for i, w in enumerate(words) if _role_stem(w)), -1)
    if role_at >= 0:
        return _Who(role_stem=_role_stem(words[role_at]), role=words[role_at].strip(",;:"))
    return _Who()


def _lone_name(word: str) -> bool:
    """True for a capitalised word right after the verb that can be a one-word name ("Абай")."""
    return word[0].isupper() and _fold(word) not in PRONOUNS and not _droppable(word)


def _who_after(masked: str, text: str, rest: re.Match[str], script: str) -> _Who:
    """The speaker named after the verb: "дейді саясаттанушы Айдос Сарым", "دەدى ايدوس سارىم"."""
    lo, hi = rest.span("rest")
    words = masked[lo:hi].split()
    if script != "arab" or not words or _fold(words[0]) in PRONOUNS:
        who = _who_in(masked, text, lo, hi, script)
        if who.name or who.role_stem or not words or not _lone_name(words[0]):
            return who
        return _Who(normal_case(_strip_case(words[0].strip(",;:"))))  # "деп жазды Абай"
    role_at = next((i for i, w in enumerate(words) if _role_stem(w)), -1)
    if role_at < 0 and len(words) <= 3:
        return _Who(" ".join(words[:2]))
    if 0 <= role_at < len(words) - 1:
        return _Who(" ".join(words[role_at + 1 : role_at + 3]), " ".join(words[: role_at + 1]))
    return _who_in(masked, text, lo, hi, script)


def _sentence_start(text: str, pos: int) -> int:
    """Offset where the sentence holding `pos` begins."""
    start = 0
    for match in SENTENCE_END.finditer(text, 0, pos):
        start = match.end()
    return start


def _sentence_end(text: str, pos: int) -> int:
    """Offset of the punctuation that ends the sentence holding `pos` (or the text's end)."""
    match = SENTENCE_END.search(text, pos)
    return match.start() if match else len(text.rstrip())


# --------------------------------------------------------------------------
# Quote candidates in one paragraph
# --------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    """A quote found in a paragraph, its speaker not yet resolved."""

    kind: QuoteKind
    start: int
    end: int
    who: _Who


def _trim(text: str, start: int, end: int, chars: str = " \t\n") -> tuple[int, int]:
    """Shrink [start, end) past surrounding `chars`."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def _guillemet_spans(text: str) -> list[tuple[int, int]]:
    """Top-level «…» spans (nested guillemets included), with straight or curly quotes as fallback."""
    spans: list[tuple[int, int]] = []
    depth = opened = 0
    at = text.find("«")
    while at >= 0:
        if text[at] == "«":
            opened = at if depth == 0 else opened
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, at + 1))
        at = min((i for i in (text.find("«", at + 1), text.find("»", at + 1)) if i >= 0), default=-1)
    if not spans and ('"' in text or "“" in text):
        spans = [m.span() for m in OTHER_QUOTES.finditer(text)]
    return spans


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the given spans blanked out (offsets kept)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _inline_candidates(text: str, masked: str, spans: list[tuple[int, int]], script: str) -> list[_Candidate]:
    """«…» деді ол / «…», — сказал он / Министр: «…» — guillemet spans that are quotes."""
    found: list[_Candidate] = []
    for open_at, close_at in spans:
        attribution = INLINE_ATTRIBUTION.match(text, close_at)
        if attribution is None and not text[:open_at].rstrip().endswith(":"):
            continue  # a name: «Нұр Отан» партиясы, «Рейтер» агенттігі
        who = _who_after(masked, text, attribution, script) if attribution else _Who()
        if who.name is None and who.role_stem is None:
            who = _who_in(masked, text, _sentence_start(masked, open_at), open_at, script)
        kind: QuoteKind = "question" if attribution and attribution.group("ask") else "inline"
        start, end = _trim(text, open_at + 1, close_at - 1)
        found.append(_Candidate(kind, start, end, who))
    return found


def _dash_candidates(text: str, script: str) -> list[_Candidate]:
    """– …, – дейді. (– continued.) — a dash paragraph closed by an attribution."""
    lead = LEADING_DASH.match(text)
    attribution = DASH_ATTRIBUTION.search(text, lead.end()) if lead else None
    if lead is None or attribution is None:
        return []
    who = _who_after(text, text, attribution, script)
    kind: QuoteKind = "question" if attribution.group("ask") else "dash"
    found = [_Candidate(kind, *_trim(text, lead.end(), attribution.start(), " \t\n,،"), who)]
    more = CONTINUATION.match(text, attribution.end())
    if more:
        found.append(_Candidate("dash", *_trim(text, more.end(), len(text)), who))
    return found


def _indirect_markers(text: str) -> list[tuple[int, int, int]]:
    """(who_start, who_end, text_start) of each "…-тың айтуынша, " or "По словам …, " in the text."""
    found: list[tuple[int, int, int]] = []
    for marker in INDIRECT_MARKERS:
        at = text.find(marker)
        while at >= 0:
            tail = INDIRECT_TAIL.match(text, at + len(marker))
            if tail and not (at and text[at - 1].isalpha()):
                found.append((_sentence_start(text, at), at, tail.end()))
            at = text.find(marker, at + 1)
    if any(word in text for word in RUSSIAN_INDIRECT_WORDS):
        found += [(*m.span("who"), m.end()) for m in INDIRECT_RU.finditer(text)]
    return sorted(found)


def _indirect_candidates(text: str, masked: str, script: str) -> list[_Candidate]:
    """Оның айтуынша, … / По словам Петрова, … — reported speech, kind "indirect"."""
    found: list[_Candidate] = []
    for who_lo, who_hi, text_at in _indirect_markers(masked):
        start, end = _trim(text, text_at, _sentence_end(masked, text_at))
        if end > start:
            found.append(_Candidate("indirect", start, end, _who_in(masked, text, who_lo, who_hi, script)))
    return found


def _speaker_line(text: str, script: str) -> tuple[_Who, int] | None:
    """The speaker of an interview line ("Дарқан ҚАЛЕТАЕВ:", "Саясат НҰРБЕК: – …") and where its quote starts.

    The quote may start on the same line after a dash, or after the colon alone
    when the name has a word in capitals; a bare line gives `len(text)`.
    """
    match = SPEAKER_LINE.match(text)
    if match is None:
        return None
    words, rest = match.group("name").split(), match.group("rest")
    if any(_fold(w) in PRONOUNS or VERB_WORD.fullmatch(_fold(w)) for w in words):
        return None
    if script != "arab" and (len(words) < 2 or not all(w[0].isupper() for w in words)):
        return None
    if rest and rest[0] not in _DASHES + "«" and (script == "arab" or not any(_is_caps(w) for w in words)):
        return None
    roles = 0
    while roles < len(words) - 1 and _role_stem(words[roles]) and _fold(words[roles]) not in NAME_LIKE_ROLES:
        roles += 1
    role = " ".join(words[:roles]) or None
    who = _Who(normal_case(" ".join(words[roles:])), role[0].lower() + role[1:] if role else None)
    return who, match.start("rest") if rest else len(text)


# --------------------------------------------------------------------------
# The article
# --------------------------------------------------------------------------


@dataclass(slots=True)
class _Paragraph:
    """Quote candidates of one paragraph and the text left for finding names."""

    candidates: list[_Candidate]
    masked: str
    speaker_line: _Who | None = None  # a bare "Name SURNAME:" line, waiting for its dash paragraph


def _read_paragraph(text: str, script: str, waiting: _Who | None) -> _Paragraph:
    """Find the quotes of one paragraph; `waiting` is the speaker of a preceding bare speaker line."""
    spans = _guillemet_spans(text)
    masked = _mask(text, spans)
    line = _speaker_line(text, script)
    if line and line[1] == len(text):
        return _Paragraph([], masked, speaker_line=line[0])
    speaker: _Who | None = waiting
    lead = LEADING_DASH.match(text)
    block_start = lead.end() if lead else -1
    if line and text[line[1]] != "«":
        speaker, lead = line[0], LEADING_DASH.match(text, line[1])
        block_start = lead.end() if lead else line[1]
    if speaker and block_start >= 0:
        start, end = _trim(text, block_start, len(text))
        return _Paragraph([_Candidate("block", start, end, speaker)], _mask(text, [(start, end)]))
    dashed = _dash_candidates(text, script) if LEADING_DASH.match(text) else []
    if dashed:
        return _Paragraph(dashed, _mask(text, [(c.start, c.end) for c in dashed]))
    found = _inline_candidates(text, masked, spans, script) + _indirect_candidates(text, masked, script)
    return _Paragraph(found, masked)


def _speaker(who: _Who, registry: _Registry, context: list[_Person]) -> tuple[_Person | None, str | None]:
    """Resolve an attribution to a person: a name, else a role noun, else the current subject."""
    if who.name:
        named = registry.mention(who.name, who.role)
        return named, named.role
    if who.role_stem:
        person = registry.with_role(who.role_stem)
        return (person, person.role) if person else (None, who.role)
    person = context[0] if context else registry.subject
    return person, person.role if person else None


def _paragraph_quotes(index: int, text: str, para: _Paragraph, script: str, registry: _Registry) -> list[Quote]:
    """Resolve a paragraph's candidates in reading order, registering the names met on the way."""
    mentions = _mentions(para.masked, text, 0, len(text), script)
    candidates = [c for c in para.candidates if c.end > c.start]  # "«»" or "– , – деді" quote nothing
    events = sorted([(m.start, 0, m) for m in mentions] + [(c.start, 1, c) for c in candidates], key=lambda e: e[:2])
    context: list[_Person] = []
    quotes: list[Quote] = []
    for _, _, event in events:
        if isinstance(event, _Mention):
            context.append(registry.mention(event.name, event.role))
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
    registry = _Registry()
    quotes: list[Quote] = []
    waiting: _Who | None = None
    for index, text in enumerate(paragraphs):
        script = _script(text)
        para = _read_paragraph(text, script, waiting)
        if para.speaker_line and para.speaker_line.name:
            registry.mention(para.speaker_line.name, para.speaker_line.role)
        quotes.extend(_paragraph_quotes(index, text, para, script, registry))
        waiting = para.speaker_line
    return quotes
