"""Site-profile validation (`crawler/profiles.py`): a mistyped, misspelt or impossible setting is one ConfigError,
`<file>: <key>: <problem>`, raised at load, not a crawl that misbehaves or quietly finds nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cssselect import SelectorError

from crawler.errors import ConfigError
from crawler.parsers.generic import parse_article
from crawler.profiles import load_profile
from crawler.site_profiles import find_profile

SITE = 'site = "steppe.example"'
START = 'start_urls = ["https://steppe.example/"]'


def write_profile(folder: Path, top: str = SITE, profile: str = START, overrides: str = "",
                  name: str = "steppe.example.toml") -> Path:
    """A profile file of the made-up steppe.example: its top-level lines, its [profile] and [overrides] tables."""
    path = folder / name
    tail = f"[overrides]\n{overrides}\n" if overrides else ""
    path.write_text(f"{top}\n[profile]\n{profile}\n{tail}", encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    """The message of the ConfigError loading `path` raises, checked to be one line."""
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("profile", "key", "value"), [
    (f'{START}\narticle_patterns = "/en/20"', "profile.article_patterns", "/en/20"),
    ('start_urls = "https://steppe.example/"', "profile.start_urls", "https://steppe.example/"),
    (f'{START}\nsitemaps = "https://steppe.example/sitemap.xml"', "profile.sitemaps", "https://steppe.example/sitemap.xml"),
], ids=["article_patterns", "start_urls", "sitemaps"])
def test_a_string_where_an_array_belongs_is_refused_not_split_into_characters(
        tmp_path: Path, profile: str, key: str, value: str) -> None:
    path = write_profile(tmp_path, profile=profile)
    assert load_error(path) == f"{path}: {key}: must be an array of strings, not a string ({value!r}); write [{value!r}]"


def test_a_string_of_allowed_domains_is_refused_not_split_into_characters(tmp_path: Path) -> None:
    path = write_profile(tmp_path, top=f'{SITE}\nallowed_domains = "steppe.example"')
    assert load_error(path) == (f"{path}: allowed_domains: must be an array of strings, not a string ('steppe.example');"
                                " write ['steppe.example']")


@pytest.mark.parametrize(("top", "profile", "overrides", "message"), [
    (SITE, f'{START}\narticle_pattern = ["/en/20"]', "", "profile.article_pattern: unknown key; did you mean 'article_patterns'?"),
    (f'{SITE}\ntimezon = "Asia/Almaty"', START, "", "timezon: unknown key; did you mean 'timezone'?"),
    (SITE, START, 'titel = "h1"', "overrides.titel: unknown field; did you mean 'title'?"),
], ids=["profile", "top-level", "overrides"])
def test_an_unknown_key_is_refused_naming_the_closest_known_one(
        tmp_path: Path, top: str, profile: str, overrides: str, message: str) -> None:
    path = write_profile(tmp_path, top=top, profile=profile, overrides=overrides)
    assert load_error(path) == f"{path}: {message}"


@pytest.mark.parametrize(("top", "profile", "overrides", "key", "problem"), [
    (SITE, f"{START}\nrobots_sitemaps = \"false\"", "", "profile.robots_sitemaps",
     "must be true or false (unquoted), not a string ('false')"),
    (SITE, f"{START}\nmax_listing_pages = -3", "", "profile.max_listing_pages", "must be at least 1, not -3"),
    (f"{SITE}\nlanguage = 42", START, "", "language", "must be a string, not an integer (42)"),
    (SITE, 'start_urls = ["steppe.example/"]', "", "profile.start_urls[0]",
     "must be an absolute http(s) URL such as 'https://qamshy.kz/', not 'steppe.example/'"),
    (SITE, 'start_urls = ["https://elsewhere.example/"]', "", "profile.start_urls[0]",
     "'https://elsewhere.example/' is outside allowed_domains ['steppe.example', 'www.steppe.example']"),
    ('site = "https://steppe.example/"', START, "", "site",
     "must be a bare lower-case host name such as 'qamshy.kz' (no scheme, port or path), not 'https://steppe.example/'"),
    (SITE, f'{START}\narticle_patterns = [""]', "", "profile.article_patterns[0]",
     "pattern '' matches an empty string: it would match any URL, or none"),
    (SITE, START, 'title = ["h1", "h2"]', "overrides.title",
     "must be one selector, a string (CSS, or XPath starting with '/' or '('), not an array (['h1', 'h2'])"),
], ids=["quoted-bool", "negative-pages", "numeric-language", "url-without-scheme", "url-off-domain", "site-as-url",
        "empty-pattern", "selector-list"])
def test_a_mistyped_or_impossible_value_is_refused(
        tmp_path: Path, top: str, profile: str, overrides: str, key: str, problem: str) -> None:
    path = write_profile(tmp_path, top=top, profile=profile, overrides=overrides)
    assert load_error(path) == f"{path}: {key}: {problem}"


def test_an_internationalized_site_is_kept_in_the_ascii_form_its_requests_carry(tmp_path: Path) -> None:
    path = write_profile(tmp_path, top='site = "қазақ.kz"\nallowed_domains = ["қазақ.kz", "news.xn--80aau21bd.kz"]',
                         profile='start_urls = ["https://қазақ.kz/", "https://xn--80aau21bd.kz/news"]', name="kazakh.toml")
    profile = load_profile(path)
    assert (profile.site, profile.name, profile.allowed_domains) == (
        "xn--80aau21bd.kz", "xn--80aau21bd", ("xn--80aau21bd.kz", "news.xn--80aau21bd.kz"))
    assert profile.allows("https://www.қазақ.kz/post/1") and profile.allows("https://news.xn--80aau21bd.kz/1")
    assert load_error(write_profile(tmp_path, top='site = "Қазақ.kz"', name="capital.toml")).endswith(
        "site: must be a bare lower-case host name such as 'qamshy.kz' (no scheme, port or path), not 'Қазақ.kz'")


@pytest.mark.parametrize("profile", [
    'sitemaps = ["https://steppe.example/sitemap.xml"]',
    'feeds = ["https://steppe.example/rss"]',
], ids=["sitemaps", "feeds"])
def test_leaving_start_urls_out_is_an_empty_list_when_sitemaps_or_feeds_start_the_crawl(
        tmp_path: Path, profile: str) -> None:
    loaded = load_profile(write_profile(tmp_path, profile=profile))
    assert loaded.start_urls == ()
    assert loaded.sitemaps + loaded.feeds != ()


@pytest.mark.parametrize(("text", "message"), [
    (f"{SITE}\n[profile]\nstart_urls = 5\n", "profile.start_urls: must be an array of strings, not an integer (5)"),
    (f"{SITE}\n[profile]\n",
     "profile.start_urls: missing or empty, and so are sitemaps and feeds: a crawl needs a URL to start from"),
    (f'{SITE}\nprofile = "x"\n', "profile: must be a table ([profile]), not a string ('x')"),
], ids=["start_urls-number", "nowhere-to-start", "profile-string"])
def test_a_message_names_the_key_what_is_wrong_and_what_is_expected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "steppe.example.toml"
    path.write_text(text, encoding="utf-8")
    assert load_error(path) == f"{path}: {message}"


@pytest.mark.parametrize(("query", "error"), [
    ("h1[[[", "Expected ident or '*', got <DELIM '[' at 3>"),
    ("h1::headline", "The pseudo-element ::headline is unknown"),
    ("//h1[", "XPath error: Invalid expression in //h1["),
    ("(//h1", "XPath error: Invalid expression in (//h1"),
])
def test_a_bad_override_selector_fails_at_load_as_it_would_on_every_page(tmp_path: Path, query: str, error: str) -> None:
    page = "<html><head><title>T</title></head><body><h1>Title</h1></body></html>"
    with pytest.raises((ValueError, SelectorError)):  # what the crawl met on every page, as a parser_exception
        parse_article(page, "https://steppe.example/a", overrides={"title": query})
    # The good selectors before it (CSS with ::text, XPath in parentheses) load; the bad one is named.
    overrides = f'published_at = "span.date::text"\nbody = "(//article//p)"\ntitle = "{query}"'
    path = write_profile(tmp_path, overrides=overrides)
    assert load_error(path) == f"{path}: overrides.title: bad selector {query!r}: {error}"


def test_an_override_may_select_a_comment_and_reads_its_text() -> None:
    """`//comment()` is a valid selector: a page may print its date only in a comment. It used to crash every page."""
    page = ("<html><head><title>T</title></head><body><!-- 2021-03-04 10:00 --><h1>Title</h1>"
            "<article><p>The only paragraph of the story, long enough to be a body.</p></article></body></html>")
    item = parse_article(page, "https://steppe.example/a", overrides={"published_at": "//comment()",
                                                                      "body": "//comment() | //article/p"})
    assert (item.published_at, item.strategies["published_at"]) == ("2021-03-04T10:00:00+00:00", "selector")
    assert item.paragraphs == ["The only paragraph of the story, long enough to be a body."]  # a comment is no body
    assert item.body_html == "<p>The only paragraph of the story, long enough to be a body.</p>"


@pytest.mark.parametrize("query", ["article p", "//article/p", "article"])
def test_a_body_override_reads_the_paragraphs_it_picks_or_those_of_the_container_it_picks(query: str) -> None:
    page = ("<html><head><title>T</title></head><body><h1>Title</h1><article><p>First paragraph of the story, "
            "<a href='/more'>with a link</a>.</p> between <p>Second paragraph.</p></article></body></html>")
    item = parse_article(page, "https://steppe.example/a", overrides={"body": query})
    assert item.paragraphs == ["First paragraph of the story, with a link.", "Second paragraph."]
    expected = ('<p>First paragraph of the story, <a href="https://steppe.example/more">with a link</a>.</p>'
                + (" between " if query == "article" else "") + "<p>Second paragraph.</p>")
    assert item.body_html == expected


@pytest.mark.parametrize("query", ["div.story > div", "div.story li", "td"])
def test_a_body_override_that_picks_blocks_of_bare_text_makes_each_a_paragraph(query: str) -> None:
    page = ("<html><head><title>T</title></head><body><h1>Title</h1><div class='story'><div>First paragraph.</div>"
            "<div>Second <b>paragraph</b>.</div><ul><li>First paragraph.</li><li>Second <b>paragraph</b>.</li></ul>"
            "</div><table><tr><td><p>First paragraph.</p><p>Second <b>paragraph</b>.</p></td></tr></table></body></html>")
    item = parse_article(page, "https://steppe.example/a", overrides={"body": query})
    assert item.paragraphs == ["First paragraph.", "Second paragraph."]
    assert item.body_html == "<p>First paragraph.</p><p>Second <b>paragraph</b>.</p>"


def test_a_body_override_that_picks_links_keeps_each_link_in_its_paragraph() -> None:
    page = ("<html><head><title>T</title></head><body><h1>Title</h1><div class='links'>"
            "<a href='/one'>First paragraph.</a> <a href='/two'>Second paragraph.</a></div></body></html>")
    item = parse_article(page, "https://steppe.example/a", overrides={"body": "div.links a"})
    assert item.paragraphs == ["First paragraph.", "Second paragraph."]
    assert item.body_html == ('<p><a href="https://steppe.example/one">First paragraph.</a></p>'
                              '<p><a href="https://steppe.example/two">Second paragraph.</a></p>')


def test_two_profiles_answering_to_one_name_are_an_error_naming_both_files(tmp_path: Path) -> None:
    first = write_profile(tmp_path, profile=f'name = "steppe"\n{START}', name="steppe.example.toml")
    second = write_profile(tmp_path, profile=f'name = "steppe"\n{START}', name="steppe-copy.toml")
    with pytest.raises(ConfigError) as err:
        find_profile("steppe", tmp_path)
    assert str(err.value) == (f"{second} and {first}: profile.name: both answer to 'steppe';"
                              " give each profile its own name")


@pytest.mark.parametrize(("top", "profile", "problem"), [
    ('site = "steppe.example"', 'name = "abai"\n' + START, "'abai' names a spider of its own (`crawl abai`); choose another"),
    ('site = "steppe.example"', 'name = "site"\n' + START, "'site' names a spider of its own (`crawl site`); choose another"),
    ('site = "site.example"', 'start_urls = ["https://site.example/"]',
     "the site's first label 'site' names a spider of its own; give the profile a name"),
])
def test_a_profile_named_like_a_spider_is_refused(tmp_path: Path, top: str, profile: str, problem: str) -> None:
    """`crawl abai` runs abai's own spider and `crawl site` asks for --profile: such a profile could never be crawled
    by name."""
    path = write_profile(tmp_path, top=top, profile=profile)
    assert load_error(path) == f"{path}: profile.name: {problem}"


def test_a_broken_profile_fails_only_where_it_is_asked_for(tmp_path: Path) -> None:
    broken = write_profile(tmp_path, profile='start_urls = "https://steppe.example/"', name="a-broken.toml")
    write_profile(tmp_path, name="steppe.example.toml")
    assert find_profile("steppe", tmp_path).site == "steppe.example"  # a-broken.toml sorts first, and is passed over
    with pytest.raises(ConfigError, match=f"^{re.escape(str(broken))}: profile.start_urls: must be an array"):
        find_profile("a-broken", tmp_path)


def test_a_profile_the_parsers_cannot_use_fails_its_own_sites_pages_and_no_others(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsed without its time zone and selectors, its site's pages would come out wrong without a word (and
    `fixtures check --accept` would write that down): they fail with its error. Other sites' pages parse; the log
    names it once."""
    from crawler import settings
    from crawler.parsers import parse_article

    broken = write_profile(tmp_path, profile='start_urls = "https://steppe.example/"', name="steppe.example.toml")
    monkeypatch.setattr(settings, "SEEDS_DIR", tmp_path)
    html = "<html><head><title>Тақырып</title></head><body><h1>Тақырып</h1><p>Мәтін.</p></body></html>"
    with caplog.at_level("WARNING", logger="crawler.site_profiles"):
        with pytest.raises(ConfigError, match=f"^{re.escape(str(broken))}: profile.start_urls: must be an array"):
            parse_article(html, "https://www.steppe.example/news/1")
        assert parse_article(html, "https://other.example/news/1").title == "Тақырып"
    assert [r.getMessage() for r in caplog.records] == [
        f"site profile not used: {broken}: profile.start_urls: must be an array of strings, not a string "
        f"('https://steppe.example/'); write ['https://steppe.example/']"]


