"""Benchmark harness: `customer-health bench` (`make bench`).

For each tier (a demo portfolio of a fixed size, see :data:`TIERS`) and each
repetition, on a scratch copy of the tier's generated warehouse:

1. the *floor*: DuckDB alone (in this process, the profile's thread count and
   memory limit) scans every raw table once with one grouped aggregate;
2. the *full build*: ``dbt build`` from scratch, as ``customer-health run``
   runs it, at the last day of the history;
3. the *incremental refresh*: one new day of raw rows is appended (the rows of
   the last day, shifted by one day, with new ids) and the same ``dbt build``
   runs again (not ``--full-refresh``) at the new day.

Each dbt run is timed (wall clock) and its peak memory is the peak over time of
the summed resident set size of the dbt process and all its descendants,
sampled from ``/proc`` every 50 ms. From dbt's ``run_results.json`` of each run
come the nodes executed (by resource type: seeds, models, tests) and where the
wall time goes: ``sql_s``, the union of the nodes' ``execute`` intervals (time
during which at least one node's SQL was running), and ``overhead_s``, the rest
of the wall time (start-up, parsing, compilation, scheduling, writing results).
Medians over the repetitions, every sample, the slowest nodes and a machine
fingerprint land in ``bench/results.json``; a Markdown report goes to stdout,
``bench/RESULTS.md`` and (``--update-readme``) the README. Results files from
before the node counts and the SQL split still render (``-`` for those columns).

Results measured on different machines (fingerprints) are never merged or
compared: a run on another machine is refused unless ``--replace`` starts a
fresh file.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from customer_health import project, runner

if TYPE_CHECKING:
    from customer_health.generator import GeneratorConfig

RESULTS_SCHEMA_VERSION = 1
END_DATE = dt.date(2026, 6, 30)
SEED = 42
SLOWEST_COUNT = 10
SAMPLE_INTERVAL_S = 0.05
GB = 1e9  # DuckDB's unit: memory_limit '8GB' is 8e9 bytes
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
MAKE_COMMAND = "customer-health bench --update-readme"


@dataclasses.dataclass(frozen=True)
class Tier:
    """A benchmark portfolio: generator knobs (seed and end date are shared)."""

    name: str
    n_accounts: int
    history_days: int
    usage_intensity: float
    ticket_intensity: float = 0.8
    survey_intensity: float = 0.1
    touchpoint_intensity: float = 0.15
    purpose: str = ""


# Intensities calibrated with GENERATOR_VERSION 1.0.0 (seed 42, end 2026-06-30), usage events:
# S 200k, M 2.02M, L 11.83M (and 1.13M tickets, 370k survey responses, 539k touchpoints),
# L1y 6.18M.
TIERS: dict[str, Tier] = {
    tier.name: tier
    for tier in (
        Tier("S", 1_000, 730, 0.14, purpose="~200k usage events"),
        Tier("M", 20_000, 730, 0.068, purpose="~2M usage events"),
        Tier("L", 100_000, 730, 0.08, purpose=">=10M usage events, >=1M tickets"),
        Tier("L1y", 100_000, 365, 0.08, purpose="L with one year of history"),
    )
}


@dataclasses.dataclass(frozen=True)
class RawTable:
    """A raw contract table: its key and the timestamp the floor aggregates."""

    name: str
    id_column: str
    time_column: str
    is_event: bool  # an event table gets a new day appended for the incremental run


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable("accounts", "account_id", "created_at", False),
    RawTable("contacts", "contact_id", "created_at", False),
    RawTable("usage_events", "event_id", "occurred_at", True),
    RawTable("tickets", "ticket_id", "created_at", True),
    RawTable("survey_responses", "response_id", "responded_at", True),
    RawTable("subscription_events", "subscription_event_id", "occurred_at", True),
    RawTable("touchpoints", "touchpoint_id", "occurred_at", True),
)


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


# --------------------------------------------------------------------------------------------
# Tiers: generation (cached) and raw data
# --------------------------------------------------------------------------------------------


def tier_config(tier: Tier) -> GeneratorConfig:
    """Return the generator configuration of a tier."""
    from customer_health.generator import GeneratorConfig

    return GeneratorConfig(
        n_accounts=tier.n_accounts,
        history_days=tier.history_days,
        end_date=END_DATE,
        seed=SEED,
        usage_intensity=tier.usage_intensity,
        ticket_intensity=tier.ticket_intensity,
        survey_intensity=tier.survey_intensity,
        touchpoint_intensity=tier.touchpoint_intensity,
    )


def generator_identity(config: GeneratorConfig) -> dict[str, Any]:
    """Return what determines a generated warehouse: the config and the generator version."""
    from customer_health.generator import GENERATOR_VERSION

    fields = {k: (v.isoformat() if isinstance(v, dt.date) else v)
              for k, v in dataclasses.asdict(config).items()}
    return {"generator_version": GENERATOR_VERSION, **fields}


def identity_hash(identity: dict[str, Any]) -> str:
    """Return a stable hash of a generator identity."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def raw_row_counts(db_path: Path) -> dict[str, int]:
    """Return the row count of every raw contract table in the warehouse."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {
            t.name: int(con.execute(f"select count(*) from raw.{t.name}").fetchone()[0])
            for t in RAW_TABLES
        }
    finally:
        con.close()


def _remove_database(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log, if present."""
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def ensure_raw(tier: Tier, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """Return the pristine warehouse of a tier and its sidecar, generating it when needed.

    The warehouse ``<workdir>/<tier>/pristine.duckdb`` is reused when its
    sidecar ``pristine.json`` carries the hash of the same generator config and
    version. (Not ``raw.duckdb``: DuckDB names the catalog after the file, and a
    catalog ``raw`` makes the schema ``raw`` ambiguous.)
    """
    from customer_health.generator import write_warehouse

    config = tier_config(tier)
    identity = generator_identity(config)
    digest = identity_hash(identity)
    tier_dir = workdir / tier.name
    pristine, sidecar = tier_dir / "pristine.duckdb", tier_dir / "pristine.json"
    if pristine.exists() and sidecar.exists():
        meta = json.loads(sidecar.read_text())
        if meta.get("hash") == digest:
            log(f"{tier.name}: reusing {pristine} (generator config unchanged)")
            return pristine, meta
    tier_dir.mkdir(parents=True, exist_ok=True)
    sidecar.unlink(missing_ok=True)
    partial = tier_dir / "partial.duckdb"
    _remove_database(partial)
    log(f"{tier.name}: generating {tier.n_accounts:,} accounts x {tier.history_days} days ...")
    started = time.perf_counter()
    write_warehouse(partial, config)
    _remove_database(pristine)
    os.replace(partial, pristine)
    meta = {
        "hash": digest,
        "generator": identity,
        "raw_rows": raw_row_counts(pristine),
        "generation_s": round(time.perf_counter() - started, 2),
    }
    sidecar.write_text(json.dumps(meta, indent=2) + "\n")
    log(f"{tier.name}: generated in {meta['generation_s']:.1f} s, "
        f"{sum(meta['raw_rows'].values()):,} raw rows")
    return pristine, meta


def append_one_day(db_path: Path, last_day: dt.date, suffix: str = "_d1") -> dict[str, int]:
    """Append one new day of raw events: the rows of ``last_day``, one day later.

    For every raw event table, the rows whose event time falls on ``last_day``
    are copied with every timestamp column (including the load time
    ``_loaded_at``) shifted by one day and ``suffix`` appended to their key.
    Returns the number of rows appended per table.
    """
    start = dt.datetime.combine(last_day, dt.time())
    end = start + dt.timedelta(days=1)
    con = duckdb.connect(str(db_path))
    try:
        appended: dict[str, int] = {}
        con.execute("begin transaction")
        for table in (t for t in RAW_TABLES if t.is_event):
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table.name],
            ).fetchall()
            names, exprs = [], []
            for name, data_type in columns:
                quoted = f'"{name}"'
                names.append(quoted)
                if name == table.id_column:
                    exprs.append(f"cast({quoted} as varchar) || '{suffix}'")
                elif str(data_type).upper().startswith("TIMESTAMP"):
                    exprs.append(f"{quoted} + interval 1 day")
                else:
                    exprs.append(quoted)
            inserted = con.execute(
                f"insert into raw.{table.name} ({', '.join(names)}) "
                f"select {', '.join(exprs)} from raw.{table.name} "
                f"where {table.time_column} >= ? and {table.time_column} < ?",
                [start, end],
            ).fetchone()
            appended[table.name] = int(inserted[0])
        con.execute("commit")
        con.execute("checkpoint")
        return appended
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def _children_by_parent() -> dict[int, list[int]]:
    """Return the live processes grouped by parent pid (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields follow the last ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        children[int(fields[1])].append(int(entry.name))
    return children


def process_tree_rss(root_pid: int) -> int:
    """Return the summed resident set size (bytes) of a process and all its descendants."""
    children = _children_by_parent()
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue  # the process ended between the listing and the read
        todo.extend(children.get(pid, ()))
    return total


class PeakTreeRss:
    """Context manager: a thread samples the process tree's RSS and keeps the peak."""

    def __init__(self, pid: int, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        """Sample the tree rooted at pid every interval_s seconds."""
        self.pid = pid
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        self.peak_bytes = max(self.peak_bytes, process_tree_rss(self.pid))
        self.samples += 1

    def _loop(self) -> None:
        self._sample()
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> PeakTreeRss:
        if Path("/proc").is_dir():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


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


def run_dbt_measured(
    args: list[str], root: Path, db_path: Path, run_dir: Path, target: Path, as_of: dt.date
) -> dict[str, Any]:
    """Run one dbt command with its own log path; time it and sample its memory.

    The target path is the tier's, kept across runs like a deployment's target/ folder,
    so dbt's partial-parse cache survives from one run to the next; the scoring date is
    passed as `HEALTH_AS_OF_DATE` (project.dbt_env), as `customer-health run` does.
    dbt starts through customer_health.runner, which runs PeakTreeRss while dbt runs.
    Raises BenchError (the failing nodes, the log, the end of dbt's output) when dbt fails.
    """
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    (target / "run_results.json").unlink(missing_ok=True)
    env = {"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(run_dir / "logs")}
    output = run_dir / "dbt_output.txt"
    memory: PeakTreeRss | None = None

    def watch(pid: int) -> PeakTreeRss:
        nonlocal memory
        memory = PeakTreeRss(pid)
        return memory

    with output.open("w") as out:
        started = time.perf_counter()
        try:
            runner.run(args, root, db_path, as_of=as_of, env=env, stdout=out, watch=watch)
        except runner.DbtFailure as exc:
            tail = output.read_text(errors="replace")[-4000:]
            raise BenchError(f"{exc}\n(output: {output}) on {db_path}:\n{tail}") from None
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


def duckdb_settings() -> dict[str, Any]:
    """Return the DuckDB threads and memory limit of the profile (same env vars and defaults)."""
    return {
        "threads": int(os.environ.get("HEALTH_DUCKDB_THREADS", "2")),
        "memory_limit": os.environ.get("HEALTH_DUCKDB_MEMORY_LIMIT", "4GB"),
    }


def floor_scan(db_path: Path) -> dict[str, Any]:
    """Time DuckDB alone scanning every raw table once with one grouped aggregate.

    Per table: group by account, count(*) and the max of its timestamp. Runs in
    this process with the profile's DuckDB threads and memory limit.
    """
    con = duckdb.connect(str(db_path), read_only=True, config=duckdb_settings())
    try:
        per_table: dict[str, float] = {}
        started = time.perf_counter()
        for table in RAW_TABLES:
            table_started = time.perf_counter()
            con.execute(
                "select count(*), sum(n), max(last_at) from ("
                f"select account_id, count(*) as n, max({table.time_column}) as last_at "
                f"from raw.{table.name} group by account_id)"
            ).fetchall()
            per_table[table.name] = round(time.perf_counter() - table_started, 4)
        return {"wall_s": round(time.perf_counter() - started, 4), "per_table": per_table}
    finally:
        con.close()


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
    con = duckdb.connect(str(db_path), read_only=True)
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
    # dbt parses the project once, untimed, as a deployment that keeps its target/ folder
    # would have done before; the cold parse is reported on its own
    target = tier_dir / "target"
    shutil.rmtree(target, ignore_errors=True)
    cold_parse = run_dbt_measured(["parse"], root, pristine, tier_dir / "runs" / "parse", target,
                                  end)
    log(f"{tier.name}: cold parse {cold_parse['wall_s']:.1f} s")
    for rep in range(1, repeat + 1):
        scratch = tier_dir / (f"scratch-{rep}.duckdb" if keep else "scratch.duckdb")
        _remove_database(scratch)
        shutil.copyfile(pristine, scratch)
        floor.append(floor_scan(scratch))
        prefix = f"{tier.name} run {rep}/{repeat}"
        log(f"{prefix}: floor {floor[-1]['wall_s']:.2f} s; full build ...")
        runs = tier_dir / "runs" / str(rep)
        full.append(
            run_dbt_measured(project.plan_build(target, scratch, root=root), root, scratch,
                             runs / "full", target, end)
        )
        project.record_success(target, scratch, root)  # as `customer-health run` does
        log(f"{prefix}: full build {full[-1]['wall_s']:.1f} s, "
            f"peak {full[-1]['peak_rss_gb']} GB; appending {end + dt.timedelta(days=1)} ...")
        appended.append(append_one_day(scratch, end))
        incremental.append(
            run_dbt_measured(project.plan_build(target, scratch, root=root), root, scratch,
                             runs / "incremental", target,
                             end + dt.timedelta(days=1))
        )
        project.record_success(target, scratch, root)
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
        "ratio_to_floor": round(medians["full_s"] / medians["floor_s"], 1),
        "rows_per_s": round(raw_total / medians["full_s"]),
    }


# --------------------------------------------------------------------------------------------
# Machine fingerprint, results file, checks
# --------------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) * 1024 / GB)
    except OSError:
        pass
    return None


def machine_fingerprint() -> dict[str, Any]:
    """Return what makes timings comparable: machine, versions and engine settings."""
    return {
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": importlib.metadata.version("dbt-core"),
        "dbt_duckdb": importlib.metadata.version("dbt-duckdb"),
        "dbt_threads": int(os.environ.get("HEALTH_THREADS", "8")),
        "duckdb_threads": duckdb_settings()["threads"],
        "duckdb_memory_limit": duckdb_settings()["memory_limit"],
    }


def fingerprint_differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Return the fingerprint keys whose values differ (empty: same machine and settings)."""
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def git_state(root: Path) -> dict[str, Any]:
    """Return the commit of the project checkout and whether it has uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=root, text=True, capture_output=True)
        except OSError:
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def load_results(path: Path) -> dict[str, Any] | None:
    """Return the results file, or None when it does not exist."""
    if not path.exists():
        return None
    try:
        results = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path} is not valid JSON ({exc}); fix it or use --replace") from exc
    if not isinstance(results, dict) or "fingerprint" not in results:
        raise BenchError(f"{path} is not a bench results file; use --replace")
    return results


