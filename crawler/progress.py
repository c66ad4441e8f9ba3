"""How long commands (`export`, `reparse`, `extract`, `ingest`) report their progress: a rich bar on a terminal, plain lines otherwise.

The work only calls `start`/`advance`/`finish`; the CLI picks the reporter
for its standard error stream, so library callers and tests get
`NoProgress` and print nothing.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress, TaskID


class Progress(Protocol):
    """Receives the rows written (pages read), one labelled task (a table, a WARC, article pages) at a time; a task's
    total is None when it is not known beforehand (the pages of a WARC file, a running crawl's items)."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """Reports nothing."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
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
        self.label, self.done, self.step, self.next_mark = "", 0, 0, 0
        self.total: int | None = 0

    def start(self, label: str, total: int | None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.step = self.STEPPED_FROM if total is None else total // 10 if total >= self.STEPPED_FROM else 0
        self.next_mark = self.step

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.step and self.done >= self.next_mark and (self.total is None or self.done < self.total):
            of = "" if self.total is None else f"/{self.total}"
            print(f"{self.command}: {self.label}: {self.done}{of} {self.unit}", file=self.stream, flush=True)
            while self.next_mark <= self.done:
                self.next_mark += self.step

    def finish(self) -> None:
        print(f"{self.command}: {self.label}: {self.done} {self.unit} {self.done_word}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class BarProgress:
    """A rich progress bar per task, drawn on a terminal. What the command prints meanwhile to standard error, and to
    standard output when that is a terminal too, shows above the bars; standard output sent to a file or a pipe
    (`extract … > items.jsonl`) stays there."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeRemainingColumn

        self.bar: RichProgress = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(file=stream), transient=False, redirect_stdout=sys.stdout.isatty(),
        )
        self.task: TaskID | None = None

    def start(self, label: str, total: int | None) -> None:
        if self.task is None:
            self.bar.start()
        self.task = self.bar.add_task(label, total=total)

    def advance(self, rows: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, rows)

    def finish(self) -> None:
        if self.task is not None:
            self.bar.refresh()

    def close(self) -> None:
        """Stop drawing; the bars stay on screen."""
        self.bar.stop()


def progress_for(stream: TextIO, command: str = "export", unit: str = "rows", done: str = "written") -> LineProgress | BarProgress:
    """A bar when `stream` is a terminal, plain lines otherwise ("COMMAND: TASK: N UNIT DONE" when a task ends)."""
    return BarProgress(stream) if stream.isatty() else LineProgress(stream, command, unit, done)
