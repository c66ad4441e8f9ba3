"""Every spelling of an abai.kz URL maps to one canonical URL and one article key."""

import pytest

from crawler.parsers.abai.urls import article_ref, article_url, canonical, part_id
from crawler.urls import canonicalize, site_of

SAME_ARTICLE = [
    "https://abai.kz/post/124675",
    "http://abai.kz/post/124675",
    "https://www.abai.kz/post/124675",
    "http://www.abai.kz/post/124675/",
    "https://abai.kz/index.php/post/124675",
    "https://www.abai.kz/index.php/post/124675?utm_source=fb#comments",
    "https://ABAI.KZ/post/124675?page=2",
    "https://abai.kz:443/post/124675",
    "https://abai.kz/post/0124675",  # the site reads the id as a number
]


@pytest.mark.parametrize("url", SAME_ARTICLE)
def test_cyrillic_variants_collapse(url: str) -> None:
    assert canonical(url) == "https://abai.kz/post/124675"
    assert article_ref(url) == ("124675", "cyrl")


@pytest.mark.parametrize(
    ("url", "script", "expected"),
    [
        ("http://www.abai.kz/index.php/lt/post/51637/", "latn", "https://abai.kz/lt/post/51637"),
        ("https://abai.kz/lt/post/51637#top", "latn", "https://abai.kz/lt/post/51637"),
        ("https://abai.kz/index.php/tt/post/211030", "arab", "https://abai.kz/tt/post/211030"),
        ("http://www.abai.kz/tt/post/211030?ref=x", "arab", "https://abai.kz/tt/post/211030"),
    ],
)
def test_script_variants_keep_their_path_and_share_the_id(url: str, script: str, expected: str) -> None:
    assert canonical(url) == expected
    assert article_ref(url) == (expected.rsplit("/", 1)[1], script)


def test_listing_keeps_only_the_page_parameter() -> None:
    assert canonical("http://www.abai.kz/part/1?sort=new&page=2#x") == "https://abai.kz/part/1?page=2"
    assert article_ref("https://abai.kz/part/1?page=2") is None


def test_non_article_pages_have_no_ref() -> None:
    for url in ("https://abai.kz/", "https://abai.kz/lt", "https://abai.kz/post/", "https://abai.kz/post/12x"):
        assert article_ref(url) is None


def test_a_section_id_is_read_in_every_script_and_only_on_abai_kz() -> None:
    assert [part_id(u) for u in ("http://www.abai.kz/part/3?page=2", "https://abai.kz/lt/part/3", "https://abai.kz/tt/part/3")] == [
        "3", "3", "3"]
    assert part_id("https://evil.example/part/3") is None and part_id("https://abai.kz/post/3") is None
    assert article_ref("https://evil.example/post/124675") is None


def test_article_url_builds_each_script() -> None:
    assert article_url("7", "cyrl") == "https://abai.kz/post/7"
    assert article_url("7", "latn") == "https://abai.kz/lt/post/7"
    assert article_url("7", "arab") == "https://abai.kz/tt/post/7"


def test_generic_canonicalize_drops_tracking_and_sorts_query() -> None:
    url = "HTTP://www.Example.com/a/b/?b=2&utm_medium=x&a=1&fbclid=z#frag"
    assert canonicalize(url) == "https://example.com/a/b?a=1&b=2"
    assert canonicalize(url, https=False) == "http://example.com/a/b?a=1&b=2"
    assert canonicalize("https://example.com:8080/") == "https://example.com:8080/"
    assert site_of("https://www.Example.com:8080/x") == "example.com"


def test_canonicalize_drops_upper_case_tracking_blank_parameters_and_a_bare_front_controller() -> None:
    assert canonicalize("https://x.kz/index.php?UTM_Source=a&empty=&b=1") == "https://x.kz/?b=1"


def test_an_internationalized_host_is_one_site_however_a_link_spells_it() -> None:
    import scrapy

    sent = scrapy.Request("https://www.ҚАЗАҚ.kz/мақала?utm_source=x").url  # as Scrapy requests it: IDNA, percent-encoded
    assert sent.startswith("https://www.xn--80aau21bd.kz/")
    assert site_of(sent) == site_of("https://қазақ.kz/") == site_of("http://www.xn--80aau21bd.kz:80/") == "xn--80aau21bd.kz"
    assert canonicalize("https://www.Қазақ.kz/a/") == "https://xn--80aau21bd.kz/a"
    assert site_of("https://" + "қ" * 70 + ".kz/") == "қ" * 70 + ".kz"  # no IDNA form (a label over 63): kept as written
    assert site_of("https://қазақ.kz。/") == site_of(scrapy.Request("https://қазақ.kz。/").url) == "xn--80aau21bd.kz"


def test_a_path_is_percent_encoded_as_scrapy_requests_it_however_a_link_spells_it() -> None:
    """A `<link rel=canonical>` may print the path in Cyrillic; the response's URL is always encoded: one page, one key."""
    import scrapy

    raw = "https://egemen.kz/article/370009-кітапхана-ашылды/?utm_source=x"
    sent = scrapy.Request(raw).url
    assert canonicalize(raw) == canonicalize(sent) == "https://egemen.kz/article/370009-%D0%BA%D1%96%D1%82%D0%B0%D0%BF%D1%85%D0%B0%D0%BD%D0%B0-%D0%B0%D1%88%D1%8B%D0%BB%D0%B4%D1%8B"
    assert canonicalize("https://x.kz/a b") == canonicalize("https://x.kz/a%20b") == "https://x.kz/a%20b"
    assert canonicalize("https://abai.kz:99kz/post/1") == "https://abai.kz/post/1"  # a URL w3lib refuses is read as written
