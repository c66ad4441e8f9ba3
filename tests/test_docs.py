"""The docs cover what the code offers: every command, every item class, and a CLI reference as current as `--help`."""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
from pathlib import Path

import pytest

from crawler import items
from crawler.cli import build_parser
from crawler.cli.reference import commands, reference

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Written by hand: docs/cli.md, made from `--help`, names every command whether or not anyone shows it in use.
DOCS = README + "".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))
                        if path.name != "cli.md")


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="made on Python 3.11, the README's; argparse lays help out "
                                                           "differently on others")
def test_the_cli_reference_is_the_commands_own_help() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == reference(), \
        "docs/cli.md is stale: python -m crawler.cli.reference docs/cli.md"


def test_the_reference_has_every_command_and_subcommand() -> None:
    listed = [" ".join(words) for words, _ in commands(build_parser())]
    assert {"crawl", "extract", "export verify", "fixtures record", "ingest"} <= set(listed)
    text = reference()
    assert all(f"\n## {name}\n" in text for name in listed)


@pytest.mark.parametrize("name", [" ".join(words) for words, _ in commands(build_parser()) if len(words) == 1])
def test_every_command_has_a_readme_section(name: str) -> None:
    assert re.search(rf"^### .*\b{name}\b", README, re.MULTILINE), f"README has no section on `{name}`"


@pytest.mark.parametrize("name", [" ".join(words) for words, _ in commands(build_parser()) if len(words) > 1])
def test_every_subcommand_is_shown_in_use(name: str) -> None:
    assert f"python -m crawler {name} " in DOCS, f"no example of `{name}` in README or docs/"


@pytest.mark.parametrize("name", sorted(name for name, cls in inspect.getmembers(items, inspect.isclass)
                                        if dataclasses.is_dataclass(cls) and cls.__module__ == items.__name__))
def test_every_item_class_is_documented(name: str) -> None:
    assert f"`{name}`" in DOCS, f"`{name}` of crawler/items.py is named nowhere in README or docs/"
