"""Language and script of a text, by letters and common words.

abai.kz prints Russian articles inside Kazakh page chrome, and transliterates
both languages into Latin and Arabic script, so neither the page's `lang`
attribute nor the script tells the body's language. Function words do: they
are frequent, short and differ between Kazakh, Russian and English in every
script the site uses. A general-purpose detector knows none of the Latin or
Arabic-script spellings of Kazakh and Russian used here.
"""

from __future__ import annotations

import re
from collections import Counter

from crawler.items import Script

_WORD = re.compile(r"[^\W\d_]+")

# Frequent function words per language, in each script the site writes them in.
_STOPWORDS: dict[str, frozenset[str]] = {
    "kk": frozenset(
        # Cyrillic
        "және мен бұл деп бар үшін осы да де ол олар біз сол бір еді екен емес деген болып "
        "қазақ жоқ туралы бойынша арқылы кейін дейін ғана мұндай әрі тек "
        # Latin (abai.kz transliteration)
        "jәne men búl dep bar ýshin osy ol olar biz sol bir edi eken emes degen bolyp qazaq "
        "joq turaly boyynsha arqyly keyin deyin ghana әri tek "
        # Arabic script
        "جانە مەن بۇل دەپ بار ءۇشىن وسى دا دە ول ولار ءبىز سول ءبىر ەدى ەكەن ەمەس دەگەن بولىپ "
        "قازاق جوق تۋرالى بويىنشا ارقىلى كەيىن عانا".split()
    ),
    "ru": frozenset(
        "и в не на что с по из как это для от но его её ее он она они был была было "
        "все всё также только к о у за при же бы ли "
        "y v ne na chto s po iz kak eto dlya ot no ego eyo on ona oni byl byla bylo vse takje "
        "toliko k o u za pri je by ly "
        "ي ۆ نە نا چتو س پو يز كاك ەتو دليا وت نو ەگو ەيو ون ونا ونی بىل بىلا ۆسە تاكجە".split()
    ),
    "en": frozenset(
        "the and of to in is that for on with as was are by this be at from it an have "
        "has not but were which".split()
    ),
}
_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_SCRIPT_LETTERS: dict[Script, re.Pattern[str]] = {
    "cyrl": re.compile("[\u0400-\u04ff]+"), "arab": re.compile("[\u0600-\u06ff]+"), "latn": re.compile("[A-Za-z]+"),
}


def detect_script(text: str) -> Script | None:
    """The writing system most letters of `text` belong to; on a tie, the one whose letters come first."""
    counts: dict[Script, tuple[int, int]] = {}  # letters, and minus where the first one is
    for script, letters in _SCRIPT_LETTERS.items():
        runs = letters.findall(text)  # runs, not letters: one string per word instead of one per letter
        if runs:
            counts[script] = (sum(map(len, runs)), -text.index(runs[0]))
    if not counts:
        return None
    return max(counts, key=counts.__getitem__)


def detect_language(text: str, *, sample: int = 4000) -> str | None:
    """ISO 639-1 code ("kk", "ru", "en") of `text`, or None when it has too few words.

    Scores the share of each language's function words among the first
    `sample` characters; Kazakh-only Cyrillic letters add to Kazakh's score.
    """
    head = text[:sample]
    words = Counter(map(str.casefold, _WORD.findall(head)))
    if words.total() < 5:
        return None
    scores = {lang: sum(words[w] for w in stop.intersection(words)) for lang, stop in _STOPWORDS.items()}
    scores["kk"] += sum(head.count(c) for c in _KAZAKH_LETTERS) // 8
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    return lang if best >= 2 else None
