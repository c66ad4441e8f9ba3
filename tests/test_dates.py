"""Kazakh dates in three scripts (and Russian, numeric, ISO), with the Asia/Almaty offset of that date."""

from datetime import date

import pytest

from crawler.dates import MONTHS, _fold, parse_date, parse_datetime, parse_local

CYRILLIC = ["Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым", "Шілде", "Тамыз", "Қыркүйек", "Қазан", "Қараша", "Желтоқсан"]
LATIN = ["Qantar", "Aqpan", "Nauryz", "Sәuir", "Mamyr", "Mausym", "Shilde", "Tamyz", "Qyrkýiek", "Qazan", "Qarasha", "Jeltoqsan"]
ARABIC = ["قاڭتار", "اقپان", "ناۋرىز", "ءساۋىر", "مامىر", "ماۋسىم", "شىلدە", "تامىز", "قىركۇيەك", "قازان", "قاراشا", "جەلتوقسان"]
AT = {"cyrl": "сағат", "latn": "saghat", "arab": "ساعات"}


@pytest.mark.parametrize(("script", "names"), [("cyrl", CYRILLIC), ("latn", LATIN), ("arab", ARABIC)])
@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_in_every_script(script: str, names: list[str], month: int) -> None:
    text = f"7 {names[month - 1]}, 2019 {AT[script]} 09:05"
    moment = parse_datetime(text, fallback=False)
    assert moment is not None
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == (2019, month, 7, 9, 5)
    assert moment.utcoffset().total_seconds() == 6 * 3600


def test_month_names_are_case_insensitive() -> None:
    assert MONTHS[_fold("ҚЫРКҮЙЕК")] == 9
    assert MONTHS[_fold("qarasha")] == 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19 Қыркүйек, 2018 сағат 16:01", "2018-09-19T16:01:00+06:00"),
        ("30 Qarasha, 2020 saghat 12:03", "2020-11-30T12:03:00+06:00"),
        ("30 قاڭتار, 2026 ساعات 13:48", "2026-01-30T13:48:00+05:00"),
        # Asia/Almaty moved from UTC+6 to UTC+5 on 2024-03-01.
        ("29 Ақпан, 2024 сағат 23:59", "2024-02-29T23:59:00+06:00"),
        ("1 Наурыз, 2024 сағат 00:30", "2024-03-01T00:30:00+05:00"),
        ("17/03/2018 12:40", "2018-03-17T12:40:00+06:00"),
        ("Von Deutscher Tennis Bund 4.\u20092.\u20092022.", "2022-02-04T00:00:00+06:00"),  # thin spaces after the dots
        ("2020-11-30T12:03:00+03:00", "2020-11-30T12:03:00+03:00"),
        ("5 марта 2024 года в 10:15", "2024-03-05T10:15:00+05:00"),
    ],
)
def test_known_formats(text: str, expected: str) -> None:
    moment = parse_datetime(text)
    assert moment is not None and moment.isoformat() == expected


def test_fast_path_needs_no_dateparser() -> None:
    assert parse_local("Билік 2852 0 пікір 19 Қыркүйек, 2018 сағат 16:01") is not None
    assert parse_datetime("yesterday-ish nonsense", fallback=False) is None


def test_invalid_day_is_rejected() -> None:
    assert parse_datetime("31 Ақпан, 2019 сағат 10:00", fallback=False) is None


@pytest.mark.parametrize(
    ("header", "day"),
    [
        ("Сенбі, 23 Қараша 2024", date(2024, 11, 23)),
        ("Júma, 29 Nauryz 2024", date(2024, 3, 29)),
        ("سەنبى, 23 قاڭتار 2021", date(2021, 1, 23)),
        ("Бейсенбі, 22 Наурыз 2018", date(2018, 3, 22)),
    ],
)
def test_today_headers(header: str, day: date) -> None:
    assert parse_date(header) == day
