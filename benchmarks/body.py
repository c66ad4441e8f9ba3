"""Article-body quality of `python -m crawler extract` beside trafilatura's default output, in one run.

Run from the repository root:

    python benchmarks/body.py ../shared/eval/article-body [--worst N]

Prints precision, recall and F1 (the set's own `score_body.py`: 4-token
shingles, per-page normalised, averaged over pages) and pages per second for
our extractor (the whole CLI process, start-up included) and for
`trafilatura.extract` with default settings on the same decoded pages.
"""

from __future__ import annotations

from evalset import pages, parse_args, run_extract, scorer, timed

GOAL_F1 = 0.96


def main() -> int:
    args = parse_args(__doc__, "article-body", "--worst", "list our N lowest-F1 pages")

    import trafilatura

    score_body = scorer(args.eval_dir, "score_body")
    truth = score_body.load_truth(str(args.eval_dir / "ground-truth.json"))
    pages_ = pages(args.eval_dir)
    ours, our_seconds = run_extract(args.eval_dir)
    theirs, their_seconds = timed(pages_, lambda html, url: trafilatura.extract(html, url=url) or "")
    rows = {
        "newsarchive extract": (score_body.score(truth, {k: v.get("body") or "" for k, v in ours.items()}), our_seconds),
        f"trafilatura {trafilatura.__version__} default": (score_body.score(truth, theirs), their_seconds),
    }
    print(f"{len(pages_)} pages of {args.eval_dir}")
    print(f"{'':32}{'F1':>8}{'P':>8}{'R':>8}{'pages/s':>10}")
    for name, (result, seconds) in rows.items():
        print(f"{name:32}{result['f1']:>8.4f}{result['precision']:>8.4f}{result['recall']:>8.4f}{len(pages_) / seconds:>10.1f}")
    mine = rows["newsarchive extract"][0]
    for key in sorted(mine["page_f1"], key=mine["page_f1"].get)[: args.worst]:
        print(f"  {mine['page_f1'][key]:.3f}  {key}")
    best_other = max(result["f1"] for name, (result, _) in rows.items() if name != "newsarchive extract")
    met = mine["f1"] >= GOAL_F1 and mine["f1"] >= best_other
    print(f"goal F1 ≥ {GOAL_F1} and ≥ trafilatura: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
