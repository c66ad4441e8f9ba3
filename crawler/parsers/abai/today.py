"""The date of the day a page was served, from the site header's line ("Сенбі, 23 Қараша 2024"; `page_date`).

Its element by class first (`selectors.TODAY`); else the first text of the
page that reads as one (`patterns.TODAY_LINE`: a weekday, then a day, a
month and a year), so that a renamed class does not lose it. On an article
page, only a text before the story's first paragraph: the header precedes
it, and on a page printed without the header a line of the story (a diary's
"Сенбі, 23 Қараша 2024 күні …"), of its comments or of a sidebar is none.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from crawler.dates import parse_date
from crawler.parsers.abai import patterns as P
from crawler.parsers.common import as_text, visible_texts

# The visible text nodes before an element in document order (`common.visible_texts` of what precedes it).
_TEXT_BEFORE = etree.XPath("preceding::text()[not(ancestor::script or ancestor::style)]")


def today_by_text(root: HtmlElement, story: HtmlElement | None = None) -> str | None:
    """The first visible text that starts with a weekday and a date; before `story` (the story's first paragraph), when
    given."""
    for text in visible_texts(root) if story is None else _TEXT_BEFORE(story):
        if match := P.TODAY_LINE.match(as_text(text)):
            return day_of(match[0])
    return None


def day_of(text: str | None) -> str | None:
    """The ISO date a header line gives."""
    day = parse_date(text) if text else None
    return day.isoformat() if day else None
