"""Kazakh Cyrillic → the Latin and Arabic scripts abai.kz publishes, close enough for synthetic pages.

abai.kz prints every article three times: Cyrillic (`/post/<id>`), its own
Latin transliteration (`/lt/post/<id>`: қ → q, ғ → gh, ң → ng, ү → ý, ө → ó,
ұ → ú, ә kept) and Arabic script (`/tt/post/<id>`, төте жазу: no capitals, a
leading hamza ء marks a front-vowel word unless е, к or г already does).
These tables reproduce the spellings the fixture pages and the parser's word
lists use (months, "пікір", "сағат", "деді"/"дейді", the byline), so the
synthetic Latin and Arabic pages exercise the same code paths as real ones.
They are not a linguistic reference.
"""

from __future__ import annotations

import re
from functools import lru_cache

_LATIN_LOWER = {
    "а": "a", "ә": "ә", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "io",
    "ж": "j", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "ng", "о": "o", "ө": "ó", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ú",
    "ү": "ý", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}
# Capitals keep digraphs in mixed case ("Gh", "Sh"), as the site does even in all-caps words.
_LATIN = str.maketrans(
    {**_LATIN_LOWER, **{c.upper(): (v[:1].upper() + v[1:]) for c, v in _LATIN_LOWER.items() if c.upper() != c}}
)

_ARABIC_LOWER = {
    "а": "ا", "ә": "ا", "б": "ب", "в": "ۆ", "г": "گ", "ғ": "ع", "д": "د", "е": "ە", "ё": "يو",
    "ж": "ج", "з": "ز", "и": "ي", "й": "ي", "к": "ك", "қ": "ق", "л": "ل", "м": "م", "н": "ن",
    "ң": "ڭ", "о": "و", "ө": "و", "п": "پ", "р": "ر", "с": "س", "т": "ت", "у": "ۋ", "ұ": "ۇ",
    "ү": "ۇ", "ф": "ف", "х": "ح", "һ": "ھ", "ц": "تس", "ч": "چ", "ш": "ش", "щ": "شش", "ъ": "",
    "ы": "ى", "і": "ى", "ь": "", "э": "ە", "ю": "يۋ", "я": "يا",
}
_ARABIC = str.maketrans({**_ARABIC_LOWER, **{c.upper(): v for c, v in _ARABIC_LOWER.items() if c.upper() != c}})
_ARABIC_PUNCTUATION = str.maketrans({",": "،", "?": "؟", ";": "؛"})
_FRONT = frozenset("әөүіӘӨҮІ")
_FRONT_MARKED = frozenset("екгэЕКГЭ")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")


def to_latin(text: str) -> str:
    """abai.kz's Latin spelling of Kazakh Cyrillic text ("Қыркүйек" → "Qyrkýyek")."""
    return text.translate(_LATIN)


def _arabic_word(match: re.Match[str]) -> str:
    word = match.group()
    hamza = "ء" if not _FRONT_MARKED.intersection(word) and _FRONT.intersection(word) else ""
    return hamza + word.translate(_ARABIC)


def to_arabic(text: str, *, punctuation: bool = True) -> str:
    """Arabic-script (төте жазу) spelling of Kazakh Cyrillic text ("сөзінше" → "ءسوزىنشە").

    With `punctuation`, commas and question marks become Arabic ones, as in
    body text; page chrome and printed dates keep ASCII commas.
    """
    text = _CYRILLIC_WORD.sub(_arabic_word, text)
    return text.translate(_ARABIC_PUNCTUATION) if punctuation else text


@lru_cache(maxsize=8192)  # synthetic pages draw their texts from small pools
def transliterate(text: str, script: str, *, punctuation: bool = True) -> str:
    """`text` (Kazakh Cyrillic) in `script`: "cyrl" (unchanged), "latn" or "arab"."""
    if script == "latn":
        return to_latin(text)
    if script == "arab":
        return to_arabic(text, punctuation=punctuation)
    return text
