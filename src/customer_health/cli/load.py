"""`customer-health load --target spark|postgres|snowflake`: copy a DuckDB file's raw tables."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from customer_health.cli import args as cliargs
from customer_health.cli import load_spark

HELP = "copy the raw tables of a DuckDB file into Spark, PostgreSQL or Snowflake"

TARGETS = ("spark", "postgres", "snowflake")
NAMES = {"spark": "Spark", "postgres": "PostgreSQL", "snowflake": "Snowflake"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `load`."""
    parser.formatter_class = cliargs.FORMATTER
    parser.description = cliargs.wrap(
        "Copy every table of the raw schema of a DuckDB warehouse into the target engine, "
        "with the raw contract's types (each table replaced). The connection comes from "
        "the variables the profile reads (docs/warehouses.md).")
    parser.epilog = """environment:
  PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE        --target postgres
  SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_DATABASE,
  SNOWFLAKE_WAREHOUSE, SNOWFLAKE_ROLE                   --target snowflake
  HEALTH_SPARK_DIR                                      --target spark

exit codes:
  0  loaded
  1  the engine refused the data (its error in one line)
  2  a bad argument, a missing file, an engine that cannot be reached or set up
"""
    parser.add_argument("--target", required=True, choices=TARGETS, help="engine")
    parser.add_argument("--from-duckdb", required=True, metavar="FILE",
                        type=cliargs.existing_file, help="DuckDB warehouse")
    parser.add_argument("--raw-schema", default="raw", help="schema (default raw)")


def _engine_errors(target: str) -> tuple[type[BaseException], ...]:
    """The driver's own error classes (a refused statement, a lost connection)."""
    try:
        if target == "postgres":
            import psycopg2

            return (psycopg2.Error,)
        import snowflake.connector

        return (snowflake.connector.errors.Error,)
    except ImportError:  # the extra is missing: connect() says so (EngineSetupError)
        return ()


def run(args: argparse.Namespace) -> int:
    """Load into Spark (`load-spark`), PostgreSQL or Snowflake (engines.<target>)."""
    if args.target == "spark":
        return load_spark.run(args)
    from customer_health.engines import rawcopy

    if args.target == "postgres":
        from customer_health.engines import postgres as engine
    else:
        from customer_health.engines import snowflake as engine
    db_path = Path(args.from_duckdb).resolve()  # an existing file (cliargs.existing_file)
    started = time.perf_counter()
    try:
        counts = engine.load_from_duckdb(db_path, args.raw_schema)
    except rawcopy.EngineSetupError as exc:
        print(f"customer-health load: {exc}", file=sys.stderr)
        return cliargs.EXIT_USAGE
    except _engine_errors(args.target) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"customer-health load: {NAMES[args.target]} refused the load: {first}",
              file=sys.stderr)
        return 1
    print(
        f"loaded {len(counts)} raw tables into {NAMES[args.target]} schema {args.raw_schema} "
        f"in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{name.split('.')[-1]} {rows:,}" for name, rows in counts.items())
    )
    return 0
