"""The PostgreSQL column of the benchmark: the same tier, full build and one-day refresh.

For the tiers in ``--postgres-tiers`` (default S and M), after DuckDB's runs and on the same
machine in the same `customer-health bench` run: one throwaway PostgreSQL server
(engines.postgres_server, 127.0.0.1 and a free port, durability off) for the whole bench; per
repetition every schema of the database is dropped, the tier's pristine raw warehouse is
copied in with ``customer-health load --target postgres`` (timed: load s), ``dbt build``
runs from scratch at the tier's last day (full), then the DuckDB file with one day appended
(bench.warehouses.append_one_day, the rows DuckDB's refresh gets) is copied in again (timed:
reload s; the loader replaces whole tables) and the same build runs at the new day
(incremental: the incremental models add that day). dbt's time, SQL/overhead split and
slowest nodes are measured as DuckDB's (bench.measure.run_dbt_measured); peak memory is dbt's
process tree, and the server's processes are sampled on their own (their RSS summed, so the
shared buffers count once per process: an upper bound).

When PostgreSQL cannot be found or installed, or the postgres extra is missing, the column
is skipped with one line saying why; DuckDB's results are unaffected.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from customer_health.bench.common import GB, BenchError, log
from customer_health.bench.measure import (
    _median_of,
    _median_slowest,
    phase_medians,
    run_dbt_measured,
)
from customer_health.bench.memory import PeakTreeRss
from customer_health.bench.tiers import Tier
from customer_health.bench.warehouses import _remove_database, append_one_day, ensure_raw
from customer_health.pipeline import settings
from customer_health.pipeline.dbt import Dbt, build_args

POSTGRES_TIERS = ("S", "M")


class BenchServer:
    """The bench's throwaway server, or why there is none (``reason``)."""

    def __init__(self) -> None:
        """Start the server; on a problem the user can fix, keep its one-line reason."""
        from customer_health.engines.postgres_server import ThrowawayServer
        from customer_health.engines.rawcopy import EngineSetupError

        self.server: ThrowawayServer | None = None
        self.reason: str | None = None
        self.base: Path | None = None
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            self.reason = ("the postgres extra is not installed "
                           "(pip install -e '.[postgres]'; make test installs it)")
            return
        # not under the project: as root the server runs as the postgres user, who must be
        # able to enter its folder
        self.base = Path(tempfile.mkdtemp(prefix="health_bench_pg_"))
        try:
            self.server = ThrowawayServer(self.base)
        except EngineSetupError as exc:
            self.reason = str(exc)
            shutil.rmtree(self.base, ignore_errors=True)

    @property
    def env(self) -> dict[str, str]:
        """The PG* variables of the server (empty when there is none)."""
        return dict(self.server.env) if self.server else {}

    def version(self) -> str | None:
        """The server's version (SHOW server_version)."""
        with self._connect() as cur:
            cur.execute("show server_version")
            return str(cur.fetchone()[0]).split()[0]

    def reset(self) -> None:
        """Drop every schema of the database but the system's and public (a fresh warehouse)."""
        with self._connect() as cur:
            cur.execute(
                "select nspname from pg_namespace where nspname not like 'pg\\_%' "
                "and nspname not in ('information_schema', 'public')")
            for (schema,) in cur.fetchall():
                cur.execute(f'drop schema "{schema}" cascade')

    def _connect(self) -> Any:
        import contextlib

        import psycopg2

        @contextlib.contextmanager
        def cursor() -> Any:
            assert self.server is not None
            con = psycopg2.connect(host="127.0.0.1", port=self.server.port, user="postgres",
                                   dbname=self.server.env["PGDATABASE"])
            try:
                with con, con.cursor() as cur:
                    yield cur
            finally:
                con.close()

        return cursor()

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self.server:
            self.server.stop()
        if self.base:
            shutil.rmtree(self.base, ignore_errors=True)


def load_raw(db_path: Path, env: dict[str, str]) -> float:
    """Copy the raw tables of a DuckDB file in with `customer-health load --target postgres`.

    Returns the command's wall seconds; BenchError with its message when it fails.
    """
    command = [settings.venv_executable("customer-health"), "load", "--target", "postgres",
               "--from-duckdb", str(db_path)]
    started = time.perf_counter()
    result = subprocess.run(command, env={**os.environ, **env}, text=True, capture_output=True)
    if result.returncode:
        raise BenchError(f"PostgreSQL load failed: {result.stderr.strip() or result.stdout}")
    return round(time.perf_counter() - started, 3)


