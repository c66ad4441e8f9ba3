"""Re-extract the archive from its WARC records with the current parsers, without the network.

Each stored article variant is read back from the page that produced it
(`Store.reparse_sources`), decoded as Scrapy decoded it during the crawl,
parsed, validated and normalized as a crawled item is, and compared field by
field with the stored row; a variant that changed, or was made by another
parser version, is written back in batches (`Store.reparse_articles`).
Listing pages are parsed again for the counts their cards print (`metrics`).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.http import Headers, HtmlResponse, TextResponse
from scrapy.responsetypes import responsetypes

from crawler.encoding import undeclared_codepage
from crawler.errors import ConfigError, CrawlerError, StorageError
from crawler.items import ArticleItem, BestMaterial, Observation, Quote
from crawler.parsers import PARSER_VERSION, is_abai, parse_article, parse_listing
from crawler.pipelines.normalize import NormalizePipeline
from crawler.pipelines.validate import InvalidItem, ValidatePipeline
from crawler.progress import NoProgress, Progress
from crawler.storage import VARIANT_FIELDS, Store
from crawler.warc_reads import read_response, resolve

if TYPE_CHECKING:
    from crawler.profiles import Profile

logger = logging.getLogger(__name__)

# Fields compared per variant: the stored item fields but the fetch time (the same page's), and its children.
CHILD_FIELDS = ("quotes", "best_materials", "most_read")
COMPARED_FIELDS = tuple(f for f in VARIANT_FIELDS if f != "fetched_at") + CHILD_FIELDS


@dataclass
class ReparseReport:
    """What a reparse did: pages read, variants changed and how, pages that failed."""

    parser_version: int = PARSER_VERSION
    pages: int = 0
    """Article pages read (one per stored variant that has a WARC record), the failed ones too."""
    articles: int = 0
    changed: int = 0
    """Variants whose stored fields differ from the new extraction."""
    restamped: int = 0
    """Variants whose fields stayed but whose parser version was older (rewritten for the new version)."""
    fields: Counter[str] = field(default_factory=Counter)
    """Field → number of variants in which it changed."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(url, reason) of pages, article or listing, that could not be read or parsed."""
    failed_articles: int = 0
    listing_pages: int = 0
    observations: int = 0
    without_pages: int = 0
    """Stored variants with no fetched page to read (crawled with WARC off): not reparsed, whatever `since`."""

    @property
    def reparsed(self) -> int:
        """Article pages re-extracted and compared: those read but the failed ones."""
        return self.pages - self.failed_articles

    @property
    def unchanged(self) -> int:
        return self.reparsed - self.changed


def reparse(store: Store, *, site: str | None = None, since: str | None = None, dry_run: bool = False,
            batch_size: int = 100, profile: Profile | None = None, progress: Progress | None = None) -> ReparseReport:
    """Re-extract the stored articles (and listing counts) of `site` fetched since `since`; write unless `dry_run`.

    A site's pages are parsed with its profile (time zone, selectors), as they
    were crawled: `profile`, else the one in the seeds folder, else the file
    its crawl runs named (`crawl site --profile FILE`).
    """
    report = ReparseReport()
    sources = store.reparse_sources(site, since)
    profiles, gone = site_profiles(store, {row["site"]: row["url"] for row in sources}, profile)
    if gone and not {row["site"] for row in sources} - set(gone):
        raise ConfigError(f"{_gone(*next(iter(gone.items())))}: pass it as --profile FILE")
    report.articles = len({row["key"] for row in sources})
    report.without_pages = store.count_variants_without_pages(site)
    progress = progress or NoProgress()
    progress.start("article pages", len(sources))
    batch: list[ArticleItem] = []
    for row in sources:
        report.pages += 1
        progress.advance(1)
        if row["site"] in gone:  # the other sites' pages are reparsed
            report.failed.append((row["url"], f"{_gone(row['site'], gone[row['site']])}: reparse it with --profile FILE"))
            report.failed_articles += 1
            continue
        try:
            item = extract(store.path, row, profiles.get(row["site"]))
        except CrawlerError as err:
            report.failed.append((row["url"], str(err)))
            report.failed_articles += 1
            continue
        old = store.stored_variant(row["key"], row["script"])
        if old is None or item.key != row["key"] or (item.script or "und") != row["script"]:
            report.failed.append((row["url"], f"parses to {item.key} ({item.script}), stored as {row['key']} ({row['script']})"))
            report.failed_articles += 1
            continue
        changed = changed_fields(old, comparable(item))
        report.fields.update(changed)
        report.changed += bool(changed)
        if changed or old.get("parser_version") != PARSER_VERSION:
            report.restamped += not changed
            batch.append(item)
        if len(batch) >= batch_size:
            _write(store, batch, dry_run)
    _write(store, batch, dry_run)
    progress.finish()
    _reparse_listings(store, report, site, since, dry_run, batch_size, progress)
    return report


