"""Helpers every parser shares: text cleanup, numbers, layered strategies, page metadata.

A field is read by trying strategies in order (selectors, then text
patterns, then generic metadata); `first_of` returns the value with the name
of the strategy that produced it, so a layout change shows up as a strategy
shift in the stats instead of as silent nulls.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement
from parsel import Selector

T = TypeVar("T")
Strategy = tuple[str, Callable[[], T | None]]

# Runs of ASCII whitespace collapse as in a browser; a no-break space is a
# character the author typed, so it is kept inside text (and trimmed at the ends).
_SPACE = re.compile(r"[ \t\r\n\f\v]+")
# What `str.split()` and `str.strip()` take for whitespace besides `_SPACE`'s (no-break and other Unicode spaces,
# ASCII's information separators): a text holding none is collapsed by `split()` at less than half the regex's cost.
_OTHER_SPACE = re.compile(r"[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_INT = re.compile(r"\d[\d\s\u00a0,.]*")
_BLOCKS = frozenset("p h2 h3 h4 h5 h6 blockquote li figcaption pre".split())
_CONTAINERS = frozenset("div section ul ol figure article main span".split())
# A count's abbreviated scale, in the three scripts of Kazakh, Russian and English ("1,2 мың", "12.5K"); the
# Kazakh word takes suffixes ("5 мыңнан астам": more than 5,000).
_THOUSAND_STEMS = ("мың", "мын", "mıń", "myń", "myng", "مىڭ")
_SCALE_WORDS = {"тыс": 1000, "k": 1000, "thousand": 1000, "млн": 1_000_000, "mln": 1_000_000, "million": 1_000_000}
_SCALE_WORD = rf"(?i:(?:{'|'.join(_THOUSAND_STEMS)})[^\W\d_]*|(?:{'|'.join(_SCALE_WORDS)})(?![^\W\d_]))"
# A count as pages print it, for the patterns that read one in a line of text: "2852", "2 852", "1,2 мың".
COUNT = rf"\d{{1,3}}(?:[ \u00a0]\d{{3}})+|\d+(?:[.,]\d+)?\s*{_SCALE_WORD}|\d+"
_SCALE = re.compile(rf"[\s\u00a0]*({_SCALE_WORD})")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def clean(text: str | None) -> str:
    """Collapse runs of whitespace and trim, as a browser shows text; inner no-break spaces stay, soft hyphens go.

    A soft hyphen (`&shy;`) is a place a word may break, not a character the
    reader sees: "Mes&shy;sen&shy;ger" is "Messenger" to search and compare.
    """
    text = (text or "").replace("\xad", "")
    if _OTHER_SPACE.search(text) is None:  # only `_SPACE`'s whitespace, which split() finds alike
        return " ".join(text.split())
    return _SPACE.sub(" ", text).strip()


def to_int(text: str | None) -> int | None:
    """The first count printed in `text` ("2 852" -> 2852; "1,2 мың", "12.5K" -> 1200, 12500), or None."""
    text = (text or "").translate(_DIGITS)
    match = _INT.search(text)
    if not match:
        return None
    number = match.group().strip(" \t\r\n\u00a0,.")
    scale = _SCALE.match(text, match.end())
    if scale:
        try:
            return round(float(re.sub(r"[\s\u00a0]", "", number).replace(",", ".")) * _scale(scale[1]))
        except ValueError:  # "1.234,5 мың": not one number
            pass
    digits = re.sub(r"\D", "", number)
    return int(digits) if digits else None


def _scale(word: str) -> int:
    word = word.casefold()
    return 1000 if word.startswith(_THOUSAND_STEMS) else _SCALE_WORDS[word]


def first_of(*strategies: Strategy[T]) -> tuple[T | None, str | None]:
    """Run (name, getter) strategies in order; return the first non-empty value and its name."""
    for name, getter in strategies:
        value = getter()
        if value not in (None, "", [], {}):
            return value, name
    return None, None


_HIDDEN = frozenset(("script", "style"))


def node_text(node: Selector | HtmlElement) -> str:
    """Visible text of a node (a parsel Selector or an lxml element), as text (`as_text`)."""
    root = node.root if isinstance(node, Selector) else node
    return as_text(" ".join(visible_texts(root)))


def string_value(element: HtmlElement) -> str:
    """XPath's `string()` of an element (its text nodes' text, script and style included), as lxml's `text_content()`
    gives it: libxml2 collects the same text for its text serialization, which spares an XPath evaluation, half the cost."""
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)  # type: ignore[no-any-return]


def visible_texts(root: HtmlElement) -> list[str]:
    """The text nodes inside `root` that are not in a script or style, in order: XPath's
    `.//text()[not(ancestor::script or ancestor::style)]` for any element an HTML parse makes (the XPath also
    looks above `root`, but a parsed script or style holds no elements).

    Walked in Python because a parser reads many small elements (a title, a
    sidebar item's author), where an XPath costs more than twice the walk (3 against 1.2 µs).
    A stack instead of recursion: an HTML tree may nest deeper than Python recurses.
    """
    if not isinstance(root.tag, str) or root.tag in _HIDDEN:
        return []
    texts = [root.text] if root.text else []
    stack = [(root, iter(root))]
    while stack:
        parent, children = stack[-1]
        for child in children:
            if isinstance(child.tag, str) and child.tag not in _HIDDEN:
                if child.text:
                    texts.append(child.text)
                stack.append((child, iter(child)))
                break
            if child.tail:  # a comment's or a script's tail is text of the element around it
                texts.append(child.tail)
        else:
            stack.pop()
            if stack and parent.tail:
                texts.append(parent.tail)
    return texts


def meta_content(sel: Selector, *names: str) -> str | None:
    """Content of the first `<meta>` whose property or name is one of `names`, as text (`as_text`): not for URLs."""
    for name in names:
        value = sel.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content').get()
        if value and value.strip():
            return as_text(value)
    return None


ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "AnalysisNewsArticle", "OpinionNewsArticle"})


def person_names(value: Any) -> list[str]:
    """Names of the Person objects (or plain strings) in a JSON-LD author value, as text (`as_text`)."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, str):
            names.append(as_text(item))
        elif isinstance(item, dict) and item.get("@type", "Person") == "Person" and item.get("name"):
            names.append(as_text(str(item["name"])))
    return [n for n in names if n]


_LINE_BREAKING = ("br", "script", "style", "noscript", "template", etree.Comment, etree.ProcessingInstruction)
_SKIPPED = frozenset(("script", "style", "noscript", "template"))


def block_text(block: HtmlElement) -> str:
    """A paragraph's visible text: a line per `<br>` (a poem's lines, a byline over its source), each line
    whitespace-collapsed and its letters composed (`composed`); no script, style or comment text (an ad's
    `adsbygoogle.push` inside the body)."""
    if next(block.iter(*_LINE_BREAKING), None) is None:
        return as_text(string_value(block))  # most paragraphs: libxml2's string(), much cheaper than the walk
    lines: list[list[str]] = [[]]
    hidden = 0
    for event, node in etree.iterwalk(block, events=("start", "end", "comment", "pi")):
        if event in ("comment", "pi"):  # its text is no text; what follows it is
            if not hidden and node.tail:
                lines[-1].append(node.tail)
            continue
        skipped = node.tag in _SKIPPED
        if event == "start":
            if skipped:
                hidden += 1
            elif not hidden:
                if node.tag == "br":
                    lines.append([])
                lines[-1].append(node.text or "")
            continue
        hidden -= skipped
        if node is not block and not hidden and node.tail:
            lines[-1].append(node.tail)
    return composed("\n".join(line for line in (clean("".join(parts)) for parts in lines) if line))


def composed(text: str) -> str:
    """Text with its letters composed (NFC), as the archive stores it, before patterns read it.

    A letter typed as a base and a combining mark ("й" as "и" + U+0306, "ý"
    as "y" + U+0301, "ئ" as "ي" + U+0654, accents typed on a Mac) is one
    character once stored: the patterns, written composed ("Дайындаған",
    "дейді", "Қыркүйек"), missed it, and quote offsets counted in the typed
    paragraph pointed past their quote in the stored body. Not for URLs: a
    server names a file by the bytes it was given.
    """
    return unicodedata.normalize("NFC", text)


def as_text(value: str | None) -> str:
    """A string read from the page as text (an element's, a meta's content, a JSON-LD value): whitespace collapsed
    (`clean`), letters composed (`composed`). Not for URLs: a server names a file by the bytes it was given."""
    return composed(clean(value))


# What of an HTML page is markup, not text: a comment, a script or style with its content, a tag with its attribute
# values (quoted ones may hold a ">"; a quote left open is a character), a doctype or processing instruction.
_MARKUP = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style)\b(?:[^<>\"']++|\"[^\"]*+\"|'[^']*+'|[\"'])*+>.*?(?:</\1\s*>|\Z)"
    r"|</?[A-Za-z!?](?:[^<>\"']++|\"[^\"]*+\"|'[^']*+'|[\"'])*+>",
    re.DOTALL | re.IGNORECASE,
)


def with_text_composed(html: str) -> str:
    """The page with its text's letters composed (`composed`), its markup as typed: the links and image sources in its
    attributes, and its scripts (JSON-LD's URLs), stay the bytes the server was given.

    For a parser that hands the page's HTML to others (trafilatura, htmldate) as well as reading it.
    """
    if unicodedata.is_normalized("NFC", html):
        return html
    parts, end = [], 0
    for markup in _MARKUP.finditer(html):
        parts += [composed(html[end : markup.start()]), markup[0]]
        end = markup.end()
    parts.append(composed(html[end:]))
    return "".join(parts)


def typed_forms(text: str) -> tuple[str, ...]:
    """`text` composed, then decomposed (NFD) when that differs: the spellings of a word an XPath looks for in the
    page's own text, which is not composed ("saǵat", "Ýzdik materialdar" typed with combining marks)."""
    return tuple(dict.fromkeys((text, unicodedata.normalize("NFD", text))))


def block_elements(root: HtmlElement, excluded: set[int]) -> list[HtmlElement]:
    """Paragraph-level elements under `root`, in order; containers are walked into."""
    found = []
    for child in root:
        if not isinstance(child.tag, str) or id(child) in excluded:
            continue
        if child.tag in _BLOCKS:
            found.append(child)
        elif child.tag in _CONTAINERS:
            inner = block_elements(child, excluded)
            if inner:
                found.extend(inner)
            elif clean(string_value(child)):
                found.append(child)  # a container holding bare text is a paragraph
    return found


def densest_paragraph_parent(scope: Selector) -> Selector | None:
    """The element whose direct <p> children hold the most text: the body when no selector matches."""
    best, best_len = None, 0
    for parent in scope.xpath("descendant-or-self::*[p]"):
        length = sum(len(clean(p)) for p in parent.xpath("./p").xpath("string()").getall())
        if length > best_len:
            best, best_len = parent, length
    return best


# -- parsing ---------------------------------------------------------------------

# lxml.html's own parser asks a Python function for the class of every element proxy it
# creates; this one gives every element HtmlElement (every comment HtmlComment, ...) from C.
# The tree is the same; reading a 100 kB page's elements costs a third of what it did.
_LOOKUP = etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)


