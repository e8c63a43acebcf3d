"""Measuring one tier: dbt runs timed and sampled (pipeline.dbt.Dbt), medians."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from customer_health.bench.common import GB, SLOWEST_COUNT, BenchError, log, median
from customer_health.bench.floor import floor_scan
from customer_health.bench.memory import PeakTreeRss
from customer_health.bench.profile import profile_models
from customer_health.bench.run_results import count_nodes, slowest_nodes, sql_time_split
from customer_health.bench.tiers import Tier
from customer_health.bench.warehouses import _remove_database, append_one_day, ensure_raw
from customer_health.pipeline import relations
from customer_health.pipeline.dbt import Dbt, DbtFailure
from customer_health.pipeline.run import plan_seeds, recorded_build


def run_dbt_measured(args: list[str], dbt: Dbt, run_dir: Path) -> dict[str, Any]:
    """Run one dbt command with its own log path; time it and sample its memory.

    dbt's target path (DBT_TARGET_PATH in its env) is the tier's, kept across runs like a
    deployment's target/ folder, so dbt's partial-parse cache survives from one run to the
    next; the scoring date is dbt's (HEALTH_AS_OF_DATE), as `customer-health run` does.
    dbt starts through pipeline.dbt.Dbt.run, which runs PeakTreeRss while dbt runs.
    Raises BenchError (the failing nodes, the log, the end of dbt's output) when dbt fails.
    """
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    target = dbt.target_path()
    (target / "run_results.json").unlink(missing_ok=True)
    dbt = dbt.replace(env={**dbt.env, "DBT_LOG_PATH": str(run_dir / "logs")})
    output = run_dir / "dbt_output.txt"
    memory: PeakTreeRss | None = None

    def watch(pid: int) -> PeakTreeRss:
        nonlocal memory
        memory = PeakTreeRss(pid)
        return memory

    with output.open("w") as out:
        started = time.perf_counter()
        try:
            dbt.run(args, stdout=out, watch=watch)
        except DbtFailure as exc:
            tail = output.read_text(errors="replace")[-4000:]
            raise BenchError(f"{exc}\n(output: {output}) on {dbt.db_path}:\n{tail}") from None
        wall_s = time.perf_counter() - started
    assert memory is not None
    results_file = target / "run_results.json"  # `dbt parse` writes none
    run_results = json.loads(results_file.read_text()) if results_file.exists() else {}
    statuses: dict[str, int] = defaultdict(int)
    for result in run_results.get("results", []):
        statuses[str(result.get("status"))] += 1
    return {
        "wall_s": round(wall_s, 3),
        "peak_rss_gb": round(memory.peak_bytes / GB, 3) if memory.samples else None,
        "memory_samples": memory.samples,
        "dbt_elapsed_s": round(float(run_results.get("elapsed_time") or 0.0), 3),
        "nodes": len(run_results.get("results", [])),
        "node_counts": count_nodes(run_results),
        **sql_time_split(run_results, wall_s),
        "statuses": dict(statuses),
        "slowest": slowest_nodes(run_results),
        "execution_times": {
            r["unique_id"]: round(r.get("execution_time") or 0.0, 3)
            for r in run_results.get("results", [])
        },
    }


def _median_slowest(samples: Sequence[dict[str, Any]], count: int = SLOWEST_COUNT) -> list[dict]:
    """Return the nodes with the highest median execution time over samples."""
    times: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        for unique_id, seconds in sample["execution_times"].items():
            times[unique_id].append(seconds)
    ranked = sorted(((median(v), k) for k, v in times.items()), reverse=True)[:count]
    return [{"unique_id": k, "execution_time": round(v, 3)} for v, k in ranked]


def _median_of(samples: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [s[key] for s in samples if s.get(key) is not None]
    return round(median(values), 3) if values else None


def _median_count(samples: Sequence[dict[str, Any]], kind: str) -> float | None:
    """Return the median node count of one kind (see count_nodes) over samples."""
    values = [s["node_counts"][kind] for s in samples if kind in s.get("node_counts", {})]
    return round(median(values), 1) if values else None


def phase_medians(phase: str, samples: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Return the medians of a phase's node counts and SQL/overhead split, keyed by phase.

    Keys: ``<phase>_nodes`` (all results), ``<phase>_seeds``, ``<phase>_models``,
    ``<phase>_tests`` (data and unit tests), ``<phase>_sql_s``, ``<phase>_execute_sum_s``
    and ``<phase>_overhead_s``; None where the samples lack them.
    """
    medians: dict[str, float | None] = {
        f"{phase}_{key}": _median_count(samples, kind)
        for key, kind in (("nodes", "total"), ("seeds", "seeds"), ("models", "models"),
                          ("tests", "tests"))
    }
    for key in ("sql_s", "execute_sum_s", "overhead_s"):
        medians[f"{phase}_{key}"] = _median_of(samples, key)
    return medians


def scored_through(db_path: Path) -> str | None:
    """Return the last score date in marts.health_score_daily (None when there is none)."""
    con = relations.connect(db_path)
    try:
        last = con.execute("select max(score_date) from marts.health_score_daily").fetchone()[0]
        return last.isoformat() if last else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def measure_tier(
    tier: Tier, repeat: int, workdir: Path, root: Path, keep: bool = False
) -> dict[str, Any]:
    """Measure one tier: floor, full build and one-day incremental, repeat times."""
    pristine, meta = ensure_raw(tier, workdir)
    tier_dir = pristine.parent
    end = dt.date.fromisoformat(meta["generator"]["end_date"])
    full, incremental, floor, appended = [], [], [], []
    profiled: list[dict[str, Any]] = []
    # dbt parses the project once, untimed, as a deployment that keeps its target/ folder
    # would have done before; the cold parse is reported on its own
    target = tier_dir / "target"
    shutil.rmtree(target, ignore_errors=True)
    # one invocation object per warehouse: the tier's target folder, the scoring date
    tier_dbt = Dbt(root, pristine, end, env={"DBT_TARGET_PATH": str(target)})
    cold_parse = run_dbt_measured(["parse"], tier_dbt, tier_dir / "runs" / "parse")
    log(f"{tier.name}: cold parse {cold_parse['wall_s']:.1f} s")
    for rep in range(1, repeat + 1):
        scratch = tier_dir / (f"scratch-{rep}.duckdb" if keep else "scratch.duckdb")
        _remove_database(scratch)
        shutil.copyfile(pristine, scratch)
        floor.append(floor_scan(scratch))
        prefix = f"{tier.name} run {rep}/{repeat}"
        log(f"{prefix}: floor {floor[-1]['wall_s']:.2f} s; full build ...")
        runs = tier_dir / "runs" / str(rep)
        dbt = tier_dbt.replace(db_path=scratch)
        # the seed plan and the last-success record of `customer-health run` (pipeline.run)
        _, args = plan_seeds(dbt, full_refresh=False)
        with recorded_build(dbt):
            full.append(run_dbt_measured(args, dbt, runs / "full"))
        log(f"{prefix}: full build {full[-1]['wall_s']:.1f} s, "
            f"peak {full[-1]['peak_rss_gb']} GB")
        if rep == 1:  # where the slowest models' time goes (bench.profile), once per tier
            build_results = json.loads((target / "run_results.json").read_text())
            profiled = profile_models(scratch, build_results)
            log(f"{prefix}: profiled the {len(profiled)} slowest models alone; "
                f"appending {end + dt.timedelta(days=1)} ...")
        appended.append(append_one_day(scratch, end))
        dbt = dbt.at(end + dt.timedelta(days=1))
        _, args = plan_seeds(dbt, full_refresh=False)
        with recorded_build(dbt):
            incremental.append(run_dbt_measured(args, dbt, runs / "incremental"))
        incremental[-1]["scored_through"] = scored_through(scratch)  # the new day, if it ran
        log(f"{prefix}: incremental {incremental[-1]['wall_s']:.1f} s, "
            f"peak {incremental[-1]['peak_rss_gb']} GB")
        if not keep:
            _remove_database(scratch)
            shutil.rmtree(runs, ignore_errors=True)
    if not keep:
        shutil.rmtree(tier_dir / "runs", ignore_errors=True)
    raw_total = sum(meta["raw_rows"].values())
    medians = {
        "full_s": _median_of(full, "wall_s"),
        "full_peak_gb": _median_of(full, "peak_rss_gb"),
        "incremental_s": _median_of(incremental, "wall_s"),
        "incremental_peak_gb": _median_of(incremental, "peak_rss_gb"),
        "floor_s": _median_of(floor, "wall_s"),
        "cold_parse_s": cold_parse["wall_s"],
        # dbt's own elapsed time: the wall time without start-up and project parsing
        "full_dbt_elapsed_s": _median_of(full, "dbt_elapsed_s"),
        "incremental_dbt_elapsed_s": _median_of(incremental, "dbt_elapsed_s"),
        # where the time goes: nodes run, SQL time (union of execute intervals) and the rest
        **phase_medians("full", full),
        **phase_medians("incremental", incremental),
    }
    slowest = {"full": _median_slowest(full), "incremental": _median_slowest(incremental)}
    for sample in (*full, *incremental):
        del sample["execution_times"]  # each sample keeps its own slowest ten
    return {
        "tier": tier.name,
        "purpose": tier.purpose,
        "generator": meta["generator"],
        "raw_rows": meta["raw_rows"],
        "raw_rows_total": raw_total,
        "appended_rows": appended[0],
        "appended_rows_total": sum(appended[0].values()),
        "repeat": repeat,
        "samples": {"full": full, "incremental": incremental, "floor": floor},
        "medians": medians,
        "slowest": slowest,
        "profile": profiled,
        "ratio_to_floor": round(medians["full_s"] / medians["floor_s"], 1),
        "rows_per_s": round(raw_total / medians["full_s"]),
    }
