"""What a page says about itself: JSON-LD, OpenGraph and `article:*`, standard meta tags and microdata.

Pure functions of a parsed page. `read_metadata` gathers every declared
value into one `PageMetadata` with candidates kept in source order (JSON-LD,
then microdata, then OpenGraph and meta tags); the title, date and author
modules decide among them, because the best source differs by field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from crawler.parsers.common import ARTICLE_TYPES, as_text, clean, composed, node_text, top_level
from crawler.urls import join_url

# JSON-LD types that describe the page's main content when no article type is present.
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "Report", "CreativeWork", "VideoObject", "LiveBlogPosting",
                        "TechArticle", "ScholarlyArticle", "SocialMediaPosting", "DiscussionForumPosting",
                        "Review", "Blog", "Recipe", "Event", "PressRelease", "Product"})
ARTICLE_LIKE = ARTICLE_TYPES | {"LiveBlogPosting", "TechArticle", "ScholarlyArticle", "SocialMediaPosting",
                                "Report", "PressRelease", "Review", "Recipe"}

# Meta names and properties per field, most specific first.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "datePublished",
    "publication_date", "publish-date", "publish_date", "publishdate", "pubdate", "date.issued", "dc.date.issued",
    "dcterms.issued", "dcterms.created", "dc.date.created", "citation_publication_date", "citation_date",
    "sailthru.date", "parsely-pub-date", "article.published", "originalpublicationdate", "date_published",
    "cxenseparse:recs:publishtime", "og:published_time", "article_date_original", "dc.date", "date", "dcterms.date",
)
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "article:modified", "dateModified", "last-modified",
    "lastmod", "dcterms.modified", "dc.date.modified", "article.updated", "og:article:modified_time",
)
AUTHOR_META = (
    "author", "article:author", "dc.creator", "dcterms.creator", "citation_author", "sailthru.author",
    "parsely-author", "byl", "og:article:author", "book:author", "cxenseparse:author", "twitter:creator",
)
SECTION_META = ("article:section", "og:article:section", "section", "parsely-section", "cxenseparse:recs:articlesection")
TAG_META = ("article:tag", "og:article:tag", "news_keywords", "keywords", "parsely-tags", "sailthru.tags")

BYLINE_LABEL = re.compile(r"written by|verfasst von|geschrieben von|автор|écrit par|escrito por|author")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(slots=True)
class PageMetadata:
    """Declared values of one page; each list keeps candidates in source order."""

    titles: list[tuple[str, str]] = field(default_factory=list)
    """(source, title) pairs: "jsonld", "microdata", "og", "twitter", "meta"."""
    published: list[tuple[str, str]] = field(default_factory=list)
    """(source, raw date text) pairs for the publication date."""
    modified: list[tuple[str, str]] = field(default_factory=list)
    authors: list[tuple[str, list[str]]] = field(default_factory=list)
    """(source, names) pairs; a source may give several names."""
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    language: str | None = None
    canonical: str | None = None
    site_name: str | None = None
    description: str | None = None
    article_typed: bool = False
    """True when the page declares itself an article (JSON-LD article type or og:type article)."""


def read_metadata(sel: Selector, url: str) -> PageMetadata:
    """Every declared value of the page at `url`."""
    meta = PageMetadata()
    _read_json_ld(sel, url, meta)
    _read_microdata(sel, url, meta)
    _read_meta_tags(sel, url, meta)
    return meta


# -- JSON-LD ------------------------------------------------------------------


def page_elements(sel: Selector, *tags: str) -> Iterator[HtmlElement]:
    """The page's elements of these tags in document order, as the XPath `//tag` finds them, wherever `sel` points.

    lxml walks the tree for one tag name in C; an XPath such as `//meta[@content]`
    costs five times as much on a 1,000-element page, and reading a page's
    metadata asks for its metas, scripts and links. The walk starts at every
    top-level element (`top_level`), not only the root.
    """
    for top in top_level(sel.root.getroottree().getroot(), etree.Element):
        yield from top.iter(*tags)


_JSON_LD_TYPES = ("application/ld+json", "application/ld+json; charset=utf-8")


def json_ld_blocks(sel: Selector) -> Iterator[Any]:
    """Each JSON-LD script's data; blocks broken by trailing commas or raw newlines are repaired, others skipped."""
    scripts = (s for s in page_elements(sel, "script") if s.get("type") in _JSON_LD_TYPES)
    for raw in (str(text) for script in scripts for text in script.xpath("text()")):
        text = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        text = text.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
        for attempt in (text, _TRAILING_COMMA.sub(r"\1", text), _CONTROL.sub(" ", _TRAILING_COMMA.sub(r"\1", text))):
            try:
                yield json.loads(attempt, strict=False)
                break
            except ValueError:
                continue


