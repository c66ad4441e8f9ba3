"""Dates as Kazakh news sites print them, in Cyrillic, Latin and Arabic script.

Known formats ("19 Қыркүйек, 2018 сағат 16:01", "30 Qarasha, 2020 saghat
12:03", "30 قاڭتار, 2026 ساعات 13:48", "17/03/2018 12:40", ISO 8601) take an
exact, regex-based fast path; only what it does not know goes to dateparser.
Local times are turned into aware datetimes with the tz database, never a
fixed offset: Asia/Almaty was UTC+6 until 2024-03-01 and UTC+5 after.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Almaty"

# Month names by number, as abai.kz prints them in its three scripts, with the
# spelling variants seen elsewhere (the 2021 Latin alphabet's among them), and the
# French, Spanish, Italian, Portuguese and Dutch names. Lookup is on `_fold`ed names.
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("қаңтар", "qangtar", "qantar", "qañtar", "qańtar", "قاڭتار", "январь", "января", "january", "jan", "januar",
        "jänner", "janvier", "enero", "gennaio", "janeiro", "januari"),
    2: ("ақпан", "aqpan", "اقپان", "февраль", "февраля", "february", "feb", "februar", "février", "fevrier",
        "febrero", "febbraio", "fevereiro", "februari"),
    3: ("наурыз", "nauryz", "naýryz", "ناۋرىز", "март", "марта", "march", "mar", "märz", "maerz", "mars", "marzo",
        "março", "marco", "maart"),
    4: ("сәуір", "sәuir", "säuir", "sauir", "sәýir", "sáýir", "ءساۋىر", "апрель", "апреля", "april", "apr", "avril",
        "abril", "aprile"),
    5: ("мамыр", "mamyr", "مامىر", "май", "мая", "may", "mai", "mayo", "maggio", "maio", "mei"),
    6: ("маусым", "mausym", "maýsym", "ماۋسىم", "июнь", "июня", "june", "jun", "juni", "juin", "junio", "giugno",
        "junho"),
    7: ("шілде", "shilde", "شىلدە", "июль", "июля", "july", "jul", "juli", "juillet", "julio", "luglio", "julho"),
    8: ("тамыз", "tamyz", "تامىز", "август", "августа", "august", "aug", "août", "aout", "agosto", "augustus"),
    9: ("қыркүйек", "qyrkýiek", "qyrkuiek", "qyrkýyek", "qyrkүiek", "qyrkúıek", "qyrkúiek", "قىركۇيەك", "сентябрь",
        "сентября", "september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "setembro"),
    10: ("қазан", "qazan", "قازان", "октябрь", "октября", "october", "oct", "oktober", "okt", "octobre", "octubre",
         "ottobre", "outubro"),
    11: ("қараша", "qarasha", "قاراشا", "ноябрь", "ноября", "november", "nov", "novembre", "noviembre", "novembro"),
    12: ("желтоқсан", "jeltoqsan", "zheltoqsan", "جەلتوقسان", "декабрь", "декабря", "december", "dec", "dezember",
         "dez", "décembre", "decembre", "diciembre", "dicembre", "dezembro"),
}

# Words for "at" between the date and the time: Kazakh in three scripts (and the 2021 Latin alphabet's), Russian,
# English, German, French, Portuguese, Italian, Dutch.
AT_WORDS = ("сағат", "saghat", "sağat", "saǵat", "ساعات", "в", "at", "um", "à", "às", "alle", "om")

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _fold(word: str) -> str:
    """Case-fold a word and drop the Arabic-script hamza and combining marks."""
    word = unicodedata.normalize("NFC", word).casefold().replace("ء", "").replace("ٴ", "")
    return word.strip(".,")


MONTHS: dict[str, int] = {_fold(name): number for number, names in _MONTH_NAMES.items() for name in names}

_AT = "|".join(re.escape(w) for w in AT_WORDS)
# "pm", "PM", "p.m.", "P.M.": sites print the half of the day in either case.
_AMPM = r"(?:\s*([AaPp])\.?\s?[Mm]\b\.?)?"
# "19 Қыркүйек, 2018 сағат 16:01" and its Latin and Arabic-script twins; "6. November 2023, 15:25"; "30 de
# septiembre de 2018". After German
# "um" (group `at`) the clock is a 24-hour one, and an "am" after it is the next word ("um 12:30 am Marktplatz").
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})\.?\s+(?:de\s+)?([^\W\d_]+)\.?[,،]?\s+(?:de\s+|del\s+)?(\d{{4}})(?:\s*(?:ж\.?|жыл[ыі]?|г\.?|года)?[,،]?\s*(?:(?P<at>{_AT})\s+)?"
    rf"(\d{{1,2}})[:.](\d{{2}}){_AMPM})?",
)
# "November 6, 2023 at 3:25 pm" (English, month first).
_MONTH_DAY_YEAR = re.compile(
    rf"\b([^\W\d_]{{3,}})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?:,?\s*(?:at\s+)?(\d{{1,2}}):(\d{{2}}){_AMPM})?",
)
# "17/03/2018 12:40", "17.03.2018, 12:40", "4. 2. 2022" (German typesetting puts a (thin) space after each dot)
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})(?:\.\s?|/)(\d{1,2})(?:\.\s?|/)(\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?(?!\d)")
# "07.11.23", "7.11.23 г.", "07.11.23, 14:35": day, month and a two-digit year, between dots only ("11/07/23" is
# month-first on American pages), and not inside a longer dotted number ("v2.10.15", "1.10.12.5").
_SHORT_YEAR = re.compile(
    rf"(?<![\w.])(\d{{1,2}})\.(\d{{1,2}})\.(\d{{2}})(?!\d|\.\d)\.?(?:\s*г\.)?(?:,?\s+(?:(?:{_AT})\s+)?(\d{{1,2}}):(\d{{2}}))?",
)
# The word before a dotted number that makes it a release's, no day: "Version 2.10.15", "ver. 1.12.23", "нұсқа 3.11.22".
_VERSION = re.compile(r"\b(?:version|versión|versione|ver\.|версия|версии|нұсқа|нұсқасы)\s*$", re.IGNORECASE)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


# "Бүгін, 16:01" (today), "Кеше 09:30" (yesterday), in the three scripts, Russian and English.
_TODAY = ("бүгін", "búgin", "bugin", "bүgin", "بۇگىن", "сегодня", "today")
_YESTERDAY = frozenset(map(_fold, ("кеше", "keshe", "كەشە", "вчера", "yesterday")))
_RELATIVE_DAY = re.compile(
    rf"({'|'.join(map(re.escape, (*_TODAY, *_YESTERDAY)))})[,،]?\s*(?:(?:{_AT})\s+)?(\d{{1,2}})[:.](\d{{2}})",
    re.IGNORECASE,
)


_FULL_YEAR = re.compile(r"(?<!\d)(?:1[89]|2[01])\d\d(?!\d)")


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time from the archive; naive ones are UTC. Raises ValueError on one that is not ISO 8601."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fetch_time(text: str | None) -> datetime | None:
    """`parse_time` of a page's fetch time, None when it is none: a relative date's "now", which a parser must not fail on."""
    try:
        return parse_time(text)
    except ValueError:
        return None


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """The tz database zone called `name` (cached)."""
    return ZoneInfo(name)


def localize(moment: datetime, tz: str = DEFAULT_TZ) -> datetime:
    """Attach `tz` to a naive local time; an aware time keeps its own offset."""
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone(tz))


def iso(moment: datetime) -> str:
    """ISO 8601 with offset, seconds precision."""
    return moment.isoformat(timespec="seconds")


def _build(year: int, month: int, day: int, hour: str | None, minute: str | None, half: str | None = None) -> datetime | None:
    clock = int(hour or 0)
    if half and clock <= 12:
        clock = clock % 12 + (12 if half.lower() == "p" else 0)
    try:
        return datetime(year, month, day, clock, int(minute or 0))
    except ValueError:
        return None


def parse_local(text: str) -> tuple[datetime, bool] | None:
    """Find the first known-format date in `text`: (naive datetime, has_time).

    The exact fast path; returns None when no known format matches.
    """
    return next(local_dates(text, numeric=1), None)


def local_dates(text: str, numeric: int) -> Iterator[tuple[datetime, bool]]:
    """Every known-format date in `text` with a month name, (naive datetime, has_time), then the first
    `numeric` day-first numeric ones ("17/03/2018"; `parse_local` reads one, as it always has)."""
    text = text.translate(_DIGITS)
    for match in _DAY_MONTH_YEAR.finditer(text):
        month = MONTHS.get(_fold(match[2]))
        if month:
            half = None if (match["at"] or "").lower() == "um" else match[7]
            if moment := _build(int(match[3]), month, int(match[1]), match[5], match[6], half):
                yield moment, match[5] is not None
    for match in _MONTH_DAY_YEAR.finditer(text):
        month = MONTHS.get(_fold(match[1]))
        if month and (moment := _build(int(match[3]), month, int(match[2]), match[4], match[5], match[6])):
            yield moment, match[4] is not None
    for match in islice(_NUMERIC.finditer(text), numeric):
        if moment := _build(int(match[3]), int(match[2]), int(match[1]), match[4], match[5]):
            yield moment, match[4] is not None


def short_year_date(text: str, latest: date) -> tuple[datetime, bool] | None:
    """The first dotted day-first date with a two-digit year in `text` ("07.11.23", "7.11.23 г."): (naive datetime,
    has_time), the latest day with those digits that is not after `latest`.

    A two-digit year names its century only against a day the page existed by (when it was fetched): "07.11.23" is
    2023 on a page read in 2024, and "07.11.25" on a page read in March 2025 is no coming event's day but 1925's,
    which a caller's oldest plausible year turns down. A number after "version" is a release's ("Version 2.10.15").
    """
    for match in _SHORT_YEAR.finditer(text.translate(_DIGITS)):
        if _VERSION.search(text, 0, match.start()):
            continue
        year = latest.year - (latest.year - int(match[3])) % 100
        day, month = int(match[1]), int(match[2])
        if year == latest.year and (month, day) > (latest.month, latest.day):
            year -= 100
        if moment := _build(year, month, day, match[4], match[5]):
            return moment, match[4] is not None
    return None


def parse_datetime(text: str, tz: str = DEFAULT_TZ, *, fallback: bool = True, now: datetime | None = None) -> datetime | None:
    """Parse a printed date-time into an aware datetime in `tz`.

    Tries ISO 8601, then the exact Kazakh/Russian patterns, then (when
    `fallback`) dateparser. A naive result gets `tz` from the tz database;
    an explicit offset in the text wins. A date relative to the day it was
    read ("Бүгін, 16:01", "2 days ago") or without its year counts from
    `now` (when the page was fetched): without it there is none, since
    the clock of a later re-parse is no date of the page.
    """
    text = text.strip()
    if not text:
        return None
    iso_match = _ISO.fullmatch(text.replace("Z", "+00:00").replace(" ", "T", 1)) and _parse_iso(text)
    if iso_match:
        return localize(iso_match, tz)
    found = parse_local(text)
    if found:
        return localize(found[0], tz)
    relative = _RELATIVE_DAY.fullmatch(text)
    if relative:
        if now is None:
            return None
        day = now.astimezone(zone(tz)).date() - timedelta(days=_fold(relative[1]) in _YESTERDAY)
        moment = _build(day.year, day.month, day.day, relative[2], relative[3])  # "Бүгін, 24:00": no time of day
        return localize(moment, tz) if moment else None
    if not fallback:
        return None
    return _parse_with_dateparser(text, tz, now)


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_with_dateparser(text: str, tz: str, now: datetime | None) -> datetime | None:
    # Imported late: slow to load, and rarely needed. Typed only where types-dateparser is installed.
    import dateparser  # type: ignore[import-untyped, unused-ignore]

    settings: dict[str, object] = {"TIMEZONE": tz, "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DAY_OF_MONTH": "first"}
    if now is None:  # dateparser would read the clock: only dates that print their year in full
        if not _FULL_YEAR.search(text.translate(_DIGITS)):
            return None  # "19 Қыркүйек": dateparser reads 19 as the year, 2019-09-01
        settings |= {"PARSERS": ["timestamp", "custom-formats", "absolute-time"], "REQUIRE_PARTS": ["year"]}
    else:
        settings["RELATIVE_BASE"] = now.astimezone(zone(tz)).replace(tzinfo=None)
    parsed: datetime | None = dateparser.parse(text, languages=["kk", "ru", "en"], settings=settings)
    return parsed


def parse_date(text: str) -> date | None:
    """The first known-format calendar date in `text` (for "today" headers)."""
    found = parse_local(text)
    return found[0].date() if found else None
