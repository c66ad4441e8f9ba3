"""URL canonicalization: every spelling of a page maps to one canonical URL.

The dupe filter, the parsers and the store all call `canonicalize`, so a
page reached as `http://www.abai.kz/index.php/post/1?utm=x#top` is requested,
keyed and stored once, as `https://abai.kz/post/1`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query parameters that never change what a page shows.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "ref", "_ga"})


def join_url(base: str, href: str) -> str | None:
    """`href` made absolute against `base`; None when it is no URL at all (a page may say "https://[x")."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host: one Scrapy can fetch."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed host, such as an unclosed "[" of an IPv6 address
        return False


def site_of(url: str) -> str:
    """Host of `url` without port or a leading `www.`, lower-cased, an internationalized one in its ASCII form."""
    host = (urlsplit(url).hostname or "").lower()
    return ascii_host(host).rstrip(".").removeprefix("www.")  # after IDNA, which reads "。" as a dot too


def on_site(host: str, site: str) -> bool:
    """Whether `host` (as `site_of` gives it) is `site` or one of its subdomains ("news.abai.kz" on "abai.kz")."""
    return host == site or host.endswith("." + site)


def ascii_host(host: str) -> str:
    """An internationalized host name in the ASCII (punycode) form requests carry: "қазақ.kz" → "xn--80aau21bd.kz".

    Scrapy sends every URL so (w3lib: NFKC, then IDNA), so a page's links
    written either way, and the URL the response comes back with, are one site.
    A name IDNA refuses (a label over 63 characters) stays as written, as w3lib keeps it.
    """
    return host if host.isascii() else _idna(host)


def readable_host(host: str) -> str:
    """A host as people read it, its IDNA labels decoded: "xn--80aau21bd.kz" → "қазақ.kz"."""
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


def as_requested(url: str) -> str:
    """`url` as Scrapy sends it (w3lib's `safe_url_string`); as written when w3lib refuses it (a port "99kz")."""
    try:
        return safe_url_string(url)
    except ValueError:
        return url


@lru_cache(maxsize=256)
def _idna(host: str) -> str:
    try:
        return unicodedata.normalize("NFKC", host).encode("idna").decode("ascii")
    except UnicodeError:
        return host


def canonicalize(
    url: str,
    *,
    keep_query: Collection[str] | None = None,
    https: bool = True,
) -> str:
    """Return the canonical form of an absolute http(s) URL.

    Lower-cases the host and drops `www.`, the port of the scheme, an
    `/index.php` front controller, a trailing slash, the fragment and
    tracking parameters. `keep_query` names the only parameters kept (all
    others are dropped); None keeps every non-tracking parameter. Kept
    parameters are sorted, so their order does not matter. The path is
    percent-encoded as Scrapy requests it (`/жаңалық` → `/%D0%B6…`): a page's
    `<link rel=canonical>` may be written either way, and the URL a response
    comes back with is always encoded, so both name one page.
    """
    parts = urlsplit(as_requested(url.strip()))
    scheme = "https" if https else (parts.scheme.lower() or "http")
    host = site_of(url)
    try:
        port = parts.port
    except ValueError:  # "abai.kz:99kz": no usable port, so the page is the host's own
        port = None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path or "/"
    if path == "/index.php" or path.startswith("/index.php/"):
        path = path[len("/index.php"):] or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    params = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=False)
        if not name.lower().startswith("utm_")
        and name.lower() not in TRACKING_PARAMS
        and (keep_query is None or name in keep_query)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params)), ""))
