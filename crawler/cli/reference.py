"""The command-line reference, docs/cli.md, made from the parsers' own `--help`.

Written by hand, a reference drifts from the options it describes; made from
the parsers, it cannot, and `tests/test_docs.py` fails when the checked-in
file is older than they are. Regenerate it with
`python -m crawler.cli.reference docs/cli.md`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

# The width the help is wrapped at, whatever the terminal that generates it.
WIDTH = 100


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and subcommand under `parser`, depth first, as (its words, its parser)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from commands(sub, (*path, name))


def reference() -> str:
    """docs/cli.md: the top-level help, then each command's, in the order `--help` lists them."""
    from crawler.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH + 2)  # argparse wraps at the terminal's width less two
    try:
        parser = build_parser()
        parts = ["# Command-line reference\n",
                 "Made from the commands' own `--help` by `python -m crawler.cli.reference docs/cli.md`; "
                 "`tests/test_docs.py` checks it is current.\n",
                 f"```\n{parser.format_help()}```\n"]
        for words, sub in commands(parser):
            parts.append(f"## {' '.join(words)}\n\n```\n{sub.format_help()}```\n")
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(parts)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m crawler.cli.reference FILE (docs/cli.md)")
    Path(sys.argv[1]).write_text(reference(), encoding="utf-8")
