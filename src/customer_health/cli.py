"""Command line: `customer-health run | backfill | generate | summary | notify | lint | evaluate |
suggest | report | bench | load-spark | export | publish | validate | docs`.

Each command is one `cmd_<name>` function and one `_add_<name>` block registering its
options (listed in COMMANDS): adding a command is adding those two. Options are checked by
argparse types (customer_health.cliargs): a mistake ends with one line
`customer-health <cmd>: <what is wrong>` and exit 2; a dbt failure names the failing nodes
and the log (customer_health.runner.DbtFailure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from customer_health import cliargs, export, notify, project, runlock, runner, summary


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


def _scoring_date(given: dt.date | None) -> dt.date:
    """The scoring date of --as-of (already a date), else the default (yesterday UTC).

    Raises UsageError when the default cannot be computed (a bad HEALTH_TEST_NOW).
    """
    if given is not None:
        return given
    try:
        return project.default_as_of_date()
    except ValueError as exc:
        raise cliargs.UsageError(
            f"{project.TEST_CLOCK_ENV}: {exc} (expected an ISO-8601 instant)") from None


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
    as_of = _scoring_date(args.as_of)
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
        # project.run_dbt: runner.run with the project's arguments (tests replace it)
        project.run_dbt(dbt_args, root, db_path, as_of=as_of, pass_fds=(lock_fd,))
    except subprocess.CalledProcessError as exc:  # runner.DbtFailure: the nodes and the log
        print(f"customer-health run: {exc}\nNothing was published: readers keep the previous "
              "publication.", file=sys.stderr)
        return EXIT_FAILED
    project.record_success(target, db_path, root)
    print(f"\ndbt build finished in {time.perf_counter() - started:.1f} s\n")
    if args.backfill_days:
        # after the build: a full refresh in it would drop a history backfilled before
        from customer_health import backfill

        first = as_of - dt.timedelta(days=args.backfill_days)
        try:
            done = backfill.backfill(root, db_path, first, as_of - dt.timedelta(days=1),
                                     prepare=False, pass_fds=(lock_fd,))
        except runner.DbtFailure as exc:
            print(f"customer-health run: the backfill {exc}\nNothing was published.",
                  file=sys.stderr)
            return EXIT_FAILED
        print(f"backfill {first}..{as_of - dt.timedelta(days=1)}: {done.dates - done.skipped} "
              f"dates scored, {done.skipped} already complete ({done.seconds:.1f} s)\n")
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


def cmd_backfill(args: argparse.Namespace) -> int:
    """Score every date of [--from, --to] not yet complete, chunk by chunk (resumable)."""
    from customer_health import backfill

    if args.from_date > args.to_date:
        raise cliargs.UsageError(f"--from {args.from_date} is after --to {args.to_date}")
    latest = _scoring_date(None)
    if args.to_date > latest:
        raise cliargs.UsageError(
            f"--to {args.to_date} is after the latest scoring date {latest} (yesterday UTC): "
            "a day is scored once it is complete")
    root = project.project_dir()
    db_path = project.duckdb_path(root)
    cliargs.require_tables(db_path, "raw.accounts")
    try:
        with runlock.hold(db_path) as lock_fd:
            busy = _warehouse_busy(db_path)
            if busy:
                print(f"customer-health backfill: {busy}", file=sys.stderr)
                return EXIT_BUSY
            done = backfill.backfill(root, db_path, args.from_date, args.to_date,
                                     args.chunk_days, pass_fds=(lock_fd,),
                                     progress=not args.no_progress)
    except runlock.RunLocked as exc:
        print(f"customer-health backfill: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print(f"backfill {args.from_date}..{args.to_date}: {done.dates - done.skipped} dates scored "
          f"in {len(done.chunks)} chunks, {done.skipped} already complete, "
          f"{done.seconds:.1f} s")
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the demo warehouse (or a benchmark-sized one): the generator's own options."""
    from customer_health import generator

    return generator.main(["--db", str(project.duckdb_path())] + args.rest,
                          prog="customer-health generate")


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the summary of the built warehouse."""
    print(summary.render(cliargs.require_warehouse(project.duckdb_path())))
    return EXIT_OK


def cmd_notify(args: argparse.Namespace) -> int:
    """Send the alerts not delivered before to the configured channels."""
    root = project.project_dir()
    return notify.run_step(root, project.duckdb_path(root), dry_run=args.dry_run)


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the built marts again (options of customer_health.publish)."""
    from customer_health import publish

    return publish.main(args.rest, prog="customer-health publish")


