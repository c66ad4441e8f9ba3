"""`fixtures check` and the fixture format: per-field diffs, `--accept`, and how `save_page` names and replaces pages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SITES
from crawler.cli import main
from crawler.fixtures import (
    ABSENT,
    FieldDiff,
    RecordedResponse,
    diff_fields,
    format_diffs,
    guess_kind,
    saved_pages,
    save_page,
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["fixtures", *args])
    out, err = capsys.readouterr()
    return code, out + err


@pytest.fixture
def abai_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled abai.kz mirror, in a sites folder of its own."""
    site = tmp_path / "sites" / "abai.kz"
    shutil.copytree(SITES / "abai.kz", site)
    return site


@pytest.mark.parametrize("name", ["abai.kz", "abai"])  # the site, or the name `crawl` and `--site` take
def test_bundled_mirror_checks_clean(capsys, name: str) -> None:
    code, out = run(capsys, "check", name, "--sites-dir", str(SITES))
    checked = len(saved_pages(SITES / "abai.kz", "article", "listing", "home"))
    assert code == 0, out
    assert out.strip() == f"Checked {checked} pages of 1 site: {checked} match, 0 differ."


def test_a_broken_expected_file_or_a_missing_page_is_one_line_exit_2(abai_copy: Path, capsys) -> None:
    expected = abai_copy / "pages" / "post-100000.json"
    expected.write_text('{"title": ', encoding="utf-8")  # cut short, as by a crashed editor
    assert run(capsys, "check", str(abai_copy)) == (2, f"error: {expected} is not JSON (Expecting value: line 1 column 11 "
                                                       "(char 10)): restore it, or delete it and write it anew with --accept\n")
    shutil.copy(SITES / "abai.kz" / "pages" / "post-100000.json", expected)
    (abai_copy / "pages" / "post-100000.html").unlink()
    assert run(capsys, "check", str(abai_copy)) == (2, f"error: {abai_copy / 'manifest.jsonl'}: https://abai.kz/post/100000: "
                                                       f"its page file {abai_copy / 'pages' / 'post-100000.html'} is missing\n")


def test_check_names_each_differing_field_and_exits_1(abai_copy: Path, capsys) -> None:
    expected_path = abai_copy / "pages" / "post-100000.json"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    expected["views"] = 1
    expected["quotes"][2]["speaker"] = "Басқа адам"
    expected_path.write_text(json.dumps(expected, ensure_ascii=False, indent=2), encoding="utf-8")
    (abai_copy / "pages" / "lt-post-94535.json").unlink()

    code, out = run(capsys, "check", "--sites-dir", str(abai_copy.parent))
    assert code == 1
    assert "abai.kz pages/post-100000.json (https://abai.kz/post/100000): 2 fields differ: views, quotes[2].speaker" in out
    assert "    views:\n      expected 1\n      got      2852" in out
    assert "abai.kz pages/lt-post-94535.json (https://abai.kz/lt/post/94535): no expected JSON" in out
    assert out.rstrip().endswith("match, 2 differ.")

    code, out = run(capsys, "check", "--sites-dir", str(abai_copy.parent), "--accept")
    assert code == 0 and "2 accepted" in out
    for name in ("post-100000.json", "lt-post-94535.json"):
        assert (abai_copy / "pages" / name).read_bytes() == (SITES / "abai.kz" / "pages" / name).read_bytes()
    assert run(capsys, "check", str(abai_copy))[0] == 0


def test_a_parser_change_shows_as_a_diff_of_every_page_it_touches(abai_copy: Path, capsys, monkeypatch) -> None:
    """What a developer sees after changing a parser: each affected page, each affected field."""
    import crawler.fixtures as fixtures_module

    real = fixtures_module.parse_article

    def shouting(html: str, url: str, fetched_at: str | None = None):
        item = real(html, url, fetched_at)
        item.title += " (edited)"
        return item

    monkeypatch.setattr(fixtures_module, "parse_article", shouting)
    code, out = run(capsys, "check", str(abai_copy))
    articles = saved_pages(abai_copy, "article")
    assert code == 1
    assert out.count(": 1 field differs: title") == len(articles)
    assert out.rstrip().endswith(f"{len(articles)} differ.")


def test_diff_names_nested_fields_and_aligns_lists() -> None:
    expected = {"title": "A", "quotes": [{"text": "x", "speaker": "S"}, {"text": "y", "speaker": "T"}], "gone": 1}
    actual = {"title": "A", "quotes": [{"text": "x", "speaker": "S"}, {"text": "new", "speaker": None},
                                       {"text": "y", "speaker": "T"}], "added": [1]}
    assert diff_fields(expected, actual) == [
        FieldDiff("quotes[1]", ABSENT, {"text": "new", "speaker": None}),
        FieldDiff("gone", 1, ABSENT),
        FieldDiff("added", ABSENT, [1]),
    ]
    assert diff_fields({"a": [{"b": 1}, {"b": 2}]}, {"a": [{"b": 1}, {"b": 3}]}) == [FieldDiff("a[1].b", 2, 3)]
    assert diff_fields({"v": 1}, {"v": True}) == [FieldDiff("v", 1, True)]
    assert diff_fields({"v": None}, {}) == [FieldDiff("v", None, ABSENT)]


