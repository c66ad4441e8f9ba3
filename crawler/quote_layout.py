"""Where the sentences, words and blanks of one paragraph's text lie, for all its quotes at once (part of
crawler/quotes.py).

Why: each quote asks where its sentence starts (a speaker may be named
before it), which words come before it and what follows the blanks after it.
Scanning the paragraph from its start for each quote made a paragraph of
2,000 quotes cost seconds. Here each question reads the text on from where
the one before stopped, as quotes come in reading order, and keeps what it
read (the sentence ends, asked by bisection; the words; the last run of
blanks): a paragraph costs one scan, and one with a quote or two no more
than before. Each answer is what the scan of the text cut at the quote gave.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from crawler.quote_words import ENDS, SENTENCE_END

__all__ = ["Layout"]

_BLANKS = re.compile(r"[\s,،]+")  # what may stand between a quote and the formula that follows it


class Layout:
    """One text's sentences, words and blanks; a new question further on reads on from where the last one stopped."""

    __slots__ = ("text", "_read_to", "_sentence_ends", "_sentence_end", "_words", "_blanks")

    def __init__(self, text: str) -> None:
        self.text = text
        self._read_to = 0  # the sentence ends before this offset are in `_sentence_ends`
        self._sentence_ends: list[int] = []  # where the punctuation that ends each sentence ends
        self._sentence_end = (-1, -1, -1)  # (pos, limit, answer): the answer for each offset from pos to limit
        self._words: tuple[int, int, list[str]] = (0, 0, [])  # (lo, pos, text[lo:pos].split()) last asked
        self._blanks = (-1, -1)  # the run of blanks last found, as [start, end)

    def sentence_start(self, pos: int) -> int:
        """Offset where the sentence holding `pos` begins: after the last sentence end before it, or at `pos` when
        the punctuation of one comes right before it (the text cut there ends with a sentence)."""
        if pos > 0 and self.text[pos - 1] in ENDS:
            return pos
        if pos > self._read_to:  # no punctuation reaches over `pos` or the last such offset: read the text between
            self._sentence_ends += [match.end() for match in SENTENCE_END.finditer(self.text, self._read_to, pos)]
            self._read_to = pos
        ends = self._sentence_ends
        before = bisect_right(ends, pos)
        return ends[before - 1] if before else 0

    def sentence_end(self, pos: int) -> int:
        """Offset of the punctuation that ends the sentence holding `pos` (`pos` itself inside it), or the text's
        end. The answer holds for every offset from the last question's up to that punctuation."""
        asked, limit, answer = self._sentence_end
        if not asked <= pos <= limit:
            match = SENTENCE_END.search(self.text, pos)
            limit = match.start() if match else len(self.text)
            answer = match.start() if match else len(self.text.rstrip())
            self._sentence_end = (pos, limit, answer)
        return answer

    def words_before(self, pos: int, count: int, lo: int = 0) -> list[str]:
        """The last `count` words of text[lo:pos], as its split() gives them; from the same `lo` as the question
        before and further on, only the text between them is split."""
        last_lo, last_pos, words = self._words
        if lo != last_lo or pos < last_pos:
            words, last_pos = [], lo
        more = self.text[last_pos:pos].split()
        if words and more and not (self.text[last_pos - 1].isspace() or self.text[last_pos].isspace()):
            # a word cut at the last question's end goes on
            words[-1] += more.pop(0)
        words += more
        self._words = (lo, max(pos, lo), words)
        return words[-count:] if pos > lo else []

    def past_blanks(self, pos: int) -> int:
        """The first offset from `pos` on that holds no space or comma."""
        start, end = self._blanks
        if not start <= pos <= end:
            blanks = _BLANKS.match(self.text, pos)
            self._blanks = start, end = pos, blanks.end() if blanks else pos
        return end
