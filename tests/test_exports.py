"""Exports for archivists (issue 7): tables read back equal to the database, manifests that verify, safe folders.

The archive is made by the real offline crawl of the fixture mirror, once
per module; each test exports it through the CLI into its own folder.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlite_utils

from crawler.cli import main
from crawler.errors import ExportError
from crawler.exports.outdir import OutDir
from crawler.items import ArticleItem, Quote
from crawler.storage import JSON_COLUMNS, Store

ROOT = Path(__file__).resolve().parent.parent
# Tables of the export, with the columns the expected rows are ordered by (article key first).
TABLE_ORDER = {
    "articles": "key",
    "article_variants": "key, script",
    "quotes": "key, script, position",
    "best_materials": "key, script, list, position",
    "metrics": "key, observed_at, source_kind, source_url",
    "article_revisions": "key, id",
    "pages": "key, id",
    "urls": "key, url",
}
NESTED = {"article_variants": "variants", "quotes": "quotes", "best_materials": "best_materials",
          "metrics": "metrics", "article_revisions": "revisions", "pages": "pages", "urls": "urls"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("crawl") / "archive.sqlite"
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "abai", "--offline", "--db", str(db)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return db


def export(db: Path, out: Path, *args: str) -> int:
    return main(["export", "--db", str(db), "--out", str(out), *args])


def db_rows(db: Path, table: str, where: str = "1") -> list[dict[str, Any]]:
    """A table's rows of stored articles as SQLite holds them, read without the exporter's queries.

    (`metrics` also counts articles only seen on listings; an export takes those of its articles.)
    """
    database = sqlite_utils.Database(db)
    if not database[table].exists():
        return []
    if table != "articles":
        where += " and key in (select key from articles)"
    return list(database.query(f"select * from [{table}] where {where} order by {TABLE_ORDER[table]}"))


def by_value(row: dict[str, Any]) -> str:
    """A sort key for rows whatever their columns' order (a nested row gets its `key` first)."""
    return json.dumps(row, sort_keys=True)


def tables_of(db: Path) -> list[str]:
    return [t for t in TABLE_ORDER if sqlite_utils.Database(db)[t].exists()]


def verify(out: Path) -> tuple[int, str, str]:
    """`export verify OUT`: exit code, standard output, standard error."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["export", "verify", str(out)])
    return code, stdout.getvalue(), stderr.getvalue()


# -- what the files hold ----------------------------------------------------------


def test_parquet_reads_back_equal_to_the_database_rows(archive: Path, tmp_path: Path) -> None:
    assert export(archive, tmp_path / "out", "--format", "parquet") == 0
    for table in tables_of(archive):
        expected = db_rows(archive, table)
        assert pq.read_table(tmp_path / "out" / f"{table}.parquet").to_pylist() == expected, table
    assert len(db_rows(archive, "articles")) == 10 and len(db_rows(archive, "quotes")) == 15
    schema = pq.read_schema(tmp_path / "out" / "articles.parquet")
    assert (str(schema.field("views").type), str(schema.field("title").type)) == ("int64", "string")


def test_jsonl_round_trip_gives_back_every_row_of_every_table(archive: Path, tmp_path: Path) -> None:
    assert export(archive, tmp_path / "out", "--format", "jsonl") == 0
    lines = (tmp_path / "out" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    rebuilt: dict[str, list[dict[str, Any]]] = {table: [] for table in tables_of(archive)}
    for record in records:
        for table, name in NESTED.items():
            rebuilt.setdefault(table, []).extend({"key": record["key"], **row} for row in record.pop(name))
        rebuilt["articles"].append(record)
    for table in tables_of(archive):
        expected = [{k: json.loads(v) if k in JSON_COLUMNS and v is not None else v for k, v in row.items()}
                    for row in db_rows(archive, table)]
        assert sorted(rebuilt[table], key=by_value) == sorted(expected, key=by_value), table
    seed = next(r for r in records if r["key"] == "abai.kz:100000")
    assert seed["authors"] == ["Халима Бұқарқызы"] and "Nur Otan Trends" in seed["title"]  # UTF-8, not escaped
    assert "Nur Otan Trends пікірталас" in lines[[r["key"] for r in records].index("abai.kz:100000")]


def test_csv_tables_hold_the_database_rows_as_text(archive: Path, tmp_path: Path) -> None:
    assert export(archive, tmp_path / "out", "--format", "csv") == 0
    for table in tables_of(archive):
        with (tmp_path / "out" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
            got = list(csv.DictReader(handle))
        expected = [{k: "" if v is None else str(v) for k, v in row.items()} for row in db_rows(archive, table)]
        assert got == expected, table


def test_same_archive_exports_to_the_same_bytes_in_a_stable_order(archive: Path, tmp_path: Path) -> None:
    digests = []
    for name in ("one", "two"):
        assert export(archive, tmp_path / name, "--format", "parquet") == 0
        manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
        digests.append({f["path"]: f["sha256"] for f in manifest["files"]})
    assert digests[0] == digests[1]
    keys = [r["key"] for r in pq.read_table(tmp_path / "one" / "articles.parquet").to_pylist()]
    assert keys == sorted(keys)


# -- the manifest and verify -------------------------------------------------------


def test_manifest_names_versions_query_runs_counts_and_every_file(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv", "--since", "2018-01-01", "--until", "2018-12-31") == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    from crawler import __version__

    assert manifest["tool"]["version"] == __version__
    assert manifest["schema_version"] == sqlite_utils.Database(archive).execute("PRAGMA user_version").fetchone()[0]
    assert manifest["filters"]["since"] == "2018-01-01" and manifest["filters"]["until"] == "2018-12-31"
    in_2018 = db_rows(archive, "articles", "published_at like '2018-%'")
    assert manifest["counts"]["articles"] == len(in_2018) == 4
    sql = manifest["queries"]["articles"]
    database = sqlite_utils.Database(archive)
    assert [r["key"] for r in database.query(sql["sql"], sql["params"])] == [r["key"] for r in in_2018]
    assert [run["id"] for run in manifest["crawl_runs"]] == [1]
    assert sorted(f["path"] for f in manifest["files"]) == sorted(p.name for p in out.iterdir() if p.name != "manifest.json")
    import hashlib

    for entry in manifest["files"]:
        data = (out / entry["path"]).read_bytes()
        assert (entry["bytes"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_verify_passes_then_fails_on_one_changed_byte(archive: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", fmt) == 0
    code, stdout, _ = verify(out)
    assert code == 0 and "OK" in stdout, stdout
    target = out / f"articles.{fmt}"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, stdout, stderr = verify(out)
    assert code == 1
    assert stderr.startswith(f"FAILED articles.{fmt}: sha256 "), stderr


@pytest.mark.parametrize(("fmt", "table"), [("jsonl", "quotes"), ("jsonl", "articles"), ("csv", "article_variants")])
def test_verify_checks_the_manifests_counts_per_table(archive: Path, tmp_path: Path, fmt: str, table: str) -> None:
    """JSON Lines nests an article's variants, quotes, … in its line: their counts are recounted there."""
    out = tmp_path / "out"
    assert export(archive, out, "--format", fmt) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    held = manifest["counts"][table]
    manifest["counts"][table] = held + 2
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, _, stderr = verify(out)
    assert (code, stderr.splitlines()) == (1, [f"FAILED manifest.json: counts say {held + 2} {table} rows, the files hold {held}"])


