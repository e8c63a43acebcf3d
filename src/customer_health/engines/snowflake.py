"""The Snowflake target: raw tables copied from DuckDB, dbt run against it, marts exported.

The connection comes from the variables the profile's `snowflake` output reads
(SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, SNOWFLAKE_PASSWORD, SNOWFLAKE_ROLE,
SNOWFLAKE_DATABASE, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_SCHEMA), so the loader, dbt and the
exporter reach the same database. Needs dbt-snowflake, in a venv of its own
(constraints-snowflake.txt: its pins conflict with the dev tools'). Tested on the fakesnow
emulator (docs/warehouses.md): run inside `fakesnow.patch()` (or `fakesnow -m ...`), the
connector calls of this module and of dbt in the same process go to it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import duckdb

from customer_health.engines.rawcopy import (
    MARTS_SCHEMA,
    RAW_SCHEMA,
    EngineSetupError,
    raw_tables,
)
from customer_health.pipeline.dbt import Dbt

TARGET = "snowflake"
# the profile's defaults (profiles/profiles.yml, output `snowflake`)
DEFAULT_DATABASE = "CUSTOMER_HEALTH"

# DuckDB type of a raw column -> the Snowflake type it is stored as (the raw contract's types).
_SCALAR_TYPES = {
    "VARCHAR": "varchar",
    "TEXT": "varchar",
    "BOOLEAN": "boolean",
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "number(38,0)",
    "FLOAT": "float",
    "DOUBLE": "float",
    "DATE": "date",
    "TIMESTAMP": "timestamp_ntz",
    "TIMESTAMP WITH TIME ZONE": "timestamp_tz",
}


def snowflake_type(duckdb_type: str) -> str:
    """Return the Snowflake type a raw column of this DuckDB type is stored as."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL") or upper.startswith("NUMERIC"):
        return "number" + upper[upper.index("("):] if "(" in upper else "number(38,9)"
    if upper in _SCALAR_TYPES:
        return _SCALAR_TYPES[upper]
    raise EngineSetupError(f"raw column type {duckdb_type} has no Snowflake equivalent")


def connection_settings() -> dict[str, str]:
    """Return the connector's arguments from the SNOWFLAKE_* variables (unset ones left out)."""
    names = {"account": "SNOWFLAKE_ACCOUNT", "user": "SNOWFLAKE_USER",
             "password": "SNOWFLAKE_PASSWORD", "role": "SNOWFLAKE_ROLE",
             "warehouse": "SNOWFLAKE_WAREHOUSE"}
    settings = {key: os.environ[name] for key, name in names.items() if os.environ.get(name)}
    settings["database"] = os.environ.get("SNOWFLAKE_DATABASE") or DEFAULT_DATABASE
    return settings


def connect() -> Any:
    """Open a Snowflake connection (under fakesnow.patch: the emulator's)."""
    try:
        import snowflake.connector
    except ImportError as exc:
        raise EngineSetupError(
            "the Snowflake target needs dbt-snowflake in a venv of its own: "
            "make .venv-snowflake (docs/warehouses.md)"
        ) from exc
    settings = connection_settings()
    try:
        con = snowflake.connector.connect(**settings)
    except snowflake.connector.errors.Error as exc:
        raise EngineSetupError(
            f"cannot connect to Snowflake account {settings.get('account', '(unset)')} "
            f"({str(exc).splitlines()[0]}); set SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, "
            "SNOWFLAKE_PASSWORD, SNOWFLAKE_DATABASE, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_ROLE"
        ) from exc
    return con


def load_from_duckdb(db_path: Path, raw_schema: str = RAW_SCHEMA) -> dict[str, int]:
    """Copy every raw table of a DuckDB warehouse into the Snowflake schema `raw_schema`.

    Each table is created (replaced) with the raw contract's types and filled with the
    connector's write_pandas (a Parquet stage and COPY INTO on Snowflake). Returns the
    row count per table.
    """
    tables = raw_tables(db_path, raw_schema)
    counts: dict[str, int] = {}
    con = connect()  # first: without the connector, one clear line (EngineSetupError)
    from snowflake.connector.pandas_tools import write_pandas

    source = duckdb.connect(str(db_path), read_only=True)
    try:
        cur = con.cursor()
        database = connection_settings()["database"]
        cur.execute(f"create database if not exists {database}")
        cur.execute(f"use database {database}")
        cur.execute(f"create schema if not exists {raw_schema}")
        for table, columns in tables.items():
            spec = ", ".join(f"{name} {snowflake_type(kind)}" for name, kind in columns)
            cur.execute(f"create or replace table {raw_schema}.{table} ({spec})")
            frame = source.execute(f'select * from "{raw_schema}"."{table}"').df()
            frame.columns = [name.upper() for name in frame.columns]
            if len(frame):
                write_pandas(con, frame, table.upper(), schema=raw_schema.upper(),
                             database=database.upper(), quote_identifiers=True,
                             use_logical_type=True)
            cur.execute(f"select count(*) from {raw_schema}.{table}")
            counts[f"{raw_schema}.{table}"] = cur.fetchone()[0]
    finally:
        source.close()
        con.close()
    return counts


def dbt_env(root: Path, as_of: dt.date | None = None) -> dict[str, str]:
    """The environment of a dbt command on the Snowflake target (the pipeline's Dbt)."""
    return Dbt(root, as_of=as_of, target=TARGET, env={"HEALTH_TARGET": TARGET}).environment()


def run_dbt(args: list[str], root: Path, as_of: dt.date | None = None) -> None:
    """Run one dbt command on the Snowflake target in this process (dbtRunner).

    In-process, so that an emulator patched into this process (fakesnow.patch) serves
    dbt's connections too. Raises DbtFailure on failure.
    """
    Dbt(root, as_of=as_of, target=TARGET, env={"HEALTH_TARGET": TARGET},
        backend="in_process").run(args)


def export(out_dir: Path, marts: list[str], schema: str = MARTS_SCHEMA) -> dict[str, Path]:
    """Write each mart of the Snowflake warehouse to out_dir/<mart>.parquet; return the files.

    schema: the marts' schema (`config` for the seeds the run's summary reads).

    Column names lower case (Snowflake stores unquoted names upper case), types as the
    connector's Arrow results give them.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect()  # first: without the connector, one clear line (EngineSetupError)
    import pyarrow

    files = {}
    try:
        cur = con.cursor()
        cur.execute(f"use database {connection_settings()['database']}")
        found = set()
        for catalog in ("tables", "views"):  # a mart may be a view
            cur.execute(
                f"select table_name from information_schema.{catalog} where table_schema = %s",
                (schema.upper(),),
            )
            found |= {row[0].lower() for row in cur.fetchall()}
        missing = [mart for mart in marts if mart not in found]
        if missing:
            raise EngineSetupError(
                f"the Snowflake warehouse has no mart {', '.join(missing)} "
                "(run `customer-health run --target snowflake`)"
            )
        for mart in marts:
            cur.execute(f"select * from {schema}.{mart}")
            # through pandas (the emulator's cursor has no fetch_arrow_all); a NaN that
            # pandas made of a null becomes a null again in Arrow (from_pandas)
            frame = cur.fetch_pandas_all()
            arrow = pyarrow.Table.from_pandas(frame, preserve_index=False)
            arrow = arrow.rename_columns([name.lower() for name in arrow.column_names])
            path = out_dir / f"{mart}.parquet"
            writer = duckdb.connect()
            try:
                writer.register("mart_rows", arrow)
                writer.execute(f"copy mart_rows to '{path}' (format parquet)")
            finally:
                writer.close()
            files[mart] = path
    finally:
        con.close()
    return files