def cmd_docs(args: argparse.Namespace) -> int:
    """Generate the dbt docs site from the warehouse and serve it on localhost."""
    root = project.project_dir()
    db_path = cliargs.require_warehouse(project.duckdb_path(root))
    runner.run(["docs", "generate"], root, db_path)
    site = project.target_dir(root) / "index.html"
    print(f"docs site written: {site}")
    if args.no_serve:
        return EXIT_OK
    try:
        runner.run(["docs", "serve", "--port", str(args.port), "--no-browser"], root, db_path)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Run a Great Expectations suite (options of customer_health.quality)."""
    from customer_health import quality

    return quality.main(args.rest, prog="customer-health validate")


def cmd_lint(args: argparse.Namespace) -> int:
    """Run sqlfluff (dbt templater) on the models, against a throw-away DuckDB file."""
    root = project.project_dir()
    paths = args.paths or ["models", "analyses"]
    missing = [p for p in paths if not (root / p).exists()]
    if missing:
        raise cliargs.UsageError(f"no such path in the project {root}: {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        env = project.dbt_env(root, Path(tmp) / "lint.duckdb")
        cmd = [project.venv_executable("sqlfluff"), "lint", *paths]
        return subprocess.run(cmd, cwd=root, env=env).returncode


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Backtest the score against churn that happened after an earlier scoring date."""
    from customer_health import evaluate

    db_path = project.duckdb_path()
    cliargs.require_tables(db_path, "raw.usage_events")
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
    if end is None:
        raise cliargs.UsageError(f"raw.usage_events of {db_path} is empty: nothing to backtest")
    as_of = args.as_of or end - dt.timedelta(days=args.horizon_days)
    if as_of + dt.timedelta(days=args.horizon_days) > end:
        raise cliargs.UsageError(
            f"--as-of {as_of} plus --horizon-days {args.horizon_days} goes past the last usage "
            f"day {end}: churn after it is unknown")
    result = evaluate.backtest(db_path, as_of, args.horizon_days)
    print(evaluate.render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return EXIT_OK


def cmd_load_spark(args: argparse.Namespace) -> int:
    """Copy the raw tables of a DuckDB file into Spark (customer_health.spark)."""
    from customer_health import spark

    return spark.cmd_load_spark(args)


def cmd_export(args: argparse.Namespace) -> int:
    """Write every mart as DIR/<mart>.parquet (customer_health.export)."""
    if args.target == "duckdb":
        cliargs.require_warehouse(project.duckdb_path())
    return export.cmd_export(args)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark tiers (customer_health.bench)."""
    from customer_health import bench

    return bench.run_cli(args)


# -- options of each command -------------------------------------------------------------

Sub = argparse._SubParsersAction  # the subcommands of build_parser (add_parser)
FORMATTER = argparse.RawDescriptionHelpFormatter
ENV_COMMON = """environment:
  HEALTH_DUCKDB_PATH   the working warehouse (default data/customer_health.duckdb)
  HEALTH_PROJECT_DIR   the dbt project (default: the current folder if it has one)
  DBT_TARGET_PATH      dbt's target folder (default target/); dbt's log: logs/dbt.log"""
EXIT_RUN = """exit codes:
  0  done   1  dbt or the marts suite failed (the failing nodes and the log are named)
  2  a bad argument or setting   3  raw tables break the raw contract (run only)
  4  a notification failed (run only)   75  another run holds the warehouse"""


def _add_run(sub: Sub) -> None:
    run = sub.add_parser(
        "run", help="generate the demo if needed, dbt build, validate, publish, print the summary",
        formatter_class=FORMATTER,
        description=cliargs.wrap(
            "One daily run on the working warehouse, holding its run lock: demo generation "
            "(when needed), preflight of the raw contract, Great Expectations on raw, dbt build, "
            "Great Expectations on the marts, publication, summary, notifications."),
        epilog=ENV_COMMON + """
  HEALTH_TARGET        default of --target
  HEALTH_DEMO          auto (default), always or never: demo generation
  HEALTH_DEMO_ACCOUNTS, HEALTH_DEMO_DAYS, HEALTH_DEMO_SEED   the demo's size (500, 1095, 42)
  HEALTH_PUBLISH_DIR   where the marts are published (default data/published)
  HEALTH_FULL_CHECK    1: every test on every row
  HEALTH_NOTIFY_*      notification channels (README "Notifications")
""" + EXIT_RUN)
    run.add_argument("--as-of", type=cliargs.iso_date, metavar="YYYY-MM-DD",
                     help="scoring date (default: yesterday UTC)")
    run.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    run.add_argument("--backfill-days", type=cliargs.positive_int, metavar="N",
                     help="after the build, also score the N days before the scoring date "
                     "(customer-health backfill; dates already complete are skipped)")
    run.add_argument("--target", choices=["duckdb", "spark"],
                     default=os.environ.get("HEALTH_TARGET", "duckdb"),
                     help="engine (default $HEALTH_TARGET, else duckdb); spark: raw tables "
                     "loaded with load-spark")
    run.set_defaults(func=cmd_run)


def _add_backfill(sub: Sub) -> None:
    from customer_health import backfill

    bf = sub.add_parser(
        "backfill", help="score the daily history for a range of dates (resumable)",
        formatter_class=FORMATTER,
        description=cliargs.wrap(
            "Compute marts.health_score_daily (and health_band_transitions) for every "
        "date from --from to --to on the working warehouse, in chunks of --chunk-days dates "
        "(one dbt build of the score models each), with a progress bar on stderr. Dates "
        "already complete for the current configuration (config_version) are skipped, so an "
        "interrupted backfill started again finishes the rest. Holds the run lock."),
        epilog=ENV_COMMON + "\n" + EXIT_RUN.replace(
            "3  raw tables break the raw contract (run only)\n  4  a notification failed "
            "(run only)   ", ""))
    bf.add_argument("--from", dest="from_date", type=cliargs.iso_date, required=True,
                    metavar="YYYY-MM-DD", help="first date to score")
    bf.add_argument("--to", dest="to_date", type=cliargs.iso_date, required=True,
                    metavar="YYYY-MM-DD", help="last date to score (at most yesterday UTC)")
    bf.add_argument("--chunk-days", type=cliargs.positive_int,
                    default=backfill.DEFAULT_CHUNK_DAYS, metavar="N",
                    help=f"dates per dbt build (default {backfill.DEFAULT_CHUNK_DAYS})")
    bf.add_argument("--no-progress", action="store_true", help="no progress bar")
    bf.set_defaults(func=cmd_backfill)


def _add_load_spark(sub: Sub) -> None:
    load = sub.add_parser("load-spark", help="copy the raw tables of a DuckDB file into Spark")
    load.add_argument("--from-duckdb", required=True, metavar="FILE",
                      type=cliargs.existing_file, help="DuckDB warehouse")
    load.add_argument("--raw-schema", default="raw", help="Spark database (default raw)")
    load.set_defaults(func=cmd_load_spark)


def _add_export(sub: Sub) -> None:
    exp = sub.add_parser("export", help="write every mart as DIR/<mart>.parquet")
    exp.add_argument("--target", choices=["duckdb", "spark"], default="duckdb")
    exp.add_argument("--to", required=True, metavar="DIR", type=cliargs.output_dir,
                     help="output folder")
    exp.set_defaults(func=cmd_export)


def _add_generate(sub: Sub) -> None:
    gen = sub.add_parser("generate", add_help=False,
                         help="write a demo warehouse (`generate --help`: its options)")
    gen.set_defaults(func=cmd_generate, delegated=True)


def _add_summary(sub: Sub) -> None:
    summ = sub.add_parser("summary", help="print the summary of the built warehouse")
    summ.set_defaults(func=cmd_summary)


def _add_evaluate(sub: Sub) -> None:
    ev = sub.add_parser("evaluate", help="backtest: score at an earlier date vs later churn")
    ev.add_argument("--horizon-days", type=cliargs.positive_int, default=90, metavar="N",
                    help="days after the scoring date in which churn counts (default 90)")
    ev.add_argument("--as-of", type=cliargs.iso_date, metavar="YYYY-MM-DD",
                    help="scoring date (default: last usage day - horizon)")
    ev.add_argument("--json", type=Path, metavar="FILE",
                    help="also write the result to this JSON file")
    ev.add_argument("--ablation", action="store_true",
                    help="backtest marts with and without the seasonal adjustment (on a copy)")
    ev.set_defaults(func=cmd_evaluate)


def _add_notify(sub: Sub) -> None:
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


def _add_publish(sub: Sub) -> None:
    pub = sub.add_parser(
        "publish", add_help=False,
        help="publish the built marts again (read-only DuckDB file and Parquet set)")
    pub.set_defaults(func=cmd_publish, delegated=True)


def _add_docs(sub: Sub) -> None:
    docs = sub.add_parser(
        "docs", help="generate the dbt docs site and serve it on localhost",
        formatter_class=FORMATTER,
        description=cliargs.wrap(
            "Run `dbt docs generate` on the working warehouse (target/index.html), "
        "then serve it on http://localhost:PORT until interrupted (Ctrl-C)."),
        epilog=ENV_COMMON + """
exit codes:
  0  done (or the server was interrupted)   1  dbt failed (the failing step and the log named)
  2  a bad argument, or no warehouse yet""")
    docs.add_argument("--port", type=cliargs.port, default=8080, help="port (default 8080)")
    docs.add_argument("--no-serve", action="store_true", help="generate the site only")
    docs.set_defaults(func=cmd_docs)


def _add_validate(sub: Sub) -> None:
    val = sub.add_parser("validate", add_help=False,
                         help="Great Expectations suites (raw or marts; `validate --help`)")
    val.set_defaults(func=cmd_validate, delegated=True)


def _add_lint(sub: Sub) -> None:
    lint = sub.add_parser("lint", help="sqlfluff lint with the dbt templater")
    lint.add_argument("paths", nargs="*", help="files or folders (default models analyses)")
    lint.set_defaults(func=cmd_lint)


def _add_suggest(sub: Sub) -> None:
    from customer_health import suggest

    suggest.add_arguments(sub.add_parser(
        "suggest", help="fit weights and thresholds on past churn; write suggested/ for review"))


def _add_report(sub: Sub) -> None:
    from customer_health import report

    report.add_arguments(sub.add_parser(
        "report", help="write the self-contained HTML report (reports/health_report.html)"))


def _add_bench(sub: Sub) -> None:
    from customer_health import bench

    bench.add_arguments(
        sub.add_parser("bench", help="benchmark tiers: full build, one-day refresh, memory, floor")
    )
    sub.choices["bench"].set_defaults(func=cmd_bench)


# The commands, in the order `customer-health --help` lists them.
COMMANDS: list[Callable[[Sub], None]] = [
    _add_run, _add_backfill, _add_load_spark, _add_export, _add_generate, _add_summary,
    _add_evaluate, _add_suggest, _add_report, _add_notify, _add_publish, _add_docs, _add_validate,
    _add_lint, _add_bench,
]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (errors are one line, exit 2: cliargs.ArgumentParser)."""
    parser = cliargs.ArgumentParser(prog="customer-health", description=__doc__,
                                    formatter_class=FORMATTER)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `customer-health` command.

    Commands whose options belong to their module (generate, publish, validate) get the
    rest of the line as it is. A UsageError ends in one line and exit 2, a dbt failure in
    the failing nodes, the log path and exit 1, Ctrl-C in exit 130; never a traceback.
    """
    parser = build_parser()
    try:
        args, rest = parser.parse_known_args(argv)
    except SystemExit as exc:  # --help (0) or a bad argument (2, its line already printed)
        return int(exc.code or 0)
    if getattr(args, "delegated", False):
        args.rest = rest
    prog = f"customer-health {args.command}"
    if rest and not getattr(args, "delegated", False):
        return cliargs.fail(prog, f"unrecognized arguments: {' '.join(rest)}")
    try:
        return int(args.func(args) or 0)
    except SystemExit as exc:  # a delegated module's parser: --help (0) or its one-line error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except cliargs.UsageError as exc:
        return cliargs.fail(prog, str(exc))
    except runner.DbtFailure as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
