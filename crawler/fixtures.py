"""Saved pages as tests: a site's fixture mirror, each page's expected JSON, and the per-field diff between them.

A site's fixtures live in `<sites dir>/<site>/` in the mirror format
(`crawler/mirror.py`): `manifest.jsonl` plus `pages/`. Each page the project
can parse has its expected output beside it, `pages/<name>.json`: the article
item for an article, the listing for a listing or home page, or `{"error"}`
when the parser refuses the page. `fixtures record` adds pages, `fixtures
check` and the pytest plugin compare every page's current parse with its
expected JSON, field by field; this module is the one place that knows how.
"""

from __future__ import annotations

import difflib
import json
import mimetypes
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crawler import settings as project_settings
from crawler.encoding import read_page
from crawler.errors import ConfigError, ParseError
from crawler.files import write_whole
from crawler.mirror import MANIFEST, Mirror
from crawler.parsers import abai, canonical_url, is_abai, parse_article, parse_listing, spellings
from crawler.site_profiles import profile_for_url
from crawler.urls import is_web_url, on_site, site_of

# Kinds of page whose parse is kept as expected JSON.
PARSED_KINDS = ("article", "listing", "home")
# Response headers never saved: recomputed by the mirror server, or private (cookies).
UNSAVED_HEADERS = frozenset({
    "content-type", "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive",
    "set-cookie",
})


class _Absent:
    """Marks a field one side of a diff does not have."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass(frozen=True, slots=True)
class SavedPage:
    """One page of a site's fixture mirror: its manifest line and its file."""

    site: str
    """Name of the mirror folder (`abai.kz`)."""
    url: str
    """The page's real URL, as in the manifest."""
    path: Path
    kind: str
    """`article`, `listing`, `home`, `not_found`, `redirect`, `error` or another label."""
    status: int
    content_type: str
    fetched_at: str | None
    """When the page was saved (ISO 8601): the parser records it, so the expected JSON is stable."""
    entry: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def expected_path(self) -> Path:
        """`pages/<name>.json` beside `pages/<name>.html` (or `.html.gz`)."""
        return self.path.with_name(self.path.name.split(".")[0] + ".json")

    def html(self) -> str:
        """The page as text, decoded as Scrapy would: header charset, BOM, meta charset, then UTF-8."""
        try:
            return read_page(self.path, self.content_type)
        except FileNotFoundError:
            manifest = self.path.parent.parent / MANIFEST
            raise ConfigError(f"{manifest}: {self.url}: its page file {self.path} is missing") from None


def default_sites_dir() -> Path:
    """The folder of fixture mirrors: `tests/fixtures/sites` of the working directory, else of the project."""
    local = Path("tests") / "fixtures" / "sites"
    return local if local.is_dir() else Path(project_settings.FIXTURE_SITES_DIR)


def site_dir(site_or_dir: str | Path, sites_dir: Path | None = None) -> Path:
    """A site's fixture folder: `site_or_dir` itself when it is a folder, else `<sites dir>/<site>`."""
    candidate = Path(site_or_dir)
    if candidate.is_dir() and (candidate / MANIFEST).is_file():
        return candidate
    return (sites_dir or default_sites_dir()) / str(site_or_dir)


def site_dirs(sites_dir: Path | None = None) -> list[Path]:
    """Every site folder (one with a manifest) under the sites folder."""
    root = sites_dir or default_sites_dir()
    return sorted(d for d in root.glob("*") if (d / MANIFEST).is_file())


def saved_pages(directory: Path | str, *kinds: str) -> list[SavedPage]:
    """The pages of one site's fixture mirror, in manifest order, optionally only those of some kinds."""
    directory = Path(directory)
    if not (directory / MANIFEST).is_file():
        raise ConfigError(f"no {MANIFEST} in fixture folder {directory}")
    pages = []
    for page in Mirror(directory).pages.values():
        saved = SavedPage(
            site=directory.name, url=page.url, path=page.file, kind=str(page.entry.get("kind", "")),
            status=page.status, content_type=page.content_type, fetched_at=page.entry.get("fetched_at"),
            entry=page.entry,
        )
        if not kinds or saved.kind in kinds:
            pages.append(saved)
    return pages


# -- parse and compare --------------------------------------------------------------


def parse_saved(page: SavedPage) -> dict[str, Any] | None:
    """The current parse of a saved page as plain JSON data, or None when no parser covers its kind.

    A page the parser refuses gives `{"error": reason}`, so a fixture can pin
    that refusal as well as an item.
    """
    if page.kind not in PARSED_KINDS or (page.kind != "article" and not is_abai(page.url)):
        return None  # only abai.kz has a listing parser
    html = page.html()
    try:
        if page.kind == "article":
            data: dict[str, Any] = parse_article(html, page.url, page.fetched_at).to_dict()
        else:
            data = asdict(parse_listing(html, page.url))
    except ParseError as err:
        data = {"error": str(err)}
    plain: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False))  # tuples → lists, as in the file
    return plain


