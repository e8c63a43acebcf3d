"""What dbt's run_results.json says: node counts, slowest nodes, SQL time vs overhead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from customer_health.bench.common import SLOWEST_COUNT


def slowest_nodes(run_results: dict[str, Any], count: int = SLOWEST_COUNT) -> list[dict]:
    """Return the slowest nodes (models, tests, seeds) of a dbt run_results.json."""
    nodes = sorted(run_results.get("results", []), key=lambda r: -(r.get("execution_time") or 0))
    return [
        {"unique_id": r["unique_id"], "execution_time": round(r.get("execution_time") or 0.0, 3)}
        for r in nodes[:count]
    ]


NODE_KINDS: tuple[tuple[str, str], ...] = (
    ("seed.", "seeds"),
    ("model.", "models"),
    ("test.", "tests"),  # data tests
    ("unit_test.", "unit_tests"),
)


def count_nodes(run_results: dict[str, Any]) -> dict[str, int]:
    """Return how many nodes a dbt run executed, in total and by resource type.

    The type is the prefix of each result's unique_id (see :data:`NODE_KINDS`);
    ``tests`` counts data tests *and* unit tests (``unit_tests`` is the part of
    them that are unit tests), ``other`` whatever else ran (snapshots, ...).
    """
    counts = {"total": 0, "seeds": 0, "models": 0, "tests": 0, "unit_tests": 0, "other": 0}
    for result in run_results.get("results", []):
        counts["total"] += 1
        unique_id = str(result.get("unique_id", ""))
        kind = next((k for prefix, k in NODE_KINDS if unique_id.startswith(prefix)), "other")
        counts[kind] += 1
        if kind == "unit_tests":
            counts["tests"] += 1
    return counts


def _timestamp(text: Any) -> float | None:
    """Return an ISO-8601 timestamp of run_results.json as POSIX seconds (naive means UTC)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def execute_intervals(run_results: dict[str, Any]) -> list[tuple[float, float]]:
    """Return the (start, end) POSIX seconds of every node's ``execute`` timing.

    A result without timing (skipped, errored before running, or an older
    run_results.json) or with an unparsable or reversed interval contributes nothing.
    """
    intervals = []
    for result in run_results.get("results", []):
        for timing in result.get("timing") or []:
            if timing.get("name") != "execute":
                continue
            start = _timestamp(timing.get("started_at"))
            end = _timestamp(timing.get("completed_at"))
            if start is not None and end is not None and end >= start:
                intervals.append((start, end))
    return intervals


def interval_union_s(intervals: Iterable[tuple[float, float]]) -> float:
    """Return the length of the union of intervals: time covered by at least one of them.

    Overlapping and nested intervals count once (unlike a plain sum of their lengths).
    """
    total = 0.0
    current_start: float | None = None
    current_end = 0.0
    for start, end in sorted(intervals):
        if current_start is None or start > current_end:
            if current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None:
        total += current_end - current_start
    return total


def sql_time_split(run_results: dict[str, Any], wall_s: float) -> dict[str, Any]:
    """Split a dbt run's wall time into SQL time and dbt's own overhead.

    ``sql_s`` is the union of all nodes' ``execute`` intervals (time during which at
    least one node's SQL was running; nodes run in parallel, so the plain sum
    ``execute_sum_s`` overcounts), ``overhead_s`` is ``wall_s - sql_s`` (process
    start-up, parsing, compilation, scheduling, writing results). All three are None
    when no node has an execute timing (``dbt parse``, or a run_results.json without
    timings); ``untimed_nodes`` counts the results without one.
    """
    intervals = execute_intervals(run_results)
    timed = sum(
        1 for r in run_results.get("results", [])
        if any(t.get("name") == "execute" for t in r.get("timing") or [])
    )
    untimed = len(run_results.get("results", [])) - timed
    if not intervals:
        return {"sql_s": None, "execute_sum_s": None, "overhead_s": None,
                "untimed_nodes": untimed}
    sql_s = interval_union_s(intervals)
    return {
        "sql_s": round(sql_s, 3),
        "execute_sum_s": round(sum(end - start for start, end in intervals), 3),
        "overhead_s": round(wall_s - sql_s, 3),
        "untimed_nodes": untimed,
    }
