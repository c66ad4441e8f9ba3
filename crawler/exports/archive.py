"""Raw pages of the selected articles: their WARC records copied byte for byte, with a CDXJ index, or packed as WACZ.

Every `pages` row locates one response record, its own gzip member, in the
crawl's WARC files (`crawler/warc.py`). The export copies those members
unchanged into fresh WARC files under `archive/`, each opened by a
`warcinfo` record of its own, after checking that the payload still hashes
to the row's `payload_sha1`: an export never hands on a record that changed
since the crawl. `--format warc` then indexes them as `indexes/index.cdxj`
(cdxj-indexer, sorted by SURT); `--format wacz` packs them with py-wacz
into `archive.wacz`, whose pages list names each article page by its title.
Only response records are exported, not the request records beside them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from crawler import __version__
from crawler.errors import ExportError
from crawler.exports.outdir import SCRATCH
from crawler.exports.tables import KeyGroups, Written, json_line
from crawler.storage import Selection, Store
from crawler.warc_reads import DAMAGED, damage

if TYPE_CHECKING:
    from crawler.exports.outdir import OutDir
    from crawler.progress import Progress

TABLE = "pages"
WARC_NAME = "archive/newsarchive-export-{:05d}.warc.gz"
INDEX_NAME = "indexes/index.cdxj"
WACZ_NAME = "archive.wacz"
# An export WARC file is closed past this size and the next one begun.
MAX_WARC_BYTES = 1 << 30


def export_archive(store: Store, selection: Selection, out: OutDir, fmt: str, progress: Progress) -> Written:
    """Write the selected articles' fetched pages as WARC + CDXJ (`warc`) or as one WACZ file (`wacz`)."""
    if not store.has_table(TABLE):
        raise ExportError(f"{store.path} has no pages table (schema before WARC capture): nothing to export as {fmt}")
    written = Written([TABLE], without_pages=store.articles_without_pages(selection))
    progress.start(TABLE, store.export_count(TABLE, selection))
    with out.scratch() if fmt == "wacz" else contextlib.nullcontext(None) as scratch:
        prefix = f"{SCRATCH}/" if scratch else ""
        warcs = _copy_records(store, selection, out, prefix, progress)
        progress.finish()
        records = sum(n for _, n in warcs)
        written.counts[TABLE] = records
        if fmt == "warc":
            written.files += [(name, TABLE, n) for name, n in warcs]
            _write_index(out, [out.path(name) for name, _ in warcs])
            written.files.append((INDEX_NAME, None, records))
        else:
            assert scratch is not None
            if not records:
                raise ExportError("the selected articles have no fetched pages: a WACZ needs at least one record")
            _write_wacz(store, selection, out, scratch, [out.path(name) for name, _ in warcs])
            written.files.append((WACZ_NAME, TABLE, records))
    return written


def _copy_records(store: Store, selection: Selection, out: OutDir, prefix: str, progress: Progress) -> list[tuple[str, int]]:
    """Copy each selected page's response record; return (file name, records) of the WARC files written."""
    from crawler.warc_reads import resolve

    warcs: list[tuple[str, int]] = []
    target: BinaryIO | None = None
    fetched_from = _fetched_from(store, selection)
    with _Sources() as sources:
        try:
            for page in store.export_rows(TABLE, selection):
                if target is None or target.tell() >= MAX_WARC_BYTES:
                    if target is not None:
                        target.close()
                    name = prefix + WARC_NAME.format(len(warcs))
                    target = out.create(name)
                    _write_warcinfo(target, name, fetched_from)
                    warcs.append((name, 0))
                member = sources.read(resolve(store.path, page["warc_file"]), page["warc_offset"], page["warc_length"])
                _check_payload(member, page)
                target.write(member)
                warcs[-1] = (warcs[-1][0], warcs[-1][1] + 1)
                progress.advance(1)
        finally:
            if target is not None:
                target.close()
    return warcs


def _check_payload(member: bytes, page: dict[str, Any]) -> None:
    """The record must be the page's response, its payload hashing to `payload_sha1`."""
    from warcio.archiveiterator import ArchiveIterator

    where = f"{page['warc_file']}:{page['warc_offset']}"
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        digest = hashlib.sha1(record.raw_stream.read()).hexdigest()
    except DAMAGED as err:
        raise ExportError(f"cannot read the WARC record of {page['url']} at {where}: {damage(err)}") from err
    if record.rec_headers.get_header("WARC-Target-URI") != page["url"] or digest != page["payload_sha1"]:
        raise ExportError(f"the WARC record at {where} is not the page stored for {page['url']} "
                          f"(payload sha1 {digest}, pages row says {page['payload_sha1']}); not exporting it")