def test_verify_reports_missing_and_unlisted_files(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv") == 0
    (out / "quotes.csv").unlink()
    (out / "extra.txt").write_text("x", encoding="utf-8")
    code, _, stderr = verify(out)
    assert code == 1
    assert stderr.splitlines() == ["FAILED quotes.csv: missing", "FAILED extra.txt: not named in manifest.json"]


def test_bag_wraps_the_export_and_verify_checks_the_bag(archive: Path, tmp_path: Path) -> None:
    import bagit

    out = tmp_path / "bag"
    assert export(archive, out, "--format", "jsonl", "--bag") == 0
    assert sorted(p.name for p in (out / "data").iterdir()) == ["articles.jsonl", "manifest.json"]
    assert bagit.Bag(str(out)).is_valid()
    code, stdout, _ = verify(out)
    assert code == 0 and "BagIt bag valid" in stdout
    with (out / "data" / "articles.jsonl").open("r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0x20]))
    code, _, stderr = verify(out)
    assert code == 1 and "FAILED bag: " in stderr and "FAILED articles.jsonl: sha256" in stderr


# -- filters -----------------------------------------------------------------------


def test_filters_select_articles_and_their_rows(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "latn"
    assert export(archive, out, "--format", "parquet", "--script", "latn", "--category", "Bilgenge marjan",
                  "--category", "Билік") == 0
    articles = pq.read_table(out / "articles.parquet").to_pylist()
    with_latn = {r["key"] for r in db_rows(archive, "article_variants", "script = 'latn'")}
    in_category = {r["key"] for r in db_rows(archive, "article_variants", "category in ('Bilgenge marjan', 'Билік')")}
    expected = [r for r in db_rows(archive, "articles") if r["key"] in with_latn & in_category]
    assert articles == expected and len(expected) >= 1
    variants = pq.read_table(out / "article_variants.parquet").to_pylist()
    assert variants and {v["script"] for v in variants} == {"latn"}
    assert {v["key"] for v in variants} == {a["key"] for a in articles}
    # counts only as the Latin pages showed them: not the other scripts' pages, nor listings (which belong to no variant)
    metrics = pq.read_table(out / "metrics.parquet").to_pylist()
    latn_pages = {v["url"] for v in variants}
    assert metrics and {m["source_url"] for m in metrics} <= latn_pages
    assert len(metrics) == len([m for m in db_rows(archive, "metrics") if m["source_url"] in latn_pages
                                and m["key"] in {a["key"] for a in articles}])


def test_a_category_matches_as_any_script_prints_it_and_an_unknown_one_is_warned_of(
        archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # abai.kz:124675 is "жазылған жайдың жаңғырығы" in Cyrillic, the category of its merged row.
    for name in ("jazylghan jaydyng janghyryghy", "جازىلعان جايدىڭ جاڭعىرىعى", "жазылған жайдың жаңғырығы"):
        assert export(archive, tmp_path / name, "--format", "jsonl", "--script", "latn", "--category", name) == 0
        (line,) = (tmp_path / name / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        record = json.loads(line)
        assert record["key"] == "abai.kz:124675" and [v["script"] for v in record["variants"]] == ["latn"]
    assert "warning" not in capsys.readouterr().err
    assert export(archive, tmp_path / "typo", "--format", "jsonl", "--category", "бетбурыс") == 0
    assert capsys.readouterr().err.splitlines()[0] == "warning: no stored article has the category 'бетбурыс'; did you mean 'Бетбұрыс'?"
    assert export(archive, tmp_path / "other-site", "--format", "jsonl", "--site", "egemen.kz", "--category", "Бетбұрыс") == 0
    assert capsys.readouterr().err.splitlines()[0] == "warning: no stored article of egemen.kz has the category 'Бетбұрыс'"


def test_filters_with_no_match_write_empty_tables(archive: Path, tmp_path: Path) -> None:
    assert export(archive, tmp_path / "none", "--format", "csv", "--site", "abai.kz", "--since", "2030-01-01") == 0
    with (tmp_path / "none" / "articles.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [[name for name in db_rows(archive, "articles")[0]]]


# -- safety ------------------------------------------------------------------------


def test_refuses_to_overwrite_without_force(archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", "jsonl") == 0
    before = (out / "articles.jsonl").read_bytes()
    capsys.readouterr()
    assert export(archive, out, "--format", "csv") == 2
    assert capsys.readouterr().err.strip() == f"error: {out} is not empty; pass --force to replace the export in it"
    assert (out / "articles.jsonl").read_bytes() == before and not (out / "articles.csv").exists()
    assert export(archive, out, "--format", "csv", "--force") == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".csv"] * len(tables_of(archive)) + [".json"]


def test_force_never_removes_files_an_export_did_not_write(archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert export(archive, out, "--format", "jsonl", "--force") == 2
    assert "holds no export" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_nothing_is_written_outside_the_export_folder(tmp_path: Path) -> None:
    out = OutDir.prepare(tmp_path / "out", force=False)
    for name in ("../escape.txt", "/tmp/escape.txt", "a/../../escape.txt"):
        with pytest.raises(ExportError):
            out.create(name)
    (tmp_path / "elsewhere").mkdir()
    (out.root / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ExportError):
        out.create("link/file.txt")
    (out.root / "planted.csv").symlink_to(tmp_path / "victim.csv")
    with pytest.raises(ExportError):
        out.create("planted.csv")
    assert not (tmp_path / "victim.csv").exists() and not list((tmp_path / "elsewhere").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "out"]


def test_csv_neutralizes_formula_cells_unless_raw(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    item = ArticleItem(url="https://abai.kz/post/7", site="abai.kz", article_id="7", key="abai.kz:7", script="cyrl",
                       language="kk", title='=HYPERLINK("http://x","y")', body="-2+3", authors=["@someone"],
                       quotes=[Quote("+7 700 000", "Айдос Сарым", None, "inline", 0, 0, 10)])
    Store(db).save_articles([item])
    assert export(db, tmp_path / "safe", "--format", "csv") == 0
    assert export(db, tmp_path / "raw", "--format", "csv", "--raw-csv") == 0

    def row(folder: str, table: str) -> dict[str, str]:
        with (tmp_path / folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
            return next(csv.DictReader(handle))

    safe, raw = row("safe", "articles"), row("raw", "articles")
    assert (safe["title"], safe["body"], safe["authors"]) == ("'=HYPERLINK(\"http://x\",\"y\")", "'-2+3", '["@someone"]')
    assert (raw["title"], raw["body"]) == ('=HYPERLINK("http://x","y")', "-2+3")
    assert row("safe", "quotes")["text"] == "'+7 700 000" and row("raw", "quotes")["text"] == "+7 700 000"
    assert row("safe", "articles")["language"] == "kk"
    manifest = json.loads((tmp_path / "safe" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["csv"]["formulas_neutralized"] is True


def test_a_long_body_and_line_separators_read_back_and_verify(tmp_path: Path) -> None:
    """A 200,000-character field is past Python's default CSV field limit, and U+2028, U+2029 and U+0085 split a
    line for `str.splitlines()`: verify reads the first, JSON Lines escapes the others."""
    db = tmp_path / "a.sqlite"
    body = "Абай Құнанбайұлы — ақын. " * 8000
    item = ArticleItem(url="https://abai.kz/post/7", site="abai.kz", article_id="7", key="abai.kz:7", script="cyrl",
                       language="kk", title="Бір\u2028екі\u2029үш\x85төрт", body=body)
    Store(db).save_articles([item])
    for fmt in ("csv", "jsonl"):
        assert export(db, tmp_path / fmt, "--format", fmt) == 0
        assert verify(tmp_path / fmt)[0] == 0, verify(tmp_path / fmt)
    (line,) = (tmp_path / "jsonl" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"title": "Бір\\u2028екі\\u2029үш\\u0085төрт"' in line
    assert (json.loads(line)["title"], json.loads(line)["body"]) == ("Бір\u2028екі\u2029үш\x85төрт", body)


# -- the command line ----------------------------------------------------------------


def test_export_prints_counts_and_path_and_plain_progress_off_a_terminal(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "crawler", "export", "--format", "csv", "--db", str(archive), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Exported 10 articles, 12 article_variants, 15 quotes, 3 best_materials")
    assert f" as csv to {out} (" in result.stdout and result.stdout.count("\n") == 1
    assert "export: articles: 10 rows written" in result.stderr.splitlines()


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "csv", "--since", "yesterday"], "error: --since must be a date like 2024-01-31, not 'yesterday'"),
    (["--format", "csv", "--script", "cyrl,greek"], "error: --script must be among cyrl, latn, arab, not greek"),
    (["--format", "csv", "--since", "2020-01-02", "--until", "2020-01-01"], "error: --since 2020-01-02 is after --until 2020-01-01"),
    (["--format", "csv", "--site", "example.org"], "error: unknown site 'example.org'; known: "),
])
def test_bad_options_are_one_line_and_exit_2(archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             args: list[str], message: str) -> None:
    assert export(archive, tmp_path / "out", *args) == 2
    assert capsys.readouterr().err.strip().startswith(message)
    assert not (tmp_path / "out").exists()


def test_missing_database_and_missing_manifest_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export(tmp_path / "none.sqlite", tmp_path / "out", "--format", "csv") == 2
    assert capsys.readouterr().err.strip() == f"error: no database at {tmp_path / 'none.sqlite'}"
    assert main(["export", "verify", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: no manifest.json in {tmp_path}: not an export"


# -- raw pages: WARC and WACZ ------------------------------------------------------


def test_warc_export_replays_each_record_to_its_pages_row(archive: Path, tmp_path: Path) -> None:
    import hashlib

    from warcio.archiveiterator import ArchiveIterator

    out = tmp_path / "warc"
    assert export(archive, out, "--format", "warc") == 0
    expected = db_rows_pages(archive)
    assert len(expected) == 12  # one 200 response per stored variant
    warcs = sorted((out / "archive").iterdir())
    records = []
    for path in warcs:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "warcinfo":
                    assert b"\r\nsource: offline mirror " in record.raw_stream.read()  # not captured from abai.kz
                    continue
                records.append((record.rec_headers.get_header("WARC-Target-URI"),
                                record.rec_headers.get_header("WARC-Record-ID"),
                                hashlib.sha1(record.raw_stream.read()).hexdigest()))
    assert records == [(p["url"], p["warc_record_id"], p["payload_sha1"]) for p in expected]
    # The index finds every record where it is: seek to its offset, read its length, get that page back.
    lines = (out / "indexes" / "index.cdxj").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(expected) and lines == sorted(lines)
    by_url = {p["url"]: p for p in expected}
    for line in lines:
        entry = json.loads(line.split(" ", 2)[2])
        data = (out / "archive" / entry["filename"]).read_bytes()[int(entry["offset"]):][: int(entry["length"])]
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
        assert hashlib.sha1(record.raw_stream.read()).hexdigest() == by_url[entry["url"]]["payload_sha1"]
    code, stdout, _ = verify(out)
    assert code == 0 and "12 pages" in stdout


def db_rows_pages(db: Path) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(db).query(
        "select * from pages where key in (select key from articles) order by key, id"))


def test_warc_export_of_one_script_takes_only_its_pages(archive: Path, tmp_path: Path) -> None:
    assert export(archive, tmp_path / "latn", "--format", "warc", "--script", "latn") == 0
    manifest = json.loads((tmp_path / "latn" / "manifest.json").read_text(encoding="utf-8"))
    latn = [p for p in db_rows_pages(archive) if "/lt/post/" in p["url"]]
    assert manifest["counts"] == {"pages": len(latn)} and len(latn) == 4


def test_warc_export_refuses_a_record_that_changed_since_the_crawl(archive: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    copy = tmp_path / "db"
    shutil.copytree(archive.parent, copy)
    page = db_rows_pages(copy / archive.name)[0]
    sqlite_utils.Database(copy / archive.name).execute(
        "update pages set payload_sha1 = ? where id = ?", ["0" * 40, page["id"]]).connection.commit()
    assert export(copy / archive.name, tmp_path / "out", "--format", "warc") == 2
    assert f"is not the page stored for {page['url']}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # the partial export is removed


def test_a_warc_export_names_the_selected_articles_it_has_no_raw_page_of(archive: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Pages crawled with WARC_ENABLED off (or before the WARC index) have no record: the export said nothing of
    those articles, and an archivist took "12 pages" for all of them."""
    assert export(archive, tmp_path / "whole", "--format", "warc") == 0
    assert json.loads((tmp_path / "whole" / "manifest.json").read_text(encoding="utf-8"))["articles_without_pages"] == []
    assert "warning" not in capsys.readouterr().err
    copy = tmp_path / "db"
    shutil.copytree(archive.parent, copy)
    database = sqlite_utils.Database(copy / archive.name)
    database.execute("delete from pages where key in ('abai.kz:100000', 'abai.kz:67473')").connection.commit()
    assert export(copy / archive.name, tmp_path / "out", "--format", "warc") == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["articles_without_pages"] == ["abai.kz:100000", "abai.kz:67473"]
    assert manifest["counts"] == {"pages": 10}
    assert ("warning: 2 of the selected articles have no fetched page in the WARC files (crawled with WARC_ENABLED off,"
            " or before the WARC index): abai.kz:100000, abai.kz:67473; manifest.json lists them") in capsys.readouterr().err


def test_wacz_export_is_a_valid_wacz_with_titled_pages(archive: Path, tmp_path: Path) -> None:
    import zipfile

    from wacz.main import main as wacz_main

    out = tmp_path / "wacz"
    assert export(archive, out, "--format", "wacz") == 0
    assert sorted(p.name for p in out.iterdir()) == ["archive.wacz", "manifest.json"]
    assert wacz_main(["validate", "-f", str(out / "archive.wacz")]) == 0
    with zipfile.ZipFile(out / "archive.wacz") as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]]
        assert [n for n in wacz.namelist() if n.startswith("archive/")] == ["archive/newsarchive-export-00000.warc.gz"]
    titles = {p["url"]: p["title"] for p in pages}
    assert titles["https://abai.kz/post/100000"] == "Nur Otan Trends пікірталас клубының кезекті басқосуы өтті"
    assert len(titles) == 12
    code, stdout, _ = verify(out)
    assert code == 0


def test_wacz_titles_a_page_fetched_from_another_url_than_its_variants(archive: Path, tmp_path: Path) -> None:
    """A page whose variant has another URL (its rel=canonical, a trailing slash) is titled through the URL `urls` files it under."""
    from wacz.main import main as wacz_main

    db = tmp_path / "archive.sqlite"
    shutil.copy(archive, db)
    for warc in (archive.parent / "warc").iterdir():
        (tmp_path / "warc").mkdir(exist_ok=True)
        shutil.copy(warc, tmp_path / "warc" / warc.name)
    canonical = "https://abai.kz/kk/post/100000-nur-otan"  # as if the page's rel=canonical had named it
    with sqlite3.connect(db) as conn:
        conn.execute("update article_variants set url = ? where key = 'abai.kz:100000' and script = 'cyrl'", [canonical])
        conn.execute("update urls set canonical_url = ? where url = 'https://abai.kz/post/100000'", [canonical])
    assert export(db, tmp_path / "wacz", "--format", "wacz") == 0
    assert wacz_main(["validate", "-f", str(tmp_path / "wacz" / "archive.wacz")]) == 0
    with zipfile.ZipFile(tmp_path / "wacz" / "archive.wacz") as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]]
    titles = {p["url"]: p["title"] for p in pages}
    assert titles["https://abai.kz/post/100000"] == "Nur Otan Trends пікірталас клубының кезекті басқосуы өтті"


def test_a_warc_export_after_a_wacz_export_in_one_process_indexes_only_its_responses(archive: Path, tmp_path: Path) -> None:
    """py-wacz, once imported, makes cdxj-indexer index warcinfo records by default too."""
    assert export(archive, tmp_path / "wacz", "--format", "wacz") == 0
    assert export(archive, tmp_path / "warc", "--format", "warc") == 0
    index = (tmp_path / "warc" / "indexes" / "index.cdxj").read_text(encoding="utf-8").splitlines()
    assert index and all('"mime": "text/html' in line for line in index)
    assert verify(tmp_path / "warc")[0] == 0


def test_force_replaces_a_bagged_export(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", "jsonl", "--bag") == 0
    assert export(archive, out, "--format", "csv", "--force") == 0
    assert "bagit.txt" not in {p.name for p in out.iterdir()} and not (out / "data").exists()
    assert verify(out)[0] == 0


def test_an_export_reads_one_snapshot_while_a_crawl_writes(archive: Path, tmp_path: Path) -> None:
    import shutil

    from crawler.exports import ExportOptions
    from crawler.exports import export as export_to

    copy = tmp_path / "db"
    shutil.copytree(archive.parent, copy)
    db = copy / archive.name

    class WriteMidway:
        """Progress that stores a new article (through another connection) once the first table is written."""

        def start(self, label: str, total: int) -> None:
            if label == "article_variants":
                item = ArticleItem(url="https://abai.kz/post/1", site="abai.kz", article_id="1", key="abai.kz:1",
                                   script="cyrl", language="kk", title="Кейін қосылған")
                Store(db).save_articles([item])

        def advance(self, rows: int) -> None:
            pass

        def finish(self) -> None:
            pass

    result = export_to(Store(db), ExportOptions("parquet", tmp_path / "out"), WriteMidway())
    variants = pq.read_table(tmp_path / "out" / "article_variants.parquet").to_pylist()
    assert "abai.kz:1" not in {v["key"] for v in variants} and len(variants) == result.counts["article_variants"] == 12
    assert sqlite_utils.Database(db)["article_variants"].count == 13  # the write did land, after the snapshot


# -- interrupted and killed exports ------------------------------------------------

# Runs `main(argv[3:])` with a progress that sends signal argv[1] to its own process at the first rows of
# table argv[2]: an export held midway, deterministically.
SIGNALLED_EXPORT = """
import os, sys
import crawler.exports
from crawler.cli import main
from crawler.progress import NoProgress

class Signal(NoProgress):
    def start(self, label, total):
        self.label = label
    def advance(self, rows):
        if self.label == sys.argv[2]:
            os.kill(os.getpid(), int(sys.argv[1]))
    def close(self):
        pass

crawler.exports.progress_for = lambda stream: Signal()
sys.exit(main(sys.argv[3:]))
"""


def signalled_export(signum: int, table: str, db: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SIGNALLED_EXPORT, str(signum), table,
                           "export", "--db", str(db), "--out", str(out), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_sigterm_removes_a_half_written_export_like_ctrl_c(archive: Path, tmp_path: Path) -> None:
    import signal

    out = tmp_path / "out"
    result = signalled_export(signal.SIGTERM, "article_variants", archive, out, "--format", "csv")
    assert (result.returncode, result.stderr.splitlines()[-1:]) == (
        130, [f"interrupted: no partial export left in {out}; run the same command again to start over"])
    assert not out.exists()


def test_an_export_handles_sigterm_only_while_it_runs(archive: Path, tmp_path: Path) -> None:
    import signal

    from crawler.exports import ExportOptions, NoProgress
    from crawler.exports import export as export_to

    during: list[object] = []

    class Watch(NoProgress):
        def start(self, label: str, total: int) -> None:
            during.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    export_to(Store(archive), ExportOptions("jsonl", tmp_path / "out"), Watch())
    assert during and before not in during
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.parametrize(("fmt", "table"), [("csv", "article_variants"), ("wacz", "pages")])
def test_force_replaces_what_a_killed_export_left_but_no_other_file(archive: Path, tmp_path: Path, fmt: str, table: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import signal

    out = tmp_path / "out"
    killed = signalled_export(signal.SIGKILL, table, archive, out, "--format", fmt)
    assert killed.returncode == -signal.SIGKILL
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    assert export(archive, out, "--format", "jsonl", "--force") == 2
    assert capsys.readouterr().err.strip() == f"error: {out} holds files that no export wrote (notes.txt); not replacing them"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == left
    (out / "notes.txt").unlink()
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"]
    assert verify(out)[0] == 0


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("bag", [(), ("--bag",)])
def test_a_force_that_fails_leaves_the_export_it_was_replacing_as_it_was(archive: Path, tmp_path: Path,
                                                                          bag: tuple[str, ...]) -> None:
    import signal

    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv", *bag) == 0
    before = tree(out)
    stopped = signalled_export(signal.SIGTERM, "article_variants", archive, out, "--format", "csv", "--force")
    assert (stopped.returncode, stopped.stderr.splitlines()[-1:]) == (
        130, [f"interrupted: {out} holds the export it was replacing, as it was; run the same command again to start over"])
    assert tree(out) == before and verify(out)[0] == 0


def test_a_force_killed_outright_gets_the_export_it_was_replacing_back_at_the_next_force(archive: Path, tmp_path: Path) -> None:
    """SIGKILL leaves the new export's files and the old one set aside; the next --force puts the old one back
    before it replaces it, so that one failing too leaves the old export, and one succeeding leaves only its own."""
    import signal

    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv") == 0
    before = tree(out)
    killed = signalled_export(signal.SIGKILL, "article_variants", archive, out, "--format", "csv", "--force")
    assert killed.returncode == -signal.SIGKILL
    assert tree(out) != before  # a half-written articles.csv, the marker, the old export in its folder
    stopped = signalled_export(signal.SIGTERM, "quotes", archive, out, "--format", "csv", "--force")
    assert stopped.returncode == 130 and tree(out) == before
    signalled_export(signal.SIGKILL, "article_variants", archive, out, "--format", "csv", "--force")
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"]
    assert verify(out)[0] == 0


def interrupted_before(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Ctrl-C (a real SIGINT to this process) just as `crawler.exports.outdir.<name>` begins tidying the folder."""
    import signal

    from crawler.exports import outdir

    step = getattr(outdir, name)

    def interrupted(*args: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        step(*args)

    monkeypatch.setattr(outdir, name, interrupted)


def test_a_second_ctrl_c_waits_until_the_replaced_export_is_back(archive: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The first Ctrl-C stops a --force before its manifest; the second lands as the old export is put back."""
    from crawler.exports import run

    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv") == 0
    before = tree(out)

    def first_ctrl_c(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "write_manifest", first_ctrl_c)
    interrupted_before(monkeypatch, "_restore")
    assert export(archive, out, "--format", "jsonl", "--force") == 130
    assert tree(out) == before and verify(out)[0] == 0


@pytest.mark.parametrize("replacing", [False, True])
def test_a_ctrl_c_while_bagging_leaves_no_half_made_bag(archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], replacing: bool) -> None:
    """Ctrl-C (a real SIGINT) as bagit hashes the files it has moved into data/: the export goes whole, as one
    stopped before its manifest does, or the bag it was replacing is back as it was; the message says which."""
    import signal

    import bagit

    out = tmp_path / "out"
    if replacing:
        assert export(archive, out, "--format", "csv", "--bag") == 0
    before = tree(out) if replacing else None
    hash_files = bagit.make_manifests

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)
        return hash_files(*args, **kwargs)

    monkeypatch.setattr(bagit, "make_manifests", interrupted)
    capsys.readouterr()
    assert export(archive, out, "--format", "jsonl", "--bag", *(["--force"] if replacing else [])) == 130
    left = f"{out} holds the export it was replacing, as it was" if replacing else f"no partial export left in {out}"
    assert capsys.readouterr().err.splitlines()[-1] == f"interrupted: {left}; run the same command again to start over"
    if replacing:
        assert tree(out) == before and verify(out)[0] == 0
    else:
        assert not out.exists()


# Runs `main(argv[1:])`, killed (SIGKILL) as bagit begins hashing the files it moved into data/.
KILLED_WHILE_BAGGING = """
import os, signal, sys
import bagit
from crawler.cli import main

bagit.make_manifests = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
sys.exit(main(sys.argv[1:]))
"""


def test_force_replaces_what_an_export_killed_while_bagging_left(archive: Path, tmp_path: Path) -> None:
    """The bag was being made in the export's scratch folder, which the export's in-progress list names: the next
    --force puts the bag that export was replacing back, then replaces it."""
    import signal

    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv", "--bag") == 0
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_BAGGING, "export", "--db", str(archive), "--out", str(out),
                             "--format", "jsonl", "--bag", "--force"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert (out / ".scratch" / "data" / "manifest.json").is_file()  # killed midway through the bag, as meant
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"] and verify(out)[0] == 0


def test_a_ctrl_c_after_the_manifest_waits_until_the_replaced_export_is_gone(archive: Path, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv") == 0
    interrupted_before(monkeypatch, "_remove_tree")
    capsys.readouterr()
    assert export(archive, out, "--format", "jsonl", "--force") == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"interrupted: the export in {out} is finished and kept (its manifest.json is written)")
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"]
    assert verify(out)[0] == 0


def test_force_removes_a_replaced_export_left_behind_by_one_stopped_after_its_manifest_but_no_other_file(
        archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Stopped while it removed the export it replaced: that one's manifest (removed last) and some of its files remain."""
    old, out = tmp_path / "old", tmp_path / "out"
    assert export(archive, old, "--format", "csv") == 0
    assert export(archive, out, "--format", "jsonl") == 0
    left = out / ".newsarchive-previous-export"
    left.mkdir()
    for name in ("manifest.json", "quotes.csv"):
        shutil.copy(old / name, left / name)
    (left / "notes.txt").write_text("mine", encoding="utf-8")
    assert export(archive, out, "--format", "jsonl", "--force") == 2
    assert "previous-export holds files that no export wrote (notes.txt)" in capsys.readouterr().err
    (left / "notes.txt").unlink()
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"]


def test_an_export_stopped_while_it_removes_the_one_it_replaced_is_kept(archive: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.exports import outdir

    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv") == 0

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(outdir, "_remove_tree", interrupted)
    assert export(archive, out, "--format", "jsonl", "--force") == 130
    assert {"articles.jsonl", "manifest.json"} <= {p.name for p in out.iterdir()}
    monkeypatch.undo()
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"] and verify(out)[0] == 0


@pytest.mark.parametrize(("bag", "kept_back"), [
    ((), "none"), ((), "one"), ((), "all but the manifest"), (("--bag",), "all but data/manifest.json")])
def test_force_recovers_from_a_kill_while_an_export_was_set_aside_or_put_back(archive: Path, tmp_path: Path,
                                                                               bag: tuple[str, ...], kept_back: str) -> None:
    """The folder as a kill left it midway through moving the replaced export aside or back (an emptied list of
    new files; the export's markers move out last and back first): the next --force puts that export back whole,
    so one stopped in turn leaves it as it was."""
    import signal

    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv", *bag) == 0
    before = tree(out)
    names = sorted(before, key=lambda name: name in ("manifest.json", "data/manifest.json", "bagit.txt"))
    away = {"none": [], "one": names[:1]}.get(kept_back, names[:-1])
    (out / ".newsarchive-export-in-progress").write_bytes(b"")
    for name in away:
        (out / ".newsarchive-previous-export" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).rename(out / ".newsarchive-previous-export" / name)
    stopped = signalled_export(signal.SIGTERM, "article_variants", archive, out, "--format", "csv", "--force")
    assert stopped.returncode == 130 and tree(out) == before, stopped.stderr[-2000:]


def test_force_takes_up_what_an_export_killed_while_it_made_its_mark_left(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv") == 0
    (out / ".newsarchive-export-in-progress.4242").write_bytes(b"")  # made, not yet linked into place
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"]


def test_force_removes_what_is_left_of_a_replaced_bag_by_its_data_manifest_alone(archive: Path, tmp_path: Path) -> None:
    """Stopped while it removed a replaced bag, an export leaves at least that bag's data/manifest.json (removed last)."""
    old, out = tmp_path / "old", tmp_path / "out"
    assert export(archive, old, "--format", "csv", "--bag") == 0
    assert export(archive, out, "--format", "jsonl") == 0
    (out / ".newsarchive-previous-export" / "data").mkdir(parents=True)
    shutil.copy(old / "data" / "manifest.json", out / ".newsarchive-previous-export" / "data" / "manifest.json")
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "manifest.json"]


def test_force_leaves_a_users_empty_folders_alone(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(archive, out, "--format", "warc") == 0
    (out / "notes").mkdir()
    (out / "indexes" / "mine").mkdir()
    assert export(archive, out, "--format", "jsonl", "--force") == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "articles.jsonl", "indexes", "indexes/mine", "manifest.json", "notes"]


def test_force_replaces_an_export_in_a_folder_named_by_a_relative_path(archive: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert export(archive, Path("out"), "--format", "csv") == 0
    assert export(archive, Path("out"), "--format", "jsonl", "--force") == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["articles.jsonl", "manifest.json"]


@pytest.mark.parametrize("listed", ["/", "/tmp", ".", "..", "../out", ""])
def test_force_never_takes_a_listed_path_outside_the_export_for_its_own(archive: Path, tmp_path: Path, listed: str,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A marker (or manifest) naming "/" or ".." would make every file the export's: such names name nothing ours."""
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "precious.txt").write_text("mine", encoding="utf-8")
    (out / "sub" / "mine.txt").write_text("mine", encoding="utf-8")
    (out / ".newsarchive-export-in-progress").write_text(f"{listed}\n", encoding="utf-8")
    assert export(archive, out, "--format", "jsonl", "--force") == 2
    assert "holds files that no export wrote (precious.txt, sub/mine.txt)" in capsys.readouterr().err
    assert (out / "precious.txt").is_file() and (out / "sub" / "mine.txt").is_file()


def test_force_does_not_take_a_running_exports_folder(archive: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A running export holds its marker's lock: its folder is not a dead export's to replace."""
    out = tmp_path / "out"
    running = OutDir.prepare(out, force=False)
    try:
        with running.create("articles.jsonl") as handle:
            handle.write(b"{}\n")
        assert export(archive, out, "--format", "jsonl", "--force") == 2
        assert capsys.readouterr().err.strip() == f"error: another export is writing {out}; not replacing it"
        assert (out / "articles.jsonl").read_bytes() == b"{}\n"
    finally:
        running.discard()
    assert not out.exists()


def test_a_damaged_warc_record_is_one_readable_line(archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "archive.sqlite"
    shutil.copy(archive, db)
    shutil.copytree(archive.parent / "warc", tmp_path / "warc")
    with sqlite3.connect(db) as conn:
        file, offset, length = conn.execute("select warc_file, warc_offset, warc_length from pages "
                                            "where url = 'https://abai.kz/post/100000'").fetchone()
    path = tmp_path / file if not Path(file).is_absolute() else tmp_path / "warc" / Path(file).name
    data = bytearray(path.read_bytes())
    data[offset: offset + length] = bytes(length)  # the whole gzip member: what warcio then reads cannot depend on what was left of it
    path.write_bytes(bytes(data))
    assert export(db, tmp_path / "out", "--format", "warc") == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: cannot read the WARC record of https://abai.kz/post/100000 at ")
    assert re.search(r": damaged \(\w+\)$", line), line
    assert not (tmp_path / "out").exists()


def test_a_failed_export_keeps_its_lock_until_all_it_wrote_is_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unlocked earlier, its folder would look like a dead export's to a --force, whose files it would then delete."""
    out = OutDir.prepare(tmp_path / "out", force=False)
    with out.create("articles.jsonl") as handle:
        handle.write(b"{}\n")
    left_at_unlock: list[list[str]] = []
    unlock = OutDir._unlock

    def spy(self: OutDir) -> None:
        left_at_unlock.append(sorted(p.name for p in self.root.iterdir()))
        unlock(self)

    monkeypatch.setattr(OutDir, "_unlock", spy)
    out.discard()
    assert left_at_unlock == [[]] and not (tmp_path / "out").exists()


def test_a_marker_too_large_for_a_list_of_files_is_no_exports(archive: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".newsarchive-export-in-progress").write_bytes(b"articles.jsonl\n" * 100_000)
    assert export(archive, out, "--format", "jsonl", "--force") == 2
    assert "is larger than an export's list of files" in capsys.readouterr().err


def test_a_full_disk_or_a_folder_it_may_not_write_is_one_line_and_the_previous_export_stays(
        archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import errno

    from crawler.exports import run

    out = tmp_path / "out"
    assert export(archive, out, "--format", "csv") == 0
    before = tree(out)

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run, "export_tables", full)
    capsys.readouterr()
    assert export(archive, out, "--format", "csv", "--force") == 2
    assert capsys.readouterr().err.strip() == f"error: cannot write the export in {out}: No space left on device"
    assert tree(out) == before

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "open", refused)
    assert export(archive, tmp_path / "other", "--format", "csv") == 2
    assert capsys.readouterr().err.strip() == f"error: cannot write in {tmp_path / 'other'}: Permission denied"


def test_csv_neutralizes_cells_opening_with_a_tab_or_carriage_return() -> None:
    from crawler.exports.tables import csv_cell

    assert [csv_cell(v) for v in ("\t=1+1", "\r=1+1", "1+1")] == ["'\t=1+1", "'\r=1+1", "1+1"]


def test_key_groups_skip_the_groups_of_articles_passed_over_only_when_asked() -> None:
    from crawler.exports.tables import KeyGroups

    rows = [{"key": "a", "n": 1}, {"key": "b", "n": 2}, {"key": "c", "n": 3}]
    assert KeyGroups(rows).take("b") == []  # the next group is a's
    groups = KeyGroups(rows)
    assert groups.take("b", skip_before=True) == [{"n": 2}] and groups.take("c") == [{"n": 3}] and groups.exhausted()


def test_child_rows_out_of_article_key_order_fail_the_jsonl_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Rows nest by walking both tables in key order: one out of order would silently lose its quotes."""
    db = tmp_path / "a.sqlite"
    Store(db).save_articles([
        ArticleItem(url=f"https://abai.kz/post/{n}", site="abai.kz", article_id=str(n), key=f"abai.kz:{n}", script="cyrl",
                    language="kk", title=f"Тақырып {n}", body="Сөз.", quotes=[Quote("Сөз", None, None, "inline", 0, 0, 3)])
        for n in (7, 8)])
    export_rows = Store.export_rows

    def quotes_reversed(self: Store, table: str, selection: Any) -> Any:
        rows = list(export_rows(self, table, selection))
        return iter(rows[::-1] if table == "quotes" else rows)

    monkeypatch.setattr(Store, "export_rows", quotes_reversed)
    assert export(db, tmp_path / "out", "--format", "jsonl") != 0
    assert "quotes rows came out of article-key order" in capsys.readouterr().err
