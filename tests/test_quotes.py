"""Quote extraction: the seed article quote by quote, then each attribution form on small cases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from crawler.items import Quote
from crawler.quote_names import normal_case
from crawler.quote_people import Registry
from crawler.quote_words import INDIRECT_MARKERS, INDIRECT_MARKERS_BY_CORE, ROLE_STEMS
from crawler.quotes import extract_quotes

QUOTE_FIXTURES = Path(__file__).parent / "fixtures" / "quotes"


def load(name: str) -> Any:
    return json.loads((QUOTE_FIXTURES / name).read_text(encoding="utf-8"))


def in_a_child(code: str) -> None:
    """`code` run in a child Python bounded at a minute: a runaway pattern fails its test rather than hanging the suite."""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


SEED = load("seed.json")
SEED_PARAGRAPHS: list[str] = SEED["paragraphs"]

NUR_OTAN_DEPUTY = "«Нұр Отан» партиясы Төрағасының Бірінші орынбасары"
MINISTER = "Қоғамдық даму министрі"
# Every quote of the seed article, in order: paragraph, kind, speaker, role, first and last words.
SEED_QUOTES = [
    (0, "question", "Рахым Ошақбаев", "«Талап» қолданбалы зерттеу орталығының директоры", "Мемлекеттік органдар қоғаммен", "тиімді ме?"),
    (4, "inline", "Мәулен Әшімбаев", NUR_OTAN_DEPUTY, "Біздің бүгінгі мемлекет", "талқылауымыз керек"),
    (5, "inline", "Дархан Қалетаев", MINISTER, "Бізде азаматтық қоғамға", "жұмыс жүргізуі керек"),
    (6, "indirect", "Дархан Қалетаев", MINISTER, "бүгінгі күні 220-дан", "кеңес жұмыс істейді"),
    (7, "inline", "Айдос Сарым", "саясаттанушы", "Аймақтарда мәслихаттар тұрғанда", "жобасы соның мысалы"),
    (9, "dash", "Асылбек Қожахметов", "Қазақстан азаматтық альянсының президенті", "Әрі-беріден соң партиялар", "орындалуын өзі бақыласын"),
    (10, "indirect", "Михаил Дорофеев", "сарапшы", "билік қоғаммен байланысты", "ашық болса жеткілікті"),
    (11, "inline", "Михаил Дорофеев", "сарапшы", "Билік өзінің қоғамға", "Кері байланысты дамытсын"),
    (12, "indirect", "Михаил Дорофеев", "сарапшы", "билікке Фейсбуктен шошудың", "қажеті жоқ"),
    (14, "inline", "Саясат Нұрбек", "сарапшы", "Бұл мәселенің шешімін", "мәселесін көтеруіміз керек"),
    (17, "dash", "Мәулен Әшімбаев", NUR_OTAN_DEPUTY, "Бүгінде қандай да бір", "берері мол деп есептеймін"),
    (20, "block", "Дархан Қалетаев", MINISTER, "Әлеуметтік желі – ол факт", "стандарты түсінікті болуы керек."),
    (22, "block", "Айдос Сарым", "саясаттанушы", "Әкімдер мен министрлердің ашықтығы", "халыққа ашып та айта алмайды."),
    (24, "block", "Талғат Қалиев", "сарапшы", "Азаматтық қоғам мүшелері", "азаматтық қоғамның мысалы бола алмайды."),
    (25, "block", "Саясат Нұрбек", "сарапшы", "Біз бүгінгі талқылауда", "сөз тіркестеріне дейін жазылған."),
]
SEED_NAMES_NOT_QUOTES = [
    "Талап", "Нұр Отан", "Рейтер", "Қоғамдық кеңестер туралы", "Аймақтық даму бағдарламасы", "Тілдің қарапайымдылығы туралы",
]


def summary(quote: Quote) -> tuple[int, str, str | None, str | None]:
    return quote.paragraph, quote.kind, quote.speaker, quote.speaker_role


# --- the seed article ---------------------------------------------------------------------


def test_seed_fixture_holds_the_26_body_paragraphs() -> None:
    assert len(SEED_PARAGRAPHS) == 26
    assert SEED_PARAGRAPHS[0].startswith("Бүгінгі қоғам өзара әрекет")
    assert SEED_PARAGRAPHS[-1].startswith("Саясат НҰРБЕК: –\xa0Біз")  # the page's own no-break space


def test_seed_every_quote_is_found_with_its_speaker_role_and_kind() -> None:
    quotes = extract_quotes(SEED_PARAGRAPHS)
    assert [summary(q) for q in quotes] == [expected[:4] for expected in SEED_QUOTES]
    for quote, (*_, head, tail) in zip(quotes, SEED_QUOTES):
        assert quote.text.startswith(head) and quote.text.endswith(tail), quote.text


def test_seed_fixture_annotations_are_the_tested_ones() -> None:
    """The benchmark reads the JSON annotations; they must say what this test says."""
    annotated = [(q["paragraph"], q["kind"], q["speaker"], q["speaker_role"], q["head"], q["tail"]) for q in SEED["quotes"]]
    assert annotated == SEED_QUOTES


def test_seed_guillemet_names_are_not_quotes() -> None:
    texts = {q.text for q in extract_quotes(SEED_PARAGRAPHS)}
    for name in SEED_NAMES_NOT_QUOTES:
        assert name not in texts


def test_seed_offsets_point_at_the_quote_text() -> None:
    for quote in extract_quotes(SEED_PARAGRAPHS):
        assert SEED_PARAGRAPHS[quote.paragraph][quote.start : quote.end] == quote.text
        assert quote.text == quote.text.strip()
        assert not quote.text.startswith(("«", "–", "—")) and not quote.text.endswith("»")


def test_seed_spelling_variants_become_one_speaker() -> None:
    """"Дархан Қалетаев" in the text and "Дарқан ҚАЛЕТАЕВ:" over his interview block."""
    speakers = {q.speaker for q in extract_quotes(SEED_PARAGRAPHS)}
    assert "Дархан Қалетаев" in speakers
    assert not {"Дарқан Қалетаев", "Дарқан ҚАЛЕТАЕВ", "Айдос САРЫМ"} & speakers


def test_extraction_is_pure_and_repeatable() -> None:
    assert extract_quotes(SEED_PARAGRAPHS) == extract_quotes(list(SEED_PARAGRAPHS))
    assert extract_quotes([]) == []


# A paragraph built to backtrack: each space of a run of spaced initials may end one initial or go on with the next.
RUN_OF_INITIALS = "А. " * 40 + "Б"
BACKTRACKING = [
    "По словам " + RUN_OF_INITIALS,  # no comma after the name
    RUN_OF_INITIALS,  # a speaker line with no colon
    "министр " + RUN_OF_INITIALS,  # a role speaker line with no colon
    "«Біз жеңеміз, – деді " + RUN_OF_INITIALS + "»",  # an interrupting attribution with no dash
]


def test_paragraphs_built_to_backtrack_are_read_at_once() -> None:
    """A pattern failing after a run of initials tried every way to split it: about a second for 20 initials,
    doubling with each one more, so 40 would never end. Run in a child process, so that a runaway pattern fails this
    test rather than hanging the suite; the bound is a minute for what takes milliseconds (the figures are
    `python -m benchmarks.quotes`'s)."""
    code = f"from crawler.quotes import extract_quotes\nfor paragraph in {BACKTRACKING!r}:\n    extract_quotes([paragraph])"
    in_a_child(code)


# Paragraphs of 20,000 quotes or guillemet spans each (a hostile or huge page), as (what repeats, how often): every
# span asks where its sentence starts, which word comes before it, whether a verb of saying ends the text before its
# colon, what follows the blanks after it and who its sentence names before it.
CROWDED = [
    ("«Иә», – деді ол. ", 20_000),  # 2,000 of them took 1.5 s
    ("«Иә», – деді ол. – Жоқ, – деді ол. ", 10_000),  # guillemet and dash quotes mixed
    ("Жоба: «а б» ", 20_000),  # 2,000 took 5 s: a verb of saying sought before each colon in all the text before it
    ('"Иә" «а» ', 20_000),  # 2,000 took 3.5 s: the blanks after each span, its other spans masked, ran to the end
    ("«Иә» деді ол, ", 20_000),  # 2,000 took 1.8 s: one sentence, read from its start for who each quote names before it
    ("«Да», – сказал он. ", 20_000),  # 8,000 took 7 s: a Russian paragraph read to its end for a Kazakh letter each time
]


def test_paragraphs_of_thousands_of_quotes_are_read_in_one_pass() -> None:
    """Each quote's questions were answered by rescanning the paragraph from its start: quadratic, so each paragraph
    here took minutes. Now each paragraph is read once, in a fraction of a second; run in a child process bounded at
    a minute, as above."""
    code = f"from crawler.quotes import extract_quotes\nfor piece, times in {CROWDED!r}:\n    extract_quotes([piece * times])"
    in_a_child(code)


def test_a_surname_alone_is_the_person_of_that_surname_mentioned_last() -> None:
    registry = Registry()
    darkhan, serik = registry.mention("Дархан Қалетаев", None), registry.mention("Серік Қалетаев", None)
    for other in range(300):  # many other people, as a page of capitalised words registers
        registry.mention(f"Адам Қалетов{other}", None)
    assert registry.find("ҚАЛЕТАЕВ") is serik and registry.find("Дарқан Қалетаев") is darkhan
    registry.mention("Дархан ҚАЛЕТАЕВ", "министр")
    assert registry.find("Қалетаев") is darkhan and darkhan.role == "министр"
    assert registry.find("Асқар Жұмағалиев") is None


# Thousands of people, each with a surname of their own (a page of names: a Cyrillic letter for each base-18 digit of
# the person's number), each mentioned twice in a row, as a quote's speaker is; the role noun asked for after each
# is the first person's.
MANY_PEOPLE = """
from crawler.quote_people import Registry
registry = Registry()
registry.mention("Айдос Сарым", "сарапшы")
for number in range(30_000):
    word = "".join("абвгдежзиклмнопрст"[number // 18 ** digit % 18] for digit in range(4)).capitalize()
    for _ in range(2):
        registry.mention(f"{word} {word}ов", "министр")
    assert registry.with_role("сарапшы").name == "Айдос Сарым"
"""


def test_quotes_glued_together_are_not_folded_whole() -> None:
    """Quotes with nothing between them («…»«…»…) make one long word before each, which was folded whole and kept in
    `fold`'s cache: 8,000 of them took 1.3 s and half a gigabyte, and 15,000 (60,000 characters) 4.5 s with no cache;
    now only the word's end is folded. Run in a child process whose address space is capped at 256 MB (it needs under
    96) and bounded at a minute."""
    code = ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (256 << 20, resource.RLIM_INFINITY))\n"
            "from crawler.quotes import extract_quotes\nextract_quotes(['«Иә»' * 15_000])")
    in_a_child(code)


