"""Command line: `customer-health run | generate | summary | notify | lint | evaluate | bench |
load-spark | export`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from customer_health import bench, export, notify, project, runlock, summary


def _raw_state(db_path: Path) -> tuple[bool, dt.date | None]:
    """Return (raw tables present, end date of the demo marker or None)."""
    if not db_path.exists():
        return False, None
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        raw_tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw'"
        ).fetchone()[0]
        marker = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'demo_truth' and table_name = 'generation'"
        ).fetchone()[0]
        end_date = None
        if marker:
            end_date = con.execute("select max(end_date) from demo_truth.generation").fetchone()[0]
        return raw_tables > 0, end_date
    finally:
        con.close()


def ensure_demo_warehouse(db_path: Path, mode: str, as_of: dt.date) -> tuple[str, bool]:
    """Generate the demo warehouse when needed; return what was done and whether it generated.

    mode `auto` generates when there are no raw tables, or when the raw tables
    are a demo whose end date is not the scoring date; a warehouse whose raw
    tables a loader wrote (no demo marker) is never touched. `always`
    regenerates, `never` never generates.
    """
    from customer_health import generator

    has_raw, demo_end = _raw_state(db_path)
    if mode == "never":
        return "demo generation disabled (HEALTH_DEMO=never)", False
    if mode == "auto" and has_raw and demo_end is None:
        return f"raw tables found in {db_path} (not a demo): using them as they are", False
    if mode == "auto" and has_raw and demo_end == as_of:
        return f"demo warehouse up to date (ends {demo_end})", False
    db_path.parent.mkdir(parents=True, exist_ok=True)
    config = generator.GeneratorConfig(
        n_accounts=int(os.environ.get("HEALTH_DEMO_ACCOUNTS", "500")),
        history_days=int(os.environ.get("HEALTH_DEMO_DAYS", "1095")),
        end_date=as_of,
        seed=int(os.environ.get("HEALTH_DEMO_SEED", "42")),
    )
    started = time.perf_counter()
    counts = generator.write_warehouse(db_path, config)
    return (
        f"demo warehouse generated in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k.startswith("raw.")),
        True,
    )


# Exit codes of `customer-health run` (README, "Reliability"): a scheduler can rely on them.
EXIT_OK = 0
EXIT_FAILED = 1  # dbt build failed (or was killed), or the marts suite failed: nothing published
EXIT_USAGE = 2  # a bad argument
EXIT_PREFLIGHT = 3  # the raw tables break the raw contract: no model ran
EXIT_BUSY = runlock.LOCKED_EXIT_CODE  # 75: another run, or another process, holds the warehouse


def _parse_as_of(text: str | None) -> dt.date:
    """The scoring date of --as-of, else the default (yesterday UTC)."""
    if not text:
        return project.default_as_of_date()
    return dt.date.fromisoformat(text)


def _warehouse_busy(db_path: Path) -> str | None:
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


def cmd_run(args: argparse.Namespace) -> int:
    """Generate the demo if needed, check raw, dbt build, validate, publish, print the summary.

    One run at a time per warehouse (runlock); exit codes EXIT_*. `--target spark` builds on
    Spark instead (customer_health.spark: no publication, no notifications there).
    """
    if getattr(args, "target", "duckdb") == "spark":
        from customer_health import spark

        return spark.cmd_run_spark(args)
    root = project.project_dir()
    db_path = project.duckdb_path(root)
    try:
        as_of = _parse_as_of(args.as_of)
    except ValueError as exc:
        what = f"--as-of {args.as_of!r}" if args.as_of else project.TEST_CLOCK_ENV
        print(f"customer-health run: {what}: {exc} (expected YYYY-MM-DD)", file=sys.stderr)
        return EXIT_USAGE
    try:
        with runlock.hold(db_path) as lock_fd:
            return _run_locked(args, root, db_path, as_of, lock_fd)
    except runlock.RunLocked as exc:
        print(f"customer_health: {exc}", file=sys.stderr)
        return EXIT_BUSY


def _run_locked(
    args: argparse.Namespace, root: Path, db_path: Path, as_of: dt.date, lock_fd: int
) -> int:
    """The body of `run`, while this process holds the run lock."""
    from customer_health import preflight, publish

    print(f"customer_health: warehouse {db_path}, scoring date {as_of}")
    busy = _warehouse_busy(db_path)
    if busy:
        print(f"customer_health: {busy}", file=sys.stderr)
        return EXIT_BUSY
    demo_mode = os.environ.get("HEALTH_DEMO", "auto")
    message, generated = ensure_demo_warehouse(db_path, demo_mode, as_of)
    print(message)
    try:
        checked = preflight.check(db_path, root)
    except preflight.ContractError as exc:
        print(f"customer_health: the raw contract is malformed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(preflight.render(checked), file=sys.stdout if checked.ok else sys.stderr)
    if not checked.ok:
        return EXIT_PREFLIGHT
    raw_report = _validate_stage(root, db_path, "raw")
    # a regenerated demo replaced every raw table: the incremental models start over
    full_refresh = args.full_refresh or generated
    target = project.target_dir(root)
    seeds = project.seed_plan(target, db_path, full_refresh, root)
    print("seeds: " + (f"all loaded and tested ({seeds.reason})" if seeds.reason
                       else f"{len(seeds.unchanged)} unchanged, skipped (state of the last "
                       "successful build)"))
    dbt_args = project.build_args(full_refresh, seeds.unchanged)
    # The record lives only from a green build to the start of the next one: a build
    # killed part-way (even with this process) leaves none, so the next run loads and
    # tests every seed rather than trusting tables the killed build may have touched.
    project.forget_success(target)
    started = time.perf_counter()
    try:
        project.run_dbt(dbt_args, root, db_path, as_of=as_of, pass_fds=(lock_fd,))
    except subprocess.CalledProcessError as exc:
        how = (f"was killed by signal {signal.Signals(-exc.returncode).name}"
               if exc.returncode < 0 else f"failed (exit {exc.returncode})")
        print(f"dbt build {how}; see the messages above (logs/dbt.log). Nothing was "
              "published: readers keep the previous publication.", file=sys.stderr)
        return EXIT_FAILED
    project.record_success(target, db_path, root)
    print(f"\ndbt build finished in {time.perf_counter() - started:.1f} s\n")
    marts_report = _validate_stage(root, db_path, "marts")
    print()
    print(summary.render(db_path))
    if raw_report.failures():
        print("Raw data: some checks failed, see the raw report.", file=sys.stderr)
    if not marts_report.success:
        print("Great Expectations: the marts suite failed (see the report above); nothing "
              "was published.", file=sys.stderr)
        return EXIT_FAILED
    out_dir = publish.publish_dir(root)
    try:
        publication = publish.publish(
            db_path, out_dir, publish.marts_from_manifest(target / "manifest.json")
        )
    except publish.PublishError as exc:
        print(f"customer_health: {exc}; readers keep the previous publication.",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"published {len(publication.rows)} marts to {out_dir} ({publish.DUCKDB_NAME}, "
          f"{publish.PARQUET_LINK}/ -> {publication.parquet_dir.name})")
    # alert notifications, after a green build and publication only (customer_health.notify):
    # a failed delivery leaves the build green and ends the run with notify.EXIT_DELIVERY_FAILED
    return notify.after_build(root, db_path)


def _validate_stage(root: Path, db_path: Path, stage: str):
    """Run a Great Expectations suite, write its report, print one line; return the report."""
    from customer_health import quality

    report = quality.validate(db_path, stage)  # type: ignore[arg-type]
    path = quality.write_report(report, root / "reports" / "gx")
    verdict = "passed" if report.success else "FAILED"
    print(
        f"Great Expectations {stage} suite {verdict}: {len(report.failures())} failed, "
        f"{len(report.warnings())} with unexpected rows within tolerance "
        f"({report.duration_seconds:.1f} s); report {path.relative_to(root)}"
    )
    return report


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the demo warehouse (or a benchmark-sized one)."""
    from customer_health import generator

    argv = ["--db", str(args.db or project.duckdb_path())] + args.rest
    return generator.main(argv)


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the summary of the built warehouse."""
    print(summary.render(project.duckdb_path()))
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    """Send the alerts not delivered before to the configured channels."""
    root = project.project_dir()
    return notify.run_step(root, project.duckdb_path(root), dry_run=args.dry_run)


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the built marts again (options of `python -m customer_health.publish`)."""
    from customer_health import publish

    return publish.main(args.rest)


