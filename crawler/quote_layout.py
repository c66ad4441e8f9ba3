"""Where the sentences, words and blanks of one paragraph's text lie, found once for all its quotes (part of
crawler/quotes.py).

Why: each quote asks where its sentence starts (a speaker may be named
before it), which words come before it and what follows the blanks after it.
Scanning the paragraph from its start for each quote made a paragraph of
2,000 quotes cost seconds; one scan and a bisection per question keep it
linear. Each answer is what the scan of the text cut at the quote gave.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cached_property

from crawler.quote_words import ENDS, SENTENCE_END

__all__ = ["Layout"]

_WORD = re.compile(r"\S+")  # a word as str.split() gives it
_BLANKS = re.compile(r"[\s,،]+")  # what may stand between a quote and the formula that follows it


class _Runs:
    """The matches of a pattern over a text, in order, as their start and end offsets."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        spans = [match.span() for match in pattern.finditer(text)]
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]


class Layout:
    """One text's sentences, words and blanks, each found on first use."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _sentence_ends(self) -> _Runs:
        return _Runs(SENTENCE_END, self.text)

    @cached_property
    def _words(self) -> _Runs:
        return _Runs(_WORD, self.text)

    @cached_property
    def _blanks(self) -> _Runs:
        return _Runs(_BLANKS, self.text)

    @cached_property
    def _trimmed_length(self) -> int:
        return len(self.text.rstrip())

    def sentence_start(self, pos: int) -> int:
        """Offset where the sentence holding `pos` begins: after the last sentence end before it, or at `pos` when
        the punctuation of one comes right before it (the text cut there ends with a sentence)."""
        if pos > 0 and self.text[pos - 1] in ENDS:
            return pos
        ends = self._sentence_ends.ends
        before = bisect_right(ends, pos)
        return ends[before - 1] if before else 0

    def sentence_end(self, pos: int) -> int:
        """Offset of the punctuation that ends the sentence holding `pos` (`pos` itself inside it), or the text's
        end."""
        runs = self._sentence_ends
        after = bisect_right(runs.ends, pos)
        if after == len(runs.ends):
            return self._trimmed_length
        return max(runs.starts[after], pos)

    def words_before(self, pos: int, count: int, lo: int = 0) -> list[str]:
        """The last `count` words of text[lo:pos], as its split() gives them."""
        if lo >= pos:
            return []
        runs, words = self._words, list[str]()
        at = bisect_left(runs.starts, pos) - 1
        while at >= 0 and len(words) < count and runs.ends[at] > lo:
            words.append(self.text[max(runs.starts[at], lo):min(runs.ends[at], pos)])
            at -= 1
        return words[::-1]

    def past_blanks(self, pos: int) -> int:
        """The first offset from `pos` on that holds no space or comma."""
        runs = self._blanks
        at = bisect_right(runs.starts, pos) - 1
        return runs.ends[at] if at >= 0 and runs.ends[at] > pos else pos
