"""The article body of any page: trafilatura's main-content extraction, then our own cleanup.

trafilatura (precision mode, without comments) finds the main content, with
the tweets the page embeds taken out of the wrappers it would drop; we turn
its XML into our paragraphs and sanitized HTML, and drop what a body
paragraph never is: the headline repeated, a lone date or byline line at the
top, share lines, pointers to and lists of other stories, notes on the
reporters at the end. When trafilatura finds nothing, the densest block of
`<p>` paragraphs is the body.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby

from lxml.etree import XPath
from lxml.html import HtmlElement
from parsel import Selector

from crawler.dates import parse_local
from crawler.parsers.common import block_elements, clean, densest_paragraph_parent
from crawler.parsers.sanitize import sanitize
from crawler.parsers.sitenames import squash
from crawler.urls import join_url, on_site, site_of

# Lines that belong to the page's furniture, not to the text (whole-line matches only).
FURNITURE = re.compile(
    r"^(?:share|teilen|drucken|print|e-?mail|tweet|facebook|twitter|whatsapp|telegram|pinterest|linkedin|"
    r"more|read more|mehr lesen|weiterlesen|advertisement|anzeige|werbung|реклама|жарнама|comments?|kommentare?)"
    r"(?:\s+(?:this|on|via|article|artikel))*\s*:?$",
    re.IGNORECASE,
)
# Closing calls to act, as the last paragraph of a page.
PROMO = re.compile(
    r"^(?:like this (?:story|article)|share (?:this|it)|subscribe|sign up|follow (?:us|him|her|them)|get the latest|"
    r"also on |read (?:also|more|next)|related(?: articles| stories)?:|more (?:stories|news)|"
    r"abonnieren|jetzt abonnieren|folgen sie|teilen sie|подписывайтесь|жазылыңыз)",
    re.IGNORECASE,
)
# A pointer to other stories, anywhere in the text ("READ MORE: …", "[Related: …]", "Also on rt.com …", whose
# address ends in letters, not "Also on Nov.12 …"; "You may also like...").
POINTER = re.compile(
    r"^[\[(]?(?:(?:read (?:also|more|next)|see also|related(?: \w+)?|читайте также|см\. также|lesen sie auch"
    r"|mehr zum thema)\s*:|also on [\w-]+(?:\.[^\W\d_]{2,})+\s|you (?:may|might) also (?:like|enjoy)\s*(?::|\.\.\.|…)?$)",
    re.IGNORECASE,
)
# Where to reach the author: a personal email address, or a social profile's address (not a tweet's:
# "pic.twitter.com/…"). An office's address (tips@, info@) is one the story gives its readers. An address starts where
# its characters do, so a long run of them is read once, not from each of its letters.
CONTACT = re.compile(
    r"(?<![\w.+-])(?!(?:info|tips?|news|contact|press|media|tickets?|events?|hello|help|support|service|office|sales"
    r"|letters|feedback|admin)@)[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w.])(?:twitter|facebook|instagram)\.com/\w++(?!/status)",
    re.IGNORECASE,
)
# A web address as a line's whole text: a link that cites its source, no headline of another story.
ADDRESS = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
# How many lines in a row, each a link's whole text, make a list of links to other stories.
LINK_LIST = 3
# Who else worked on the story, as its closing line: "Keith Bradsher contributed reporting from Hong Kong."
CREDIT = re.compile(r"\bcontributed (?:to this (?:report|story|article)|(?:additional )?reporting)\b", re.IGNORECASE)
TAGS_LABEL = re.compile(r"^(?:tags|schlagwörter|schlagworte|теги|тегтер|тэги|keywords)\s*:?$", re.IGNORECASE)
DATE_LINE = re.compile(r"^(?:updated|published|posted|aktualisiert|veröffentlicht|обновлено|опубликовано)\b.*\d", re.IGNORECASE)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Twitter's embed code, the same on every site that embeds a tweet.
TWEETS = XPath('//blockquote[contains(concat(" ", normalize-space(@class), " "), " twitter-tweet ")]')
# An embedded tweet's signature line: "— Rep. Ilhan Omar (@Ilhan) November 19, 2019".
TWEET_SIGNATURE = re.compile(r"^[—–-].*\(@\w+\)")
# Tags of trafilatura's HTML conversion whose text is one paragraph.
HTML_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "td", "th")


@dataclass(slots=True)
class Body:
    """An article body: plain paragraphs and sanitized HTML."""

    paragraphs: list[str] = field(default_factory=list)
    html: str = ""
    strategy: str | None = None
    """"trafilatura" or "structure" (densest paragraphs)."""


def extract_body(html: str, url: str, sel: Selector | None = None, title: str | None = None) -> Body:
    """The body of the page at `url`; `sel` is the parsed page."""
    sel = sel if sel is not None else Selector(text=html, type="html")
    found = _trafilatura(html, url)
    if found is not None:
        extracted, root = found
        paragraphs = cleanup(extracted, title, _site_links(sel.root, url, extracted))
        if paragraphs and not _headline_only(root, paragraphs, title):
            _prune(root, extracted, paragraphs)
            return Body(paragraphs, sanitize(root, url), "trafilatura")
    scope = sel.css("article") or sel.css("body")
    content = densest_paragraph_parent(scope[0]) if scope else None
    if content is None:
        return Body()
    texts = [clean(e.text_content()) for e in block_elements(content.root, set())]
    paragraphs = cleanup(texts, title, _site_links(sel.root, url, texts))
    if _headline_only(content.root, paragraphs, title):
        return Body()
    return Body(paragraphs, sanitize(content.root, url), "structure")


def _headline_only(root: HtmlElement, paragraphs: list[str], title: str | None) -> bool:
    """Whether a body is the page's headline and nothing else: one paragraph, the title, all its text in headings.

    A short news item whose one paragraph repeats its headline keeps it (its
    text is in a paragraph); a page with nothing but its `<h1>` has no body.
    """
    if len(paragraphs) != 1 or not title or not _same(paragraphs[0], title):
        return False
    return all(element.tag in HEADINGS for element in root.iter() if isinstance(element.tag, str)
               and ((element.text or "").strip() or any((child.tail or "").strip() for child in element)))


def _site_links(root: HtmlElement, url: str, paragraphs: list[str]) -> frozenset[str]:
    """Which of `paragraphs` are the texts of the page's links to its own site (its host, a subdomain or the domain
    above): other stories' headlines. Titles linking other sites are sources the article cites (studies, a reading
    list), its own text.

    Only a link whose text is one of the paragraphs has its target resolved: a page links ~170 times, and resolving
    every target cost more than the rest of the body's cleanup.
    """
    site = site_of(url)
    wanted = set(paragraphs)
    texts = set()
    for link in root.iter("a"):
        text = clean(link.text_content())
        if text not in wanted or text in texts:
            continue
        target = join_url(url, link.get("href") or "")
        host = site_of(target) if target else ""
        if host and (on_site(host, site) or on_site(site, host)):
            texts.add(text)
    return frozenset(texts)


def _trafilatura(html: str, url: str) -> tuple[list[str], HtmlElement] | None:
    """trafilatura's main content as (paragraph texts, HTML tree), or None when it finds none."""
    from trafilatura import bare_extraction
    from trafilatura.htmlprocessing import convert_to_html
    from trafilatura.xml import xmltotxt

    # Links stay out: keeping them changes trafilatura's link-density filtering (F1 0.91 instead of 0.97 on the dev set).
    document = bare_extraction(_with_tweets_unwrapped(html), url=url, favor_precision=True, include_comments=False,
                               include_links=False, include_images=False, with_metadata=False)
    body = getattr(document, "body", None)
    if body is None or not len(body):
        return None
    text = xmltotxt(body, False)
    paragraphs = [clean(line) for line in text.split("\n")]
    tree = convert_to_html(copy.deepcopy(body))
    root = tree.find("body")
    container = HtmlElement("div") if root is None else root
    if root is not None:
        root.tag = "div"
    from lxml import html as lxml_html

    return [p for p in paragraphs if p], lxml_html.fromstring(lxml_html.tostring(container, encoding="unicode"))


