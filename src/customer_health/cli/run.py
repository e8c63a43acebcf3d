"""`customer-health run`: one daily run (customer_health.pipeline.run)."""

from __future__ import annotations

import argparse
import os

from customer_health.cli import args as cliargs

HELP = "generate the demo if needed, dbt build, validate, publish, print the summary"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `run`."""
    parser.formatter_class = cliargs.FORMATTER
    parser.description = cliargs.wrap(
        "One daily run on the working warehouse, holding its run lock: demo generation "
        "(when needed), preflight of the raw contract, Great Expectations on raw, dbt build, "
        "Great Expectations on the marts, publication, summary, notifications.")
    parser.epilog = cliargs.ENV_COMMON + """
  HEALTH_TARGET        default of --target
  HEALTH_DEMO          auto (default), always or never: demo generation
  HEALTH_DEMO_ACCOUNTS, HEALTH_DEMO_DAYS, HEALTH_DEMO_SEED   the demo's size (500, 1095, 42)
  HEALTH_PUBLISH_DIR   where the marts are published (default data/published)
  HEALTH_FULL_CHECK    1: every test on every row
  HEALTH_NOTIFY_*      notification channels (README "Notifications")
""" + cliargs.EXIT_RUN
    parser.add_argument("--as-of", type=cliargs.iso_date, metavar="YYYY-MM-DD",
                        help="scoring date (default: yesterday UTC)")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    parser.add_argument("--backfill-days", type=cliargs.positive_int, metavar="N",
                        help="after the build, also score the N days before the scoring date "
                        "(customer-health backfill; dates already complete are skipped)")
    parser.add_argument("--target", choices=["duckdb", "spark", "postgres", "snowflake"],
                        default=os.environ.get("HEALTH_TARGET", "duckdb"),
                        help="engine (default $HEALTH_TARGET, else duckdb); spark, postgres, "
                        "snowflake: raw tables copied there with `customer-health load`")


def run(args: argparse.Namespace) -> int:
    """The daily run (pipeline.run.daily_run), or the Spark run with `--target spark`, or the
    PostgreSQL / Snowflake run (pipeline.run.warehouse_run).

    One run at a time per warehouse (pipeline.lock); exit codes pipeline.run.EXIT_*.
    """
    from customer_health.pipeline import run as pipeline
    from customer_health.pipeline import settings
    from customer_health.pipeline.dbt import Dbt

    as_of = cliargs.scoring_date(args.as_of)
    if getattr(args, "target", "duckdb") == "spark":
        return pipeline.spark_run(settings.project_dir(), as_of, args.full_refresh)
    if getattr(args, "target", "duckdb") in ("postgres", "snowflake"):
        return pipeline.warehouse_run(settings.project_dir(), as_of, args.target,
                                      args.full_refresh)
    return pipeline.daily_run(Dbt(as_of=as_of), args.full_refresh, args.backfill_days)