def test_no_role_stem_starts_another() -> None:
    """The registry files a role under every stem it holds, found in one pass (`ROLE_STEMS_INSIDE`), which finds one
    stem at each offset: a stem that started another would hide it."""
    assert not [(a, b) for a in ROLE_STEMS for b in ROLE_STEMS if a != b and b.startswith(a)]


def test_a_registry_of_thousands_of_people_files_each_mention_at_once() -> None:
    """A mention moved its person to the end of a list by searching it, and a role noun read every person: 2,000
    people took 0.8 s, so 30,000 would take minutes. Run in a child process bounded at a minute, as above."""
    in_a_child(MANY_PEOPLE)


# --- the attribution forms, one by one ------------------------------------------------------


def test_latin_script_dedi_ol_points_to_the_introduced_minister() -> None:
    quotes = extract_quotes([
        "Qoghamdyq damu ministri Darhan Qaletaev jiynda sóz sóiledi.",
        "«Bizde azamattyq qogham kýsheydi» dedi ol.",
    ])
    assert quotes == [Quote("Bizde azamattyq qogham kýsheydi", "Darhan Qaletaev", "Qoghamdyq damu ministri", "inline", 1, 1, 32)]


def test_latin_script_dash_quote_closed_by_deydi() -> None:
    (quote,) = extract_quotes(["Sarapshy Aydos Sarym pikir bildirdi.", "– Biz sifrlyq sauatsyzdyqty joyuymyz kerek, – deydi."])
    assert summary(quote) == (1, "dash", "Aydos Sarym", "sarapshy")
    assert quote.text == "Biz sifrlyq sauatsyzdyqty joyuymyz kerek"


