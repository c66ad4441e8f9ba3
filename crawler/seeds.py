"""Site seed files (`seeds/<site>.toml`): where a crawl starts and what it may cover."""

from __future__ import annotations

import tomllib
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


def load_seed(path: Path | str) -> Seed:
    """Read and check a seed file; raise ConfigError naming what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
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
