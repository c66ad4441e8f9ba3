"""abai.kz URLs: the article id and script a URL names, and canonical forms.

`/post/<id>` is Cyrillic, `/lt/post/<id>` Latin and `/tt/post/<id>` Arabic
script; `www.`, `/index.php`, http and trailing slashes are spellings of the
same page. Only `page` survives in a listing's query; an article keeps none.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from crawler.items import Script
from crawler.urls import canonicalize

SITE = "abai.kz"
HOSTS = frozenset({"abai.kz", "www.abai.kz"})
LISTING_QUERY = frozenset({"page"})
SCRIPT_PREFIX: dict[Script, str] = {"cyrl": "", "latn": "/lt", "arab": "/tt"}
_PREFIX_SCRIPT: dict[str | None, Script] = {None: "cyrl", "lt": "latn", "tt": "arab"}
_ARTICLE_PATH = re.compile(r"^/(?:(lt|tt)/)?post/(\d+)$")
_PART_PATH = re.compile(r"^/(?:(?:lt|tt)/)?part/(\d+)$")
_SCRIPT_PATH = re.compile(r"^/(lt|tt)(?:/|$)")
_LEADING_ZEROS = re.compile(r"/post/0+(?=\d)")


# Cached: listing pages and sidebars repeat the same links page after page.
@lru_cache(maxsize=4096)
def canonical(url: str) -> str:
    """Canonical URL of an abai.kz page (article: no query at all, and its id without leading zeros, which the
    site reads as the same number: /post/0124675 is /post/124675)."""
    url = canonicalize(url, keep_query=LISTING_QUERY)
    if _ARTICLE_PATH.match(urlsplit(url).path):
        return _LEADING_ZEROS.sub("/post/", url.split("?", 1)[0])
    return url


@lru_cache(maxsize=4096)
def article_ref(url: str) -> tuple[str, Script] | None:
    """(article id, script) of an abai.kz article URL, or None for any other page, another host's included."""
    parts = urlsplit(canonical(url))
    match = _ARTICLE_PATH.match(parts.path)
    if not match or parts.hostname not in HOSTS:  # evil.example/post/1 is no abai.kz article
        return None
    return match[2], _PREFIX_SCRIPT[match[1]]


def part_id(url: str) -> str | None:
    """The section id of an abai.kz section URL (`/part/<id>`, in any script), or None for any other page."""
    parts = urlsplit(canonical(url))
    match = _PART_PATH.match(parts.path)
    return match[1] if match and parts.hostname in HOSTS else None


def script_of(url: str) -> Script:
    """Script of any abai.kz page, from its path prefix."""
    match = _SCRIPT_PATH.match(urlsplit(canonical(url)).path)
    return _PREFIX_SCRIPT[match[1] if match else None]


def article_url(article_id: str, script: Script = "cyrl") -> str:
    """Canonical URL of an article in a script."""
    return f"https://{SITE}{SCRIPT_PREFIX[script]}/post/{article_id}"


def article_key(article_id: str) -> str:
    """Dedupe key of an article: one per id, whatever the script."""
    return f"{SITE}:{article_id}"
