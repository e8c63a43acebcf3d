"""The PostgreSQL target: raw tables copied from DuckDB, dbt run against it, marts exported.

The connection comes from the libpq environment variables (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE), with the defaults of the profile's `postgres` output
(profiles/profiles.yml), so the loader, dbt and the exporter reach the same database.
Needs the optional extra `postgres` (dbt-postgres, psycopg2-binary).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from customer_health.engines.rawcopy import (
    MARTS_SCHEMA,
    RAW_SCHEMA,
    EngineSetupError,
    csv_to_parquet,
    raw_tables,
)
from customer_health.pipeline.dbt import Dbt

TARGET = "postgres"
# the profile's defaults (profiles/profiles.yml, output `postgres`)
DEFAULTS = {"PGHOST": "localhost", "PGPORT": "5432", "PGUSER": "postgres",
            "PGDATABASE": "customer_health"}

# DuckDB type of a raw column -> the PostgreSQL type it is stored as (the raw contract's types).
_SCALAR_TYPES = {
    "VARCHAR": "text",
    "TEXT": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}

# PostgreSQL type (information_schema data_type) -> the DuckDB type its export is read as.
_EXPORT_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "character": "VARCHAR",
    "boolean": "BOOLEAN",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "real": "FLOAT",
    "double precision": "DOUBLE",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMPTZ",
}


def postgres_type(duckdb_type: str) -> str:
    """Return the PostgreSQL type a raw column of this DuckDB type is stored as."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL") or upper.startswith("NUMERIC"):
        return upper.replace("DECIMAL", "NUMERIC").lower()
    if upper in _SCALAR_TYPES:
        return _SCALAR_TYPES[upper]
    raise EngineSetupError(f"raw column type {duckdb_type} has no PostgreSQL equivalent")


def connection_settings() -> dict[str, str]:
    """Return host, port, user, password and database from the PG* variables (or defaults)."""
    env = {name: os.environ.get(name, default) for name, default in DEFAULTS.items()}
    return {"host": env["PGHOST"], "port": env["PGPORT"], "user": env["PGUSER"],
            "password": os.environ.get("PGPASSWORD", ""), "dbname": env["PGDATABASE"]}


def connect() -> Any:
    """Open a psycopg2 connection to the target database (autocommit off)."""
    try:
        import psycopg2
    except ImportError as exc:
        raise EngineSetupError(
            "the PostgreSQL target needs the optional extra: pip install -e '.[postgres]' "
            "(make test installs it)"
        ) from exc
    settings = connection_settings()
    try:
        return psycopg2.connect(**settings, connect_timeout=10)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineSetupError(
            f"cannot connect to PostgreSQL database {settings['dbname']} at "
            f"{settings['host']}:{settings['port']} as {settings['user']} ({first}); "
            "set PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE"
        ) from exc


def load_from_duckdb(db_path: Path, raw_schema: str = RAW_SCHEMA) -> dict[str, int]:
    """Copy every raw table of a DuckDB warehouse into the PostgreSQL schema `raw_schema`.

    Each table is written by DuckDB as CSV and read by PostgreSQL's COPY into a table
    with the raw contract's types, replacing the table of the same name; one transaction
    for all tables (a failed load leaves the previous raw tables). Returns row counts.
    """
    tables = raw_tables(db_path, raw_schema)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="health_pg_load_") as tmp:
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            for table in tables:
                con.execute(
                    f'copy (select * from "{raw_schema}"."{table}") to '
                    f"'{Path(tmp) / table}.csv' (format csv, header false, nullstr '\\N')"
                )
        finally:
            con.close()
        pg = connect()
        try:
            with pg, pg.cursor() as cur:
                cur.execute(f'create schema if not exists "{raw_schema}"')
                for table, columns in tables.items():
                    cur.execute(f'drop table if exists "{raw_schema}"."{table}" cascade')
                    spec = ", ".join(f'"{name}" {postgres_type(kind)}' for name, kind in columns)
                    cur.execute(f'create table "{raw_schema}"."{table}" ({spec})')
                    with open(Path(tmp) / f"{table}.csv", encoding="utf-8") as data:
                        cur.copy_expert(
                            f'copy "{raw_schema}"."{table}" from stdin '
                            "(format csv, null '\\N')",
                            data,
                        )
                    cur.execute(f'analyze "{raw_schema}"."{table}"')
                    cur.execute(f'select count(*) from "{raw_schema}"."{table}"')
                    counts[f"{raw_schema}.{table}"] = cur.fetchone()[0]
        finally:
            pg.close()
    return counts


def dbt_env(root: Path, as_of: dt.date | None = None) -> dict[str, str]:
    """The environment of a dbt command on the PostgreSQL target (the pipeline's Dbt)."""
    return Dbt(root, as_of=as_of, target=TARGET, env={"HEALTH_TARGET": TARGET}).environment()


def run_dbt(
    args: list[str], root: Path, as_of: dt.date | None = None, env: dict[str, str] | None = None
) -> None:
    """Run one dbt command on the PostgreSQL target; raises DbtFailure on failure."""
    full_env = {"HEALTH_TARGET": TARGET, **(env or {})}
    Dbt(root, as_of=as_of, target=TARGET, env=full_env).run(args)


def export_type(data_type: str, precision: int | None, scale: int | None) -> str:
    """Return the DuckDB type a PostgreSQL column of this type is exported as."""
    if data_type == "numeric":
        # an unconstrained numeric has no DuckDB equivalent: exported as double
        return f"DECIMAL({precision},{scale})" if precision and precision <= 38 else "DOUBLE"
    return _EXPORT_TYPES.get(data_type, "VARCHAR")


def export(out_dir: Path, marts: list[str], schema: str = MARTS_SCHEMA) -> dict[str, Path]:
    """Write each mart of the PostgreSQL warehouse to out_dir/<mart>.parquet; return the files.

    schema: the marts' schema (`config` for the seeds the run's summary reads).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    pg = connect()
    try:
        with pg.cursor() as cur:
            cur.execute(
                "select table_name, column_name, data_type, numeric_precision, numeric_scale "
                "from information_schema.columns where table_schema = %s "
                "order by table_name, ordinal_position",
                [schema],
            )
            columns: dict[str, list[tuple[str, str]]] = {}
            for table, column, data_type, precision, scale in cur.fetchall():
                columns.setdefault(table, []).append(
                    (column, export_type(data_type, precision, scale))
                )
            missing = [mart for mart in marts if mart not in columns]
            if missing:
                raise EngineSetupError(
                    f"the PostgreSQL warehouse has no mart {', '.join(missing)} "
                    "(run `customer-health run --target postgres`)"
                )
            files = {}
            with tempfile.TemporaryDirectory(prefix="health_pg_export_") as tmp:
                for mart in marts:
                    csv_path = Path(tmp) / f"{mart}.csv"
                    with open(csv_path, "w", encoding="utf-8") as data:
                        cur.copy_expert(
                            f'copy (select * from "{schema}"."{mart}") to stdout '
                            "(format csv, null '\\N')",
                            data,
                        )
                    path = out_dir / f"{mart}.parquet"
                    csv_to_parquet(csv_path, columns[mart], path)
                    files[mart] = path
        pg.rollback()
    finally:
        pg.close()
    return files
