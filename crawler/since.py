"""Where a listing reaches `--since`: the page whose entries new to its series are all older.

A listing is newest first, but its pages carry blocks that are not: a feed
of the latest articles repeated on every page, sidebars of older favourites.
An old article in such a block says nothing about where the list is, and
stopping at it lost most of the articles in range. So a series stops paging
only at a page whose entries not listed on an earlier page of the series are
all older than the date: by the dates their cards print, where they print
any; else once every undated one requested from that page came back older
(one whose date the archive knows counts as come back).
Listing pages are requested ahead of their articles, so a listing of undated
cards may read a page or two past the date before its articles say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector


@dataclass
class _Waiting:
    series: str
    articles: int  # requested from the page and not yet back


class SincePaging:
    """Which listing series have reached `--since`, one spider's pages at a time (module docstring).

    What each series listed so far (`fresh`) serves `stop_after_known` too, with or without a date: a
    stored streak counts only entries new to the series (`incremental.Frontier.plan`).
    """

    def __init__(self) -> None:
        self._listed: dict[str, set[str]] = {}  # series → keys its pages listed so far
        self._waiting: dict[str, _Waiting] = {}  # listing page URL → its undated new articles still to come

    def fresh(self, series: str, keys: Iterable[str]) -> set[str]:
        """The keys no earlier page of `series` listed; from now on they count as listed."""
        listed = self._listed.setdefault(series, set())
        new = set(keys) - listed
        listed |= new
        return new

    def page(self, series: str, page: str, *, older: list[bool], known: list[bool | None], waiting: int) -> bool:
        """True when `series` stops at `page`.

        `older`: for each new entry whose card prints a date, whether it is
        before the date. Where there are any they decide, at once: the part of
        a listing that prints dates is its own list. Otherwise the undated new
        entries decide. `known`: for each, whether the date the archive knows
        of it (an article stored, or dropped as older by an earlier run) is
        before the date, None where it knows none. All known and older, the
        series stops at once; one in range keeps it going; else the `waiting`
        ones requested from the page decide as their articles come back
        (`article`). A known date is no card's: one old article the archive
        knows (moved here from another listing) says nothing of the unknown
        ones beside it.
        """
        if older:
            return all(older)
        if False in known:
            return False
        if waiting:
            self._waiting[page] = _Waiting(series, waiting)
            return False
        return bool(known) and None not in known

    def article(self, page: str | None, too_old: bool) -> str | None:
        """An article requested from listing `page` came back: the series it stops, when it was the page's last and all were older."""
        if page is None or (waiting := self._waiting.get(page)) is None:
            return None
        if not too_old:
            del self._waiting[page]
            return None
        waiting.articles -= 1
        if waiting.articles:
            return None
        del self._waiting[page]
        return waiting.series


def stop_series(exhausted: set[str], series: str, stats: StatsCollector | None) -> None:
    """Listing `series` reached --since: no further page of it is read (added to a spider's `exhausted`), counted once."""
    if series not in exhausted:
        exhausted.add(series)
        if stats is not None:
            stats.inc_value("since/reached")