def json_ld_article(sel: Selector) -> dict[str, Any]:
    """The page's first JSON-LD object typed as an article (`ARTICLE_TYPES`), or an empty dict."""
    objects = (obj for block in json_ld_blocks(sel) for obj in _flatten(block))
    return next((obj for obj in objects if types_of(obj) & ARTICLE_TYPES), {})


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    """Every object of a JSON-LD document: lists, `@graph` members and `mainEntity` included."""
    stack = [data]
    while stack:
        node = stack.pop(0)
        if isinstance(node, list):
            stack[0:0] = node
        elif isinstance(node, dict):
            yield node
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
                child = node.get(key)
                if isinstance(child, (list, dict)):
                    stack.append(child)


def types_of(obj: dict[str, Any]) -> set[str]:
    kinds = obj.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _text(value: Any) -> str | None:
    """A plain string from a JSON-LD value (a string, a list's first string, or an object's name/@value)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, (str, dict))), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return as_text(_unescape(value)) if isinstance(value, str) and value.strip() else None



def _unescape(text: str) -> str:
    """Entities some sites leave encoded inside JSON strings (`&#8211;`, `&amp;`)."""
    if "&" not in text:
        return text
    import html

    return html.unescape(text)


def _names(value: Any, index: dict[str, dict[str, Any]]) -> list[str]:
    """Names in a JSON-LD author value: strings, Person/Organization objects, `@id` references."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict) and "name" not in item and isinstance(item.get("@id"), str):
            item = index.get(item["@id"], item)
        if isinstance(item, str):
            names.append(as_text(_unescape(item)))
        elif isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, list):
                name = " ".join(n for n in name if isinstance(n, str))
            if not isinstance(name, str) and (item.get("givenName") or item.get("familyName")):
                name = f"{item.get('givenName', '')} {item.get('familyName', '')}"
            if isinstance(name, str):
                names.append(as_text(_unescape(name)))
    return [n for n in names if n]


def _image(value: Any, url: str) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return join_url(url, value.strip()) if isinstance(value, str) and value.strip() else None


def _keywords(value: Any) -> list[str]:
    """Tags from a keywords value (a comma-separated string or a list); paths and URLs are not tags."""
    if isinstance(value, str):
        values = value.split(",")
    elif isinstance(value, list):
        values = [v for v in value if isinstance(v, str)]
    else:
        return []
    tags = [as_text(_unescape(v)) for v in values]
    return [t for t in tags if t and not t.startswith("/") and "://" not in t]