def _with_tweets_unwrapped(html: str) -> str | HtmlElement:
    """The page for trafilatura, each embedded tweet out of the wrappers that hold nothing else.

    A tweet the article embeds is text it quotes, but sites wrap it in a
    "widget" or "embed" container, which trafilatura drops as page furniture.
    """
    if "twitter-tweet" not in html:
        return html
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        return html
    for tweet in TWEETS(tree):
        _unwrap(tweet)
    return tree


def _unwrap(element: HtmlElement) -> None:
    """Put `element` in the place of its outermost ancestor whose text is all `element`'s."""
    text = element.text_content().strip()
    wrapper = element
    for ancestor in element.iterancestors():
        if ancestor.getparent() is None or ancestor.text_content().strip() != text:
            break
        wrapper = ancestor
    parent = wrapper.getparent()
    if wrapper is not element and parent is not None:
        element.tail = wrapper.tail
        parent.replace(wrapper, element)


def _prune(root: HtmlElement, extracted: list[str], kept: list[str]) -> None:
    """Take out of the body's HTML what `cleanup` took out of its paragraphs, so `body_html` shows what `body` says.

    `kept` is `extracted` less what cleanup dropped, in order; matching it from
    the start tells which occurrence of a text was dropped ("Berlin" as a
    subheading stays, "Berlin" in the tag list at the end goes), and that
    occurrence of a loose text or block with that text goes from the HTML.
    A block holding a block of the same text counts once; the text after a
    block stays.
    """
    dropped: set[tuple[str, int]] = set()
    seen: Counter[str] = Counter()
    position = 0
    for text in extracted:
        if position < len(kept) and kept[position] == text:
            position += 1
        else:
            dropped.add((text, seen[text]))
        seen[text] += 1
    if not dropped:
        return
    seen.clear()
    if root.text and (text := clean(root.text)):
        if (text, seen[text]) in dropped:
            root.text = None
        seen[text] += 1
    texts: dict[HtmlElement, str] = {}
    for element in list(root.iter(*HTML_BLOCKS)):
        text = texts[element] = clean(element.text_content())
        if any(texts.get(parent) == text for parent in element.iterancestors(*HTML_BLOCKS)):
            continue  # "<li><p>A</p></li>": one paragraph
        if (text, seen[text]) in dropped and element.getparent() is not None:
            element.drop_tree()
        seen[text] += 1


