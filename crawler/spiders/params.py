"""Spider arguments shared by every spider, checked into typed values up front."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from crawler.errors import ConfigError


def max_articles_arg(value: Any) -> int | None:
    """`--max-articles`: a whole number of at least 1, or None when not given."""
    try:
        limit = int(value) if value not in (None, "") else None
    except ValueError:
        raise ConfigError(f"--max-articles must be a whole number, not {value!r}") from None
    if limit is not None and limit < 1:
        raise ConfigError("--max-articles must be at least 1")
    return limit


def since_arg(value: Any) -> date | None:
    """`--since`: an ISO date, or None when not given."""
    try:
        return date.fromisoformat(str(value)) if value not in (None, "") else None
    except ValueError:
        raise ConfigError(f"--since must be a date like 2024-01-31, not {value!r}") from None


@dataclass(frozen=True, slots=True)
class SiteParams:
    """The `site` spider's own arguments, checked up front."""

    max_articles: int | None = None
    since: date | None = None

    @classmethod
    def parse(cls, max_articles: Any = None, since: Any = None) -> SiteParams:
        return cls(max_articles_arg(max_articles), since_arg(since))
