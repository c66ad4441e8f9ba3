"""docs/adding-a-site.md, run: every file it shows is written, every command it shows is run, every output it shows is checked.

The guide runs in a scratch copy of the repository (the `crawler` package,
`seeds/`, `tests/conftest.py`, `pyproject.toml`, `scrapy.cfg`, an empty
`tests/fixtures/sites`), so the profile, the recorded pages and the example
test it adds never touch this checkout. The guide's site, dala.example, is
played by a server on 127.0.0.1 serving the pages below from a temporary
folder; `fixtures record` is pointed at it with the mirror settings, as the
guide says.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from conftest import read_manifest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "adding-a-site.md"

# -- dala.example, the site the guide adds ------------------------------------------------

CHROME = """<!DOCTYPE html>
<html lang="kk">
<head>
<meta charset="utf-8">
<title>{title} | Дала жаңалықтары</title>
{meta}</head>
<body>
<header><a href="/">Дала жаңалықтары</a> <nav><a href="/kk/category/madeniet">Мәдениет</a></nav></header>
<main>
{main}
</main>
<footer>© 2024 Дала жаңалықтары · <a href="/about">Біз туралы</a></footer>
</body>
</html>
"""
KITAPHANA_LD = json.dumps({
    "@context": "https://schema.org", "@type": "NewsArticle", "headline": "Алматыда жаңа кітапхана ашылды",
    "datePublished": "2024-05-02T10:30:00+05:00", "author": {"@type": "Person", "name": "Әлия Серікова"},
    "articleSection": "Мәдениет"}, ensure_ascii=False)
SITE = {
    "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /search\n"),
    "/": ("text/html", CHROME.format(title="Басты бет", meta="", main="""<h2>Соңғы жаңалықтар</h2>
<ul>
<li><a href="/kk/news/2024/05/02/zhana-kitaphana">Алматыда жаңа кітапхана ашылды</a></li>
<li><a href="/kk/news/2024/05/03/dombyra-festivali">Шымкентте домбыра фестивалі өтті</a></li>
</ul>""")),
    "/kk/category/madeniet": ("text/html", CHROME.format(title="Мәдениет", meta="", main="""<h1>Мәдениет</h1>
<ul>
<li><a href="/kk/news/2024/05/03/dombyra-festivali">Шымкентте домбыра фестивалі өтті</a></li>
<li><a href="/kk/news/2024/05/02/zhana-kitaphana">Алматыда жаңа кітапхана ашылды</a></li>
</ul>
<a class="next" href="/kk/category/madeniet?page=2">Келесі бет</a>""")),
    "/kk/category/madeniet?page=2": ("text/html", CHROME.format(title="Мәдениет, 2-бет", meta="", main="""<h1>Мәдениет</h1>
<ul>
<li><a href="/kk/news/2024/04/29/teatr-maussymy">Театр маусымы жабылды</a></li>
</ul>""")),
    "/kk/news/2024/05/02/zhana-kitaphana": ("text/html", CHROME.format(
        title="Алматыда жаңа кітапхана ашылды",
        meta=f'<meta property="og:title" content="Алматыда жаңа кітапхана ашылды">\n'
             f'<script type="application/ld+json">{KITAPHANA_LD}</script>\n',
        main="""<article>
<h1>Алматыда жаңа кітапхана ашылды</h1>
<p class="byline">Әлия Серікова</p>
<p>Алматының Медеу ауданында үш қабатты жаңа кітапхана оқырмандарға есігін ашты. Ғимаратта елу мың кітап пен балаларға арналған оқу залы бар.</p>
<p>«Кітапхана күн сайын таңғы сегізден кешкі онға дейін жұмыс істейді», – деді кітапхана директоры Марат Оспанов.</p>
<p>Алғашқы аптада мұнда мыңнан астам оқырман тіркелді.</p>
</article>""")),
    "/kk/news/2024/05/03/dombyra-festivali": ("text/html", CHROME.format(
        title="Шымкентте домбыра фестивалі өтті", meta="", main="""<article>
