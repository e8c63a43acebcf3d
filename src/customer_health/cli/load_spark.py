"""`customer-health load-spark`: copy the raw tables of a DuckDB file into Spark."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from customer_health.cli import args as cliargs

HELP = "copy the raw tables of a DuckDB file into Spark (alias of load --target spark)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `load-spark`."""
    parser.add_argument("--from-duckdb", required=True, metavar="FILE",
                        type=cliargs.existing_file, help="DuckDB warehouse")
    parser.add_argument("--raw-schema", default="raw", help="Spark database (default raw)")


def run(args: argparse.Namespace) -> int:
    """Start the local Spark session and copy the raw tables into it (engines.spark)."""
    from customer_health.engines import spark
    from customer_health.pipeline import settings

    root = settings.project_dir()
    db_path = Path(args.from_duckdb).resolve()  # an existing file (cliargs.existing_file)
    try:
        started = time.perf_counter()
        session = spark.session(root)
        counts = spark.load_from_duckdb(session, db_path, args.raw_schema)
    except spark.SparkSetupError as exc:
        print(f"load-spark: {exc}", file=sys.stderr)
        return cliargs.EXIT_USAGE
    print(
        f"loaded {len(counts)} raw tables into Spark database {args.raw_schema} "
        f"({spark.spark_dir(root)}) in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{name} {rows:,}" for name, rows in counts.items())
    )
    return 0