def test_arabic_script_dedi_ol() -> None:
    quotes = extract_quotes([
        "قوعامدىق دامۋ ءمينيسترى دارحان قالەتاەۆ جيىندا ءسوز سويلەدى.",
        "«بىزدە ازاماتتىق قوعام كۇشەيدى» دەدى ول.",
    ])
    assert [(summary(q), q.text) for q in quotes] == [
        ((1, "inline", "دارحان قالەتاەۆ", "قوعامدىق دامۋ ءمينيسترى"), "بىزدە ازاماتتىق قوعام كۇشەيدى"),
    ]


def test_arabic_script_deydi_with_role_and_name() -> None:
    (quote,) = extract_quotes(["«ءبىز بۇل ماسەلەنى شەشەمىز» دەيدى ساياساتتانۋشى ايدوس سارىم."])
    assert summary(quote) == (0, "inline", "ايدوس سارىم", "ساياساتتانۋشى")


def test_russian_skazal_and_po_slovam() -> None:
    quotes = extract_quotes([
        "Министр информации Иван Петров провёл брифинг.",
        "«Мы откроем новые центры», — сказал министр Иван Петров.",
        "По словам Петрова, центры заработают в мае.",
    ])
    assert [(summary(q), q.text) for q in quotes] == [
        ((1, "inline", "Иван Петров", "министр информации"), "Мы откроем новые центры"),
        ((2, "indirect", "Иван Петров", "министр информации"), "центры заработают в мае"),
    ]


