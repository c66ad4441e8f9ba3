"""What several commands share: the sites they take, `-s NAME=VALUE` settings, and how they count and escape what they print."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from crawler import settings as default_settings
from crawler.errors import ConfigError
from crawler.urls import ascii_host

if TYPE_CHECKING:
    from crawler.storage import Store

SPIDERS = ("abai",)


def printable(text: str) -> str:
    """Page text made safe for a terminal: control characters (ESC, BEL, CR, ...) shown as escapes, never sent raw."""
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in text)


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """"1 page", "3 pages", "2 batches": a count and its noun, plural unless one."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def checked_site(value: str | None, store: Store | None = None) -> str | None:
    """A --site value: a site with a seed file (seeds/<site>.toml), the name `crawl` knows it by (`abai`, `egemen`), or
    a site `store` holds crawls of (`crawl site --profile FILE` outside seeds/); or None."""
    from crawler.parsers.abai import SITE as ABAI
    from crawler.site_profiles import find_profile
    from crawler.seeds import site_names

    if value is None:
        return None
    known = site_names(default_settings.SEEDS_DIR)
    value = value.lower()  # a host name, or a profile's name: case does not matter
    if value in known:
        return ascii_host(value)  # seeds/қазақ.kz.toml: stored as xn--80aau21bd.kz
    if value in SPIDERS:
        return ABAI
    try:
        return find_profile(value).site
    except ConfigError:
        stored = store.stored_sites() if store is not None else []
        if ascii_host(value) in stored:
            return ascii_host(value)
        known = list(dict.fromkeys([*known, *stored]))
        raise ConfigError(f"unknown site {value!r}; known: {', '.join(known) or 'none'} (or abai, or a profile's name)") from None


def settings_overrides(items: list[str]) -> dict[str, str]:
    """The Scrapy settings of repeated `-s NAME=VALUE` options (crawl, fixtures record), a malformed one refused."""
    overrides = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"-s takes NAME=VALUE, not {item!r}")
        overrides[name] = value
    return overrides
