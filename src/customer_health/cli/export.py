"""`customer-health export`: write every mart as DIR/<mart>.parquet (engines.export)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from customer_health.cli import args as cliargs

HELP = "write every mart as DIR/<mart>.parquet"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `export`."""
    parser.add_argument("--target", choices=["duckdb", "spark", "postgres", "snowflake"],
                        default="duckdb")
    parser.add_argument("--to", required=True, metavar="DIR", type=cliargs.output_dir,
                        help="output folder")


def run(args: argparse.Namespace) -> int:
    """Export the marts of the DuckDB warehouse, or of the Spark, PostgreSQL or Snowflake one."""
    from customer_health.engines import export
    from customer_health.pipeline import settings

    root = settings.project_dir()
    if args.target == "duckdb":
        cliargs.require_warehouse(settings.duckdb_path(root))
    out_dir = Path(args.to).resolve()
    marts = export.mart_names(root)
    try:
        if args.target == "spark":
            from customer_health.engines import spark

            files = export.export_spark(spark.session(root), out_dir, marts)
        elif args.target in ("postgres", "snowflake"):
            files = _export_engine(args.target, out_dir, marts)
        else:
            files = export.export_duckdb(settings.duckdb_path(root), out_dir, marts)
    except (export.ExportError, RuntimeError) as exc:
        print(f"export: {exc}", file=sys.stderr)
        return cliargs.EXIT_USAGE
    print(f"exported {len(files)} marts from {args.target} to {out_dir}: " + ", ".join(files))
    return 0


def _export_engine(target: str, out_dir: Path, marts: list[str]) -> dict[str, Path]:
    """The marts of the PostgreSQL or Snowflake warehouse (engines.<target>.export)."""
    if target == "postgres":
        from customer_health.engines import postgres as engine
    else:
        from customer_health.engines import snowflake as engine
    return engine.export(out_dir, marts)
