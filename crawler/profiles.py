"""Site profiles (`seeds/<site>.toml` with a `[profile]` table): how the generic spider crawls one news site.

A profile names where a crawl starts, which hosts it may visit, which URLs
are articles, listings and listing pages, where the sitemaps and feeds are,
the site's language and time zone, and optional per-field CSS/XPath
selectors that beat the generic extraction. `load_profile` reads one file
and checks it strictly (unknown keys, types, URLs, patterns, selectors), so
that a mistake fails at load, in one line naming file and key, rather than
as a crawl that quietly finds nothing. Finding a profile by name or by a
page's URL is `crawler/site_profiles.py`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from cssselect import SelectorError

from crawler.dates import zone
from crawler.errors import ConfigError
from crawler.parsers.generic import OVERRIDABLE, overridden, page_selector
from crawler.urls import ascii_host, is_web_url, on_site, site_of

# The keys a profile file may hold, at its top level and in [profile]: any other is a misspelling.
TOP_LEVEL_KEYS = frozenset({"site", "language", "timezone", "allowed_domains", "profile", "overrides"})
PROFILE_KEYS = frozenset({"name", "start_urls", "article_patterns", "listing_patterns", "pagination_patterns",
                          "sitemaps", "feeds", "robots_sitemaps", "max_listing_pages"})

# A bare, lower-case host name ("qamshy.kz"), as `site_of` gives it: no scheme, port or path.
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
# An ISO 639-1 language code ("kk").
_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True, slots=True)
class Profile:
    """A parsed, checked site profile."""

    name: str
    """Short name for `crawl NAME` ("qamshy")."""
    site: str
    """Registrable host, as items name it ("qamshy.kz")."""
    path: Path
    language: str | None
    """ISO 639-1 language of the site, used when a page's own cannot be told."""
    timezone: str
    """tz database zone of dates the site prints without an offset."""
    allowed_domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    article_patterns: tuple[re.Pattern[str], ...]
    """Regexes searched in an absolute URL: a match is an article page."""
    listing_patterns: tuple[re.Pattern[str], ...]
    """A match is a listing page (category, tag, archive) whose links are read."""
    pagination_patterns: tuple[re.Pattern[str], ...]
    """A match, on a link of a listing page, is that listing's next page."""
    sitemaps: tuple[str, ...]
    feeds: tuple[str, ...]
    robots_sitemaps: bool = True
    """Also read the `Sitemap:` lines of each start host's robots.txt."""
    max_listing_pages: int = 50
    """At most this many pages of one listing series are read."""
    overrides: dict[str, str] = field(default_factory=dict)
    """Field name → CSS selector or XPath (starting with "/" or "(")."""

    def is_article(self, url: str) -> bool:
        return any(p.search(url) for p in self.article_patterns)

    def may_be_article(self, url: str) -> bool:
        """`is_article`, or any URL for a profile without article patterns (its sitemaps and feeds list only articles)."""
        return not self.article_patterns or self.is_article(url)

    def is_listing(self, url: str) -> bool:
        return any(p.search(url) for p in self.listing_patterns)

    def is_next_page(self, url: str) -> bool:
        return any(p.search(url) for p in self.pagination_patterns)

    def allows(self, url: str) -> bool:
        host = site_of(url)
        return any(on_site(host, d.removeprefix("www.")) for d in self.allowed_domains)


def load_profile(path: Path | str) -> Profile:
    """Read and check a site profile; raise a one-line ConfigError, `<file>: <key>: <problem>`, naming what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"no site profile {path}") from err
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"cannot read site profile {path}: {err}") from err
    if "profile" not in data:
        raise ConfigError(f"{path} is not a site profile (it has no [profile] table)")
    return _build(_Table(path, "", data))


def _build(top: _Table) -> Profile:
    """The profile of a file's tables, each value checked as it is read (the first error found is raised)."""
    top.refuse_unknown(TOP_LEVEL_KEYS)
    spec = top.table("profile")
    spec.refuse_unknown(PROFILE_KEYS)
    site = _host(top, "site", top.optional_string("site"))
    allowed = tuple(_host(top, f"allowed_domains[{i}]", domain)
                    for i, domain in enumerate(top.strings("allowed_domains", (site, f"www.{site}"))))
    profile = Profile(
        name=_name(spec, site), site=site, path=top.path,
        language=_language(top), timezone=_timezone(top),
        allowed_domains=allowed,
        start_urls=_urls(spec, "start_urls"),
        article_patterns=_patterns(spec, "article_patterns"),
        listing_patterns=_patterns(spec, "listing_patterns"),
        pagination_patterns=_patterns(spec, "pagination_patterns"),
        sitemaps=_urls(spec, "sitemaps"),
        feeds=_urls(spec, "feeds"),
        robots_sitemaps=spec.flag("robots_sitemaps", True),
        max_listing_pages=spec.number("max_listing_pages", 50, minimum=1),
        overrides=_overrides(top.table("overrides")),
    )
    _check_starts(profile, spec)
    return profile


