"""The docs cover what the code offers: every command, item class, module, table column and setting, and a CLI
reference as current as `--help`."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import sys
from pathlib import Path

import pytest

from crawler import items, settings
from crawler.cli import build_parser
from crawler.cli.reference import commands, reference
from crawler.schema import TABLES

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


def _readme_part(start: str, end: str) -> str:
    return README[README.index(start):README.index(end, README.index(start))]


# The README's "How it is built" names each module of the package, and each of the spiders and generic parsers; a
# subpackage's folder stands for the modules inside it.
LAYOUT = _readme_part("## How it is built", "\ntests/")
MODULES = sorted({path.name for path in (ROOT / "crawler").iterdir()
                  if path.name not in ("__init__.py", "__main__.py", "py.typed", "__pycache__")
                  and (path.suffix in (".py", ".json") or (path / "__init__.py").is_file())}
                 | {path.name for folder in ("spiders", "parsers") for path in (ROOT / "crawler" / folder).glob("*.py")
                    if path.name != "__init__.py"})


@pytest.mark.parametrize("name", MODULES)
def test_every_module_is_in_the_readme_layout(name: str) -> None:
    shown = f"{name}/" if (ROOT / "crawler" / name).is_dir() else name
    assert re.search(rf"(?<!\w){re.escape(shown)}", LAYOUT), f"README's 'How it is built' does not name {shown}"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_column_is_described_under_its_table(table: str) -> None:
    database = _readme_part("## The database", "\n## ")
    section = re.split(r"\n\*\*`\w+`\*\*", database.split(f"\n**`{table}`**", 1)[-1])[0]
    missing = [column for column in TABLES[table]["columns"] if f"`{column}`" not in section]
    assert f"\n**`{table}`**" in database and not missing, f"README's `{table}` does not describe {missing or 'it'}"


def test_the_settings_tables_give_each_setting_its_default() -> None:
    """A table row `| `NAME` | `VALUE` | …` of README or docs/ for a setting of crawler/settings.py shows its value."""
    rows = re.findall(r"^\| `([A-Z][A-Z_]+)` \| `([^`|]+)` \|", DOCS, re.MULTILINE)
    shown = [(name, value) for name, value in rows if hasattr(settings, name)]
    assert len(shown) >= 20
    for name, value in shown:
        actual = getattr(settings, name)
        try:
            value_read = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            value_read = value
        assert value_read == actual, f"{name} is shown as {value}; crawler/settings.py has {actual!r}"