<div class="article-meta"><span class="rubric">Мәдениет</span> <span class="date">03.05.2024, 14:20</span></div>
<h1>Шымкентте домбыра фестивалі өтті</h1>
<p>Шымкентте өткен республикалық домбыра фестиваліне елдің түкпір-түкпірінен екі жүзден астам күйші қатысты.</p>
<p>Бас жүлдені Түркістан облысынан келген он алты жастағы Ерасыл Нұрланұлы жеңіп алды.</p>
<p>Автор: Бауыржан Қалиев</p>
</article>""")),
    "/kk/news/2024/04/29/teatr-maussymy": ("text/html", CHROME.format(
        title="Театр маусымы жабылды",
        meta='<meta property="article:published_time" content="2024-04-29T19:00:00+05:00">\n', main="""<article>
<h1>Театр маусымы жабылды</h1>
<p>Астанадағы Қалибек Қуанышбаев атындағы театр маусымын «Абай» спектаклімен жапты.</p>
<p>Келесі маусым қыркүйекте ашылады.</p>
</article>""")),
}


class SiteServer:
    """dala.example on an ephemeral 127.0.0.1 port: pages from files in `folder`, found by path; a request log."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, tuple[str, Path]] = {}
        for number, (path, (ctype, text)) in enumerate(SITE.items()):
            file = folder / f"page-{number}"
            file.write_text(text, encoding="utf-8")
            self.files[path] = (ctype, file)
        self.log: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server.log.append(self.path)
                ctype, file = server.files.get(self.path, ("text/plain", None))  # type: ignore[arg-type]
                body = file.read_bytes() if file else b"not found"
                self.send_response(200 if file else 404)
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- the guide, as steps ---------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced block of the guide: its language, the words after it (a path), and its text."""

    language: str
    target: str
    text: str


def guide_blocks() -> list[Block]:
    blocks = re.findall(r"^```(\w*)[ \t]*([^\n]*)\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.M | re.S)
    return [Block(language, target.strip(), text) for language, target, text in blocks]


def commands(block: Block) -> list[tuple[str, int]]:
    """The commands of an `sh` block with the exit code each must give (`# exit N`, else 0)."""
    found = []
    for line in block.text.replace("\\\n", " ").splitlines():
        command, _, comment = line.partition("  #")
        if command.strip() and not command.lstrip().startswith("#"):
            code = re.search(r"exit (\d+)", comment)
            found.append((command.strip(), int(code[1]) if code else 0))
    return found


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the repository, as a developer's checkout would be before adding the site."""
    root = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "crawler", root / "crawler", ignore=ignore)
    shutil.copytree(ROOT / "seeds", root / "seeds", ignore=ignore)
    for name in ("pyproject.toml", "scrapy.cfg"):
        shutil.copy(ROOT / name, root / name)
    (root / "tests" / "fixtures" / "sites").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "conftest.py", root / "tests" / "conftest.py")
    return root


