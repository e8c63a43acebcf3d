"""The pass/fail checks computed from the medians (limits and ratios), and where the time of
a missed target goes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from customer_health.bench.machine import fingerprint_differences


def _limit_check(name: str, value: float, limit: float, unit: str) -> dict[str, Any]:
    """A check `value <= limit` reported with the margin."""
    u = unit if unit == "x" else f" {unit}"
    if value <= limit:
        detail = f"{value:g}{u}, {limit - value:.3g}{u} under the {limit:g}{u} target"
        return {"name": name, "status": "PASS", "value": value, "limit": limit, "detail": detail}
    detail = f"{value:g}{u}, {value - limit:.3g}{u} over the {limit:g}{u} target"
    detail += f" ({value / limit:.2f}x)"
    return {"name": name, "status": "MISS", "value": value, "limit": limit, "detail": detail}


def _ratio_check(name: str, ratio: float, limit: float, what: str) -> dict[str, Any]:
    """A check `ratio <= limit` where limit is itself derived from the data."""
    status = "PASS" if ratio <= limit else "MISS"
    margin = f"{limit / ratio:.2f}x headroom" if status == "PASS" else f"{ratio / limit:.2f}x over"
    return {"name": name, "status": status, "value": round(ratio, 3), "limit": round(limit, 3),
            "detail": f"{what}: {ratio:.2f}x against at most {limit:.2f}x ({margin})"}


TIME_KEYS = {"full_s": "full", "incremental_s": "incremental"}  # time target key -> phase


def _count(value: float | None) -> str:
    """Format a (median) node count: an integer unless the median fell between two."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def nodes_text(medians: dict[str, Any], phase: str) -> str:
    """Return a phase's node count as `total (seeds/models/tests)`, '-' when not measured."""
    if medians.get(f"{phase}_nodes") is None:
        return "-"
    split = "/".join(_count(medians.get(f"{phase}_{kind}")) for kind in ("seeds", "models",
                                                                         "tests"))
    return f"{_count(medians[f'{phase}_nodes'])} ({split})"


def where_the_time_goes(tier_name: str, medians: dict[str, Any], phase: str) -> str:
    """Return where a phase's wall time goes: SQL vs dbt overhead and the nodes run (medians)."""
    wall, sql, overhead = (medians.get(f"{phase}{k}") for k in ("_s", "_sql_s", "_overhead_s"))
    if sql is None or overhead is None or wall is None:
        return (f"{tier_name} {phase}: SQL vs overhead not measured (results older than the "
                "run_results.json timing split)")
    text = (f"{tier_name} {phase} (medians): SQL {sql:g} s, dbt overhead {overhead:g} s "
            f"of {wall:g} s wall ({overhead / wall:.0%} overhead)")
    elapsed = medians.get(f"{phase}_dbt_elapsed_s")
    if elapsed is not None and elapsed <= wall:
        text += (f"; {wall - elapsed:.3g} s of the overhead is outside dbt's own elapsed time "
                 "(process start-up, project parsing)")
    execute_sum = medians.get(f"{phase}_execute_sum_s")
    if execute_sum is not None:
        text += f"; summed node SQL time {execute_sum:g} s"
    return text + f"; {nodes_text(medians, phase)} nodes (seeds/models/tests)"


HISTORY_TOLERANCE = 1.25  # L vs L1y incremental: twice the history may cost at most 25 % more


def compute_checks(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Compare the tiers against the product targets.

    Only tiers measured with the file's fingerprint take part; a check whose
    tiers are missing is SKIP. Cross-tier checks are only the ones defined here.
    """
    fingerprint = results.get("fingerprint", {})
    tiers = {name: t for name, t in results.get("tiers", {}).items()
             if not fingerprint_differences(t.get("fingerprint", fingerprint), fingerprint)}

    def med(name: str, key: str) -> float | None:
        return tiers[name]["medians"].get(key) if name in tiers else None

    def skip(name: str, needed: Sequence[str]) -> dict[str, Any] | None:
        missing = [t for t in needed if t not in tiers or med(t, "full_s") is None]
        if missing:
            return {"name": name, "status": "SKIP",
                    "detail": f"tier {', '.join(missing)} not measured on this machine"}
        return None

    checks = []
    for tier_name, name, key, limit, unit in (
        # issue 23's targets (DECISIONLOG.md, "Performance")
        ("L", "L full build <= 30 s", "full_s", 30.0, "s"),
        ("L", "L full build peak memory <= 3 GB", "full_peak_gb", 3.0, "GB"),
        ("L", "L incremental refresh <= 10 s", "incremental_s", 10.0, "s"),
        ("S", "S one-day refresh <= 5 s", "incremental_s", 5.0, "s"),
    ):
        check = skip(name, [tier_name]) or _limit_check(name, med(tier_name, key), limit, unit)
        if check["status"] == "MISS" and key in TIME_KEYS:
            check["where"] = where_the_time_goes(tier_name, tiers[tier_name]["medians"],
                                                 TIME_KEYS[key])
        checks.append(check)
    name = "incremental does not grow with history (L 730 days vs L1y 365 days)"
    checks.append(skip(name, ["L", "L1y"]) or _ratio_check(
        name, med("L", "incremental_s") / med("L1y", "incremental_s"), HISTORY_TOLERANCE,
        "incremental time L / L1y (history x2)"))
    name = "incremental grows at most with the new day's rows (M -> L)"
    checks.append(skip(name, ["M", "L"]) or _ratio_check(
        name, med("L", "incremental_s") / med("M", "incremental_s"),
        tiers["L"]["appended_rows_total"] / tiers["M"]["appended_rows_total"],
        "incremental time L / M vs appended rows L / M"))
    name = "full build grows at most linearly with rows (M -> L)"
    checks.append(skip(name, ["M", "L"]) or _ratio_check(
        name, med("L", "full_s") / med("M", "full_s"),
        tiers["L"]["raw_rows_total"] / tiers["M"]["raw_rows_total"],
        "full build time L / M vs raw rows L / M"))
    name = "L full build / DuckDB floor <= 5"
    checks.append(skip(name, ["L"]) or _limit_check(name, tiers["L"]["ratio_to_floor"], 5.0, "x"))
    return checks
