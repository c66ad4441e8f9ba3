"""Which site profile a name, a file or a page's URL means: the seeds folder's profiles, read once per process.

`find_profile` takes what `crawl NAME` is given (`qamshy`, `qamshy.kz`, the
file's stem), `resolve_profile` a file path as well, and `profile_for_url`
gives the parsers the profile of the site a page belongs to. A profile file
that fails to load fails only what needs it: a crawl naming it, or its own
site's pages.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crawler import settings as project_settings
from crawler.errors import ConfigError
from crawler.profiles import Profile, load_profile
from crawler.urls import site_of

logger = logging.getLogger(__name__)


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