# One parser for every page: setting one up costs a seventh of parsing a 100 kB page. lxml locks
# a parser while it parses, so threads may share it (as lxml.html shares its default parser).
# No table of id attributes: only XPath's id() reads it, no parser calls that, and building it costs 4 % of a parse.
_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True, collect_ids=False)
_PARSER.set_element_class_lookup(_LOOKUP)


def parse_html(text: str) -> HtmlElement:
    """The root element of an HTML page: the tree `parsel.Selector(text=text)` parses, its elements plain HtmlElements.

    Without the table of `id` attributes that XPath's `id()` reads: no parser calls it (see `_PARSER`).
    """
    # NULs dropped from the bytes: the same result as from the text (UTF-8 makes a 0 byte of U+0000 only), at half the cost.
    body = text.strip().encode("utf-8").replace(b"\x00", b"") or b"<html/>"
    root = etree.fromstring(body, parser=_PARSER)
    if root is None:
        root = etree.fromstring(b"<html/>", parser=_PARSER)
    return root


def top_level(root: HtmlElement, *tags: Any) -> list[Any]:
    """The nodes beside `root` at its document's top level, `root` among them, in document order (of `tags` only,
    when given): libxml2 puts what follows a stray `</html>` (a counter script, a widget's markup) in a second
    `<html>` beside the first."""
    before = list(root.itersiblings(*tags, preceding=True))
    return [*reversed(before), root, *root.itersiblings(*tags)]


