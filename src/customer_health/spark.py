"""The Spark target: the local session, raw tables copied from DuckDB, dbt run in-process.

The `spark` output of profiles/profiles.yml is the one source of the session's settings:
`session()` renders its `server_side_parameters` the way dbt does (env_var with defaults),
so the session this module starts and the one dbt-spark's `session` method asks for are the
same, and dbt reuses it (SparkSession.builder.getOrCreate) when both run in one process.
A local session costs 12-18 s to start, so `load-spark`, `run --target spark` and
`export --target spark` each start one and do all their work in it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import jinja2
import yaml

from customer_health import project

if TYPE_CHECKING:  # pyspark is the optional extra `spark`
    from pyspark.sql import SparkSession

DEFAULT_SPARK_DIR = "data/spark"
RAW_SCHEMA = "raw"

# DuckDB type of a raw column -> the Spark type it is stored as (the raw contract's types).
_SCALAR_TYPES = {
    "VARCHAR": "string",
    "TEXT": "string",
    "BOOLEAN": "boolean",
    "TINYINT": "tinyint",
    "SMALLINT": "smallint",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "HUGEINT": "decimal(38,0)",
    "FLOAT": "float",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


class SparkSetupError(RuntimeError):
    """A problem the user can fix (missing extra, no Java, bad raw table): one clear line."""


def spark_dir(root: Path) -> Path:
    """Return the folder of the local warehouse and metastore (`$HEALTH_SPARK_DIR`)."""
    path = Path(os.environ.get("HEALTH_SPARK_DIR", DEFAULT_SPARK_DIR))
    return path if path.is_absolute() else root / path


def configure_environment(root: Path, as_of: dt.date | None = None) -> dict[str, str]:
    """Set (in os.environ) and return what dbt and pyspark need for the local Spark target.

    The warehouse and Derby metastore go under spark_dir (absolute, never the current
    directory); Spark binds to 127.0.0.1 (SPARK_LOCAL_IP); dbt uses the `spark` output.
    """
    env = project.dbt_env(root, as_of=as_of)
    env["HEALTH_TARGET"] = "spark"
    env["HEALTH_SPARK_DIR"] = str(spark_dir(root).resolve())
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    env.setdefault("PYSPARK_PYTHON", os.sys.executable)
    os.environ.update(env)
    return env


def session_conf(root: Path) -> dict[str, str]:
    """Return the `server_side_parameters` of the profile's `spark` output, rendered.

    Rendered as dbt renders the profile (env_var with defaults), plus
    spark.sql.ansi.enabled=false, which dbt-spark 1.11 forces on every session.
    """
    profile = yaml.safe_load((root / "profiles" / "profiles.yml").read_text())
    output = profile["customer_health"]["outputs"]["spark"]

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise SparkSetupError(f"environment variable {name} is not set")
        return value

    def render(value: Any) -> str:
        return jinja2.Template(str(value)).render(env_var=env_var)

    conf = {str(k): render(v) for k, v in (output.get("server_side_parameters") or {}).items()}
    conf["spark.sql.ansi.enabled"] = "false"
    return conf


def session(root: Path) -> SparkSession:
    """Start (or reuse) the local Spark session of the profile's `spark` output."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkSetupError(
            "the Spark target needs the optional extra: pip install -e '.[spark]' "
            "(make test installs it)"
        ) from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise SparkSetupError("the Spark target needs Java 17 (java on PATH or JAVA_HOME)")
    configure_environment(root)
    spark_dir(root).mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_conf(root).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_type(duckdb_type: str) -> str:
    """Return the Spark type a raw column of this DuckDB type is stored as."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL") or upper.startswith("NUMERIC"):
        return upper.replace("NUMERIC", "DECIMAL").lower()
    if upper in _SCALAR_TYPES:
        return _SCALAR_TYPES[upper]
    raise SparkSetupError(f"raw column type {duckdb_type} has no Spark equivalent in the loader")


def raw_tables(db_path: Path, raw_schema: str = RAW_SCHEMA) -> dict[str, list[tuple[str, str]]]:
    """Return {table: [(column, DuckDB type), ...]} of the raw schema of a DuckDB file."""
    if not db_path.exists():
        raise SparkSetupError(f"DuckDB file {db_path} does not exist")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ? order by table_name, ordinal_position",
            [raw_schema],
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    if not tables:
        raise SparkSetupError(f"{db_path} has no tables in schema {raw_schema}")
    return tables


def load_from_duckdb(
    spark: SparkSession, db_path: Path, raw_schema: str = RAW_SCHEMA
) -> dict[str, int]:
    """Copy every raw table of a DuckDB warehouse into the Spark database `raw_schema`.

    Each table goes through a Parquet file (DuckDB writes it, Spark reads it) and is stored
    as a Parquet table with the raw contract's types (timestamps as Spark timestamps in
    UTC), replacing the table of the same name. Returns the row count per table.
    """
    tables = raw_tables(db_path, raw_schema)
    spark.sql(f"create database if not exists {raw_schema}")
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="health_load_") as tmp:
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            for table in tables:
                con.execute(
                    f'copy (select * from "{raw_schema}"."{table}") '
                    f"to '{Path(tmp) / table}.parquet' (format parquet)"
                )
        finally:
            con.close()
        for table, columns in tables.items():
            frame = spark.read.parquet(str(Path(tmp) / f"{table}.parquet"))
            frame = frame.selectExpr(*[
                f"cast(`{name}` as {spark_type(data_type)}) as `{name}`"
                for name, data_type in columns
            ])
            spark.sql(f"drop table if exists {raw_schema}.{table}")
            frame.write.format("parquet").saveAsTable(f"{raw_schema}.{table}")
            counts[f"{raw_schema}.{table}"] = spark.table(f"{raw_schema}.{table}").count()
    return counts


def run_dbt(args: list[str], root: Path, as_of: dt.date | None = None) -> bool:
    """Run one dbt command on the Spark target in this process; True when it succeeded.

    In-process (runner.invoke_in_process, dbtRunner), so dbt-spark's session method reuses
    the session this process already started instead of starting a second JVM. A failure
    is printed (the failing nodes and the log) to stderr.
    """
    import sys

    from customer_health import runner

    env = configure_environment(root, as_of)
    try:
        runner.invoke_in_process([*args, "--target", "spark"], root, env)
    except runner.DbtFailure as exc:
        print(str(exc), file=sys.stderr)
        return False
    return True


# -- commands (registered in cli.py) ---------------------------------------------------


def cmd_load_spark(args: Any) -> int:
    """`customer-health load-spark --from-duckdb FILE`: copy the raw tables into Spark."""
    import sys
    import time

    root = project.project_dir()
    db_path = Path(args.from_duckdb).resolve()  # an existing file (cliargs.existing_file)
    try:
        started = time.perf_counter()
        spark = session(root)
        counts = load_from_duckdb(spark, db_path, args.raw_schema)
    except SparkSetupError as exc:
        print(f"load-spark: {exc}", file=sys.stderr)
        return 2
    print(
        f"loaded {len(counts)} raw tables into Spark database {args.raw_schema} "
        f"({spark_dir(root)}) in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{name} {rows:,}" for name, rows in counts.items())
    )
    return 0


def cmd_run_spark(args: Any) -> int:
    """`customer-health run --target spark`: dbt build on Spark, then the summary."""
    import sys
    import time

    from customer_health import export, summary

    root = project.project_dir()
    as_of = args.as_of or project.default_as_of_date()  # a date (cliargs.iso_date)
    print(f"customer_health: Spark warehouse {spark_dir(root)}, scoring date {as_of}")
    try:
        spark = session(root)
    except SparkSetupError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 2
    if not spark.catalog.databaseExists(RAW_SCHEMA) or not spark.catalog.listTables(RAW_SCHEMA):
        print(
            f"run: the Spark database {RAW_SCHEMA} has no tables; load them first: "
            "customer-health load-spark --from-duckdb FILE",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    if not run_dbt(project.build_args(args.full_refresh), root, as_of):
        print("dbt build failed; see the messages above.", file=sys.stderr)
        return 1
    print(f"\ndbt build finished in {time.perf_counter() - started:.1f} s\n")
    with tempfile.TemporaryDirectory(prefix="health_summary_") as tmp:
        files = export.export_spark(spark, Path(tmp), export.mart_names(root))
        bands = Path(tmp) / "health_bands"
        spark.table("config.health_bands").coalesce(1).write.parquet(str(bands))
        db_path = Path(tmp) / "summary.duckdb"
        export.duckdb_from_parquet(
            files, db_path, {"config.health_bands": next(bands.glob("part-*.parquet"))}
        )
        print(summary.render(db_path))
    return 0
