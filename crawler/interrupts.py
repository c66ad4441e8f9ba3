"""Signals as interruptions: SIGTERM as Ctrl-C, so that long commands clean up after `kill` too (an export, a mirror
server), and both held back while a folder is tidied, so that a second Ctrl-C does not leave it half done."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from types import FrameType

Handler = Callable[[int, FrameType | None], object]


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside, SIGTERM raises KeyboardInterrupt; the previous handler comes back afterwards."""
    with _handled({signal.SIGTERM: _interrupt}):
        yield


@contextlib.contextmanager
def stop_requested() -> Iterator[threading.Event]:
    """Inside, Ctrl-C and SIGTERM set the event it yields, for a loop that finishes its step and stops cleanly (`ingest`
    ends its batch); the previous handlers come back afterwards, so that a caller in the same process still stops."""
    stop = threading.Event()
    with _handled({signal.SIGINT: lambda signum, frame: stop.set(), signal.SIGTERM: lambda signum, frame: stop.set()}):
        yield stop


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Inside, Ctrl-C and SIGTERM wait: a step that must not stop halfway (removing a folder, putting one back)
    finishes, and KeyboardInterrupt comes after it, unless the step failed, whose error goes on as it is."""
    received: list[int] = []
    with _handled({signal.SIGINT: lambda signum, frame: received.append(signum),
                   signal.SIGTERM: lambda signum, frame: received.append(signum)}):
        yield
    if received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def handlers_restored() -> Iterator[None]:
    """Inside, code may take Ctrl-C and SIGTERM for itself; afterwards the handlers from before come back. Scrapy's
    process leaves its own behind, which do nothing once its reactor has stopped: the work after a crawl (saving what
    `fixtures record` fetched, a crawl's summary) would not stop on Ctrl-C or `kill`."""
    with _restored((signal.SIGINT, signal.SIGTERM)):
        yield


@contextlib.contextmanager
def _handled(handlers: dict[signal.Signals, Handler]) -> Iterator[None]:
    """`handlers` installed inside, the previous ones back afterwards."""
    with _restored(handlers) as settable:
        for signum, handler in handlers.items() if settable else ():
            signal.signal(signum, handler)
        yield


@contextlib.contextmanager
def _restored(signums: Iterable[signal.Signals]) -> Iterator[bool]:
    """The handlers of `signums` as they are now, put back afterwards; yields whether they may be set here. Only the
    main thread may set handlers: elsewhere the signals keep theirs."""
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = {signum: signal.getsignal(signum) for signum in signums}
    try:
        yield True
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
