"""How long commands (`export`, `reparse`, `extract`, `ingest`, `fixtures record`) report their progress: a rich bar on
a terminal, plain lines otherwise.

The work only calls `start`/`advance`/`finish`; the CLI picks the reporter
for its standard error stream, so library callers and tests get
`NoProgress` and print nothing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichProgress, TaskID


class Progress(Protocol):
    """Receives the rows written (pages read), one labelled task (a table, a WARC, article pages) at a time; a task's
    total is None when it is not known beforehand (the pages of a WARC file, a running crawl's items)."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, rows: int, note: str = "") -> None:
        """`rows` more done; `note`, when given, tells what else the task has done so far (`batches: 3`, of `ingest`),
        shown beside its count until the next one."""

    def finish(self) -> None: ...


class NoProgress:
    """Reports nothing."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, rows: int, note: str = "") -> None:
        pass

    def finish(self) -> None:
        pass

    def close(self) -> None:
        pass


class LineProgress:
    """Plain lines for logs and pipes: one per tenth of a large task (per STEPPED_FROM rows of one of unknown size),
    and one when each task ends."""

    # Tasks smaller than this get only their closing line.
    STEPPED_FROM = 10_000

    def __init__(self, stream: TextIO, command: str = "export", unit: str = "rows", done: str = "written") -> None:
        self.stream, self.command, self.unit, self.done_word = stream, command, unit, done
        self.label, self.note, self.done, self.step, self.next_mark = "", "", 0, 0, 0
        self.total: int | None = 0

    def start(self, label: str, total: int | None) -> None:
        self.label, self.note, self.total, self.done = label, "", total, 0
        self.step = self.STEPPED_FROM if total is None else total // 10 if total >= self.STEPPED_FROM else 0
        self.next_mark = self.step

    def advance(self, rows: int, note: str = "") -> None:
        self.done, self.note = self.done + rows, note or self.note
        if self.step and self.done >= self.next_mark and (self.total is None or self.done < self.total):
            of = "" if self.total is None else f"/{self.total}"
            self._print(f"{self.done}{of} {self.unit}")
            while self.next_mark <= self.done:
                self.next_mark += self.step

    def finish(self) -> None:
        self._print(f"{self.done} {self.unit} {self.done_word}")

    def _print(self, count: str) -> None:
        """`COMMAND: TASK: COUNT (NOTE)`, at once: a log tailed meanwhile has it."""
        note = f" ({self.note})" if self.note else ""
        print(f"{self.command}: {self.label}: {count}{note}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class BarProgress:
    """A rich progress bar per task, drawn on a terminal. What the command prints or logs meanwhile to standard error,
    and prints to standard output when that is a terminal too, shows above the bars; standard output sent to a file or
    a pipe (`extract … > items.jsonl`) stays there."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeRemainingColumn

        self.bar: RichProgress = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
            console=Console(file=stream), transient=False, redirect_stdout=sys.stdout.isatty(),
        )
        self.stream = stream
        self.task: TaskID | None = None
        self.drawn = contextlib.ExitStack()
        """What `close` undoes once the bar is drawn: the log handlers sent through its console."""

    def start(self, label: str, total: int | None) -> None:
        if self.task is None:
            self.bar.start()
            self.drawn.enter_context(logs_above(self.bar.console, self.stream))
        self.task = self.bar.add_task(label, total=total, note="")

    def advance(self, rows: int, note: str = "") -> None:
        if self.task is not None:
            if note:
                self.bar.update(self.task, advance=rows, note=note)
            else:
                self.bar.advance(self.task, rows)

    def finish(self) -> None:
        if self.task is not None:
            self.bar.refresh()

    def close(self) -> None:
        """Stop drawing; the bars stay on screen, and log lines go to the terminal straight again."""
        self.bar.stop()
        self.drawn.close()


@contextlib.contextmanager
def logs_above(console: Console, stream: TextIO) -> Iterator[None]:
    """While a bar is drawn on `stream`, the root logger's handlers that write there (`basicConfig`'s, Scrapy's) print
    through the bar's `console`, above the bar: written straight to the terminal, a warning landed in the middle of
    the bar's line. Their format, level and filters stay; their stream is put back after."""
    above = _AboveTheBar(console)
    moved = [h for h in logging.root.handlers if isinstance(h, logging.StreamHandler) and h.stream is stream]
    for handler in moved:
        handler.setStream(above)
    try:
        yield
    finally:
        for handler in moved:
            if handler.stream is above:
                handler.setStream(stream)


class _AboveTheBar(io.TextIOBase):
    """A stream for a log handler: each record it writes is printed by the console of a live bar, above the bar, long
    lines left for the terminal to wrap (not broken at its width, which would cut a URL in two)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def write(self, text: str) -> int:
        from rich.text import Text

        self.console.print(Text.from_ansi(text.removesuffix("\n")), soft_wrap=True)
        return len(text)


def progress_for(stream: TextIO, command: str = "export", unit: str = "rows", done: str = "written") -> LineProgress | BarProgress:
    """A bar when `stream` is a terminal, plain lines otherwise ("COMMAND: TASK: N UNIT DONE" when a task ends)."""
    return BarProgress(stream) if stream.isatty() else LineProgress(stream, command, unit, done)
