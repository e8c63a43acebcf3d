"""The daily run as named steps, and the Spark run: every caller composes these, none restates one.

`customer-health run` (:func:`daily_run`) runs them in this order, holding the run lock:

1. ``lock``       one run at a time per warehouse (pipeline.lock; exit 75 when held)
2. ``demo``       the demo warehouse generated when needed (pipeline.demo)
3. ``preflight``  the raw contract checked before any model runs (exit 3 when broken)
4. ``raw checks`` the raw Great Expectations suite (a report: it warns, never blocks)
5. ``seed plan``  the seeds unchanged since the last green build skipped (pipeline.seeds)
6. ``build``      dbt build (pipeline.dbt.Dbt); the last-success record dropped before it and
                  written after a green build (:func:`recorded_build`)
7. ``backfill``   optional (--backfill-days): the days before the scoring date
8. ``marts checks`` the marts suite (blocking: a failure publishes nothing)
9. ``summary``, ``publish`` (pipeline.publish, atomic), ``notify`` (customer_health.notify)

The Dagster assets (orchestration/definitions.py) call the same steps: lock, preflight,
seed plan and :func:`build_step` in the dbt asset (its run_results.json then becomes one
materialisation per node and one asset check result per dbt test), :func:`validate_stage`
in the asset checks, :func:`publish_marts` in the publication asset. The Spark run
(:func:`spark_run`) is the build and the summary on the Spark target. Exit codes: EXIT_*
below (README, "Reliability").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb

from customer_health.pipeline import lock, relations, seeds
from customer_health.pipeline.dbt import Dbt, DbtFailure, build_args

# Exit codes of `customer-health run` (README, "Reliability"): a scheduler can rely on them.
EXIT_OK = 0
EXIT_FAILED = 1  # dbt build failed (or was killed), or the marts suite failed: nothing published
EXIT_USAGE = 2  # a bad argument
EXIT_PREFLIGHT = 3  # the raw tables break the raw contract: no model ran
EXIT_BUSY = lock.LOCKED_EXIT_CODE  # 75: another run, or another process, holds the warehouse


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def warehouse_busy(db_path: Path) -> str | None:
    """Why the warehouse cannot be written now (another process has it open), or None."""
    if not db_path.exists():
        return None
    try:
        duckdb.connect(str(db_path)).close()
    except duckdb.IOException as exc:
        first = str(exc).splitlines()[0]
        return (f"the warehouse {db_path} is open in another process ({first}); close it "
                "(BI tools read the published copy, not the working warehouse) and retry")
    return None


# -- the steps --------------------------------------------------------------------------


def preflight_step(dbt: Dbt) -> tuple[bool, str]:
    """Check the raw tables against the raw contract; return (ok, the rendered report).

    Raises preflight.ContractError when the contract itself is malformed.
    """
    from customer_health.pipeline import preflight

    checked = preflight.check(dbt.db_path, dbt.root)
    return checked.ok, preflight.render(checked)


def plan_seeds(dbt: Dbt, full_refresh: bool) -> tuple[seeds.SeedPlan, list[str]]:
    """The seed plan of this warehouse and the `dbt build` arguments it gives."""
    plan = seeds.seed_plan(dbt.target_path(), dbt.db_path, full_refresh, dbt.root)
    return plan, build_args(full_refresh, plan.unchanged)


def describe_seeds(plan: seeds.SeedPlan) -> str:
    """One line: which seeds this build loads and tests."""
    return "seeds: " + (f"all loaded and tested ({plan.reason})" if plan.reason
                        else f"{len(plan.unchanged)} unchanged, skipped (state of the last "
                        "successful build)")


@contextlib.contextmanager
def recorded_build(dbt: Dbt) -> Iterator[None]:
    """Around a dbt build: drop the last-success record, write it again when the build ends
    without an exception.

    The record lives only from a green build to the start of the next one: a build killed
    part-way (even with this process) leaves none, so the next run loads and tests every
    seed rather than trusting tables the killed build may have touched.
    """
    target = dbt.target_path()
    seeds.forget_success(target)
    yield
    seeds.record_success(target, dbt.db_path, dbt.root)


def build_step(dbt: Dbt, args: list[str], pass_fds: tuple[int, ...] = (),
               record: bool = True) -> float:
    """The recorded dbt build; return its seconds (raise DbtFailure when it fails).

    record=False (a partial build, e.g. a Dagster subset): the last-success record is
    dropped and not written again, so the next full build loads and tests every seed.
    """
    started = time.perf_counter()
    if not record:
        seeds.forget_success(dbt.target_path())
        dbt.run(args, pass_fds=pass_fds)
        return time.perf_counter() - started
    with recorded_build(dbt):
        dbt.run(args, pass_fds=pass_fds)
    return time.perf_counter() - started


def validate_stage(dbt: Dbt, stage: str, say: Callable[[str], None] = print) -> Any:
    """Run a Great Expectations suite, write its report, say one line; return the report."""
    from customer_health.quality import render, validation

    report = validation.validate(dbt.db_path, stage)  # type: ignore[arg-type]
    path = render.write_report(report, dbt.root / "reports" / "gx")
    verdict = "passed" if report.success else "FAILED"
    say(
        f"Great Expectations {stage} suite {verdict}: {len(report.failures())} failed, "
        f"{len(report.warnings())} with unexpected rows within tolerance "
        f"({report.duration_seconds:.1f} s); report {path.relative_to(dbt.root)}"
    )
    return report


def publish_marts(dbt: Dbt) -> tuple[Path, Any]:
    """Publish the marts of the last build atomically; return (folder, publication).

    Raises publish.PublishError (readers keep the previous publication).
    """
    from customer_health.pipeline import publish

    out_dir = publish.publish_dir(dbt.root)
    marts = publish.marts_from_manifest(dbt.target_path() / "manifest.json")
    return out_dir, publish.publish(dbt.db_path, out_dir, marts)


# -- customer-health run ----------------------------------------------------------------


def daily_run(dbt: Dbt, full_refresh: bool = False, backfill_days: int | None = None) -> int:
    """`customer-health run` on the DuckDB warehouse of dbt; return the exit code (EXIT_*)."""
    try:
        with lock.hold(dbt.db_path) as lock_fd:
            return _run_locked(dbt, full_refresh, backfill_days, lock_fd)
    except lock.RunLocked as exc:
        _err(f"customer_health: {exc}")
        return EXIT_BUSY


def _run_locked(dbt: Dbt, full_refresh: bool, backfill_days: int | None, lock_fd: int) -> int:
    """The steps after the lock, while this process holds it."""
    from customer_health.analysis import summary
    from customer_health.notify import step as notify
    from customer_health.pipeline import demo, preflight, publish

    db_path, as_of = dbt.db_path, dbt.as_of
    print(f"customer_health: warehouse {db_path}, scoring date {as_of}")
    busy = warehouse_busy(db_path)
    if busy:
        _err(f"customer_health: {busy}")
        return EXIT_BUSY
    named_like_a_schema = relations.file_name_problem(db_path, dbt.root)
    if named_like_a_schema:
        _err(f"customer_health: {named_like_a_schema}")
        return EXIT_USAGE
    message, generated = demo.ensure_demo_warehouse(
        db_path, os.environ.get("HEALTH_DEMO", "auto"), as_of)
    print(message)
    try:
        ok, rendered = preflight_step(dbt)
    except preflight.ContractError as exc:
        _err(f"customer_health: the raw contract is malformed: {exc}")
        return EXIT_FAILED
    print(rendered, file=sys.stdout if ok else sys.stderr)
    if not ok:
        return EXIT_PREFLIGHT
    raw_report = validate_stage(dbt, "raw")
    # a regenerated demo replaced every raw table: the incremental models start over
    plan, args = plan_seeds(dbt, full_refresh or generated)
    print(describe_seeds(plan))
    try:
        seconds = build_step(dbt, args, pass_fds=(lock_fd,))
    except subprocess.CalledProcessError as exc:  # DbtFailure: the nodes and the log
        _err(f"customer-health run: {exc}\nNothing was published: readers keep the previous "
             "publication.")
        return EXIT_FAILED
    print(f"\ndbt build finished in {seconds:.1f} s\n")
    if backfill_days and not _backfill_step(dbt, backfill_days, lock_fd):
        return EXIT_FAILED
    marts_report = validate_stage(dbt, "marts")
    print()
    print(summary.render(db_path))
    if raw_report.failures():
        _err("Raw data: some checks failed, see the raw report.")
    if not marts_report.success:
        _err("Great Expectations: the marts suite failed (see the report above); nothing "
             "was published.")
        return EXIT_FAILED
    try:
        out_dir, publication = publish_marts(dbt)
    except publish.PublishError as exc:
        _err(f"customer_health: {exc}; readers keep the previous publication.")
        return EXIT_FAILED
    print(f"published {len(publication.rows)} marts to {out_dir} ({publish.DUCKDB_NAME}, "
          f"{publish.PARQUET_LINK}/ -> {publication.parquet_dir.name})")
    # alert notifications, after a green build and publication only (customer_health.notify):
    # a failed delivery leaves the build green and ends the run with notify.EXIT_DELIVERY_FAILED
    return notify.after_build(dbt.root, db_path)


def _backfill_step(dbt: Dbt, days: int, lock_fd: int) -> bool:
    """`run --backfill-days N`: the N days before the scoring date, after the build (a full
    refresh in it would drop a history backfilled before); False when it failed."""
    from customer_health.pipeline import backfill

    first, last = dbt.as_of - dt.timedelta(days=days), dbt.as_of - dt.timedelta(days=1)
    try:
        done = backfill.backfill(dbt.root, dbt.db_path, first, last, prepare=False,
                                 pass_fds=(lock_fd,))
    except DbtFailure as exc:
        _err(f"customer-health run: the backfill {exc}\nNothing was published.")
        return False
    print(f"backfill {first}..{last}: {done.dates - done.skipped} "
          f"dates scored, {done.skipped} already complete ({done.seconds:.1f} s)\n")
    return True


# -- customer-health run --target spark -------------------------------------------------


def spark_run(root: Path, as_of: dt.date, full_refresh: bool = False) -> int:
    """`customer-health run --target spark`: dbt build on Spark, then the summary.

    No lock, preflight, publication or notification there (the raw tables were checked
    when `load-spark` copied them from a DuckDB warehouse).
    """
    import tempfile

    from customer_health.analysis import summary
    from customer_health.engines import export, spark

    print(f"customer_health: Spark warehouse {spark.spark_dir(root)}, scoring date {as_of}")
    try:
        session = spark.session(root)
    except spark.SparkSetupError as exc:
        _err(f"run: {exc}")
        return EXIT_USAGE
    if not spark.raw_loaded(session):
        _err(f"run: the Spark database {spark.RAW_SCHEMA} has no tables; load them first: "
             "customer-health load-spark --from-duckdb FILE")
        return EXIT_USAGE
    dbt = spark.dbt(root, as_of)
    started = time.perf_counter()
    try:
        dbt.run(build_args(full_refresh))
    except DbtFailure as exc:
        _err(f"{exc}\ndbt build failed; see the messages above.")
        return EXIT_FAILED
    print(f"\ndbt build finished in {time.perf_counter() - started:.1f} s\n")
    with tempfile.TemporaryDirectory(prefix="health_summary_") as tmp:
        files = export.export_spark(session, Path(tmp), export.mart_names(root))
        bands = Path(tmp) / "health_bands"
        session.table("config.health_bands").coalesce(1).write.parquet(str(bands))
        db_path = Path(tmp) / "summary.duckdb"
        export.duckdb_from_parquet(
            files, db_path, {"config.health_bands": next(bands.glob("part-*.parquet"))}
        )
        print(summary.render(db_path))
    return EXIT_OK


# -- customer-health run --target postgres|snowflake ------------------------------------

def warehouse_run(root: Path, as_of: dt.date, target: str, full_refresh: bool = False) -> int:
    """`customer-health run --target postgres|snowflake`: dbt build there, then the summary.

    As the Spark run: the raw tables were copied by `customer-health load --target ...`
    from a DuckDB warehouse (checked there), so no lock, preflight, publication or
    notification; every seed is loaded (the seed plan reads a DuckDB warehouse). The marts
    and config.health_bands are exported to a temporary DuckDB file the summary reads.
    Snowflake's dbt runs in this process (an emulator patched into it serves dbt too).
    """
    import tempfile

    from customer_health.analysis import summary
    from customer_health.engines import export, postgres, rawcopy, snowflake

    engine = {"postgres": postgres, "snowflake": snowflake}[target]
    name = {"postgres": "PostgreSQL", "snowflake": "Snowflake"}[target]
    print(f"customer_health: {name} warehouse, scoring date {as_of}")
    try:
        engine.connect().close()  # a server the user must start or configure: one line
    except rawcopy.EngineSetupError as exc:
        _err(f"customer-health run: {exc}")
        return EXIT_USAGE
    dbt = Dbt(root, as_of=as_of, target=target, env={"HEALTH_TARGET": target},
              backend="in_process" if target == "snowflake" else "subprocess")
    started = time.perf_counter()
    try:
        dbt.run(build_args(full_refresh))
    except DbtFailure as exc:
        _err(f"customer-health run: {exc}\ndbt build failed; see the messages above.")
        return EXIT_FAILED
    print(f"\ndbt build finished in {time.perf_counter() - started:.1f} s\n")
    with tempfile.TemporaryDirectory(prefix="health_summary_") as tmp:
        files = engine.export(Path(tmp) / "marts", export.mart_names(root))
        bands = engine.export(Path(tmp) / "config", ["health_bands"], schema="config")
        db_path = Path(tmp) / "summary.duckdb"
        export.duckdb_from_parquet(files, db_path, {"config.health_bands": bands["health_bands"]})
        print(summary.render(db_path))
    return EXIT_OK
