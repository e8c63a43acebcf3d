"""Where the slowest models spend their time: DuckDB's profiler on their SQL (issue 23).

After a tier's first full build, the slowest models of that build (dbt's execution time)
are run once more, alone, on the built warehouse: each model's compiled SQL (from dbt's
``run_results.json``) goes into a temporary table with DuckDB's JSON profiling on, in this
process with the profile's threads and memory limit. From the profile come the rows each
model's table scans read (``rows_scanned``, per table), the rows it produced, and the
operator that took the most time. A model run alone is faster than inside the build,
where up to dbt's thread count of models share DuckDB's threads: the ratio of the two says
how much of a node's time in the build was waiting.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from customer_health.bench.common import SLOWEST_COUNT, log
from customer_health.bench.floor import duckdb_settings


def _operators(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operator of a DuckDB JSON profile tree, depth first."""
    found = [node]
    for child in node.get("children", []):
        found += _operators(child)
    return found


def summarise_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """Rows scanned per table, the busiest operator and its share of operator time."""
    operators = [op for root in profile.get("operator", []) for op in _operators(root)]
    scanned: dict[str, int] = {}
    for op in operators:
        table = (op.get("extra_info") or {}).get("Table")
        if op.get("type") == "TABLE_SCAN" and table:
            name = str(table).replace('"', "").split(".", 1)[-1]
            scanned[name] = scanned.get(name, 0) + int(op.get("rows_scanned") or 0)
    timed = [op for op in operators if op.get("timing")]
    total = sum(float(op["timing"]) for op in timed) or 1.0
    busiest = max(timed, key=lambda op: float(op["timing"]), default=None)
    return {
        "rows_scanned": sum(scanned.values()),
        "rows_scanned_by_table": dict(sorted(scanned.items(), key=lambda kv: -kv[1])),
        "busiest_operator": busiest.get("type") if busiest else None,
        "busiest_share": round(float(busiest["timing"]) / total, 3) if busiest else None,
    }


def slowest_models(run_results: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The models of a run with the longest execution time that carry their compiled SQL."""
    models = [r for r in run_results.get("results", [])
              if str(r.get("unique_id", "")).startswith("model.") and r.get("compiled_code")]
    return sorted(models, key=lambda r: -(r.get("execution_time") or 0.0))[:count]


def profile_models(db_path: Path, run_results: dict[str, Any],
                   count: int = SLOWEST_COUNT) -> list[dict[str, Any]]:
    """Run the slowest models' SQL alone under DuckDB's profiler; one summary per model."""
    profiled = []
    con = duckdb.connect(str(db_path), config=duckdb_settings())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for number, result in enumerate(slowest_models(run_results, count)):
                output = Path(tmp) / f"{number}.json"
                con.execute("pragma enable_profiling = 'json'")
                con.execute(f"pragma profiling_output = '{output}'")
                started = time.perf_counter()
                try:
                    sql = result["compiled_code"]
                    con.execute(f"create temporary table bench_profiled as {sql}")
                except duckdb.Error as exc:  # a model whose SQL needs dbt's context
                    con.execute("pragma disable_profiling")
                    log(f"profile: {result['unique_id']} not profiled: {str(exc).splitlines()[0]}")
                    continue
                alone_s = time.perf_counter() - started
                con.execute("pragma disable_profiling")
                rows = con.execute("select count(*) from bench_profiled").fetchone()[0]
                con.execute("drop table bench_profiled")
                summary = summarise_profile(json.loads(output.read_text()))
                profiled.append({
                    "unique_id": result["unique_id"],
                    "build_s": round(result.get("execution_time") or 0.0, 3),
                    "alone_s": round(alone_s, 3),
                    "rows_out": int(rows),
                    **summary,
                })
    finally:
        con.close()
    return profiled


def render_profile(tier: str, profiled: list[dict[str, Any]]) -> str:
    """A Markdown table of a tier's profiled models."""
    if not profiled:
        return ""
    lines = [
        f"Rows scanned by the slowest models, {tier} full build (each model's SQL run again "
        "alone on the built warehouse under DuckDB's profiler; `build s` is its time inside "
        "the build, `alone s` alone):",
        "",
        "| model | build s | alone s | rows scanned | rows out | largest scan | busiest operator |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for p in profiled:
        largest = next(iter(p["rows_scanned_by_table"].items()), None)
        largest_text = f"{largest[0]} ({largest[1]:,})" if largest else "-"
        share = f" ({p['busiest_share']:.0%})" if p.get("busiest_share") is not None else ""
        lines.append(
            f"| {p['unique_id'].split('.')[-1]} | {p['build_s']:.2f} | {p['alone_s']:.2f} | "
            f"{p['rows_scanned']:,} | {p['rows_out']:,} | {largest_text} | "
            f"{p['busiest_operator']}{share} |")
    return "\n".join(lines)