def cmd_docs(args: argparse.Namespace) -> int:
    """Generate the dbt docs site from the warehouse and serve it on localhost."""
    root = project.project_dir()
    db_path = project.duckdb_path(root)
    if not db_path.exists():
        print(f"customer-health docs: no warehouse at {db_path}: run `customer-health run` first",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        project.run_dbt(["docs", "generate"], root, db_path)
    except subprocess.CalledProcessError as exc:
        print(f"customer-health docs: dbt docs generate failed (exit {exc.returncode}); "
              "see the messages above", file=sys.stderr)
        return EXIT_FAILED
    site = project.target_dir(root) / "index.html"
    print(f"docs site written: {site}")
    if args.no_serve:
        return EXIT_OK
    try:
        project.run_dbt(["docs", "serve", "--port", str(args.port), "--no-browser"], root, db_path)
    except subprocess.CalledProcessError as exc:
        return exc.returncode or EXIT_FAILED
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Run a Great Expectations suite (options of `python -m customer_health.quality`)."""
    from customer_health import quality

    return quality.main(args.rest)


def cmd_lint(args: argparse.Namespace) -> int:
    """Run sqlfluff (dbt templater) on the models, against a throw-away DuckDB file."""
    root = project.project_dir()
    with tempfile.TemporaryDirectory() as tmp:
        env = project.dbt_env(root, Path(tmp) / "lint.duckdb")
        cmd = [project.venv_executable("sqlfluff"), "lint", *(args.paths or ["models", "analyses"])]
        return subprocess.run(cmd, cwd=root, env=env).returncode


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Backtest the score against churn that happened after an earlier scoring date."""
    from customer_health import evaluate

    db_path = project.duckdb_path()
    if args.ablation:
        from customer_health import ablation

        try:
            result = ablation.ablate(db_path)
        except ablation.AblationError as exc:
            print(f"customer-health evaluate --ablation: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(ablation.render(result))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
        return 0
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        last_day = con.execute("select max(cast(occurred_at as date)) from raw.usage_events")
        end = last_day.fetchone()[0]
    finally:
        con.close()
    as_of = (
        dt.date.fromisoformat(args.as_of)
        if args.as_of
        else end - dt.timedelta(days=args.horizon_days)
    )
    result = evaluate.backtest(db_path, as_of, args.horizon_days)
    print(evaluate.render(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(prog="customer-health", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="generate the demo if needed, dbt build, print the summary")
    run.add_argument("--as-of", help="scoring date YYYY-MM-DD (default: yesterday UTC)")
    run.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    run.add_argument("--target", choices=["duckdb", "spark"],
                     default=os.environ.get("HEALTH_TARGET", "duckdb"),
                     help="engine (default $HEALTH_TARGET, else duckdb); spark: raw tables "
                     "loaded with load-spark")
    run.set_defaults(func=cmd_run)

    load = sub.add_parser("load-spark", help="copy the raw tables of a DuckDB file into Spark")
    load.add_argument("--from-duckdb", required=True, metavar="FILE", help="DuckDB warehouse")
    load.add_argument("--raw-schema", default="raw", help="Spark database (default raw)")
    load.set_defaults(func=lambda a: __import__("customer_health.spark").spark.cmd_load_spark(a))

    exp = sub.add_parser("export", help="write every mart as DIR/<mart>.parquet")
    exp.add_argument("--target", choices=["duckdb", "spark"], default="duckdb")
    exp.add_argument("--to", required=True, metavar="DIR", help="output folder")
    exp.set_defaults(func=export.cmd_export)

    gen = sub.add_parser("generate", help="write a demo warehouse (generator options follow)")
    gen.add_argument("--db", help="DuckDB file (default $HEALTH_DUCKDB_PATH)")
    gen.add_argument("rest", nargs=argparse.REMAINDER)
    gen.set_defaults(func=cmd_generate)

    summ = sub.add_parser("summary", help="print the summary of the built warehouse")
    summ.set_defaults(func=cmd_summary)

    ev = sub.add_parser("evaluate", help="backtest: score at an earlier date vs later churn")
    ev.add_argument("--horizon-days", type=int, default=90)
    ev.add_argument("--as-of", help="scoring date (default: last usage day - horizon)")
    ev.add_argument("--json", help="also write the result to this JSON file")
    ev.add_argument("--ablation", action="store_true",
                    help="backtest marts with and without the seasonal adjustment (on a copy)")
    ev.set_defaults(func=cmd_evaluate)

    notify_parser = sub.add_parser(
        "notify",
        help="send new alerts to the configured channels (webhook, e-mail, tasks file)",
        description="Send the alerts of marts.health_alerts not delivered before to each "
        "configured channel, and retry failed deliveries. Exit 0: all delivered (or no channel "
        "configured); 2: configuration error or no built warehouse; 4: a delivery failed "
        "(recorded in ops.alert_deliveries, sent again on the next run).",
    )
    notify.add_arguments(notify_parser)
    notify_parser.set_defaults(func=cmd_notify)

    pub = sub.add_parser(
        "publish", help="publish the built marts again (read-only DuckDB file and Parquet set)",
        description="Copy schema marts of the working warehouse to HEALTH_PUBLISH_DIR "
        "(default data/published), swapped in atomically; `run` does this after every green "
        "build. Options follow (see `python -m customer_health.publish --help`).",
    )
    pub.add_argument("rest", nargs=argparse.REMAINDER)
    pub.set_defaults(func=cmd_publish)

    docs = sub.add_parser("docs", help="generate the dbt docs site and serve it on localhost")
    docs.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    docs.add_argument("--no-serve", action="store_true", help="generate the site only")
    docs.set_defaults(func=cmd_docs)

    val = sub.add_parser("validate", help="Great Expectations suites (raw or marts)")
    val.add_argument("rest", nargs=argparse.REMAINDER)
    val.set_defaults(func=cmd_validate)

    lint = sub.add_parser("lint", help="sqlfluff lint with the dbt templater")
    lint.add_argument("paths", nargs="*")
    lint.set_defaults(func=cmd_lint)

    bench.add_arguments(
        sub.add_parser("bench", help="benchmark tiers: full build, one-day refresh, memory, floor")
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `customer-health` command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