def test_russian_otmetila_ona() -> None:
    (quote,) = extract_quotes(["Эксперт Анна Смирнова выступила на форуме.", "«Рынок растёт», — отметила она."])
    assert summary(quote) == (1, "inline", "Анна Смирнова", "эксперт")


def test_russian_genitive_name_after_po_mneniyu_is_put_back_in_the_nominative() -> None:
    (quote,) = extract_quotes(["По мнению аналитика Дмитрия Соколова, рынок восстановится."])
    assert summary(quote) == (0, "indirect", "Дмитрий Соколов", "аналитик")


def test_every_indirect_marker_is_searched_once_in_a_paragraph_holding_its_ending() -> None:
    # A marker missing from INDIRECT_MARKERS_BY_CORE would never be found, one under two cores found twice.
    assert sorted(m for markers in INDIRECT_MARKERS_BY_CORE.values() for m in markers) == sorted(INDIRECT_MARKERS)
    for marker in INDIRECT_MARKERS:
        (quote,) = extract_quotes([f"Министр Дархан Қалетаевтың {marker}, жоба биыл аяқталады."])
        assert (quote.kind, quote.text) == ("indirect", "жоба биыл аяқталады"), marker


def test_kazakh_genitive_suffix_is_stripped_from_names() -> None:
    (quote,) = extract_quotes(["Ал сарапшы Михаил Дорофеевтің пікірінше, билік ашық болуы керек."])
    assert summary(quote) == (0, "indirect", "Михаил Дорофеев", "сарапшы")
    assert quote.text == "билік ашық болуы керек"


def test_role_noun_points_to_the_last_person_with_that_role() -> None:
    quotes = extract_quotes([
        "Саясаттанушы Досым Сәтпаев пен экономист Мұрат Темірханов пікір білдірді.",
        "Мұрат Темірханов бағаның өсуіне тоқталды.",
        "«Сайлау науқаны қызып келеді» дейді саясаттанушы.",
    ])
    assert [q.speaker for q in quotes] == ["Досым Сәтпаев"]


def test_speaker_line_in_capitals_merges_with_the_earlier_spelling() -> None:
    quotes = extract_quotes(["Қоғамдық даму министрі Дархан Қалетаев форумға қатысты.", "ДАРҚАН ҚАЛЕТАЕВ:", "– Азаматтық қоғам күшейді."])
    assert [(summary(q), q.text) for q in quotes] == [((2, "block", "Дархан Қалетаев", MINISTER), "Азаматтық қоғам күшейді.")]


def test_dash_quote_continued_after_its_attribution() -> None:
    quotes = extract_quotes(["Әкім Нұрлан Мәмбетов тұрғындармен кездесті.", "– Жол биыл жөнделеді, – деді ол. – Қаржы бөлінді."])
    assert [(q.kind, q.speaker, q.text) for q in quotes] == [
        ("dash", "Нұрлан Мәмбетов", "Жол биыл жөнделеді"),
        ("dash", "Нұрлан Мәмбетов", "Қаржы бөлінді."),
    ]


def test_question_put_to_others() -> None:
    (quote,) = extract_quotes(["Журналист Асқар Ермекұлы «Бағалар неге өсіп жатыр?» деп сұрады."])
    assert summary(quote) == (0, "question", "Асқар Ермекұлы", "журналист")


@pytest.mark.parametrize(
    "attribution",
    ["деді ол", "дейді ол", "деп санайды ол", "атап өтті ол", "деп атап өтті", "деп мәлімдеді ол", "деп есептейді"],
)
def test_kazakh_attribution_verbs(attribution: str) -> None:
    (quote,) = extract_quotes(["Депутат Ерлан Сайыров сөз сөйледі.", f"«Заң күзде қаралады», – {attribution}."])
    assert (quote.kind, quote.speaker, quote.text) == ("inline", "Ерлан Сайыров", "Заң күзде қаралады")


def test_speaker_line_in_capitals_with_the_quote_after_the_colon() -> None:
    (quote,) = extract_quotes(["Айдос САРЫМ: Әкімдер ашық болуы керек."])
    assert (quote.kind, quote.speaker, quote.text) == ("block", "Айдос Сарым", "Әкімдер ашық болуы керек.")