def check_mergeable(
    existing: dict[str, Any] | None, fingerprint: dict[str, Any], replace: bool = False
) -> None:
    """Refuse (FingerprintMismatch) to add results to a file measured on another machine."""
    if existing is None or replace:
        return
    differences = fingerprint_differences(existing["fingerprint"], fingerprint)
    if differences:
        detail = "; ".join(
            f"{k}: {existing['fingerprint'].get(k)!r} in the file, {fingerprint.get(k)!r} here"
            for k in differences
        )
        raise FingerprintMismatch(
            "refusing to mix machines: the results file was measured on a different machine "
            f"or setup ({detail}). Run every tier again with --replace to start a fresh file."
        )


def merge_results(
    existing: dict[str, Any] | None,
    tiers: dict[str, dict[str, Any]],
    fingerprint: dict[str, Any],
    replace: bool = False,
) -> dict[str, Any]:
    """Return the results file with these tiers measured on this machine added.

    Tiers already in the file and not measured now are kept only when the file's
    fingerprint equals this one; otherwise FingerprintMismatch, unless replace
    (a fresh file holding only these tiers).
    """
    check_mergeable(existing, fingerprint, replace)
    merged: dict[str, Any] = {"schema_version": RESULTS_SCHEMA_VERSION, "fingerprint": fingerprint,
                              "tiers": {}}
    if existing is not None and not replace:
        merged["tiers"] = copy.deepcopy(existing.get("tiers", {}))
    for name, tier in tiers.items():
        merged["tiers"][name] = {**tier, "fingerprint": fingerprint}
    merged["tiers"] = dict(sorted(merged["tiers"].items(), key=lambda kv: _tier_order(kv[0])))
    merged["updated_at"] = _now()
    merged["checks"] = compute_checks(merged)
    return merged


