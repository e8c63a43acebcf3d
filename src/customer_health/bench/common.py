"""Shared settings of the benchmark, its errors, progress log and median."""

from __future__ import annotations

import datetime as dt
import statistics
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass




RESULTS_SCHEMA_VERSION = 1


END_DATE = dt.date(2026, 6, 30)


SEED = 42


SLOWEST_COUNT = 10


SAMPLE_INTERVAL_S = 0.05


GB = 1e9  # DuckDB's unit: memory_limit '8GB' is 8e9 bytes


README_START = "<!-- bench:start -->"


README_END = "<!-- bench:end -->"


MAKE_COMMAND = "customer-health bench --update-readme"


class BenchError(RuntimeError):
    """The benchmark cannot go on (dbt failed, bad results file, ...)."""


class FingerprintMismatch(BenchError):
    """Results of another machine (or other versions/settings) would be mixed."""


def log(message: str) -> None:
    """Print one progress line to stderr."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def median(values: Iterable[float]) -> float:
    """Return the median of values (the mean of the two middle ones for an even count)."""
    items = list(values)
    if not items:
        raise ValueError("median of no values")
    return float(statistics.median(items))
