"""What a response body is: binary or text, and which Cyrillic code page an undeclared page is in.

Scrapy decodes a page without a declared charset with charset-normalizer,
which guesses well on long Russian pages but often takes a short Kazakh
page in KZ-1048 for windows-1251 ("Мақала" comes out "Маќала"). The two
code pages differ in 16 bytes only; in windows-1251 eight of those are
Macedonian and Serbian letters (Ќ ќ Ћ ћ Ј ј Ѕ ѕ) that Russian, Ukrainian
and Belarusian never use, while in KZ-1048 they are Қ қ Һ һ Ә ә Ң ң, among
the commonest Kazakh letters. Counting them decides; a fragment without
them is Kazakh when the bytes of Ғ Ү Ө (Ukrainian Є Ї Ґ in windows-1251)
are frequent and it has ы or э, which Ukrainian lacks. Pure functions of
bytes.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

# Қ қ Һ һ Ә ә Ң ң in KZ-1048; Ќ ќ Ћ ћ Ј ј Ѕ ѕ in windows-1251.
KAZAKH_ONLY = bytes([0x8D, 0x9D, 0x8E, 0x9E, 0xA3, 0xBC, 0xBD, 0xBE])
# Ђ ђ Љ љ Њ њ Џ џ, the same in both code pages: Serbian and Macedonian text has them, Kazakh never.
SOUTH_SLAVIC = bytes([0x80, 0x90, 0x8A, 0x9A, 0x8C, 0x9C, 0x8F, 0x9F])
# Ғ ғ Ү ү Ө ө in KZ-1048; Ukrainian Є є Ї ї Ґ ґ in windows-1251.
AMBIGUOUS = bytes([0xAA, 0xBA, 0xAF, 0xBF, 0xA5, 0xB4])
# Ұ ұ in KZ-1048; Belarusian Ў ў in windows-1251 (not counted: Belarusian has ы too).
_U_SHORT = bytes([0xA1, 0xA2])
# Ы ы Э э, the same in both code pages; Kazakh and Russian have them, Ukrainian not.
YERY = bytes([0xDB, 0xFB, 0xDD, 0xFD])
AMBIGUOUS_SHARE = 0.01
"""Kazakh has Ғ Ү Ө in about 3 % of its letters; a Russian text quoting a Ukrainian name, far fewer."""
LETTERS = bytes(range(0xC0, 0x100)) + bytes([0xA8, 0xB8, 0xB2, 0xB3]) + KAZAKH_ONLY + AMBIGUOUS + _U_SHORT + SOUTH_SLAVIC
_WORDS = re.compile(b"[" + re.escape(LETTERS) + b"]{2,}")
_HIGH = re.compile(b"[\x80-\xff]")

# File signatures of formats that are never an HTML page.
MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-", b"PK\x03\x04", b"\x1f\x8b\x08",
    b"RIFF", b"OggS", b"7z\xbc\xaf", b"Rar!\x1a", b"\x7fELF", b"\x00\x00\x01\x00", b"wOFF", b"wOF2",
)
_CONTROL = re.compile(b"[\x00-\x08\x0b\x0e-\x1f\x7f]")
SNIFF_BYTES = 4096
CONTROL_SHARE = 0.05
"""A body whose first SNIFF_BYTES have more C0 control bytes than this share is binary."""


def looks_binary(body: bytes) -> bool:
    """True for a body that is a file, not text: a known signature, or control bytes text does not have.

    A page with a few NUL bytes stays text (browsers drop them); UTF-16 and
    UTF-32 pages carry a BOM and are text.
    """
    if read_bom(body)[0]:
        return False
    if body.startswith(MAGIC) or body[4:12] in (b"ftypisom", b"ftypmp42"):
        return True
    head = body[:SNIFF_BYTES]
    return bool(head) and len(_CONTROL.findall(head)) > CONTROL_SHARE * len(head)


def declares_encoding(content_type: str, body: bytes) -> bool:
    """True when the header, a BOM or a `<meta>` names a known encoding."""
    return bool(read_bom(body)[0] or http_content_type_encoding(content_type) or html_body_declared_encoding(body))


def undeclared_codepage(content_type: bytes | None, body: bytes) -> str | None:
    """The Cyrillic code page (`cyrillic_codepage`) of a page that declares no encoding (in its Content-Type header, as
    received, or its body); None for one that does.

    The crawl decodes such a page in it (crawler/middlewares/content.py), and
    so must whatever reads its stored response again: Scrapy's own guess
    takes a KZ-1048 page for windows-1251.
    """
    return None if declares_encoding((content_type or b"").decode("latin-1"), body) else cyrillic_codepage(body)


def cyrillic_codepage(body: bytes) -> str | None:
    """`kz1048` or `cp1251` for a body of Cyrillic text in a Windows code page; None for anything else.

    UTF-8 bodies, and bodies whose bytes above 0x7F are not mostly letters in
    words (Western code pages, binary), get None: they are not ours to guess.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return None
    high = len(_HIGH.findall(body))
    in_words = sum(len(word) for word in _WORDS.findall(body))
    if not high or in_words < 0.7 * high:
        return None
    kazakh, slavic = _count(body, KAZAKH_ONLY), _count(body, SOUTH_SLAVIC)
    if kazakh or slavic:
        return "kz1048" if kazakh > slavic else "cp1251"
    ambiguous = _count(body, AMBIGUOUS)
    if ambiguous > AMBIGUOUS_SHARE * in_words and _count(body, YERY):
        return "kz1048"
    return "cp1251"


def _count(body: bytes, values: bytes) -> int:
    return sum(body.count(value) for value in (bytes([b]) for b in values))


def read_page(path: Path, content_type: str | None = None) -> str:
    """A saved page as text, decoded as Scrapy would: gunzipped when .gz, then by BOM, `content_type`'s charset (the
    one it was served with), meta charset or UTF-8."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return html_to_unicode(content_type, data)[1]
