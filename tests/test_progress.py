"""Progress of long commands (crawler/progress.py): a rich bar on a terminal, plain lines elsewhere, and log lines
kept whole above a bar."""

from __future__ import annotations

import io
import logging

from conftest import a_terminal, screen_lines

from crawler.progress import BarProgress, LineProgress, progress_for


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_elsewhere() -> None:
    drawn: list[str] = []
    with a_terminal(drawn) as terminal:
        bar = progress_for(terminal)
        assert isinstance(bar, BarProgress)
        bar.start("quotes", 15)
        bar.advance(15)
        bar.finish()
        bar.close()
    assert "quotes" in drawn[0] and "15/15" in drawn[0] and "━" in drawn[0]
    log = io.StringIO()
    lines = progress_for(log)
    assert isinstance(lines, LineProgress)
    lines.start("quotes", 20_000)
    for _ in range(20):
        lines.advance(1000)
    lines.finish()
    assert log.getvalue().splitlines() == [f"export: quotes: {n}/20000 rows" for n in range(2000, 20000, 2000)] + [
        "export: quotes: 20000 rows written"]
    unknown = io.StringIO()  # how many will come is not known (`ingest`): a line per STEPPED_FROM rows, with the note
    lines = progress_for(unknown, "ingest", "items", "written")
    lines.start("items", None)
    for batch in range(1, 6):
        lines.advance(5000, note=f"batches: {batch}")
    lines.finish()
    assert unknown.getvalue().splitlines() == [
        "ingest: items: 10000 items (batches: 2)", "ingest: items: 20000 items (batches: 4)",
        "ingest: items: 25000 items written (batches: 5)"]


def test_a_line_logged_while_a_bar_is_drawn_shows_whole_above_it() -> None:
    """A warning logged during `extract` or `ingest` went to the terminal through the root logger's own handler and
    landed in the middle of the bar's line (`… 1/3 -:--:--WARNING …`): it is printed above the bar, on its own line, and
    the handler writes to the terminal straight again once the bar is closed."""
    drawn: list[str] = []
    with a_terminal(drawn) as terminal:
        handler = logging.StreamHandler(terminal)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logging.root.addHandler(handler)
        try:
            bar = progress_for(terminal, "ingest", "items")
            bar.start("items", 3)
            bar.advance(1)
            logging.getLogger("crawler.test").warning(
                "Batch %s (500 items) was taken by an ingester that stopped before committing it: writing it now", "b1")
            bar.advance(2)
            bar.finish()
            bar.close()
            assert handler.stream is terminal
        finally:
            logging.root.removeHandler(handler)
    lines = screen_lines(drawn[0])
    assert ("WARNING crawler.test: Batch b1 (500 items) was taken by an ingester that stopped before committing it: "
            "writing it now") in lines, lines  # longer than the terminal is wide: left for it to wrap, not cut
    assert [line for line in lines if "━" in line][-1].startswith("items ━") and "3/3" in lines[-2], lines
