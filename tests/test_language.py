"""Script and language of a text (`crawler/language.py`), as the generic parser and abai's use them."""

from __future__ import annotations

import pytest

from crawler.language import detect_language, detect_script


@pytest.mark.parametrize(("text", "script"), [
    ("Тоқаев бүгін Астанада сөз сөйледі (Reuters).", "cyrl"),
    ("Toqaev búgin Astanada sóz sóiledi (Рейтер).", "latn"),
    ("توقاەۆ ءبۇگىن استانادا ءسوز سويلەدى", "arab"),
    ("ab аб", "latn"),  # a tie: the script whose letters come first
    ("аб ab", "cyrl"),
    ("2018, 16:01 — αβγ", None),  # no letter of the three scripts
    ("", None),
])
def test_the_script_most_letters_belong_to(text: str, script: str | None) -> None:
    assert detect_script(text) == script


@pytest.mark.parametrize(("text", "language"), [
    ("Бұл мақала қазақ тілі туралы және оның болашағы үшін жазылған, деп хабарлайды ол.", "kk"),
    ("Это статья о том, что было в городе, и он сказал, что все хорошо.", "ru"),
    ("This is the article that was written for the people of the city and it is good.", "en"),
    ("Абай", None),  # too few words
])
def test_the_language_of_function_words(text: str, language: str | None) -> None:
    assert detect_language(text) == language
