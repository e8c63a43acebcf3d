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
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import yaml

from customer_health.pipeline import relations
from customer_health.pipeline.dbt import Dbt, DbtFailure

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


def spark_environment(root: Path) -> dict[str, str]:
    """What dbt and pyspark need for the local Spark target, over the dbt environment.

    The warehouse and Derby metastore go under spark_dir (absolute, never the current
    directory); Spark binds to 127.0.0.1 (SPARK_LOCAL_IP); dbt uses the `spark` output.
    """
    return {
        "HEALTH_TARGET": "spark",
        "HEALTH_SPARK_DIR": str(spark_dir(root).resolve()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
    }


def dbt(root: Path, as_of: dt.date | None = None) -> Dbt:
    """The dbt invocation of the Spark target: in this process, so dbt-spark's session
    method reuses the session this process started instead of starting a second JVM."""
    return Dbt(root, as_of=as_of, target="spark", env=spark_environment(root),
               backend="in_process")


def run_dbt(args: list[str], root: Path, as_of: dt.date | None = None) -> bool:
    """Run one dbt command on the Spark target in this process (dbt()); True when it succeeded.

    A failure is printed (the failing nodes and the log) to stderr.
    """
    try:
        dbt(root, as_of).run(args)
    except DbtFailure as exc:
        print(str(exc), file=sys.stderr)
        return False
    return True


def configure_environment(root: Path, as_of: dt.date | None = None) -> dict[str, str]:
    """Set (in os.environ) and return the environment of the Spark target's dbt."""
    env = dbt(root, as_of).environment()
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
    con = relations.connect(db_path)
    try:
        rows = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? "
            "order by table_name, ordinal_position",
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


def raw_to_parquet(db_path: Path, tables: list[str], out_dir: Path,
                   raw_schema: str = RAW_SCHEMA) -> dict[str, Path]:
    """Write each raw table of a DuckDB file to out_dir/<table>.parquet (the loader's read
    side: catalog-qualified, so a file named raw.duckdb reads as any other)."""
    files: dict[str, Path] = {}
    con = relations.connect(db_path)
    try:
        for table in tables:
            path = out_dir / f"{table}.parquet"
            source = relations.Relation(raw_schema, table).sql(con.resolver.catalog)
            con.execute(f"copy (select * from {source}) to '{path}' (format parquet)")
            files[table] = path
    finally:
        con.close()
    return files


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
        files = raw_to_parquet(db_path, list(tables), Path(tmp), raw_schema)
        for table, columns in tables.items():
            frame = spark.read.parquet(str(files[table]))
            frame = frame.selectExpr(*[
                f"cast(`{name}` as {spark_type(data_type)}) as `{name}`"
                for name, data_type in columns
            ])
            spark.sql(f"drop table if exists {raw_schema}.{table}")
            frame.write.format("parquet").saveAsTable(f"{raw_schema}.{table}")
            counts[f"{raw_schema}.{table}"] = spark.table(f"{raw_schema}.{table}").count()
    return counts


def raw_loaded(spark: SparkSession, raw_schema: str = RAW_SCHEMA) -> bool:
    """True when the Spark database of the raw tables exists and holds tables."""
    return bool(spark.catalog.databaseExists(raw_schema) and spark.catalog.listTables(raw_schema))