def _tier_order(name: str) -> tuple[int, str]:
    order = list(TIERS)
    return (order.index(name) if name in order else len(order), name)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


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
        ("L", "L full build <= 60 s", "full_s", 60.0, "s"),
        ("L", "L full build peak memory <= 6 GB", "full_peak_gb", 6.0, "GB"),
        ("L", "L incremental refresh <= 15 s", "incremental_s", 15.0, "s"),
        ("S", "S one-day refresh <= 10 s", "incremental_s", 10.0, "s"),
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


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1, missing: str = "n/a") -> str:
    return missing if value is None else f"{value:,.{digits}f}"


def render_table(results: dict[str, Any]) -> str:
    """Return the Markdown table of the tiers."""
    lines = [
        "| tier | accounts | usage events | total raw rows | full build s | full peak GB "
        "| incremental s | incremental peak GB | floor s | ratio | rows/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, tier in results["tiers"].items():
        m = tier["medians"]
        lines.append(
            f"| {name} | {tier['generator']['n_accounts']:,} "
            f"| {tier['raw_rows']['usage_events']:,} | {tier['raw_rows_total']:,} "
            f"| {_fmt(m['full_s'])} | {_fmt(m['full_peak_gb'], 2)} "
            f"| {_fmt(m['incremental_s'])} | {_fmt(m['incremental_peak_gb'], 2)} "
            f"| {_fmt(m['floor_s'], 2)} | {_fmt(tier['ratio_to_floor'])} "
            f"| {tier['rows_per_s']:,} |"
        )
    return "\n".join(lines)


TIME_SPLIT_NOTE = (
    "Where the time goes (medians over the runs): nodes is the count of results in dbt's "
    "`run_results.json` (seeds/models/tests, tests including unit tests); SQL s is the time "
    "during which at least one node's SQL was running (the union of the nodes' `execute` "
    "intervals; SQL sum s adds them up, counting overlapping nodes more than once); overhead s "
    "is the wall time minus SQL s (start-up, parsing, compilation, scheduling, writing results). "
    "'-': not measured (results from before this split)."
)


def render_time_split(results: dict[str, Any]) -> str:
    """Return the Markdown table of nodes run and SQL vs overhead seconds, per tier and phase."""
    lines = [
        TIME_SPLIT_NOTE,
        "",
        "| tier | full nodes (seeds/models/tests) | full SQL s | full SQL sum s "
        "| full overhead s | incremental nodes (seeds/models/tests) | incremental SQL s "
        "| incremental SQL sum s | incremental overhead s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, tier in results["tiers"].items():
        m = tier["medians"]
        cells = [name]
        for phase in ("full", "incremental"):
            cells.append(nodes_text(m, phase))
            cells += [_fmt(m.get(f"{phase}_{key}"), missing="-")
                      for key in ("sql_s", "execute_sum_s", "overhead_s")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_machine(results: dict[str, Any]) -> str:
    """Return one paragraph describing the machine and the software measured."""
    f = results["fingerprint"]
    return (
        f"Machine: {f['cpu_model']}, {f['logical_cpus']} logical CPUs, {f['memory_gb']} GB RAM, "
        f"{f['os']}; Python {f['python']}, DuckDB {f['duckdb']}, dbt-core {f['dbt_core']}, "
        f"dbt-duckdb {f['dbt_duckdb']}; dbt threads {f['dbt_threads']}, DuckDB threads "
        f"{f['duckdb_threads']}, DuckDB memory limit {f['duckdb_memory_limit']}."
    )


def render_runs(results: dict[str, Any]) -> str:
    """Return when, at which commit and with which command the tiers were measured."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for name, tier in results["tiers"].items():
        git = tier.get("git") or {}
        key = (git.get("commit"), git.get("dirty"), tier.get("repeat"), tier.get("command"))
        groups[key].append(name)
    lines = []
    for (commit, dirty, repeat, command), names in groups.items():
        stamps = sorted(str(results["tiers"][n].get("measured_at", "?"))[:16].replace("T", " ")
                        for n in names)
        when = ", ".join(dict.fromkeys(stamps))  # each tier's start, in order
        version = f"commit {commit[:10]}" if commit else "not a git checkout"
        version += " with uncommitted changes" if dirty else ""
        lines.append(f"{', '.join(names)}: started {when} UTC, {version}, medians of "
                     f"{repeat} run{'s' if repeat != 1 else ''}, `{command or MAKE_COMMAND}`.")
    return "Runs:\n\n" + "\n".join(f"- {line}" for line in lines)


def render_checks(results: dict[str, Any]) -> str:
    """Return the checks as a Markdown list."""
    lines = []
    for check in results["checks"]:
        lines.append(f"- **{check['status']}** {check['name']}: {check['detail']}")
        if check.get("where"):
            lines.append(f"  - where the time goes: {check['where']}")
    return "\n".join(lines)


def render_cold_parse(results: dict[str, Any]) -> str:
    """Return the cold parse time of each tier (not in the full or incremental times)."""
    parts = [
        f"{name} {_fmt(tier['medians'].get('cold_parse_s'))} s"
        for name, tier in sorted(results["tiers"].items(), key=lambda item: _tier_order(item[0]))
        if tier["medians"].get("cold_parse_s") is not None
    ]
    return ("Cold parse (the first `dbt parse` of the project, once per tier, not in the "
            "times above): " + ", ".join(parts) + ".") if parts else ""


def render_report(results: dict[str, Any]) -> str:
    """Return the text of the README section and bench/RESULTS.md."""
    return "\n\n".join(part for part in [
        render_table(results),
        render_time_split(results),
        render_cold_parse(results),
        render_machine(results),
        render_runs(results),
        f"Command: `make bench` (`{MAKE_COMMAND}`; options in `customer-health bench --help`).",
        "Checks against the targets:\n\n" + render_checks(results),
    ] if part)


def render_slowest(results: dict[str, Any], tier_names: Iterable[str]) -> str:
    """Return, per tier, the slowest nodes of the full build and of the incremental refresh."""
    blocks = []
    for name in tier_names:
        tier = results["tiers"][name]
        for phase in ("full", "incremental"):
            rows = "\n".join(f"  {i:>2}. {n['execution_time']:>8.2f} s  {n['unique_id']}"
                             for i, n in enumerate(tier["slowest"][phase], 1))
            blocks.append(f"Slowest {SLOWEST_COUNT}, {name} {phase} "
                          f"(median over {tier['repeat']} runs):\n{rows}")
    return "\n\n".join(blocks)


def replace_between_markers(text: str, block: str) -> str:
    """Return text with the content between the bench markers replaced by block."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise BenchError(f"README markers {README_START} ... {README_END} not found")
    return text[: start + len(README_START)] + "\n" + block.strip() + "\n" + text[end:]


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def parse_tiers(text: str) -> list[str]:
    """Return the tier names of a comma-separated list (validated, in the given order)."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in names if t not in TIERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown tier(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(TIERS)}")
    return list(dict.fromkeys(names))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `bench` options to a (sub)parser."""
    parser.add_argument("--tiers", type=parse_tiers, default=list(TIERS),
                        help=f"comma-separated tiers (default {','.join(TIERS)})")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tier (median)")
    parser.add_argument("--workdir", type=Path, help="generated warehouses (default bench/work)")
    parser.add_argument("--results", type=Path,
                        help="results file (default bench/results.json)")
    parser.add_argument("--update-readme", action="store_true",
                        help="write the report between the bench markers of README.md")
    parser.add_argument("--replace", action="store_true",
                        help="start a fresh results file (needed on another machine)")
    parser.add_argument("--keep", action="store_true", help="keep scratch warehouses and runs")
    parser.set_defaults(func=run_cli)


def _command_line(args: argparse.Namespace) -> str:
    parts = ["customer-health bench", f"--tiers {','.join(args.tiers)}", f"--repeat {args.repeat}"]
    parts += [f"--{flag.replace('_', '-')}" for flag in ("update_readme", "replace")
              if getattr(args, flag)]
    return " ".join(parts)


def run_cli(args: argparse.Namespace) -> int:
    """Run the benchmark from parsed options; print the report; return the exit code."""
    root = project.project_dir()
    workdir = (args.workdir or root / "bench" / "work").resolve()
    results_path = (args.results or root / "bench" / "results.json").resolve()
    if args.repeat < 1:
        print("bench: --repeat must be >= 1", file=sys.stderr)
        return 2
    fingerprint = machine_fingerprint()
    try:
        existing = load_results(results_path)
        check_mergeable(existing, fingerprint, args.replace)  # refuse before hours of work
        measured: dict[str, dict[str, Any]] = {}
        for name in args.tiers:
            started = dt.datetime.now(dt.UTC).replace(microsecond=0)
            tier = measure_tier(TIERS[name], args.repeat, workdir, root, keep=args.keep)
            tier.update(measured_at=started.isoformat(), git=git_state(root),
                        command=_command_line(args))
            measured[name] = tier
        results = merge_results(existing, measured, fingerprint, args.replace)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    report = render_report(results)
    (results_path.parent / "RESULTS.md").write_text("# Benchmark results\n\n" + report + "\n")
    print(report)
    print()
    print(render_slowest(results, results["tiers"]))
    log(f"results written to {results_path}")
    if args.update_readme:
        readme = root / "README.md"
        try:
            readme.write_text(replace_between_markers(readme.read_text(), report))
        except (BenchError, OSError) as exc:
            print(f"bench: README not updated: {exc}", file=sys.stderr)
            return 1
        log(f"README updated: {readme}")
    return 0