@pytest.mark.parametrize(("text", "problem"), [
    ('site = "steppe.example"\n[profile]\nmax_listing_pages = 30 30\n', "cannot read site profile"),  # not TOML
    ('site = "https://steppe.example"\n[profile]\nstart_urls = ["https://steppe.example/"]\n', "site"),  # a URL
], ids=["toml-syntax-error", "site-given-as-a-url"])
def test_a_profile_that_cannot_be_read_fails_its_sites_pages_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, problem: str) -> None:
    """Not only a wrong key: a file that is no TOML, or names its site by URL, parsed its site's pages without its
    time zone, silently."""
    from crawler import settings
    from crawler.parsers import parse_article

    (tmp_path / "steppe.example.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(settings, "SEEDS_DIR", tmp_path)
    html = "<html><head><title>Тақырып</title></head><body><h1>Тақырып</h1><p>Мәтін.</p></body></html>"
    with pytest.raises(ConfigError, match=problem):
        parse_article(html, "https://steppe.example/news/1")


def test_a_site_option_written_in_unicode_names_the_stored_ascii_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler import settings
    from crawler.cli.common import checked_site

    write_profile(tmp_path, top='site = "қазақ.kz"', profile='start_urls = ["https://қазақ.kz/"]', name="қазақ.kz.toml")
    monkeypatch.setattr(settings, "SEEDS_DIR", tmp_path)
    assert checked_site("қазақ.kz") == checked_site("xn--80aau21bd") == "xn--80aau21bd.kz"
