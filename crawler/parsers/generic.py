"""Any host's article page → `ArticleItem`: metadata, dates, authors and body of any news page.

The parser for sites without one of their own, and the filler behind the
site parsers: `parse_article` reads a whole page (declared metadata, the
shown headline, dates in Kazakh, Russian and English, the byline, and the
body through trafilatura); `fill` completes an item a site parser built,
from declared metadata only (cheap: no body extraction, no date
heuristics), never overwriting what the site parser found. A site profile
may name per-field CSS or XPath `overrides`, tried before everything else.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement
from parsel import Selector

from crawler.dates import fetch_time, iso, parse_datetime, zone
from crawler.errors import ParseError
from crawler.items import ArticleItem
from crawler.language import detect_language, detect_script
from crawler.parsers.authors import find_authors
from crawler.parsers.body import cleanup, extract_body
from crawler.parsers.common import block_elements, clean, composed, to_int, visible_texts, with_text_composed
from crawler.parsers.metadata import PageMetadata, read_metadata
from crawler.parsers.names import split_names
from crawler.parsers.pubdates import declared, modification_date, publication_date
from crawler.parsers.sanitize import sanitize
from crawler.parsers.titles import choose_title
from crawler.quotes import extract_quotes
from crawler.urls import canonicalize, join_url, site_of


@dataclass(slots=True)
class Picked:
    """What a profile's per-field selectors found on one page."""

    title: str | None = None
    published_at: str | None = None
    modified_at: str | None = None
    authors: list[str] = field(default_factory=list)
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    body: list[str] = field(default_factory=list)
    body_html: str = ""
    views: int | None = None
    comments: int | None = None


# Fields a profile may override with a selector. Views and comments have no generic rule: only a selector reads them.
OVERRIDABLE = frozenset({"title", "published_at", "modified_at", "authors", "category", "tags", "body", "image",
                         "views", "comments"})


def page_selector(html: str) -> Selector:
    """The page parsed as HTML, whatever its prolog says (an XHTML page would otherwise parse as XML)."""
    return Selector(text=html, type="html")


def parse_article(html: str, url: str, fetched_at: str | None = None, *, tz: str = "UTC",
                  overrides: Mapping[str, str] | None = None, today: date | None = None) -> ArticleItem:
    """Parse an article page of any host. Pure; `tz` applies to dates printed without an offset, and no date after
    `today` (by default the day after `fetched_at`, see `_last_day`) is the page's.

    Raises ParseError when the page has no title.
    """
    html = with_text_composed(html)  # a page typed with combining marks parses as its composed twin
    sel = page_selector(html)
    meta = read_metadata(sel, url)
    picked = overridden(sel, overrides or {}, url)
    title, title_how = (picked.title, "selector") if picked.title else choose_title(sel, meta, url)
    if not title:
        raise ParseError("page has no title")
    page_url = _canonical(url, meta)
    site = site_of(page_url)
    item = ArticleItem(url=page_url, site=site, article_id=None, key=f"{site}:{urlsplit(page_url).path}",
                       script=None, language=None, title=title, fetched_at=fetched_at)
    item.strategies["title"] = title_how or ""
    if page_url != canonicalize(url, https=urlsplit(url).scheme == "https"):
        item.strategies["url"] = "canonical"  # its <link rel=canonical> names another URL: a claim the dedupe weighs
    _dates(item, sel, html, url, meta, picked, tz, today)
    _people_and_labels(item, sel, meta, picked, url)
    _counts(item, picked)
    paragraphs: list[str]
    how: str | None
    if picked.body:
        paragraphs, body_html, how = picked.body, picked.body_html, "selector"
    else:
        body = extract_body(html, url, sel, title)
        paragraphs, body_html, how = body.paragraphs, body.html, body.strategy
    item.body, item.body_html = composed("\n\n".join(paragraphs)), body_html
    if how and paragraphs:
        item.strategies["body"] = how
    item.script = detect_script(item.body or title)
    item.language = detect_language(item.body) or meta.language
    item.quotes = extract_quotes(item.paragraphs)
    return item