def read_expected(page: SavedPage) -> dict[str, Any] | None:
    """The page's expected JSON, or None when it has none yet."""
    if not page.expected_path.is_file():
        return None
    try:
        expected: dict[str, Any] = json.loads(page.expected_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ConfigError(f"{page.expected_path} is not JSON ({err}): restore it, or delete it and write it anew "
                          "with --accept") from None
    return expected


def write_expected(page: SavedPage, data: dict[str, Any]) -> None:
    """Write a page's expected JSON."""
    write_json(page.expected_path, data)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write expected JSON: 2-space indent, text as is (not \\u-escaped), so reviews read it."""
    write_whole(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field whose current value differs from the expected one."""

    field: str
    """Path of the field: `title`, `quotes[3].speaker`."""
    expected: Any
    actual: Any


def diff_fields(expected: Any, actual: Any, path: str = "") -> list[FieldDiff]:
    """Every differing leaf between two JSON values, named by its path.

    Lists are aligned (difflib), so one inserted quote is reported as one
    added item, not as every later item changed.
    """
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = [*expected, *(k for k in actual if k not in expected)]
        return [d for k in keys for d in diff_fields(expected.get(k, ABSENT), actual.get(k, ABSENT), _join(path, k))]
    if isinstance(expected, list) and isinstance(actual, list):
        return _diff_lists(expected, actual, path)
    if expected == actual and type(expected) is type(actual):
        return []
    return [FieldDiff(path or "(page)", expected, actual)]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _diff_lists(expected: list[Any], actual: list[Any], path: str) -> list[FieldDiff]:
    keys = [[json.dumps(v, sort_keys=True, ensure_ascii=False) for v in side] for side in (expected, actual)]
    diffs: list[FieldDiff] = []
    matcher = difflib.SequenceMatcher(None, keys[0], keys[1], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                diffs += diff_fields(expected[i], actual[j], f"{path}[{j}]")
            continue
        diffs += [FieldDiff(f"{path}[{i}]", expected[i], ABSENT) for i in range(i1, i2)]
        diffs += [FieldDiff(f"{path}[{j}]", ABSENT, actual[j]) for j in range(j1, j2)]
    return diffs


def format_diffs(diffs: list[FieldDiff], indent: str = "  ") -> str:
    """The diffs as text: one block per field, long strings cut around their first difference."""
    lines = []
    for diff in diffs:
        expected, actual = _shown(diff.expected, diff.actual)
        lines += [f"{indent}{diff.field}:", f"{indent}  expected {expected}", f"{indent}  got      {actual}"]
    return "\n".join(lines)


def _shown(expected: Any, actual: Any, width: int = 160) -> tuple[str, str]:
    if isinstance(expected, str) and isinstance(actual, str) and max(len(expected), len(actual)) > width:
        at = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
        start = max(0, at - 40)
        cut = [("…" if start else "") + json.dumps(s[start:start + width], ensure_ascii=False)
               + ("…" if len(s) > start + width else "") for s in (expected, actual)]
        return f"{cut[0]} (from character {at})", cut[1]
    return _value(expected, width), _value(actual, width)


def _value(value: Any, width: int) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[:width] + "…"


@dataclass(frozen=True, slots=True)
class PageCheck:
    """The result of re-parsing one saved page against its expected JSON."""

    page: SavedPage
    actual: dict[str, Any]
    expected: dict[str, Any] | None
    diffs: list[FieldDiff]

    @property
    def ok(self) -> bool:
        return self.expected is not None and not self.diffs


def check_page(page: SavedPage) -> PageCheck | None:
    """Re-parse a saved page and diff it against its expected JSON; None when its kind has no parser."""
    actual = parse_saved(page)
    if actual is None:
        return None
    expected = read_expected(page)
    return PageCheck(page, actual, expected, diff_fields(expected, actual) if expected is not None else [])


def check_site(directory: Path) -> list[PageCheck]:
    """Check every parseable page of one site's fixture mirror."""
    return [c for c in map(check_page, saved_pages(directory)) if c is not None]


# -- save -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """One response as a fetch saw it, before it is saved."""

    url: str
    status: int
    headers: dict[str, str]
    """Response headers, multiple values joined by `, `."""
    body: bytes
    """The body as delivered (unpacked when it was gzip- or br-encoded)."""
    fetched_at: str


def check_site_urls(urls: list[str], site: str) -> None:
    """Raise ConfigError unless every URL is on `site` (or a subdomain of it)."""
    if not re.fullmatch(r"[A-Za-z0-9.-]+", site):
        raise ConfigError(f"--site must be a host name like example.kz, not {site!r}")
    for url in urls:
        if not is_web_url(url):
            raise ConfigError(f"not an http(s) URL: {url!r}")
        if not on_site(site_of(url), site.lower()):
            raise ConfigError(f"{url} is not on site {site}")


def guess_kind(url: str, status: int, content_type: str = "text/html") -> str:
    """The manifest `kind` of a response: by status, then by type, then by the site's URL rules or profile."""
    if 300 <= status < 400:
        return "redirect"
    if status in (404, 410):
        return "not_found"
    if status >= 400:
        return "error"
    path = urlsplit(canonical_url(url)).path
    mime = content_type.split(";")[0].strip().lower()
    if path == "/robots.txt":
        return "robots"
    if mime in ("application/rss+xml", "application/atom+xml"):
        return "feed"
    if mime in ("application/xml", "text/xml"):
        return "sitemap" if "sitemap" in path else "feed" if "feed" in path or "rss" in path else "xml"
    return _by_url(url, path)


def _by_url(url: str, path: str) -> str:
    home = path in ("", "/")
    if is_abai(url):
        return "article" if abai.article_ref(url) else "home" if home else "listing"
    profile = profile_for_url(url)
    if profile is None:
        return "home" if home else "article"
    # A redirect to https://www.site/… would otherwise take its article's line (filed by canonical URL) as a "page".
    forms = spellings(url)
    if any(profile.is_article(form) for form in forms):
        return "article"
    if home:
        return "home"
    listing = any(profile.is_listing(form) or profile.is_next_page(form) or form in profile.start_urls for form in forms)
    return "listing" if listing else "page"


def save_page(directory: Path, response: RecordedResponse, kind: str | None = None,
              source: str | None = None) -> SavedPage:
    """Write a response into a site's fixture mirror: the page file and its manifest line.

    A URL already in the manifest (by canonical URL) keeps its file name and
    its line is replaced in place; any other line stays byte for byte.
    """
    (directory / "pages").mkdir(parents=True, exist_ok=True)
    manifest = directory / MANIFEST
    lines = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() else []
    key = canonical_url(response.url)
    at = next((i for i, line in enumerate(lines) if line.strip() and canonical_url(json.loads(line)["url"]) == key), None)
    content_type = response.headers.get("Content-Type", "application/octet-stream")
    name = json.loads(lines[at])["file"] if at is not None else _new_file_name(directory, response.url, content_type)
    if at is not None and not name.endswith(extension := _extension(content_type)):
        # Its type changed (a redirect's body, then the page it led to under the same canonical URL): its name follows.
        (directory / name).unlink(missing_ok=True)
        name = name.split(".")[0] + extension
    (directory / name).write_bytes(response.body)
    entry = {
        "url": response.url, "file": name, "status": response.status, "content_type": content_type,
        "kind": kind if kind and response.status < 300 else guess_kind(response.url, response.status, content_type),
        "fetched_at": response.fetched_at,
        "headers": {k: v for k, v in response.headers.items() if k.lower() not in UNSAVED_HEADERS},
        "source": source or f"saved {response.fetched_at[:10]}",
    }
    line = json.dumps(entry, ensure_ascii=False)
    if at is None:
        lines.append(line)
    else:
        lines[at] = line
    write_whole(manifest, "\n".join(lines) + "\n")
    return next(p for p in saved_pages(directory) if canonical_url(p.url) == key)


def _new_file_name(directory: Path, url: str, content_type: str) -> str:
    """`pages/<slug>.<ext>`, unique in the folder: `/lt/part/1?page=2` → `lt-part-1-page-2.html`."""
    parts = urlsplit(url)
    path = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", parts.path.strip("/"))  # the extension comes from the type
    words = [path] + [f"{k}-{v}" for k, v in parse_qsl(parts.query)]
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", "-".join(w for w in words if w)).strip("-")[:80] or "home"
    extension = _extension(content_type)
    name, number = slug, 1
    # Names are unique up to their first dot, so that each page has its own expected JSON.
    while any((directory / "pages").glob(f"{name}.*")):
        number += 1
        name = f"{slug}-{number}"
    return f"pages/{name}{extension}"


# File extensions of the usual types (mimetypes gives `.xsl` for XML and nothing for feeds).
_EXTENSIONS = {
    "": ".html", "text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt",
    "application/xml": ".xml", "text/xml": ".xml", "application/rss+xml": ".xml", "application/atom+xml": ".xml",
    "application/json": ".body.json",  # `<name>.json` is the page's expected JSON
}


def _extension(content_type: str) -> str:
    mime = content_type.split(";")[0].strip().lower()
    return _EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ".bin"
