"""Site profiles (`seeds/<site>.toml` with a `[profile]` table): how the generic spider crawls one news site.

A profile names where a crawl starts, which hosts it may visit, which URLs
are articles, listings and listing pages, where the sitemaps and feeds are,
the site's language and time zone, and optional per-field CSS/XPath
selectors that beat the generic extraction. `load_profile` reads one file
and checks it strictly (unknown keys, types, URLs, patterns, selectors), so
that a mistake fails at load, in one line naming file and key, rather than
as a crawl that quietly finds nothing; `find_profile` finds one by name
(`qamshy`, `qamshy.kz`); `profile_for_url` gives the parsers a site's time
zone and selectors.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from cssselect import SelectorError

from crawler import settings as project_settings
from crawler.dates import zone
from crawler.errors import ConfigError
from crawler.parsers.generic import OVERRIDABLE, overridden, page_selector
from crawler.urls import ascii_host, is_web_url, on_site, site_of

logger = logging.getLogger(__name__)

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


def profile_files(seeds_dir: Path | str | None = None) -> list[Path]:
    """Every seed file of the seeds folder that is a site profile."""
    folder = Path(seeds_dir or project_settings.SEEDS_DIR)
    return [p for p in sorted(folder.glob("*.toml")) if _has_profile(p)]


def _has_profile(path: Path) -> bool:
    """Whether a seed file is a site profile; one that cannot be read may be, and loading it says what is wrong."""
    try:
        return "profile" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True


def find_profile(name: str, seeds_dir: Path | str | None = None) -> Profile:
    """The profile called `name` (its short name, its site, or its file name without `.toml`).

    Two profiles answering to `name` are an error naming both files: taking
    the first would crawl whichever sorts first. A profile that fails to load
    is passed over, unless no other answers: it may be the one asked for.
    """
    folder = Path(seeds_dir or project_settings.SEEDS_DIR)
    profiles: list[Profile] = []
    broken: list[ConfigError] = []
    for path in profile_files(folder):
        try:
            profiles.append(load_profile(path))
        except ConfigError as err:
            broken.append(err)
    found = [p for p in profiles if name in (p.name, p.site, p.path.stem)]
    if len(found) > 1:
        files = " and ".join(str(p.path) for p in found)
        raise ConfigError(f"{files}: profile.name: both answer to {name!r}; give each profile its own name")
    if found:
        return found[0]
    if broken:
        raise broken[0]
    raise UnknownProfile(name, folder, sorted(p.name for p in profiles))


class UnknownProfile(ConfigError):
    """No profile in `folder` answers to `name`; `known` are the names that do."""

    def __init__(self, name: str, folder: Path, known: list[str]) -> None:
        super().__init__(f"no site profile named {name!r} in {folder}; known: {', '.join(known) or 'none'}")
        self.name, self.folder, self.known = name, folder, known


def resolve_profile(value: Profile | str | Path) -> Profile:
    """A profile given as a Profile, a path to a `.toml` file, or a name from the seeds folder."""
    if isinstance(value, Profile):
        return value
    path = Path(value)
    return load_profile(path) if path.suffix == ".toml" or path.exists() else find_profile(str(value))


@dataclass(frozen=True)
class _Seeds:
    """The seeds folder's profiles by site, and the error of each profile file that failed to load, by the site it names."""

    profiles: dict[str, Profile]
    broken: dict[str, ConfigError]


@lru_cache(maxsize=1)
def _by_site(seeds_dir: str) -> _Seeds:
    seeds = _Seeds({}, {})
    for path in profile_files(seeds_dir):
        try:
            profile = load_profile(path)
        except ConfigError as err:
            # It fails the crawl that names it, and a parse of its own site's pages (`profile_for_url`); the
            # other sites' pages go on, the log saying so once (the result is cached).
            logger.warning("site profile not used: %s", err)
            if site := _named_site(path):
                seeds.broken[site] = err
            continue
        seeds.profiles[profile.site] = profile
    return seeds


def _named_site(path: Path) -> str | None:
    """The host a profile file that fails to load is for: the `site` it names, when it can be read that far (a URL
    given for it too), else its file name's (`<site>.toml`)."""
    try:
        site = tomllib.loads(path.read_text(encoding="utf-8")).get("site")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        site = None
    if not isinstance(site, str) or not site.strip():
        site = path.name.removesuffix(".toml")
    site = site.strip()
    return site_of(site if "://" in site else f"https://{site}/") if "." in site else None


def profile_for_url(url: str) -> Profile | None:
    """The profile of the site `url` belongs to, if the seeds folder has one (read once per process).

    A profile of the site that fails to load raises its ConfigError: parsed
    without its time zone and selectors, the site's pages would come out
    wrong without a word (and `fixtures check --accept` would write that down
    as expected).
    """
    seeds = _by_site(str(project_settings.SEEDS_DIR))
    host = site_of(url)
    while host:
        if host in seeds.profiles:
            return seeds.profiles[host]
        if host in seeds.broken:
            raise seeds.broken[host]
        host = host.partition(".")[2] if "." in host.partition(".")[2] else ""
    return None