def fill(item: ArticleItem, sel: Selector, *, tz: str = "UTC") -> ArticleItem:
    """Complete the empty fields of a site parser's item from the page's declared metadata; returns `item`.

    Cheap by design (no body extraction, no date heuristics): it runs on
    every page of sites that have their own parser, on the page the site
    parser already parsed (`sel`: the tree `page_selector` would give, with plain HtmlElement classes).
    """
    empty = [name for name in ("title", "published_at", "modified_at", "authors", "category", "tags", "image")
             if getattr(item, name) in (None, "", [])]
    if not empty:
        return item
    meta = read_metadata(sel, item.url)
    if "title" in empty and (title := choose_title(sel, meta, item.url)[0]):
        _set(item, "title", title, "meta")
    if "published_at" in empty and (moment := declared(meta.published, tz)):
        _set(item, "published_at", iso(moment), "meta")
    if "modified_at" in empty and (moment := modification_date(meta, tz)):
        _set(item, "modified_at", iso(moment), "meta")
    if "authors" in empty:
        names = [n for source, values in meta.authors if source.startswith(("jsonld", "microdata", "meta:author"))
                 for value in values for n in split_names(value)]
        _set(item, "authors", list(dict.fromkeys(names)), "meta")
    for name, value in (("category", meta.section), ("tags", meta.tags), ("image", meta.image)):
        if name in empty:
            _set(item, name, value, "meta")
    return item


def _set(item: ArticleItem, name: str, value: object, strategy: str) -> None:
    if value not in (None, "", []):
        setattr(item, name, value)
        item.strategies[name] = strategy


def _canonical(url: str, meta: PageMetadata) -> str:
    """The page's canonical URL: its `<link rel=canonical>` when it stays on the same site, else its own URL."""
    https = urlsplit(url).scheme == "https"
    declared_url = meta.canonical
    if declared_url and site_of(declared_url) == site_of(url) and urlsplit(declared_url).path not in ("", "/"):
        return canonicalize(declared_url, https=https)
    return canonicalize(url, https=https)


def _dates(item: ArticleItem, sel: Selector, html: str, url: str, meta: PageMetadata,
           picked: Picked, tz: str, today: date | None) -> None:
    fetched = fetch_time(item.fetched_at)  # what "today, 16:01" counts from
    today = today or _last_day(fetched, tz)
    moment = parse_datetime(picked.published_at, tz, now=fetched) if picked.published_at else None
    how: str | None = "selector" if moment else None
    if moment is None:
        moment, how = publication_date(sel, html, url, meta, tz, today)
    if moment is not None:
        item.published_at, item.strategies["published_at"] = iso(moment), how or ""
    modified = parse_datetime(picked.modified_at, tz, now=fetched) if picked.modified_at else None
    if modified is not None:
        item.modified_at, item.strategies["modified_at"] = iso(modified), "selector"
    elif (modified := modification_date(meta, tz, today)) is not None:
        item.modified_at, item.strategies["modified_at"] = iso(modified), "meta"


def _last_day(fetched: datetime | None, tz: str) -> date | None:
    """The last day a page fetched at `fetched` can be dated: the day after its fetch in `tz`, since a page in a zone
    ahead of the site's may already print tomorrow. A later day on it is a coming event's, no publication date."""
    return fetched.astimezone(zone(tz)).date() + timedelta(days=1) if fetched else None


def _people_and_labels(item: ArticleItem, sel: Selector, meta: PageMetadata, picked: Picked, url: str) -> None:
    if picked.authors:
        item.authors, item.strategies["authors"] = picked.authors, "selector"
    else:
        names, how = find_authors(sel, meta, url)
        if names:
            item.authors, item.strategies["authors"] = names, how or ""
    if picked.category or meta.section:
        item.category, item.strategies["category"] = picked.category or meta.section, "selector" if picked.category else "meta"
    if picked.tags or meta.tags:
        item.tags, item.strategies["tags"] = picked.tags or meta.tags, "selector" if picked.tags else "meta"
    if picked.image or meta.image:
        item.image, item.strategies["image"] = picked.image or meta.image, "selector" if picked.image else "meta"
        item.images = [item.image] if item.image else []


