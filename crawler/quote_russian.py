"""Russian names in the genitive, as "по словам" (in the words of) puts them, back in the nominative, for the
quote extractor's people (`crawler/quote_names.py`).

Kept apart from the Kazakh name rules: Russian declines a first name and
surname alike, and a woman's surname by its own endings, which no Kazakh
rule shares.
"""

from __future__ import annotations

from crawler.quote_words import FEMALE_GENITIVE, NOMINATIVE_FEMALE, NOMINATIVE_MALE

__all__ = ["russian_nominative"]


def _nominative_word(word: str, female: bool) -> str:
    """A Russian word from the genitive back to the nominative: "Соколова" → "Соколов"."""
    for old, new in NOMINATIVE_FEMALE if female else NOMINATIVE_MALE:
        if word.endswith(old):
            return word[: len(word) - len(old)] + new
    return word


def russian_nominative(name: str, head_only: bool = False) -> str:
    """"Дмитрия Соколова" → "Дмитрий Соколов", "Ирины Смирновой" → "Ирина Смирнова"; a role by its head."""
    female = bool(FEMALE_GENITIVE.search(name)) and not head_only
    words = name.split()
    changed = words[:1] if head_only else words
    return " ".join([_nominative_word(word, female) for word in changed] + words[len(changed) :])
