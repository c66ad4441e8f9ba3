"""Dates, titles and authors of `python -m crawler extract` beside trafilatura and htmldate, in one run.

Run from the repository root:

    python benchmarks/metadata.py ../shared/eval/metadata [--errors N]

Prints date accuracy, title accuracy and author F1 (the set's own
`score_metadata.py`) and pages per second for our extractor (the whole CLI
process, start-up included), for `trafilatura.extract_metadata` and for
`htmldate.find_date` (the page's URL passed, `original_date=True`: the
publication date rather than the latest one; its default setting scores lower
here), all on the same decoded pages.
"""

from __future__ import annotations

from typing import Any

from evalset import pages, parse_args, run_extract, scorer, timed

GOALS = {"date_acc": 0.92, "title_acc": 0.85, "author_f1": 0.75}
LABELS = {"date_acc": "date accuracy", "title_acc": "title accuracy", "author_f1": "author F1"}


def trafilatura_metadata(html: str, url: str) -> dict[str, Any]:
    from trafilatura import extract_metadata

    doc = extract_metadata(html, default_url=url)
    if doc is None:
        return {"published_at": None, "title": None, "authors": []}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return {"published_at": doc.date, "title": doc.title, "authors": authors}


def htmldate_date(html: str, url: str) -> dict[str, Any]:
    from htmldate import find_date

    return {"published_at": find_date(html, url=url, original_date=True), "title": None, "authors": []}


def main() -> int:
    args = parse_args(__doc__, "metadata", "--errors", "list up to N of our misses per field")

    import htmldate
    import trafilatura

    score_metadata = scorer(args.eval_dir, "score_metadata")
    truth = score_metadata.load_truth(str(args.eval_dir / "ground-truth.json"))
    pages_ = pages(args.eval_dir)
    ours, our_seconds = run_extract(args.eval_dir)
    runs = {
        "newsarchive extract": (ours, our_seconds),
        f"trafilatura {trafilatura.__version__} metadata": timed(pages_, trafilatura_metadata),
        f"htmldate {htmldate.__version__} find_date": timed(pages_, htmldate_date),
    }
    scores = {name: score_metadata.score(truth, preds) for name, (preds, _) in runs.items()}
    print(f"{len(pages_)} pages of {args.eval_dir}")
    print(f"{'':34}{'date acc':>10}{'title acc':>11}{'author F1':>11}{'pages/s':>10}")
    for name, result in scores.items():
        print(f"{name:34}{result['date_acc']:>10.4f}{result['title_acc']:>11.4f}{result['author_f1']:>11.4f}"
              f"{len(pages_) / runs[name][1]:>10.1f}")
    mine = scores["newsarchive extract"]
    print(*score_metadata.summary(mine), sep="\n")
    if args.errors:
        score_metadata.print_errors(truth, ours, mine, args.errors)
    for field, goal in GOALS.items():
        best_other = max(result[field] for name, result in scores.items() if name != "newsarchive extract")
        met = mine[field] >= goal and mine[field] >= best_other
        print(f"goal {LABELS[field]} ≥ {goal} and ≥ {best_other:.4f} (best other): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
