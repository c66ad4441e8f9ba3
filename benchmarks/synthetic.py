"""A synthetic abai.kz mirror of N articles, in the fixture mirror's format, for benchmarks and scale tests.

`make_mirror(directory, n_articles, seed=…)` writes `manifest.jsonl` and
`pages/` that `crawler.mirror.Mirror`/`MirrorServer` serve like the bundled
fixture mirror, so `python -m crawler crawl abai --offline --mirror DIR`
crawls it end to end. What it holds, and why it looks like this:

* every article in each requested script (`/post/<id>`, `/lt/post/<id>`,
  `/tt/post/<id>`), about 100 kB a page like the real site: the real 2018
  homepage's chrome (head with its scripts, header and menus, the
  "Абай-ақпарат" feed of the 50 latest articles with their dates, the
  secondary blocks of cards, the footer) around an article marked up as in
  `tests/fixtures/sites/abai.kz/pages/post-100000.html` (post-meta head
  line, title, body, byline "Дайындаған …", source line, share buttons,
  "Үздік материалдар" sidebar);
* bodies assembled from the seed article's real paragraphs and the Kazakh
  quote cases of `tests/fixtures/quotes/cases.json`, so the quote extractor
  meets inline, dash, interview-block, question and indirect quotes; Latin
  and Arabic pages are transliterated with `benchmarks/translit.py`;
* the homepage and the news feed `/part/1` in each script, paged with
  `?page=N` (`per_page` cards each, newest first, `rel=next` pagination), so
  the `abai` spider reaches every article from its default seed.

Output is deterministic for a given `seed`. Every URL in the manifest is one
the spider requests, and every page is served with status 200, so a crawl of
the mirror should store exactly `n_articles` articles with one variant per
script and no errors.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from lxml import html as lxml_html

from benchmarks import at_least_one
from benchmarks.translit import transliterate

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "sites" / "abai.kz"
HOMEPAGE = FIXTURE / "pages" / "home-2018-03-22.html"
SEED_ARTICLE = FIXTURE / "pages" / "post-100000.html"
QUOTE_CASES = ROOT / "tests" / "fixtures" / "quotes" / "cases.json"

SCRIPTS = ("cyrl", "latn", "arab")
PREFIX = {"cyrl": "", "latn": "/lt", "arab": "/tt"}
FILE_PREFIX = {"cyrl": "", "latn": "lt-", "arab": "tt-"}
SITE = "https://abai.kz"
CONTENT_TYPE = "text/html; charset=utf-8"
FIRST_ID = 300000
FEED_SIZE = 50  # the real "Абай-ақпарат" feed lists the 50 latest articles
TODAY = "Сенбі, 23 Қараша 2024"
FETCHED_AT = "2024-11-23T06:00:00+00:00"
NEWEST = datetime(2024, 11, 22, 18, 40)
MONTHS = ("Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым", "Шілде", "Тамыз", "Қыркүйек", "Қазан",
          "Қараша", "Желтоқсан")
CATEGORIES = {"1": "Жаңалықтар", "126": "Сұхбаттар", "96": "Әдебиет", "138": "Саясат", "97": "Алашорда", "148": "Тарих"}
AUTHORS = ("Халима Бұқарқызы", "Алтынбек Құмырзақұлы", "Әбдірашит Бәкірұлы", "Абай Мауқараұлы", "Берік Жүсіпов",
           "Әлімжан Әшімұлы", "Бағдат Ақылбеков", "Серікбай қажы Ораз", "Жанар Сейітқызы", "Ерлан Тоқтаров")

_POST_HREF = re.compile(r'href="(?:https?://abai\.kz)?/post/\d+"')
_PART_HREF = re.compile(r'href="https?://abai\.kz/part/')


@dataclass(frozen=True)
class SyntheticMirror:
    """What `make_mirror` wrote: enough for a test to know the expected crawl result."""

    directory: Path
    article_ids: tuple[str, ...]
    """Article ids, newest first."""
    scripts: tuple[str, ...]
    listing_urls: tuple[str, ...]
    """Homepage and every page of `/part/1` in every script."""
    bytes_written: int

    @property
    def keys(self) -> set[str]:
        """`abai.kz:<id>` of every article, as the `articles` table keys them."""
        return {f"abai.kz:{i}" for i in self.article_ids}

    @property
    def article_urls(self) -> list[str]:
        """Canonical URL of every article page, every script."""
        return [article_url(i, s) for i in self.article_ids for s in self.scripts]

    @property
    def pages(self) -> int:
        return len(self.listing_urls) + len(self.article_ids) * len(self.scripts)


def article_url(article_id: str, script: str) -> str:
    return f"{SITE}{PREFIX[script]}/post/{article_id}"


def listing_url(script: str, page: int) -> str:
    base = f"{SITE}{PREFIX[script]}/part/1"
    return base if page == 1 else f"{base}?page={page}"


@dataclass(frozen=True)
class _Article:
    """One synthetic article, in Cyrillic; pages transliterate it per script."""

    article_id: str
    title: str
    category: str
    category_id: str
    author: str
    published: datetime
    views: int
    comments: int
    paragraphs: tuple[str, ...]
    image: bool

    def date(self) -> str:
        """As the site prints it: "19 Қыркүйек, 2018 сағат 16:01"."""
        p = self.published
        return f"{p.day} {MONTHS[p.month - 1]}, {p.year} сағат {p.hour:02d}:{p.minute:02d}"


class _Material:
    """Texts and the real page chrome the generator draws from, read once from the fixtures."""

    @cached_property
    def homepage_lines(self) -> list[str]:
        return HOMEPAGE.read_text(encoding="utf-8").split("\n")

    @cached_property
    def titles(self) -> list[str]:
        """Every card title of the real homepage."""
        tree = lxml_html.fromstring(HOMEPAGE.read_bytes())
        found = [" ".join(a.text_content().split()) for a in tree.xpath("//a[contains(@href, '/post/')]")]
        return sorted({t for t in found if len(t) > 8})

    @cached_property
    def tags(self) -> list[str]:
        tree = lxml_html.fromstring(HOMEPAGE.read_bytes())
        return sorted({" ".join(s.text_content().split()) for s in tree.xpath("//span[@class='tag']")} - {""})

    @cached_property
    def seed_paragraphs(self) -> list[str]:
        """Body paragraphs of the seed article (inner HTML), without its byline and source line."""
        tree = lxml_html.fromstring(SEED_ARTICLE.read_bytes())
        paragraphs = tree.xpath("//div[@class='post-content']/p")
        inner = [(p.text or "") + "".join(lxml_html.tostring(c, encoding="unicode") for c in p) for p in paragraphs]
        return [html.unescape(t) if "<" not in t else t for t in inner[:-2]]

    @cached_property
    def case_groups(self) -> list[list[str]]:
        """Paragraph groups of the Kazakh Cyrillic quote cases: small stories with every attribution form."""
        cases = json.loads(QUOTE_CASES.read_text(encoding="utf-8"))["cases"]
        return [case["paragraphs"] for case in cases if case["id"].startswith("kk-")]

    def chrome(self, start: int, end: int) -> str:
        return "\n".join(self.homepage_lines[start:end])


_MATERIAL = _Material()


def _articles(n: int, rng: random.Random) -> list[_Article]:
    """`n` articles, newest first: ids count down as publication times go back."""
    material = _MATERIAL
    articles = []
    published = NEWEST
    for index in range(n):
        category_id = rng.choice(list(CATEGORIES))
        articles.append(_Article(
            article_id=str(FIRST_ID + n - 1 - index), title=rng.choice(material.titles),
            category=rng.choice(material.tags), category_id=category_id, author=rng.choice(AUTHORS),
            published=published, views=rng.randint(50, 20000), comments=rng.choice((0, 0, 0, 1, 2, 4, 11)),
            paragraphs=tuple(_body(rng)), image=rng.random() < 0.4,
        ))
        published -= timedelta(minutes=rng.randint(20, 200))
    return articles


def _body(rng: random.Random) -> Iterator[str]:
    """A run of the seed article's paragraphs with two to four quote-case stories spliced in."""
    seed = _MATERIAL.seed_paragraphs
    start = rng.randint(0, len(seed) // 2)
    run = seed[start : start + rng.randint(len(seed) // 3, len(seed))]
    groups = [run[i : i + 4] for i in range(0, len(run), 4)]
    groups += rng.sample(_MATERIAL.case_groups, rng.randint(2, 4))
    rng.shuffle(groups)
    for group in groups:
        yield from group


# -- markup -----------------------------------------------------------------


class _Chrome:
    """The real homepage's chrome in one script, with this page's title, links and date filled in."""

    def __init__(self, script: str) -> None:
        m = _MATERIAL
        self.script = script
        head = m.chrome(0, 39)
        head = re.sub(r"<title>.*?</title>", "<title>{title} | Abai.kz</title>", head, flags=re.S)
        head = re.sub(r'<meta property="og:url" content=""/>', '<meta property="og:url" content="{url}"/>', head)
        head = re.sub(r'(<meta property="og:title" content=")[^"]*(")', r"\1{title}\2", head)
        head = re.sub(r'(<meta property="og:type" content=")[^"]*(")', r"\1{og_type}\2", head)
        head = head.replace("</head>", '    <link rel="canonical" href="{url}">\n</head>')
        header = m.chrome(39, 191)
        header = re.sub(r'hreflang="(kk|tt|lt)"\s*href="http://abai.kz/(?:tt|lt)?"',
                        lambda h: f'hreflang="{h[1]}" href="{{alt_{h[1]}}}"', header)
        header = re.sub(r"Бейсенбі, 22 Наурыз 2018", "{today}", header)
        self.head = self._script(self._braces(head, ("title", "url", "og_type")))
        self.header = self._script(self._braces(header, ("alt_kk", "alt_tt", "alt_lt", "today")))
        self.secondary = self._script(_PART_HREF.sub(f'href="{SITE}{PREFIX[script]}/part/', m.chrome(588, 1470)))
        self.footer = self._script(m.chrome(1471, len(m.homepage_lines)))
        self.post_slots = len(_POST_HREF.findall(self.secondary))
        self.secondary = _POST_HREF.sub("{}", self.secondary.replace("{", "{{").replace("}", "}}"))
        self.today = self.text(TODAY, punctuation=False)

    @staticmethod
    def _braces(text: str, fields: tuple[str, ...]) -> str:
        """Escape literal braces (scripts, CSS) so only `fields` are format slots."""
        text = text.replace("{", "{{").replace("}", "}}")
        for name in fields:
            text = text.replace("{{" + name + "}}", "{" + name + "}")
        return text

    def _script(self, markup: str) -> str:
        return transliterate(markup, self.script, punctuation=False)

    def text(self, text: str, punctuation: bool = True) -> str:
        return transliterate(text, self.script, punctuation=punctuation)

    def top(self, title: str, url: str, og_type: str, alternates: dict[str, str]) -> str:
        head = self.head.format(title=html.escape(title), url=url, og_type=og_type)
        header = self.header.format(alt_kk=alternates["cyrl"], alt_lt=alternates["latn"], alt_tt=alternates["arab"],
                                    today=self.today)
        return f"{head}\n{header}\n"

    def bottom(self, links: list[str]) -> str:
        hrefs = [f'href="{u}"' for u in links]
        return self.secondary.format(*hrefs) + "\n" + self.footer + "\n"


class _Pages:
    """Renders the pages of one script; per-article texts are transliterated once and cached."""

    def __init__(self, script: str, articles: list[_Article], rng: random.Random) -> None:
        self.script = script
        self.chrome = _Chrome(script)
        self.articles = articles
        self.rng = rng
        self._titles: dict[str, str] = {}
        self.feed = self._feed(articles[:FEED_SIZE])

    def title(self, article: _Article) -> str:
        found = self._titles.get(article.article_id)
        if found is None:
            found = self._titles[article.article_id] = self.chrome.text(article.title, punctuation=False)
        return found

    def _url(self, article: _Article) -> str:
        return article_url(article.article_id, self.script)

    def _alternates(self, path: str) -> dict[str, str]:
        return {s: f"{SITE}{PREFIX[s]}{path}" for s in SCRIPTS}

    def _feed(self, latest: list[_Article]) -> str:
        """The "Абай-ақпарат" sidebar: the latest articles with their dates, as on every real page."""
        t = self.chrome.text
        items = "".join(
            f"""                    <li>
                <p class="date">{t(a.date(), punctuation=False)}</p>
                <a href="{PREFIX[self.script]}/post/{a.article_id}" class="news-title">{html.escape(self.title(a))}</a>
            </li>
"""
            for a in latest
        )
        return f"""                <div class="col-md-3 sidebar">
                    <div class="row">
                        <div class="col-md-12 col-sm-6 col-xs-12">
                            <div class="aqparat">
    <h4 class="aqparat-title">{t("Абай-ақпарат")} <span class="icon-black"></span></h4>
    <ul class="aqparat-scroll nano list-unstyled">
        <div class="nano-content">
{items}        </div>
    </ul>
</div>                        </div>
                    </div>
"""

    def _card(self, article: _Article, dated: bool) -> str:
        t = self.chrome.text
        date = f'\n                                    <p class="date">{t(article.date(), punctuation=False)}</p>' if dated else ""
        return f"""                        <div class="col-md-4 col-sm-6 col-xs-12 with-frame">
                            <div class="wf-block">
                                <div class="thumbnail-image" style="background-image: url(https://abai.kz/content/uploads/{article.published:%Y/%m}/{article.article_id}-270x195.jpg);"></div>
                                <div class="layer"></div>
                                <div class="news-info">
                                    <span class="tag">{html.escape(t(article.category, punctuation=False))}</span>
                                    <h3><a href="{self._url(article)}">{html.escape(self.title(article))}</a></h3>{date}
                                    <div class="extra-info">
                                        <span class="author">{html.escape(t(article.author, punctuation=False))}</span>
                                        <span class="views">
                                            <span class="icon-photo"></span> {article.views}
                                            <span class="icon-chat"></span> {article.comments}
                                        </span>
                                    </div>
                                </div>
                            </div>
                        </div>
"""

    def _random_links(self) -> list[str]:
        picks = self.rng.choices(self.articles, k=self.chrome.post_slots)
        return [self._url(a) for a in picks]

    def article(self, article: _Article) -> str:
        t = self.chrome.text
        url = self._url(article)
        title = html.escape(self.title(article))
        body = "\n".join(f"     <p>{_paragraph(t(p))}</p>" for p in article.paragraphs)
        if article.image:
            image = f"https://abai.kz/content/uploads/{article.published:%Y/%m}/{article.article_id}.jpg"
            body = f'     <p><img src="{image}" alt=""></p>\n' + body
        related = "".join(self._card(a, dated=False) for a in self.rng.sample(self.articles, min(6, len(self.articles))))
        best = "".join(
            f'     <div class="bm-item"><span class="tag">{html.escape(t(a.category, punctuation=False))}</span>'
            f'<h3><a href="{self._url(a)}">{html.escape(self.title(a))}</a></h3><div class="extra-info">'
            f'<span class="author">{html.escape(t(a.author, punctuation=False))}</span> <span class="views">'
            f'<span class="icon-eye"></span> {a.views}</span></div></div>\n'
            for a in self.rng.sample(self.articles, min(5, len(self.articles)))
        )
        comments = f"{article.comments} {t('пікір')}"
        main = f"""    <div class="main-content">
        <div class="container">
            <div class="row">
                <div class="col-md-9">
  <article class="single-post">
   <div class="post-meta">
     <span class="category"><a href="{SITE}{PREFIX[self.script]}/part/{article.category_id}">{html.escape(t(article.category, punctuation=False))}</a></span>
     <span class="views"><span class="icon-eye"></span> {article.views}</span>
     <span class="comments"><span class="icon-chat"></span> {comments}</span>
     <span class="date">{t(article.date(), punctuation=False)}</span>
   </div>
   <h1 class="post-title">{title}</h1>
   <div class="post-content">
{body}
     <p><strong>{html.escape(t("Дайындаған " + article.author, punctuation=False))}</strong></p>
     <p><strong>Abai.kz</strong></p>
   </div>
   <div class="share-buttons"><a href="https://www.facebook.com/sharer/sharer.php?u={url}">Facebook</a> <a href="https://twitter.com/intent/tweet?url={url}">Twitter</a> <a href="https://t.me/share/url?url={url}">Telegram</a></div>
   <div class="comments-count"><h4>{comments}</h4></div>
  </article>
                    <div class="second-row row">
{related}                    </div>
                </div>
{self.feed}                    <div class="best-materials"><h3 class="block-title">{t("Үздік материалдар", punctuation=False)}</h3>
{best}                    </div>
                </div>
                <div class="col-md-12"><hr class="hr-line"></div>
            </div>
        </div>
    </div>

"""
        top = self.chrome.top(self.title(article), url, "article", self._alternates(f"/post/{article.article_id}"))
        return top + main + self.chrome.bottom(self._random_links())

    def listing(self, page: int, pages: int, entries: list[_Article], home: bool = False) -> str:
        t = self.chrome.text
        url = f"{SITE}/" if home else listing_url(self.script, page)
        cards = "".join(self._card(a, dated=True) for a in entries)
        shown = range(max(1, page - 2), min(pages, page + 4) + 1)
        links = "".join(
            f'<li class="active"><span>{n}</span></li>' if n == page else f'<li><a href="{listing_url(self.script, n)}">{n}</a></li>'
            for n in shown
        )
        if page < pages and not home:
            links += f'<li><a href="{listing_url(self.script, page + 1)}" rel="next">»</a></li>'
        pagination = "" if home else f'                    <ul class="pagination">{links}</ul>\n'
        name = t("Басты бет" if home else CATEGORIES["1"], punctuation=False)
        main = f"""    <div class="main-content">
        <div class="container">
            <div class="row">
                <div class="col-md-9">
                    <h1 class="part-title">{name}</h1>
                    <div class="second-row row">
{cards}                    </div>
{pagination}                </div>
{self.feed}                </div>
                <div class="col-md-12"><hr class="hr-line"></div>
            </div>
        </div>
    </div>

"""
        path = "/" if home else "/part/1" + ("" if page == 1 else f"?page={page}")
        top = self.chrome.top(name, url, "website", self._alternates(path if not home else ""))
        return top + main + self.chrome.bottom(self._random_links())


def _paragraph(text: str) -> str:
    """A body paragraph's inner HTML: the seed's `<strong>` speaker lines stay markup, other text is escaped."""
    return text if "<strong>" in text else html.escape(text, quote=False)


# -- writing ------------------------------------------------------------------


def make_mirror(directory: Path | str, n_articles: int, *, seed: int = 0, scripts: tuple[str, ...] = SCRIPTS,
                per_page: int = 20) -> SyntheticMirror:
    """Write a synthetic abai.kz mirror of `n_articles` articles into `directory` (created if needed).

    Each article gets one page per script in `scripts`; `/part/1` in each
    script lists them all, `per_page` a page, newest first, and the homepage
    shows the newest `per_page`. Deterministic for a given `seed`. Crawl a
    mirror of fewer than three scripts with the same `--scripts`, or the
    spider's requests for the other scripts' listings get 404s.
    About 100 kB a page, some 1,000 pages per CPU second to write: 2,000
    articles in three scripts are 6,000 pages, some 640 MB.
    """
    if n_articles < 1:
        raise ValueError("n_articles must be at least 1")
    unknown = set(scripts) - set(SCRIPTS)
    if unknown:
        raise ValueError(f"unknown scripts {sorted(unknown)}; known: {', '.join(SCRIPTS)}")
    rng = random.Random(seed)
    directory = Path(directory)
    (directory / "pages").mkdir(parents=True, exist_ok=True)
    articles = _articles(n_articles, rng)
    pages = -(-n_articles // per_page)
    source = f"synthetic: benchmarks/synthetic.py make_mirror(n_articles={n_articles}, seed={seed}, per_page={per_page})"
    written = 0
    listings: list[str] = []
    home_script = "cyrl" if "cyrl" in scripts else scripts[0]
    with (directory / "manifest.jsonl").open("w", encoding="utf-8") as manifest:

        def write(url: str, name: str, kind: str, text: str) -> None:
            nonlocal written
            path = directory / "pages" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            path.write_bytes(data)
            written += len(data)
            entry = {"url": url, "file": f"pages/{name}", "status": 200, "content_type": CONTENT_TYPE,
                     "kind": kind, "fetched_at": FETCHED_AT, "source": source}
            manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")

        for script in scripts:
            renderer = _Pages(script, articles, rng)
            if script == home_script:
                write(f"{SITE}/", "home.html", "home", renderer.listing(1, pages, articles[:per_page], home=True))
                listings.append(f"{SITE}/")
            for page in range(1, pages + 1):
                entries = articles[(page - 1) * per_page : page * per_page]
                url = listing_url(script, page)
                write(url, f"{FILE_PREFIX[script]}part-1-page-{page}.html", "listing", renderer.listing(page, pages, entries))
                listings.append(url)
            for article in articles:
                shard = int(article.article_id) // 1000
                name = f"{shard}/{FILE_PREFIX[script]}post-{article.article_id}.html"
                write(article_url(article.article_id, script), name, "article", renderer.article(article))
    return SyntheticMirror(directory, tuple(a.article_id for a in articles), tuple(scripts), tuple(listings), written)


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("n_articles", type=at_least_one)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scripts", default=",".join(SCRIPTS), help="comma-separated: cyrl, latn, arab")
    parser.add_argument("--per-page", type=at_least_one, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    mirror = make_mirror(args.directory, args.n_articles, seed=args.seed, scripts=tuple(args.scripts.split(",")),
                         per_page=args.per_page)
    seconds = time.perf_counter() - started
    print(f"{mirror.pages} pages ({len(mirror.article_ids)} articles × {len(mirror.scripts)} scripts + "
          f"{len(mirror.listing_urls)} listings), {mirror.bytes_written / 1e6:.1f} MB, "
          f"{mirror.bytes_written / mirror.pages / 1000:.1f} kB a page, in {seconds:.1f} s → {mirror.directory}")


if __name__ == "__main__":
    main()
