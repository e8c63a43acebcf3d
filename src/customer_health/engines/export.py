"""`customer-health export`: every mart as one Parquet file, from DuckDB or from Spark.

Both engines' results can then be compared by anyone with any Parquet reader
(tests/e2e/test_engine_parity.py does it with DuckDB).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from customer_health.pipeline import relations

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MARTS_SCHEMA = "marts"


class ExportError(RuntimeError):
    """A problem the user can fix (no warehouse, mart not built): one clear line."""


def mart_names(root: Path) -> list[str]:
    """Return the marts of the project: the package's models in models/marts/, sorted (from
    dbt's manifest on a host project, else this project's models/marts/ folder)."""
    return (relations.mart_names(root, top_level=True)
            or sorted(path.stem for path in (root / "models" / "marts").glob("*.sql")))


def export_duckdb(db_path: Path, out_dir: Path, marts: list[str]) -> dict[str, Path]:
    """Write each mart of a DuckDB warehouse to out_dir/<mart>.parquet; return the files."""
    if not db_path.exists():
        raise ExportError(f"DuckDB file {db_path} does not exist (run `customer-health run`)")
    out_dir.mkdir(parents=True, exist_ok=True)
    con = relations.connect(db_path)
    try:
        missing = [mart for mart in marts if not con.resolver.has(MARTS_SCHEMA, mart)]
        if missing:
            raise ExportError(f"{db_path} has no mart {', '.join(missing)} (build it first)")
        files = {}
        for mart in marts:
            path = out_dir / f"{mart}.parquet"
            source = con.resolver.sql(MARTS_SCHEMA, mart)
            con.execute(f"copy {source} to '{path}' (format parquet)")
            files[mart] = path
        return files
    finally:
        con.close()


def export_spark(spark: SparkSession, out_dir: Path, marts: list[str]) -> dict[str, Path]:
    """Write each mart of the Spark warehouse to out_dir/<mart>.parquet (one file each)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    missing = [mart for mart in marts if not spark.catalog.tableExists(f"{MARTS_SCHEMA}.{mart}")]
    if missing:
        raise ExportError(
            f"the Spark warehouse has no mart {', '.join(missing)} "
            "(run `customer-health run --target spark`)"
        )
    files = {}
    with tempfile.TemporaryDirectory(prefix="health_export_", dir=out_dir) as tmp:
        for mart in marts:
            folder = Path(tmp) / mart
            frame = spark.table(f"{MARTS_SCHEMA}.{mart}")
            # Spark's timestamps are instants (written as UTC-adjusted); the marts' timestamps
            # are UTC wall-clock times without time zone, as on DuckDB
            frame = frame.selectExpr(*[
                f"cast(`{field.name}` as timestamp_ntz) as `{field.name}`"
                if field.dataType.typeName() == "timestamp" else f"`{field.name}`"
                for field in frame.schema.fields
            ])
            frame.coalesce(1).write.mode("overwrite").parquet(str(folder))
            parts = sorted(folder.glob("part-*.parquet"))
            if len(parts) != 1:
                raise ExportError(f"Spark wrote {len(parts)} files for mart {mart}, expected 1")
            path = out_dir / f"{mart}.parquet"
            shutil.move(str(parts[0]), path)
            files[mart] = path
    return files


def duckdb_from_parquet(files: dict[str, Path], db_path: Path, extra: dict[str, Path]) -> None:
    """Write a DuckDB file holding the exported marts (schema marts) and extra tables.

    extra maps "schema.table" to a Parquet file. The Spark run's summary reads it.
    """
    con = relations.connect(db_path, read_only=False)
    try:
        for relation, path in [
            *((f"{MARTS_SCHEMA}.{mart}", path) for mart, path in files.items()),
            *extra.items(),
        ]:
            schema, table = relation.split(".")
            con.execute(f'create schema if not exists "{schema}"')
            target = relations.Relation(schema, table).sql(con.resolver.catalog)
            con.execute(f"create or replace table {target} as "
                        f"select * from read_parquet('{path}')")
    finally:
        con.close()


def cmd_export(args) -> int:  # noqa: ANN001 (argparse namespace)
    """`customer-health export --target {duckdb,spark} --to DIR`."""
    import sys

    from customer_health.pipeline import settings

    root = settings.project_dir()
    out_dir = Path(args.to).resolve()
    marts = mart_names(root)
    try:
        if args.target == "spark":
            from customer_health.engines import spark

            files = export_spark(spark.session(root), out_dir, marts)
        else:
            files = export_duckdb(settings.duckdb_path(root), out_dir, marts)
    except (ExportError, RuntimeError) as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    print(f"exported {len(files)} marts from {args.target} to {out_dir}: " + ", ".join(files))
    return 0
