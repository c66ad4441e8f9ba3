"""Benchmark scripts: they print figures and assert nothing (see benchmarks/RESULTS.md); importable for their helpers."""

from __future__ import annotations

import argparse


def at_least_one(text: str) -> int:
    """An argparse type for counts (articles, rounds, pages): a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return number


def worker_counts(text: str) -> list[int]:
    """An argparse type for a comma-separated list of counts ("1,2,3"), each at least 1."""
    return [at_least_one(part.strip()) for part in text.split(",")]