def cleanup(paragraphs: list[str], title: str | None = None, links: frozenset[str] = frozenset()) -> list[str]:
    """Our rules on top of the extractor; `links` are the texts of the page's links to its own site.

    Anywhere: no furniture lines ("Share", "Print"), no pointer to another story, no list of links to other
    stories, no paragraph repeated in a row. At the top: no repeated headline (unless it is all there is), no
    lone date line. At the end: no date line, tag list, call to share, subscribe or follow, line on how to reach
    the author, or credit to another reporter.
    """
    kept: list[str] = []
    for paragraph in paragraphs:
        if not paragraph or FURNITURE.match(paragraph) or POINTER.match(paragraph) or (kept and kept[-1] == paragraph):
            continue
        kept.append(paragraph)
    kept = _without_link_lists(kept, links)
    while kept and ((title and len(kept) > 1 and _same(kept[0], title)) or _date_line(kept[0])):
        kept.pop(0)
    while kept and (_date_line(kept[-1]) or PROMO.match(kept[-1]) or TAGS_LABEL.match(kept[-1])
                    or (len(kept) > 1 and TAGS_LABEL.match(kept[-2])) or _note_line(kept[-1])):
        kept.pop()
    return kept


def _without_link_lists(paragraphs: list[str], links: frozenset[str]) -> list[str]:
    """`paragraphs` less each run of `LINK_LIST` or more that are each a link's whole text: headlines of other stories
    ("You may also be interested in..."), which trafilatura keeps when they are headings. A bare address stays: it
    cites a source."""
    kept: list[str] = []
    for listed, run in groupby(paragraphs, lambda p: p in links and not ADDRESS.match(p)):
        lines = list(run)
        if not listed or len(lines) < LINK_LIST:
            kept += lines
    return kept


def _same(a: str, b: str) -> bool:
    """The same words, whatever the punctuation: a headline "Обзор кафе «Кокпар»" repeats the title "Обзор кафе: «Кокпар»"."""
    return squash(a) == squash(b)


def _note_line(paragraph: str) -> bool:
    """A short line about the story rather than in it: where to reach the author ("paul.takahashi@chron.com",
    "Reach the reporters on Twitter at http://twitter.com/MegKinnardAP"), or a credit to another reporter ("Fox
    News' Jessica Napoli contributed to this report.")."""
    return len(paragraph.split()) <= 30 and (CONTACT.search(paragraph) or CREDIT.search(paragraph)) is not None


def _date_line(paragraph: str) -> bool:
    """A short line that only says when ("Updated at 1:23 p.m.", "22 de janeiro de 2018 às 0:13"); a tweet's
    signature, dated too, says who wrote the tweet the text quotes."""
    if len(paragraph) > 70 or TWEET_SIGNATURE.match(paragraph):
        return False
    if parse_local(paragraph) is not None or DATE_LINE.search(paragraph):
        return len(re.findall(r"[^\W\d_]{4,}", paragraph)) <= 5
    return False