def test_one_word_name_after_the_verb() -> None:
    (quote,) = extract_quotes(["«Адам бол!» деп жазды Абай."])
    assert (quote.speaker, quote.text) == ("Абай", "Адам бол!")


@pytest.mark.parametrize(
    "paragraph",
    [
        "«Нұр Отан» партиясы мен «Рейтер» агенттігі «Қоғамдық кеңестер туралы» заң жобасын талқылады.",
        "Кітап «Абай жолы» деп аталады.",
        "Партия «Единая Россия» и агентство «Рейтер» обсудили закон «О СМИ».",
        "Búl jazba «Jana qazaq әlipbii kerek» degen ataumen «Ana tili» gazetinde jariyalanghan.",
    ],
)
def test_guillemet_names_are_not_quotes(paragraph: str) -> None:
    assert extract_quotes([paragraph]) == []


def test_quote_without_any_speaker_in_the_text_has_none() -> None:
    (quote,) = extract_quotes(["«Бәрі жақсы болады» деді."])
    assert (quote.speaker, quote.speaker_role) == (None, None)


@pytest.mark.parametrize(
    ("name", "normal"),
    [("Айдос САРЫМ", "Айдос Сарым"), ("Дарқан ҚАЛЕТАЕВ", "Дарқан Қалетаев"), ("Ghalym ÁBIShEV", "Ghalym Ábishev"),
     ("Қасым-Жомарт ТОҚАЕВ", "Қасым-Жомарт Тоқаев"), ("Иван Петров", "Иван Петров")],
)
def test_normal_case(name: str, normal: str) -> None:
    assert normal_case(name) == normal


# --- every annotated case -------------------------------------------------------------------

ANNOTATED = [*load("cases.json")["cases"], *load("heldout.json")["cases"]]


@pytest.mark.parametrize("case", ANNOTATED, ids=[case["id"] for case in ANNOTATED])
def test_annotated_case(case: dict[str, Any]) -> None:
    quotes = extract_quotes(case["paragraphs"])
    assert [(q.paragraph, q.kind, q.speaker, q.text) for q in quotes] == [
        (g["paragraph"], g["kind"], g["speaker"], g["text"]) for g in case["quotes"]
    ]
    for quote, gold in zip(quotes, case["quotes"]):
        assert case["paragraphs"][quote.paragraph][quote.start : quote.end] == quote.text
        if "speaker_role" in gold:
            assert quote.speaker_role == gold["speaker_role"]


# --- the bounds of a quote left open ---------------------------------------------------------

OPENING = ["Қоғамдық даму министрі Дархан Қалетаев жиында сөз сөйледі.", "«Бізде қолдау жүйесі бар."]
CLOSING = "Бұл маңызды», – деді министр."


def test_a_quote_left_open_spans_at_most_four_paragraphs() -> None:
    """Past four, the » is more likely a typo's than the end of a speech that long: nothing is quoted."""
    middle = ["Оны әрі қарай дамыту керек.", "Біз ұйымдармен бірге жұмыс істейміз.", "Жоба келесі жылы басталады."]
    four = extract_quotes([*OPENING, *middle[:2], CLOSING])
    assert [(q.paragraph, q.speaker) for q in four] == [(n, "Дархан Қалетаев") for n in (1, 2, 3, 4)]
    assert extract_quotes([*OPENING, *middle, CLOSING]) == []


@pytest.mark.parametrize("middle", [
    "«Оны әрі қарай дамыту керек.",  # reopened with «, but the closing paragraph is not: no one long quote
    "Оны » әрі « қарай дамыту керек.",  # a » before any « is no paired text to go on with
])
def test_a_paragraph_that_cannot_go_on_with_an_open_quote_leaves_it_unclosed(middle: str) -> None:
    assert extract_quotes([*OPENING, middle, CLOSING]) == []


def test_an_empty_quote_is_no_quote() -> None:
    assert extract_quotes(["Министр Дархан Қалетаев: «», – деді ол.", "– , – деді ол."]) == []


def test_a_straight_quote_caught_in_an_arabic_script_speakers_name_is_no_word_of_it() -> None:
    """A '"' after the verb folded to an empty word of the name, and comparing it with the people met before raised
    IndexError: the whole page failed to parse. It names the person as the name without it does."""
    said = ["ساراپشى ايدوس سارىم كەلدى.", "«ءيا» دەدى سارىم."]
    assert extract_quotes([said[0], '«ءيا» دەدى " سارىم.']) == extract_quotes(said)
    assert extract_quotes(said)[0].speaker == "ايدوس سارىم"
