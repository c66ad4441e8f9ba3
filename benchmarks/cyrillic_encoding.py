"""How often a Cyrillic page without a declared charset is decoded right: Scrapy's own guess against ours.

Takes the Cyrillic text of the abai.kz fixture pages and the seed document,
as whole pages and paragraph by paragraph (short texts are the hard case),
encodes each in KZ-1048 and in windows-1251 (characters a code page lacks
become character references, as a real page in it would hold), drops every
charset declaration, and decodes it twice: as Scrapy 2.19 does on its own
(`HtmlResponse`: charset-normalizer when the body is not UTF-8), and as
`crawler.middlewares.content.ContentSniffMiddleware` does (`cyrillic_codepage`,
else Scrapy's guess). Prints the share decoded exactly right, per code page.

    python -m benchmarks.cyrillic_encoding [--min-letters 1]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from crawler.encoding import cyrillic_codepage  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "sites" / "abai.kz" / "pages"
SEED = ROOT / "tests" / "fixtures" / "seed"
CYRILLIC = re.compile("[\u0400-\u04ff]")


def units() -> list[tuple[str, str]]:
    """(name, text) of every page and paragraph holding Cyrillic letters, charset declarations removed."""
    found = []
    for path in sorted(PAGES.glob("*.html")) + sorted(SEED.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace('<meta charset="utf-8">', "")
        found.append((path.name, text))
        paragraphs = re.findall(r"<p>(.*?)</p>", text) if path.suffix == ".html" else text.splitlines()
        found += [(f"{path.name} ¶{n}", p) for n, p in enumerate(paragraphs) if p.strip()]
    return found


def scrapy_text(body: bytes) -> str:
    return HtmlResponse("https://abai.kz/post/1", body=body, headers={"Content-Type": "text/html"}).text


def ours_text(body: bytes) -> str:
    codec = cyrillic_codepage(body)
    if codec is None:
        return scrapy_text(body)
    return HtmlResponse("https://abai.kz/post/1", body=body, headers={"Content-Type": "text/html"}, encoding=codec).text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-letters", type=int, default=1, help="skip texts with fewer Cyrillic letters")
    args = parser.parse_args()
    texts = [(name, text) for name, text in units() if len(CYRILLIC.findall(text)) >= args.min_letters]
    print(f"{len(texts)} texts with at least {args.min_letters} Cyrillic letter(s)")
    print(f"{'code page':<13}{'texts':>6}  {'Scrapy 2.19 alone':>18}  {'with cyrillic_codepage':>23}")
    for codec in ("kz1048", "cp1251"):
        scrapy_right = ours_right = total = 0
        misses: list[str] = []
        for name, text in texts:
            body = text.encode(codec, errors="xmlcharrefreplace")
            if not re.search(rb"[\x80-\xff]", body):
                continue  # nothing above ASCII: every guess is right
            truth = body.decode(codec)
            total += 1
            scrapy_right += scrapy_text(body) == truth
            ok = ours_text(body) == truth
            ours_right += ok
            if not ok:
                misses.append(name)
        print(f"{codec:<13}{total:>6}  {scrapy_right / total:>17.1%}  {ours_right / total:>22.1%}")
        if misses:
            print(f"  still wrong with ours: {', '.join(misses[:8])}")


if __name__ == "__main__":
    main()
