"""Site seed files (`seeds/<site>.toml`): where a crawl starts and what it may cover."""

from __future__ import annotations

import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import ConfigError
from crawler.items import Script

SCRIPTS: tuple[Script, ...] = ("cyrl", "latn", "arab")


@dataclass(frozen=True, slots=True)
class Seed:
    """A parsed, checked seed file."""

    site: str
    timezone: str
    allowed_domains: tuple[str, ...]
    homepage: str
    scripts: dict[str, str]
    """Path prefix of each script ("" for the default one)."""
    categories: dict[str, str]
    """Listing id → name."""
    default_categories: tuple[str, ...]
    default_scripts: tuple[str, ...]


def read_text(path: Path) -> str:
    """A seed file's text, also from inside a zipped egg: scrapyd runs a deployed project without unpacking it."""
    try:
        return path.read_text(encoding="utf-8")
    except NotADirectoryError:
        archive = next((p for p in path.parents if p.is_file() and zipfile.is_zipfile(p)), None)
        if archive is None:
            raise
        with zipfile.ZipFile(archive) as egg:
            try:
                return egg.read(path.relative_to(archive).as_posix()).decode("utf-8")
            except KeyError:
                raise FileNotFoundError(path) from None


def load_seed(path: Path | str) -> Seed:
    """Read and check a seed file; raise ConfigError naming what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(read_text(path))
    except FileNotFoundError as err:
        raise ConfigError(f"no seed file {path}") from err
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"cannot read seed file {path}: {err}") from err
    try:
        crawl = data.get("crawl", {})
        seed = Seed(
            site=data["site"], timezone=data.get("timezone", "UTC"),
            allowed_domains=tuple(data["allowed_domains"]), homepage=data["homepage"],
            scripts={str(k): str(v) for k, v in data["scripts"].items()},
            categories={str(k): str(v) for k, v in data.get("categories", {}).items()},
            default_categories=tuple(str(c) for c in crawl.get("default_categories", [])),
            default_scripts=tuple(crawl.get("default_scripts", data["scripts"].keys())),
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise ConfigError(f"seed file {path} lacks or mistypes {err}") from err
    unknown = set(seed.default_categories) - set(seed.categories)
    if unknown:
        raise ConfigError(f"seed file {path}: default_categories not in [categories]: {sorted(unknown)}")
    return seed


def site_names(directory: Path | str) -> list[str]:
    """The sites that have a seed file in `directory` (`abai.kz` for `abai.kz.toml`), sorted."""
    return sorted(path.stem for path in Path(directory).glob("*.toml"))