def _measured(args: list[str], dbt: Dbt, run_dir: Path, server_pid: int | None) -> dict:
    """run_dbt_measured, with the server's process tree sampled meanwhile."""
    if server_pid is None:
        return run_dbt_measured(args, dbt, run_dir)
    with PeakTreeRss(server_pid) as server_memory:
        sample = run_dbt_measured(args, dbt, run_dir)
    sample["server_peak_gb"] = (round(server_memory.peak_bytes / GB, 3)
                                if server_memory.samples else None)
    return sample


def measure_tier_postgres(
    tier: Tier, repeat: int, workdir: Path, root: Path, server: BenchServer, keep: bool = False
) -> dict[str, Any]:
    """Measure one tier on PostgreSQL: load, full build, reload with one day, refresh."""
    assert server.server is not None
    pristine, meta = ensure_raw(tier, workdir)
    tier_dir = pristine.parent
    end = dt.date.fromisoformat(meta["generator"]["end_date"])
    target = tier_dir / "target_postgres"
    shutil.rmtree(target, ignore_errors=True)
    env = {**server.env, "HEALTH_TARGET": "postgres", "DBT_TARGET_PATH": str(target)}
    tier_dbt = Dbt(root, pristine, end, target="postgres", env=env)
    runs_dir = tier_dir / "runs_postgres"
    # parsed once, untimed, as DuckDB's runs (the cold parse is DuckDB's)
    run_dbt_measured(["parse"], tier_dbt, runs_dir / "parse")
    args = build_args()  # `customer-health run --target postgres` loads every seed
    loads, reloads, full, incremental = [], [], [], []
    for rep in range(1, repeat + 1):
        prefix = f"{tier.name} PostgreSQL run {rep}/{repeat}"
        server.reset()
        loads.append(load_raw(pristine, server.env))
        log(f"{prefix}: raw tables loaded in {loads[-1]:.1f} s; full build ...")
        runs = runs_dir / str(rep)
        full.append(_measured(args, tier_dbt, runs / "full", server.server.pid()))
        log(f"{prefix}: full build {full[-1]['wall_s']:.1f} s; reloading with "
            f"{end + dt.timedelta(days=1)} ...")
        scratch = tier_dir / "scratch-postgres.duckdb"
        _remove_database(scratch)
        shutil.copyfile(pristine, scratch)
        append_one_day(scratch, end)
        reloads.append(load_raw(scratch, server.env))
        _remove_database(scratch)
        dbt = tier_dbt.at(end + dt.timedelta(days=1))
        incremental.append(_measured(args, dbt, runs / "incremental", server.server.pid()))
        log(f"{prefix}: reload {reloads[-1]:.1f} s, incremental {incremental[-1]['wall_s']:.1f} s")
    if not keep:
        shutil.rmtree(runs_dir, ignore_errors=True)
    medians = {
        "load_s": round(sorted(loads)[len(loads) // 2], 3),
        "reload_s": round(sorted(reloads)[len(reloads) // 2], 3),
        "full_s": _median_of(full, "wall_s"),
        "full_peak_gb": _median_of(full, "peak_rss_gb"),
        "full_server_peak_gb": _median_of(full, "server_peak_gb"),
        "incremental_s": _median_of(incremental, "wall_s"),
        "incremental_peak_gb": _median_of(incremental, "peak_rss_gb"),
        "incremental_server_peak_gb": _median_of(incremental, "server_peak_gb"),
        "full_dbt_elapsed_s": _median_of(full, "dbt_elapsed_s"),
        "incremental_dbt_elapsed_s": _median_of(incremental, "dbt_elapsed_s"),
        **phase_medians("full", full),
        **phase_medians("incremental", incremental),
    }
    slowest = {"full": _median_slowest(full), "incremental": _median_slowest(incremental)}
    for sample in (*full, *incremental):
        del sample["execution_times"]
    return {
        "server_version": server.version(),
        "repeat": repeat,
        "samples": {"full": full, "incremental": incremental, "load": loads,
                    "reload": reloads},
        "medians": medians,
        "slowest": slowest,
    }
