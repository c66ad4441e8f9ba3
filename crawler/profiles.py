"""Site profiles (`seeds/<site>.toml` with a `[profile]` table): how the generic spider crawls one news site.

A profile names where a crawl starts, which hosts it may visit, which URLs
are articles, listings and listing pages, where the sitemaps and feeds are,
the site's language and time zone, and optional per-field CSS/XPath
selectors that beat the generic extraction. `load_profile` reads and checks
one file; `find_profile` finds one by name (`qamshy`, `qamshy.kz`);
`profile_for_url` gives the parsers a site's time zone and selectors.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from crawler import settings as project_settings
from crawler.dates import zone
from crawler.errors import ConfigError
from crawler.parsers.generic import OVERRIDABLE
from crawler.urls import site_of


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
        return any(host == d.removeprefix("www.") or host.endswith("." + d.removeprefix("www.")) for d in self.allowed_domains)


def load_profile(path: Path | str) -> Profile:
    """Read and check a site profile; raise ConfigError naming what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"no site profile {path}") from err
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"cannot read site profile {path}: {err}") from err
    if "profile" not in data:
        raise ConfigError(f"{path} is not a site profile (it has no [profile] table)")
    try:
        return _build(data, path)
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise ConfigError(f"site profile {path} lacks or mistypes {err}") from err


def _build(data: dict[str, Any], path: Path) -> Profile:
    spec = data["profile"]
    site = str(data["site"])
    timezone = str(data.get("timezone", "UTC"))
    try:
        zone(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError(f"site profile {path}: unknown time zone {timezone!r}") from err
    overrides = {str(k): str(v) for k, v in data.get("overrides", {}).items()}
    unknown = sorted(set(overrides) - OVERRIDABLE)
    if unknown:
        raise ConfigError(f"site profile {path}: [overrides] names unknown fields {unknown}; known: {sorted(OVERRIDABLE)}")
    start_urls = tuple(str(u) for u in spec["start_urls"])
    if not start_urls and not spec.get("sitemaps") and not spec.get("feeds"):
        raise ConfigError(f"site profile {path}: needs start_urls, sitemaps or feeds")
    return Profile(
        name=str(spec.get("name") or site.split(".")[0]), site=site, path=path,
        language=data.get("language"), timezone=timezone,
        allowed_domains=tuple(str(d) for d in data.get("allowed_domains", [site, f"www.{site}"])),
        start_urls=start_urls,
        article_patterns=_patterns(spec.get("article_patterns", []), path),
        listing_patterns=_patterns(spec.get("listing_patterns", []), path),
        pagination_patterns=_patterns(spec.get("pagination_patterns", []), path),
        sitemaps=tuple(str(u) for u in spec.get("sitemaps", [])),
        feeds=tuple(str(u) for u in spec.get("feeds", [])),
        robots_sitemaps=bool(spec.get("robots_sitemaps", True)),
        max_listing_pages=int(spec.get("max_listing_pages", 50)),
        overrides=overrides,
    )


def _patterns(values: list[str], path: Path) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for value in values:
        try:
            compiled.append(re.compile(str(value)))
        except re.error as err:
            raise ConfigError(f"site profile {path}: bad pattern {value!r}: {err}") from err
    return tuple(compiled)


def profile_files(seeds_dir: Path | str | None = None) -> list[Path]:
    """Every seed file of the seeds folder that is a site profile."""
    folder = Path(seeds_dir or project_settings.SEEDS_DIR)
    return [p for p in sorted(folder.glob("*.toml")) if _has_profile(p)]


def _has_profile(path: Path) -> bool:
    try:
        return "profile" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def find_profile(name: str, seeds_dir: Path | str | None = None) -> Profile:
    """The profile called `name` (its short name, its site, or its file name without `.toml`)."""
    files = profile_files(seeds_dir)
    for path in files:
        profile = load_profile(path)
        if name in (profile.name, profile.site, path.stem):
            return profile
    known = ", ".join(sorted(load_profile(p).name for p in files)) or "none"
    raise ConfigError(f"no site profile named {name!r} in {Path(seeds_dir or project_settings.SEEDS_DIR)}; known: {known}")


def resolve_profile(value: Profile | str | Path) -> Profile:
    """A profile given as a Profile, a path to a `.toml` file, or a name from the seeds folder."""
    if isinstance(value, Profile):
        return value
    path = Path(value)
    return load_profile(path) if path.suffix == ".toml" or path.exists() else find_profile(str(value))


@lru_cache(maxsize=1)
def _by_site(seeds_dir: str) -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for path in profile_files(seeds_dir):
        try:
            profile = load_profile(path)
        except ConfigError:
            continue  # a broken profile fails loudly where it is used by name, not while parsing other sites
        found[profile.site] = profile
    return found


def profile_for_url(url: str) -> Profile | None:
    """The profile of the site `url` belongs to, if the seeds folder has one (read once per process)."""
    profiles = _by_site(str(project_settings.SEEDS_DIR))
    host = site_of(url)
    while host:
        if host in profiles:
            return profiles[host]
        host = host.partition(".")[2] if "." in host.partition(".")[2] else ""
    return None