def site_profiles(store: Store, sites: dict[str, str], given: Profile | None) -> tuple[dict[str, Profile], dict[str, str]]:
    """(site → the profile its pages are parsed with where the seeds folder has none, site → the profile file its
    crawls named that is gone), for the sites of `sites` (one URL of each).

    Parsed without its profile, a site's every date printed without an
    offset would move by its UTC offset, and be written back so: such a
    site's pages are not reparsed (`reparse` refuses it).
    """
    from crawler.profiles import load_profile
    from crawler.site_profiles import profile_for_url

    found = {given.site: given} if given is not None else {}
    gone: dict[str, str] = {}
    recorded = store.recorded_profiles()
    for site, url in sites.items():
        if site in found or site not in recorded or is_abai(url) or profile_for_url(url) is not None:
            continue
        if Path(recorded[site]).is_file():
            found[site] = load_profile(recorded[site])
        else:
            gone[site] = recorded[site]
    return found, gone


def _gone(site: str, path: str) -> str:
    return f"the pages of {site} were crawled with the site profile {path}, which is gone"


def extract(db_path: Path, page: dict[str, Any], profile: Profile | None = None) -> ArticleItem:
    """The item the current parsers make of a stored page (with its site's `profile` where the seeds folder has
    none), validated and normalized like a crawled one."""
    response = stored_response(db_path, page)
    item = parse_article(response.text, response.url, page["fetched_at"], tz=profile.timezone if profile else None,
                         overrides=profile.overrides if profile else None)
    try:
        ValidatePipeline().process_item(item)
    except InvalidItem as err:
        raise StorageError(f"{err.kind}: {err.reason}") from err
    normalized: ArticleItem = NormalizePipeline().process_item(item)
    return normalized


def stored_response(db_path: Path, page: dict[str, Any]) -> TextResponse:
    """A `pages` row's response, rebuilt from its WARC record as the spider received it (body unpacked)."""
    path, offset, length = resolve(db_path, page["warc_file"]), page["warc_offset"], page["warc_length"]
    _check_whole(path, offset, length)
    return text_response(*read_response(path, offset, length))


def text_response(url: str, status: int, pairs: list[tuple[str, str]], body: bytes) -> TextResponse:
    """A stored response (its body unpacked) as the spider received it, decoded as the crawl decoded it (Scrapy, or
    the Cyrillic code page of a page that declares none); StorageError for a page that is no text."""
    headers = Headers()
    for name, value in pairs:
        if name.lower() != "content-encoding":  # the body comes back already unpacked
            headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    response = cls(url=url, status=status, headers=headers, body=body)
    if not isinstance(response, TextResponse):
        raise StorageError(f"not a text page: {headers.get('Content-Type')!r}")
    if isinstance(response, HtmlResponse) and (codec := undeclared_codepage(headers.get("Content-Type"), body)):
        return response.replace(encoding=codec)
    return response


def _check_whole(path: Path, offset: int, length: int) -> None:
    """Refuse a record that the WARC file ends before: it reads as nothing, or as a shorter page that parses."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise StorageError(f"cannot read the WARC record at {path}:{offset}: {err.strerror}") from err
    if offset + length > size:
        raise StorageError(f"cannot read the WARC record at {path}:{offset}: the file is truncated"
                           f" ({size} bytes; the record ends at byte {offset + length})")


def comparable(item: ArticleItem) -> dict[str, Any]:
    """The compared fields of an item, shaped as `item.to_dict()` and `Store.stored_variant` give them.

    A shallow read of the fields: `to_dict` (`dataclasses.asdict`) deep-copies
    every value, which took ~14 % of a reparse to build values only compared.
    """
    new = {name: getattr(item, name) for name in COMPARED_FIELDS}
    for name in CHILD_FIELDS:
        new[name] = [_fields(child) for child in new[name]]
    return new


def _fields(child: Quote | BestMaterial) -> dict[str, Any]:
    return {name: getattr(child, name) for name in child.__dataclass_fields__}


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The compared fields whose stored and re-extracted values differ."""
    return [name for name in COMPARED_FIELDS if old.get(name) != new.get(name)]


def _write(store: Store, batch: list[ArticleItem], dry_run: bool) -> None:
    if batch and not dry_run:
        store.reparse_articles(batch, PARSER_VERSION)
    batch.clear()


def _reparse_listings(store: Store, report: ReparseReport, site: str | None, since: str | None,
                      dry_run: bool, batch_size: int, progress: Progress) -> None:
    found: list[Observation] = []
    progress.start("listing pages", store.count_pages("listing", site=site, since=since))
    for page in store.pages("listing", site=site, since=since):
        progress.advance(1)
        try:
            response = stored_response(store.path, page)
            observations = list(parse_listing(response.text, response.url).observations(page["fetched_at"], page["url"]))
        except CrawlerError as err:
            report.failed.append((page["url"], str(err)))
            continue
        report.listing_pages += 1
        report.observations += len(observations)
        found.extend(observations)
        if len(found) >= batch_size and not dry_run:
            store.save_observations(found)
            found.clear()
    if found and not dry_run:
        store.save_observations(found)
    progress.finish()