@dataclass(frozen=True, slots=True)
class _Table:
    """One table of a profile file: its getters check each value's type, and every error names file and key."""

    path: Path
    prefix: str
    """"" at the top level, else the table's name and a dot ("profile.")."""
    values: Mapping[str, Any]

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {self.prefix}{key}: {problem}")

    def refuse_unknown(self, known: frozenset[str], what: str = "key") -> None:
        """Unknown keys are errors: a misspelt one would be ignored, and its setting silently keep its default."""
        for key in self.values:
            if key not in known:
                close = get_close_matches(key, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known {what}s: {', '.join(sorted(known))}"
                raise self.error(key, f"unknown {what}; {hint}")

    def table(self, key: str) -> _Table:
        value = self.values.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table ([{self.prefix}{key}]), not {_shown(value)}")
        return _Table(self.path, f"{self.prefix}{key}.", value)

    def optional_string(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, f"must be a string, not {_shown(value)}")
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """An array of strings. A lone string is refused: iterating it would read each character as an entry."""
        value = self.values.get(key, list(default))
        if isinstance(value, str):
            raise self.error(key, f"must be an array of strings, not {_shown(value)}; write [{value!r}]")
        if not isinstance(value, list):
            raise self.error(key, f"must be an array of strings, not {_shown(value)}")
        for i, entry in enumerate(value):
            if not isinstance(entry, str):
                raise self.error(f"{key}[{i}]", f"must be a string, not {_shown(entry)}")
        return tuple(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.values.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false (unquoted), not {_shown(value)}")
        return value

    def number(self, key: str, default: int, *, minimum: int) -> int:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, not {_shown(value)}")
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, not {value}")
        return value


def _shown(value: object) -> str:
    """A value's TOML type and the value itself, for messages: "a string ('false')"."""
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
                       (list, "an array"), (dict, "a table")):
        if isinstance(value, kind):
            return f"{name} ({value!r})"
    return f"a date or time ({value})"


def _host(table: _Table, key: str, value: str | None) -> str:
    """A bare host, in the form `allows` compares with `site_of`: a URL or capital letters would match nothing.

    An internationalized name ("қазақ.kz") is kept in its ASCII form, as `site_of` gives it.
    """
    expected = "a bare lower-case host name such as 'qamshy.kz' (no scheme, port or path)"
    if value is None:
        raise table.error(key, f"missing; give {expected}")
    host = ascii_host(value) if value == value.lower() else value
    if not _HOST.fullmatch(host):
        raise table.error(key, f"must be {expected}, not {value!r}")
    return host


# Names `crawl NAME` takes for a spider of its own: a profile under one of them could never be crawled by name.
SPIDER_NAMES = ("abai", "site")


def _name(spec: _Table, site: str) -> str:
    name = spec.optional_string("name")
    if name == "":
        raise spec.error("name", "must not be empty (leave it out to use the site's first label)")
    if name is None:
        name = site.split(".")[0]
        if name in SPIDER_NAMES:
            raise spec.error("name", f"the site's first label {name!r} names a spider of its own; give the profile a name")
    elif name in SPIDER_NAMES:
        raise spec.error("name", f"{name!r} names a spider of its own (`crawl {name}`); choose another")
    return name


def _language(top: _Table) -> str | None:
    language = top.optional_string("language")
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise top.error("language", f"must be a two-letter ISO 639-1 code such as 'kk', not {language!r}")
    return language


def _timezone(top: _Table) -> str:
    timezone = top.optional_string("timezone")
    timezone = "UTC" if timezone is None else timezone
    try:
        zone(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise top.error("timezone", f"unknown time zone {timezone!r}; use a tz database name such as 'Asia/Almaty'") from err
    return timezone


def _urls(spec: _Table, key: str) -> tuple[str, ...]:
    """Absolute http(s) URLs: Scrapy cannot fetch a relative one, and refuses it only once the crawl runs."""
    urls = spec.strings(key)
    for i, url in enumerate(urls):
        if not is_web_url(url):
            raise spec.error(f"{key}[{i}]", f"must be an absolute http(s) URL such as 'https://qamshy.kz/', not {url!r}")
    return urls


def _patterns(spec: _Table, key: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for i, value in enumerate(spec.strings(key)):
        try:
            pattern = re.compile(value)
        except re.error as err:
            raise spec.error(f"{key}[{i}]", f"bad pattern {value!r}: {err}") from err
        if pattern.search("") is not None:
            raise spec.error(f"{key}[{i}]", f"pattern {value!r} matches an empty string: it would match any URL, or none")
        compiled.append(pattern)
    return tuple(compiled)


def _overrides(table: _Table) -> dict[str, str]:
    """Field → selector, each run once on an empty page so that a syntax error fails here, not on every page of a crawl."""
    table.refuse_unknown(OVERRIDABLE, what="field")
    empty = page_selector("<html></html>")
    for name, query in table.values.items():
        if not isinstance(query, str):
            raise table.error(name, f"must be one selector, a string (CSS, or XPath starting with '/' or '('), not {_shown(query)}")
        try:
            overridden(empty, {name: query}, "https://example.invalid/")  # the parser's own way of applying it
        except (ValueError, SelectorError) as err:
            raise table.error(name, f"bad selector {query!r}: {' '.join(str(err).split())}") from err
    return dict(table.values)


def _check_starts(profile: Profile, spec: _Table) -> None:
    """A crawl starts somewhere, and only on allowed domains: Scrapy's offsite filter silently drops other hosts."""
    starts = {"start_urls": profile.start_urls, "sitemaps": profile.sitemaps, "feeds": profile.feeds}
    if not any(starts.values()):
        raise spec.error("start_urls", "missing or empty, and so are sitemaps and feeds: a crawl needs a URL to start from")
    for key, urls in starts.items():
        for i, url in enumerate(urls):
            if not profile.allows(url):
                raise spec.error(f"{key}[{i}]", f"{url!r} is outside allowed_domains {list(profile.allowed_domains)}")