def test_long_text_diff_shows_where_it_starts() -> None:
    before = "Бірінші абзац. " * 40
    after = before[:300] + "ӨЗГЕРІС" + before[307:]
    text = format_diffs(diff_fields({"body": before}, {"body": after}))
    assert "(from character 300)" in text
    assert "ӨЗГЕРІС" in text and len(text) < 600


def response(url: str, body: str = "<html></html>", status: int = 200, **headers: str) -> RecordedResponse:
    return RecordedResponse(url, status, {"Content-Type": "text/html; charset=utf-8", **headers},
                            body.encode(), "2025-01-02T03:04:05+00:00")


def test_save_page_names_files_after_the_url(tmp_path: Path) -> None:
    names = [save_page(tmp_path, response(url)).path.relative_to(tmp_path).as_posix() for url in (
        "https://abai.kz/lt/part/1?page=2", "https://abai.kz/", "https://example.kz/news/item.php?id=7",
        "https://example.kz/news/item.asp?id=7", "https://abai.kz/post/5")]
    assert names == ["pages/lt-part-1-page-2.html", "pages/home.html", "pages/news-item-id-7.html",
                     "pages/news-item-id-7-2.html", "pages/post-5.html"]
    data = save_page(tmp_path, RecordedResponse("https://example.kz/api", 200, {"Content-Type": "application/json"},
                                                b"{}", "2025-01-02T03:04:05+00:00"))
    assert data.path.name == "api.body.json" and data.expected_path.name == "api.json"


def test_saving_a_url_again_replaces_its_line_and_keeps_the_others_byte_for_byte(tmp_path: Path) -> None:
    save_page(tmp_path, response("https://abai.kz/post/1"))
    save_page(tmp_path, response("https://abai.kz/post/2"))
    manifest = tmp_path / "manifest.jsonl"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    page = save_page(tmp_path, response("http://www.abai.kz/index.php/post/1?utm_source=x", "<p>new</p>", 200, ETag='"v2"'))
    after = manifest.read_text(encoding="utf-8").splitlines()
    assert len(after) == 2 and after[1] == lines[1]
    entry = json.loads(after[0])
    assert (entry["url"], entry["file"], entry["headers"]) == (
        "http://www.abai.kz/index.php/post/1?utm_source=x", "pages/post-1.html", {"ETag": '"v2"'})
    assert (entry["kind"], entry["source"]) == ("article", "saved 2025-01-02")
    assert page.path.read_text(encoding="utf-8") == "<p>new</p>"


def test_a_redirect_then_its_page_under_one_canonical_url_is_saved_as_the_page(tmp_path: Path) -> None:
    """/news answers 301 to /news/ (no type: a .bin file), then /news/ answers the page: an .html file, not .bin."""
    save_page(tmp_path, RecordedResponse("https://abai.kz/news", 301, {"Location": "https://abai.kz/news/"}, b"",
                                         "2025-01-02T00:00:00+00:00"))
    page = save_page(tmp_path, response("https://abai.kz/news/", "<p>Жаңалықтар</p>"))
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == ["news.html"]
    assert (page.path.name, page.status, page.html()) == ("news.html", 200, "<p>Жаңалықтар</p>")


def test_kind_follows_the_status_the_type_and_the_site_profile() -> None:
    kinds = {url: guess_kind(url, 200, ctype) for url, ctype in [
        ("https://qamshy.kz/article/almatidan-zher-silkindi.html", "text/html"),  # seeds/qamshy.kz.toml patterns
        ("https://qamshy.kz/category/news?page=2", "text/html"),
        ("https://qamshy.kz/", "text/html"),
        ("https://qamshy.kz/about", "text/html"),
        ("https://qamshy.kz/rss", "application/rss+xml"),
        ("https://qamshy.kz/sitemap.xml", "application/xml"),
        ("https://qamshy.kz/robots.txt", "text/plain"),
        ("https://abai.kz/tt/post/5", "text/html"),
        ("https://abai.kz/part/1?page=2", "text/html"),
        ("https://no-profile.example/any/page", "text/html"),
    ]}
    assert list(kinds.values()) == ["article", "listing", "home", "page", "feed", "sitemap", "robots", "article",
                                    "listing", "article"]
    assert [guess_kind("https://qamshy.kz/x", status) for status in (301, 404, 410, 500)] == [
        "redirect", "not_found", "not_found", "error"]