def _read_json_ld(sel: Selector, url: str, meta: PageMetadata) -> None:
    objects = [obj for block in json_ld_blocks(sel) for obj in _flatten(block)]
    index = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str) and len(obj) > 1}
    articles = [o for o in objects if types_of(o) & ARTICLE_LIKE]
    pages = [o for o in objects if types_of(o) & PAGE_TYPES and not types_of(o) & ARTICLE_LIKE]
    meta.article_typed = meta.article_typed or bool([o for o in objects if types_of(o) & ARTICLE_TYPES])
    for source, group in (("jsonld", articles), ("jsonld-page", pages)):
        for obj in group:
            if title := _text(obj.get("headline")) or (_text(obj.get("name")) if source == "jsonld" else None):
                meta.titles.append((source, title))
            if published := _text(obj.get("datePublished")) or _text(obj.get("dateCreated")):
                meta.published.append((source, published))
            if modified := _text(obj.get("dateModified")):
                meta.modified.append((source, modified))
            if names := _names(obj.get("author") or obj.get("creator"), index):
                meta.authors.append((source, names))
            if source == "jsonld":
                meta.section = meta.section or _text(obj.get("articleSection"))
                meta.tags = meta.tags or _keywords(obj.get("keywords"))
                meta.image = meta.image or _image(obj.get("image") or obj.get("thumbnailUrl"), url)
                meta.language = meta.language or _text(obj.get("inLanguage"))
    for obj in objects:
        if types_of(obj) & {"WebSite", "Organization", "NewsMediaOrganization"} and not meta.site_name:
            meta.site_name = _text(obj.get("name"))


# -- microdata ------------------------------------------------------------------


def _itemprop(props: dict[str, list[Selector]], name: str) -> list[Selector]:
    return props.get(name, [])


def _item_value(node: Selector) -> str | None:
    for attr in ("content", "datetime", "value"):
        value = node.root.get(attr)  # not .attrib: see meta_index
        if value and value.strip():
            return as_text(value)
    return node_text(node) or None


# The itemprop attributes of elements below a <body>, their elements by getparent(): an attribute step
# costs two thirds of what "//body//*[@itemprop]", a predicate on every element, costs.
_ITEMPROPS = etree.XPath("//body//@itemprop")


def _read_microdata(sel: Selector, url: str, meta: PageMetadata) -> None:
    carriers = (attribute.getparent() for attribute in _ITEMPROPS(sel.root))
    # "//body//@itemprop" includes the body's own; "//body//*" is what lies below one.
    nodes = [Selector(root=e, type=sel.type) for e in carriers if any(True for _ in e.iterancestors("body"))]
    if not nodes:
        return
    props: dict[str, list[Selector]] = {}
    for node in nodes:
        for token in node.root.get("itemprop", "").split():
            props.setdefault(token, []).append(node)
    for node in _itemprop(props, "headline")[:1]:
        if value := _item_value(node):
            meta.titles.append(("microdata", value))
    for name, target in (("datePublished", meta.published), ("dateModified", meta.modified)):
        for node in _itemprop(props, name)[:1]:
            if value := _item_value(node):
                target.append(("microdata", value))
    names = []
    for node in [n for n in _itemprop(props, "author") if _page_item(n.root)][:6]:
        inner = node.xpath('.//*[@itemprop="name"]')
        value = _item_value(inner[0]) if inner else _item_value(node)
        if value and len(value) < 80:
            names.append(value)
    if names:
        meta.authors.append(("microdata", list(dict.fromkeys(names))))
    if sel.xpath('//*[@itemscope and (contains(@itemtype, "Article") or contains(@itemtype, "BlogPosting"))]'):
        meta.article_typed = True


def _page_item(element: HtmlElement) -> bool:
    """True when a microdata property belongs to the page's own item, or to no item.

    Not to a photo ("(Image: BBC)", "Фото: …": an ImageObject's author is its
    photographer), a comment, or a teaser nested inside the article.
    """
    items = [a for a in element.iterancestors() if a.get("itemscope") is not None]  # the owner first
    if not items:
        return True
    in_article = any(_item_types(item) & ARTICLE_LIKE for item in items[1:])
    return not in_article and bool(_item_types(items[0]) & (ARTICLE_LIKE | PAGE_TYPES))


def _item_types(element: HtmlElement) -> set[str]:
    """A microdata item's schema.org types ("http://schema.org/NewsArticle/" -> {"NewsArticle"}; it may name several)."""
    return {token.rstrip("/").rsplit("/", 1)[-1] for token in (element.get("itemtype") or "").split()}


# -- meta tags --------------------------------------------------------------------


