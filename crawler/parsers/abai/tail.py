"""The tail of an abai.kz article body: the byline (`Дайындаған …`, `Сұхбаттасқан …`), the source line
(`Abai.kz`), a comment count, and a signature right above the source line (part of article.py).

The tail is taken off the end of the body, line by line; a template may also print
the byline and source line after the body's element, which is read for what the
body's own tail did not say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

from lxml.html import HtmlElement

from crawler.parsers.abai import patterns as P
from crawler.parsers.common import block_elements, block_text, clean, string_value
from crawler.quote_names import normal_case


@dataclass
class Body:
    """The article body: its paragraphs, and what its tail said (byline, source)."""

    paragraphs: list[str] = field(default_factory=list)
    elements: list[HtmlElement] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    source: str | None = None
    dropped: list[HtmlElement] = field(default_factory=list)


def split_tail(body: Body) -> None:
    """Move the byline, source line and comment count off the end of the body, line by line (a `<br>` may part them);
    then a signature right above the source line, when no byline named the author."""
    while body.paragraphs:
        if not _tail_line(body, body.paragraphs[-1].rsplit("\n", 1)[-1]):
            break
        _drop_last_line(body)
    if body.source and not body.authors and body.paragraphs:
        lines = [line for paragraph in body.paragraphs[-2:] for line in paragraph.split("\n")]
        for used in (1, 2):
            if names := _signature(lines[-used:]):
                body.authors = names
                for _ in range(used):
                    _drop_last_line(body)
                break


def _drop_last_line(body: Body) -> None:
    """Drop the body's last line: its last paragraph's, or the paragraph itself when it has one line."""
    *rest, _ = body.paragraphs[-1].split("\n")
    if rest:
        body.paragraphs[-1] = "\n".join(rest)
        return
    body.paragraphs.pop()
    body.dropped.append(body.elements.pop())


def tail_after(body: Body, content: HtmlElement) -> None:
    """The byline and source line a template prints after the body's element (its author and source fields), for
    what the body's own tail did not say: the elements that follow it, or follow its parent when it ends that, read
    while each says only tail lines (a comment section or a sidebar ends them); a signature counts when the source
    line comes next."""
    if body.authors and body.source:
        return
    after = Body()
    signed: list[str] = []  # lines that may be a signature, until the source line says they are
    for node in (content, *islice(content.iterancestors(), P.TAIL_LEVELS)):
        following = list(islice((e for e in node.itersiblings() if isinstance(e.tag, str) and clean(string_value(e))),
                                P.MAX_TAIL_ELEMENTS))
        for element in following:
            said, lines = Body(), _lines(element) if len(string_value(element)) <= P.MAX_HEAD else []
            if lines and all(_tail_line(said, line) for line in lines):
                names = _signature(signed) if said.source else []
                if signed and not names:
                    break  # lines above a tail that is no source line, or no signature: part of something else
                after.authors = after.authors or said.authors or names
                after.source, signed = after.source or said.source, []
            elif lines and len(signed) + len(lines) <= 2:
                signed += lines
            else:
                break
        if following:
            break
    body.authors = body.authors or after.authors
    body.source = body.source or after.source


def _signature(lines: list[str]) -> list[str]:
    """The author a signature names: a name alone ("Сағат Жүсіп"), or a name, a comma and the author's role on a
    line of its own ("Серік Жолдасбай,", "филология ғылымдарының кандидаты"); [] for lines that are none."""
    if len(lines) == 2 and len(lines[1]) <= P.MAX_ROLE and lines[0].endswith((",", "،")):
        lines = [lines[0][:-1]]
    return [normal_case(lines[0].rstrip("."))] if len(lines) == 1 and _is_name(lines[0]) else []


def _is_name(text: str) -> bool:
    """Whether a line is a person's name: two to four words, none in lower case, and, when it has more than two or no
    capitals at all (Arabic script), a word with a surname's ending: "Тәуелсіз Қазақстан Жасасын" is a slogan, and in
    Arabic script a verse line or a greeting looks like any name. A line naming a place or an institution ("Астана
    Қаласы": the city of Astana) is no name, capitalised as it may be: its head noun comes after the place's name."""
    words = text.rstrip(".").split()
    if not P.NAME_LINE.match(" ".join(words)) or any(word[0].islower() for word in words):
        return False
    if any(P.PLACE_WORD.match(word.casefold()) for word in words[1:]):
        return False  # "Астана Қаласы", "Абай Университеті": a place or an institution
    cased = any(word[0].isupper() for word in words)
    return (cased and len(words) == 2) or any(P.SURNAME.search(word.casefold()) for word in words)


def _lines(element: HtmlElement) -> list[str]:
    """An element's lines of text: each of its paragraphs' (a `<br>` parts lines), or its own."""
    blocks = block_elements(element, set()) or [element]
    return [line for block in blocks for line in block_text(block).split("\n")]


def _tail_line(body: Body, text: str) -> bool:
    """Whether a line is one a body's tail prints (byline, source line, comment count, a call to subscribe); a byline's
    names and the source go to `body`."""
    if byline := P.BYLINE.match(text):
        body.authors = [normal_case(clean(n)) for n in P.AUTHOR_SEPARATORS.split(byline["names"]) if clean(n)]
    elif source := P.SOURCE.match(text):
        body.source = source["source"]
    else:
        return bool(P.COMMENTS_LINE.match(text) or P.TAIL_PROMO.match(text))
    return True
