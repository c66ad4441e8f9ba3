"""The command line: `python -m crawler crawl|extract ...`. The only package that talks to the user: one module a command."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from crawler import CLI_LOG_HANDLER, __version__
from crawler.cli.archive import add_archive_parsers, add_quotes_parser
from crawler.cli.common import counted
from crawler.cli.crawl import add_crawl_parser
from crawler.cli.export import add_export_parser
from crawler.cli.extract import add_extract_parser
from crawler.cli.fixtures import add_fixtures_parser
from crawler.cli.health import add_health_parser
from crawler.cli.ingest import add_ingest_parser
from crawler.errors import CrawlerError
from crawler.interrupts import terminate_as_interrupt

__all__ = ["build_parser", "counted", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.root.handlers:
        handler.setLevel(level)  # Scrapy lowers the root logger's level; ours stays quiet
        handler.set_name(CLI_LOG_HANDLER)  # a crawl's Scrapy process takes over from it (crawl.scrapy_process)
    try:
        with terminate_as_interrupt():  # `kill` before Scrapy takes its signals (opening, migrating) stops as Ctrl-C does
            return int(args.run(args) or 0)
    except CrawlerError as err:
        if args.debug:
            raise
        print(f"error: {' '.join(str(err).splitlines())}", file=sys.stderr)  # one line, whatever the message
        return 2
    except KeyboardInterrupt as err:  # a command may say what it left and how to go on
        print(f"interrupted: {err}" if str(err) else "interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        if not _reader_gone():
            raise  # another pipe than our output's
        # `extract … | head`: stop quietly with SIGPIPE's status, as Unix tools do.
        _drop_output()
        return 128 + signal.SIGPIPE
    except OSError as err:
        if err.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # `extract … > out.jsonl` on a full disk (the commands name the files they write themselves).
        print(f"error: cannot write {err.filename or 'the output'}: {err.strerror}", file=sys.stderr)
        _drop_output()
        return 2


def _drop_output() -> None:
    """Send standard output to /dev/null, so that flushing what is left of it at exit does not fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _reader_gone() -> bool:
    """True when standard output is a pipe nobody reads any more (poll reports an error on its end)."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no fileno, or no poll on this system
        return False


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line like every other error: `error: COMMAND: …`, exit 2."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition("crawler")[2].strip()
        self.exit(2, f"error: {command + ': ' if command else ''}{message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m crawler", description="Crawl news archives into SQLite.")
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_crawl_parser(commands)
    add_extract_parser(commands)
    add_quotes_parser(commands)
    add_health_parser(commands)
    add_export_parser(commands)
    add_fixtures_parser(commands)
    add_archive_parsers(commands)
    add_ingest_parser(commands)
    return parser