@pytest.fixture(scope="module")
def walked(scratch: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """Every step of the guide, done in `scratch`: (the scratch checkout, the live server's request log)."""
    site = SiteServer(tmp_path_factory.mktemp("dala.example"))
    env = {**os.environ, "PYTHONPATH": str(scratch)}
    env.pop("PYTEST_ADDOPTS", None)
    record_via_local_site = ["-s", f"MIRROR_ADDRESS={site.address}"]  # as the guide says
    try:
        output = ""
        for block in guide_blocks():
            if block.language in ("toml", "python") and block.target:
                (scratch / block.target).write_text(block.text, encoding="utf-8")
            elif block.language == "json" and block.target.endswith("(excerpt)"):
                check_excerpt(scratch / block.target.removesuffix("(excerpt)").strip(), block.text)
            elif block.language == "sh":
                output = ""
                for command, code in commands(block):
                    argv = ["bash", "-c", command.replace("python -m", f"{sys.executable} -m", 1)]
                    if "fixtures record" in command:
                        argv[-1] += " " + shlex.join(record_via_local_site)
                    result = subprocess.run(argv, cwd=scratch, env=env, capture_output=True, text=True, timeout=300)
                    output += result.stdout + result.stderr
                    assert result.returncode == code, f"{command}: exit {result.returncode}\n{output[-4000:]}"
            elif block.language == "text":
                missing = [line.strip() for line in block.text.splitlines() if line.strip() and line.strip() not in output]
                assert not missing, f"the guide shows lines the command did not print: {missing}\n--- printed:\n{output}"
        yield scratch, site.log
    finally:
        site.stop()


def check_excerpt(path: Path, text: str) -> None:
    """Every key of the excerpt has the excerpt's value in the file (nested objects: their keys likewise)."""
    def contained(part: Any, whole: Any) -> bool:
        if isinstance(part, dict):
            return isinstance(whole, dict) and all(k in whole and contained(v, whole[k]) for k, v in part.items())
        return bool(part == whole)

    actual = json.loads(path.read_text(encoding="utf-8"))
    assert contained(json.loads(text), actual), f"{path.name} no longer matches the guide's excerpt:\n{json.dumps(actual, ensure_ascii=False, indent=2)}"


# -- the tests ----------------------------------------------------------------------------------


def test_the_guide_has_every_step() -> None:
    blocks = guide_blocks()
    written = [b.target for b in blocks if b.language in ("toml", "python") and b.target]
    assert written == ["seeds/dala.example.toml", "tests/test_dala_example.py"]
    run = [command for b in blocks if b.language == "sh" for command, _ in commands(b)]
    for step in ("fixtures record", "fixtures check", "crawl dala --offline", "pytest tests/test_dala_example.py"):
        assert any(step in command for command in run), step


def test_every_step_of_the_guide_runs_as_shown(walked) -> None:
    scratch, _ = walked
    # The commands ran on the scratch copy's package, not on this checkout's.
    result = subprocess.run([sys.executable, "-c", "import crawler; print(crawler.__file__)"], cwd=scratch,
                            env={**os.environ, "PYTHONPATH": str(scratch)}, capture_output=True, text=True)
    assert Path(result.stdout.strip()).is_relative_to(scratch)


def test_recording_fetched_each_page_once_from_the_local_site(walked) -> None:
    _, log = walked
    pages = [path for path in log if path != "/robots.txt"]
    assert sorted(pages) == sorted(path for path in SITE if path != "/robots.txt")
    assert "/robots.txt" in log  # the crawler's robots.txt check, then the page itself


def test_the_site_is_added_as_the_guide_says(walked) -> None:
    scratch, _ = walked
    site = scratch / "tests" / "fixtures" / "sites" / "dala.example"
    lines = read_manifest(site)
    assert [(line["url"].removeprefix("https://dala.example"), line["kind"]) for line in lines] == [
        ("/robots.txt", "robots"), ("/", "home"), ("/kk/category/madeniet", "listing"),
        ("/kk/category/madeniet?page=2", "listing"), ("/kk/news/2024/05/02/zhana-kitaphana", "article"),
        ("/kk/news/2024/05/03/dombyra-festivali", "article"), ("/kk/news/2024/04/29/teatr-maussymy", "article")]
    assert sorted(p.name for p in (site / "pages").glob("*.json")) == [
        "kk-news-2024-04-29-teatr-maussymy.json", "kk-news-2024-05-02-zhana-kitaphana.json",
        "kk-news-2024-05-03-dombyra-festivali.json"]
    # The selector step put the profile back as it was.
    assert (scratch / "seeds" / "dala.example.toml").read_text(encoding="utf-8") == next(
        b.text for b in guide_blocks() if b.target == "seeds/dala.example.toml")
    rows = list(sqlite_utils.Database(scratch / "exports" / "dala.sqlite")["articles"].rows)
    assert {(r["title"], r["published_at"]) for r in rows} == {
        ("Алматыда жаңа кітапхана ашылды", "2024-05-02T10:30:00+05:00"),
        ("Шымкентте домбыра фестивалі өтті", "2024-05-03T14:20:00+05:00"),
        ("Театр маусымы жабылды", "2024-04-29T19:00:00+05:00")}
