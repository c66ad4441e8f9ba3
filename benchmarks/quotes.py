"""Precision and recall of `crawler.quotes` over every annotated case.

Run from the repository root: `python benchmarks/quotes.py` (add `-v` to list
each miss). The cases are the seed article (`tests/fixtures/quotes/seed.json`),
the hand-written unit cases (`cases.json`) and the held-out cases
(`heldout.json`, written before the extractor saw them; their first-run
figures are in that file's note). Figures are printed per set and overall.

A found quote matches a gold quote in the same paragraph when its text is the
gold text (or starts with the gold `head` and ends with its `tail`). Quote
precision = matched / found, recall = matched / gold. A speaker counts when a
matched pair names the same person: speaker precision is over found quotes
that name a speaker, recall over gold quotes that have one.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.items import Quote  # noqa: E402
from crawler.quotes import extract_quotes  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "quotes"
TARGET = 0.9


@dataclass
class Tally:
    """Counts behind the printed figures."""

    found: int = 0
    gold: int = 0
    matched: int = 0
    found_speakers: int = 0
    gold_speakers: int = 0
    right_speakers: int = 0
    right_kinds: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("found", "gold", "matched", "found_speakers", "gold_speakers", "right_speakers", "right_kinds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses += other.misses


def load_sets() -> dict[str, list[dict[str, Any]]]:
    """Annotated cases by set: the seed article, the unit cases and the held-out cases."""
    seed = json.loads((FIXTURES / "seed.json").read_text(encoding="utf-8"))
    sets = {"seed": [{"id": "seed", **seed}]}
    for name in ("cases", "heldout"):
        sets[name] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["cases"]
    return sets


def matches(gold: dict[str, Any], quote: Quote) -> bool:
    """True when a found quote is the gold one."""
    if quote.paragraph != gold["paragraph"]:
        return False
    if "text" in gold:
        return bool(quote.text == gold["text"])
    return quote.text.startswith(gold["head"]) and quote.text.endswith(gold["tail"])


def score(case: dict[str, Any], found: list[Quote]) -> Tally:
    """Compare one case's found quotes with its gold quotes."""
    tally = Tally(found=len(found), gold=len(case["quotes"]))
    tally.found_speakers = sum(q.speaker is not None for q in found)
    tally.gold_speakers = sum(g["speaker"] is not None for g in case["quotes"])
    unused = list(found)
    for gold in case["quotes"]:
        quote = next((q for q in unused if matches(gold, q)), None)
        if quote is None:
            tally.misses.append(f"{case['id']}: missed p{gold['paragraph']} {gold['kind']} {gold['speaker']}")
            continue
        unused.remove(quote)
        tally.matched += 1
        tally.right_kinds += quote.kind == gold["kind"]
        if gold["speaker"] is not None and quote.speaker == gold["speaker"]:
            tally.right_speakers += 1
        elif quote.speaker != gold["speaker"]:
            tally.misses.append(f"{case['id']}: p{gold['paragraph']} speaker {quote.speaker!r}, expected {gold['speaker']!r}")
    tally.misses += [f"{case['id']}: extra p{q.paragraph} {q.kind} {q.text[:40]!r}" for q in unused]
    return tally


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def figures(tally: Tally) -> dict[str, float]:
    return {
        "quote precision": ratio(tally.matched, tally.found),
        "quote recall": ratio(tally.matched, tally.gold),
        "speaker precision": ratio(tally.right_speakers, tally.found_speakers),
        "speaker recall": ratio(tally.right_speakers, tally.gold_speakers),
        "kind accuracy": ratio(tally.right_kinds, tally.matched),
    }


def seed_time(paragraphs: list[str], runs: int = 200) -> float:
    """Milliseconds per run of `extract_quotes` on the seed article."""
    started = time.perf_counter()
    for _ in range(runs):
        extract_quotes(paragraphs)
    return (time.perf_counter() - started) * 1000 / runs


def main(argv: list[str]) -> int:
    sets = load_sets()
    tallies: dict[str, Tally] = {}
    for name, cases in sets.items():
        tallies[name] = Tally()
        for case in cases:
            tallies[name].add(score(case, extract_quotes(case["paragraphs"])))
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    tallies["all"] = total

    counts = [len(cases) for cases in sets.values()] + [sum(len(cases) for cases in sets.values())]
    print(f"{'':18}" + "".join(f"{name:>9}" for name in tallies))
    print(f"{'cases':18}" + "".join(f"{count:>9}" for count in counts))
    print(f"{'gold quotes':18}" + "".join(f"{t.gold:>9}" for t in tallies.values()))
    print(f"{'found quotes':18}" + "".join(f"{t.found:>9}" for t in tallies.values()))
    for label in figures(total):
        print(f"{label:18}" + "".join(f"{figures(t)[label]:>9.3f}" for t in tallies.values()))
    print(f"time: {seed_time(sets['seed'][0]['paragraphs']):.3f} ms per run on the seed article (26 paragraphs, 11 kB)")
    if "-v" in argv:
        print("\n".join(total.misses) or "no misses")
    below = [label for label, value in figures(total).items() if value < TARGET and "kind" not in label]
    print(f"below the {TARGET} target: {', '.join(below)}" if below else f"all quote and speaker figures ≥ {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
