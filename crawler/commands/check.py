"""`scrapy check`, offline: spider contracts run against the fixture mirrors instead of the live sites.

A contract's `@url` names a real page (`https://abai.kz/post/100000`). This
command overrides Scrapy's own `check` so that every request goes, through
the mirror download handler, to the saved copy of that page in
FIXTURE_SITES_DIR (`tests/fixtures/sites`): the contracts then pass or fail
on the saved pages, on any machine, without a network. `--live` runs the same
contracts against the sites themselves; `-s MIRROR_DIR=…` points them at
another mirror folder.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from scrapy.commands.check import Command as ScrapyCheck
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.mirror import offline_settings

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# Above the project's settings (which say "live"), below `-s` on the command line.
_PRIORITY = (SETTINGS_PRIORITIES["project"] + SETTINGS_PRIORITIES["cmdline"]) // 2


class Command(ScrapyCheck):
    def short_desc(self) -> str:
        return "Check spider contracts against the fixture mirrors (--live: against the sites)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--live", action="store_true",
                            help="fetch the contracts' @url pages from the live sites, not from FIXTURE_SITES_DIR")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if not opts.live:
            use_fixture_mirrors(self.settings)


def use_fixture_mirrors(settings: BaseSettings) -> None:
    """Point a check's downloads at FIXTURE_SITES_DIR (every site's mirror at once)."""
    settings.setdict(offline_settings(settings["FIXTURE_SITES_DIR"]), priority=_PRIORITY)