def page_text(root: HtmlElement) -> bytes:
    """Every text node of the element's document, concatenated (XPath `string(/)`), in UTF-8.

    As bytes because its one use is to search it: lxml hands libxml2's UTF-8
    over as is, where `string(/)` decodes ~50,000 characters into a str, and a
    search of UTF-8 bytes finds exactly the text's matches (the encoding is
    self-synchronizing).
    """
    # An element's text with its tail: what follows a top-level node up to the next is a top-level text node too.
    return b"".join(etree.tostring(node, method="text", encoding="utf-8") if isinstance(node.tag, str)
                    else (node.tail or "").encode() for node in top_level(root))


def may_hold_text(text_of_page: bytes, normalized: str) -> bool:
    """False when no text node of a page (given as `page_text`) can normalize-space to `normalized`.

    Such a text node holds the words of `normalized` separated by XML space, so
    the page's text does too: a cheap test before a costly XPath over every element.
    """
    words = normalized.split(" ")
    if max(words, key=len).encode() not in text_of_page:  # a plain substring search first: much faster than the regex
        return False
    return _word_run(tuple(words)).search(text_of_page) is not None


@lru_cache(maxsize=64)
def _word_run(words: tuple[str, ...]) -> re.Pattern[bytes]:
    return re.compile(b"[ \t\r\n]+".join(re.escape(w.encode()) for w in words))