def _counts(item: ArticleItem, picked: Picked) -> None:
    """Views and comments, as the profile's selectors read them: no generic rule tells a page's counts apart."""
    for name in ("views", "comments"):
        if (count := getattr(picked, name)) is not None:
            setattr(item, name, count)
            item.strategies[name] = "selector"


def overridden(sel: Selector, overrides: Mapping[str, str], url: str) -> Picked:
    """Values the profile's per-field selectors find on this page (a selector starting with "/" or "(" is XPath).

    Also how a profile checks its selectors when it loads (`crawler.profiles`), on an empty page.
    """
    picked = Picked()
    for name, query in overrides.items():
        nodes = sel.xpath(query) if query.lstrip().startswith(("/", "(", "./")) else sel.css(query)
        texts = [t for t in (clean(_text_of(n)) for n in nodes) if t]
        if not texts:
            continue
        if name == "body":
            picked.body = cleanup(_paragraphs(nodes))
            picked.body_html = _selected_html([n.root for n in nodes if _is_element(n)], url)
        elif name == "authors":
            picked.authors = list(dict.fromkeys(n for t in texts for n in split_names(t)))
        elif name == "tags":
            picked.tags = list(dict.fromkeys(texts))
        elif name == "image":
            picked.image = join_url(url, texts[0])
        elif name in ("views", "comments"):
            # The first number picked: "1 234 рет қаралды", "12 пікір", or a label node before the count's.
            setattr(picked, name, next((n for n in map(to_int, texts) if n is not None), None))
        elif name in ("title", "published_at", "modified_at", "category"):
            setattr(picked, name, texts[0])
    return picked


def _text_of(node: Selector) -> str:
    """A selected node's visible text; the string itself for `::text` / `::attr()` / `@attr` selections, and the
    text of a comment (`//comment()`: some pages print their date only there) or processing instruction."""
    if isinstance(node.root, str):
        return node.root
    if not _is_element(node):
        return str(node.root.text or "")
    return " ".join(visible_texts(node.root))


def _paragraphs(nodes: list[Selector]) -> list[str]:
    """The body's paragraphs in what a body selector picked: a picked paragraph is one, a picked container
    (`div.story`) holds its paragraphs, as the abai.kz body does (`block_elements`); picked text is one each."""
    paragraphs = []
    for node in nodes:
        if isinstance(node.root, str):
            paragraphs.append(node.root)
        if not _is_element(node):
            continue  # a comment is no part of the body
        # Text nodes joined as they stand, as `text_content` joins them (`node_text` puts a space between: "link ."),
        # scripts and styles left out.
        paragraphs += ["".join(visible_texts(block)) for block in block_elements(node.root, set()) or [node.root]]
    return [text for text in map(clean, paragraphs) if text]


def _selected_html(elements: list[HtmlElement], url: str) -> str:
    """Sanitized HTML of the elements a body selector picked, paragraph for paragraph as `_paragraphs` reads them.

    A picked block (`p`, a heading, a list, a table) is kept whole; a container
    of blocks (a `div`, a `td` of paragraphs) gives its blocks; any other element
    (a `div` or `span` of text, a lone `li` or `td`, a link) is one `<p>`, its
    inline markup kept.
    """
    holder = lxml_html.Element("div")
    for element in elements:
        part = copy.deepcopy(element)
        part.tail = None  # the text after the element is not part of it
        if part.tag in _WHOLE_BLOCKS:
            holder.append(part)
        elif block_elements(element, set()):
            part.tag = "div"  # sanitize unwraps it and keeps the blocks inside
            holder.append(part)
        else:
            if part.tag not in _INLINE:
                part.tag = "span"  # unwrapped by sanitize: its text and inline children stay in the paragraph
            etree.SubElement(holder, "p").append(part)
    return sanitize(holder, url)


# Picked elements body_html keeps as they are: each is a paragraph, a heading or a block of its own.
_WHOLE_BLOCKS = frozenset("p h2 h3 h4 h5 h6 blockquote ul ol table figure".split())
# Inline elements sanitize keeps, with their link or source: a picked one goes inside its paragraph as it is.
_INLINE = frozenset("a img strong em b i u".split())


def _is_element(node: Selector) -> bool:
    return not isinstance(node.root, str) and isinstance(node.root.tag, str)