def meta_index(sel: Selector) -> dict[str, list[str]]:
    """Contents of every `<meta>`, by its lower-cased property, name and itemprop (one pass over the page), as typed:
    a URL as the page gave it, text perhaps with combining marks (`as_text`)."""
    index: dict[str, list[str]] = {}
    for attrs in page_elements(sel, "meta"):
        # lxml's get(); parsel's .attrib copies every attribute, and a name like "\x1b" makes that raise
        content = attrs.get("content")
        if content is None or not content.strip():
            continue
        for key in {attrs.get("property"), attrs.get("name"), attrs.get("itemprop")}:
            if key:
                index.setdefault(key.strip().lower(), []).append(clean(_unescape(content)))
    return index


def meta_values(sel: Selector | dict[str, list[str]], name: str) -> list[str]:
    """Contents of every `<meta>` whose property, name or itemprop is `name` (case-insensitive)."""
    index = sel if isinstance(sel, dict) else meta_index(sel)
    return index.get(name.lower(), [])


def _first_meta(index: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        values = index.get(name.lower())
        if values:
            return values[0]
    return None


# What XPath's translate(@http-equiv, "CONTENTLAGU", "contentlagu") lower-cases: these letters only.
_CONTENT_LANGUAGE_LOWER = str.maketrans("CONTENTLAGU", "contentlagu")


def _read_meta_tags(sel: Selector, url: str, meta: PageMetadata) -> None:
    typed = meta_index(sel)  # the image's and the page's URLs are read as typed
    index = {name: [composed(value) for value in values] for name, values in typed.items()}  # the rest as text (`as_text`)
    for source, name in (("og", "og:title"), ("twitter", "twitter:title"), ("meta", "title"),
                         ("meta", "dc.title"), ("meta", "citation_title"), ("meta", "parsely-title")):
        if value := _first_meta(index, name):
            meta.titles.append((source, value))
    for name in PUBLISHED_META:
        for value in meta_values(index, name)[:1]:
            meta.published.append((f"meta:{name}", value))
    for name in MODIFIED_META:
        for value in meta_values(index, name)[:1]:
            meta.modified.append((f"meta:{name}", value))
    for name in AUTHOR_META:
        values = meta_values(index, name)
        if values:
            meta.authors.append((f"meta:{name}", values))
    for number in ("1", "2"):  # Yoast's reading labels: twitter:label1 "Written by", twitter:data1 the name
        label = (_first_meta(index, f"twitter:label{number}") or "").lower()
        data = _first_meta(index, f"twitter:data{number}")
        if label and BYLINE_LABEL.search(label) and data:
            meta.authors.append(("meta:twitter:data", [data]))
    meta.section = meta.section or _first_meta(index, *SECTION_META)
    if not meta.tags:
        for name in TAG_META:
            values = [t for v in meta_values(index, name) for t in _keywords(v)]
            if values:
                meta.tags = list(dict.fromkeys(values))
                break
    image = _first_meta(typed, "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
    meta.image = meta.image or (join_url(url, image) if image else None)
    meta.site_name = meta.site_name or _first_meta(index, "og:site_name", "application-name", "apple-mobile-web-app-title")
    meta.description = _first_meta(index, "og:description", "description", "twitter:description")
    meta.language = meta.language or sel.xpath("/html/@lang").get() or _first_meta(index, "og:locale", "language", "content-language", "dc.language") \
        or next((m.get("content") for m in page_elements(sel, "meta") if m.get("content") is not None
                 and (m.get("http-equiv") or "").translate(_CONTENT_LANGUAGE_LOWER) == "content-language"), None)
    if meta.language:
        meta.language = meta.language.strip().replace("_", "-").split("-")[0].lower() or None
    canonical = next((link.get("href") for link in page_elements(sel, "link")
                      if link.get("rel") == "canonical" and link.get("href") is not None), None) or _first_meta(typed, "og:url")
    meta.canonical = join_url(url, canonical.strip()) if canonical and canonical.strip() else None
    og_type = (_first_meta(index, "og:type") or "").lower()
    meta.article_typed = meta.article_typed or og_type == "article"
