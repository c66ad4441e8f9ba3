"""Any host's article page → `ArticleItem`, from standard page metadata.

The fallback for sites without a parser of their own: JSON-LD, OpenGraph and
meta tags for the metadata, and the densest block of paragraphs for the body.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.dates import iso, parse_datetime
from crawler.errors import ParseError
from crawler.items import ArticleItem
from crawler.language import detect_language, detect_script
from crawler.parsers.common import (
    block_elements,
    clean,
    densest_paragraph_parent,
    first_of,
    json_ld_article,
    meta_content,
    node_text,
    person_names,
)
from crawler.parsers.sanitize import sanitize
from crawler.quotes import extract_quotes
from crawler.urls import canonicalize, site_of


def parse_article(html: str, url: str, fetched_at: str | None = None, *, tz: str = "UTC") -> ArticleItem:
    """Parse an article page of any host. Pure; `tz` applies to dates printed without an offset."""
    sel = Selector(text=html)
    ld = json_ld_article(sel)
    canonical_href = sel.css("link[rel=canonical]::attr(href)").get()
    page_url = canonicalize(urljoin(url, canonical_href) if canonical_href else url, https=urlsplit(url).scheme == "https")
    title, title_how = first_of(
        ("meta", lambda: clean(ld.get("headline")) or meta_content(sel, "og:title")),
        ("structure", lambda: node_text(sel.css("h1")[0]) if sel.css("h1") else None),
        ("structure", lambda: node_text(sel.css("title")[0]) if sel.css("title") else None),
    )
    if not title:
        raise ParseError("page has no title")
    site = site_of(page_url)
    item = ArticleItem(
        url=page_url, site=site, article_id=None, key=f"{site}:{urlsplit(page_url).path}",
        script=None, language=None, title=title, fetched_at=fetched_at,
    )
    item.strategies["title"] = title_how or ""
    published = str(ld.get("datePublished") or "") or meta_content(sel, "article:published_time", "datePublished", "pubdate", "date")
    moment = parse_datetime(published, tz) if published else None
    if moment:
        item.published_at, item.strategies["published_at"] = iso(moment), "meta"
    item.authors = person_names(ld.get("author")) or ([a] if (a := meta_content(sel, "author", "article:author")) else [])
    item.category = clean(str(ld.get("articleSection") or "")) or meta_content(sel, "article:section")
    image = meta_content(sel, "og:image")
    item.images = [urljoin(url, image)] if image else []
    scope = sel.css("article") or sel.css("body")
    content = densest_paragraph_parent(scope[0]) if scope else None
    if content is not None:
        paragraphs = [clean(e.text_content()) for e in block_elements(content.root, set())]
        item.body = "\n\n".join(p for p in paragraphs if p)
        item.body_html = sanitize(content.root, page_url)
    item.script = detect_script(item.body or title)
    item.language = detect_language(item.body) or (sel.xpath("/html/@lang").get() or "").split("-")[0].lower() or None
    item.quotes = extract_quotes(item.paragraphs)
    return item