class _Sources:
    """Open crawl WARC files, read by (offset, length); pages of one article sit in few files."""

    def __init__(self) -> None:
        self.handles: dict[Path, BinaryIO] = {}

    def read(self, path: Path, offset: int, length: int) -> bytes:
        if path not in self.handles:
            if len(self.handles) >= 16:
                self.handles.pop(next(iter(self.handles))).close()
            try:
                self.handles[path] = path.open("rb")
            except OSError as err:
                raise ExportError(f"cannot open WARC file {path}: {err.strerror}") from err
        handle = self.handles[path]
        handle.seek(offset)
        data = handle.read(length)
        if len(data) != length:
            raise ExportError(f"{path} ends before the record at {offset} (+{length} bytes) that the pages table names")
        return data

    def __enter__(self) -> _Sources:
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self.handles.values():
            handle.close()


def _fetched_from(store: Store, selection: Selection) -> str:
    """Where the crawls of the selected pages fetched them ("live", "offline mirror DIR", …), as their runs recorded it."""
    runs = store.export_runs([TABLE], selection)
    return "; ".join(sorted({json.loads(run["args"] or "{}").get("source", "not recorded") for run in runs}))


def _write_warcinfo(target: BinaryIO, name: str, fetched_from: str) -> None:
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(target, gzip=True, warc_version="1.0")
    info = {
        "software": f"newsarchive/{__version__} (warcio)", "format": "WARC File Format 1.0",
        "description": "response records of the selected articles, copied unchanged from the crawl's WARC files; see manifest.json",
        "source": fetched_from,
    }
    writer.write_record(writer.create_warcinfo_record(Path(name).name, info))


def _write_index(out: OutDir, warcs: list[Path]) -> None:
    """`indexes/index.cdxj` of the exported WARC files, sorted; `filename` is each file's name in `archive/`."""
    try:
        from cdxj_indexer import CDXJIndexer
    except ImportError as err:
        raise ExportError("WARC exports need cdxj-indexer: pip install 'newsarchive[export]'") from err

    with out.create(INDEX_NAME) as binary, io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as text, out.scratch():
        # Records named, not left to CDXJIndexer.DEFAULT_RECORDS: py-wacz adds "warcinfo" to that list when imported,
        # so after a WACZ export in the same process the index would list each file's warcinfo record too.
        CDXJIndexer(output=text, inputs=[str(path) for path in warcs], sort=True, records="response").process_all()


def _write_wacz(store: Store, selection: Selection, out: OutDir, scratch: Path, warcs: list[Path]) -> None:
    """Pack the WARC files into `archive.wacz` (py-wacz), with a pages list of the article pages and their titles."""
    try:
        from wacz.main import main as wacz_main
    except ImportError as err:
        raise ExportError("WACZ exports need py-wacz: pip install 'newsarchive[export]'") from err

    pages = scratch / "pages.jsonl"
    with out.create(f"{SCRATCH}/pages.jsonl") as handle:
        handle.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Article pages"}).encode() + b"\n")
        for line in _page_list(store, selection):
            handle.write(json_line(line))
    target = out.path(WACZ_NAME)
    if target.exists() or target.is_symlink():
        raise ExportError(f"{target} already exists; not overwriting it")
    args = ["create", "-o", str(target), "--pages", str(pages), "--title", "newsarchive export",
            "--desc", f"newsarchive {__version__}: raw pages of the selected articles; see manifest.json", *map(str, warcs)]
    log = io.StringIO()
    out.created.append(target)
    try:
        with contextlib.redirect_stdout(log):  # py-wacz reports on standard output; only the CLI talks to the user
            status = wacz_main(args)
    except Exception as err:  # any failure inside py-wacz means no usable WACZ
        raise ExportError(f"py-wacz could not create {target}: {err!r}") from err
    if status != 0 or not target.is_file():
        raise ExportError(f"py-wacz could not create {target}: {log.getvalue().strip().splitlines()[-1:] or status}")


def _page_list(store: Store, selection: Selection) -> Iterator[dict[str, Any]]:
    """WACZ pages: each fetched article page (HTML, 200) with its fetch time and its variant's title.

    A page fetched from another URL than its variant's (a trailing slash, a
    rel=canonical) finds its variant through the canonical URL `urls` files it under.
    """
    variants = KeyGroups(store.export_rows("article_variants", selection))
    current_key, titles = None, {}
    for page in store.export_rows(TABLE, selection):
        if page["status"] != 200 or "html" not in (page["content_type"] or ""):
            continue
        if page["key"] != current_key:
            current_key = page["key"]
            titles = {v["url"]: v["title"] for v in variants.take(current_key, skip_before=True)}
        title = titles.get(page["url"])
        if title is None and (filed := store.url_pages([page["url"]]).get(page["url"])):
            title = titles.get(filed[0])
        yield {"url": page["url"], "ts": _warc_date(page["fetched_at"]), "title": title or page["url"]}


def _warc_date(iso: str) -> str:
    """A stored ISO 8601 time as a WARC-Date (UTC, `Z`), the form py-wacz parses."""
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
