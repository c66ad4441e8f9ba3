"""Benchmark scripts: they print figures and assert nothing (see benchmarks/RESULTS.md); importable for their helpers."""
