"""What every engine's loader and exporter share: the raw schema of a DuckDB file, Parquet out.

The raw contract is the DuckDB warehouse the generator (or a user's loader) writes: one
schema (`raw`) whose column types each engine maps to its own (engines/postgres.py,
engines/snowflake.py; spark.py for Spark). An export writes each mart as one Parquet file
through DuckDB, with the column types the engine reported, so every engine's marts can be
compared with any Parquet reader (tests/python/test_engine_parity.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

RAW_SCHEMA = "raw"
MARTS_SCHEMA = "marts"


class EngineSetupError(RuntimeError):
    """A problem the user can fix (missing extra, no server, no raw table): one clear line."""


def raw_tables(db_path: Path, raw_schema: str = RAW_SCHEMA) -> dict[str, list[tuple[str, str]]]:
    """Return {table: [(column, DuckDB type), ...]} of the raw schema of a DuckDB file."""
    if not Path(db_path).exists():
        raise EngineSetupError(f"DuckDB file {db_path} does not exist")
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
        raise EngineSetupError(f"{db_path} has no tables in schema {raw_schema}")
    return tables


def mart_names(root: Path) -> list[str]:
    """Return the marts of the project: the models in models/marts/, sorted (as export.py)."""
    return sorted(path.stem for path in (Path(root) / "models" / "marts").glob("*.sql"))


def csv_to_parquet(csv_path: Path, columns: list[tuple[str, str]], parquet_path: Path) -> None:
    """Write a header-less CSV (nulls as \\N, "" quoting) as Parquet with DuckDB column types.

    columns: [(name, DuckDB type)] in the file's order; names are written lower case.
    """
    spec = ", ".join(
        f"'{name.lower()}': '{data_type}'" for name, data_type in columns
    )
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"copy (select * from read_csv('{csv_path}', header = false, columns = {{{spec}}}, "
            f"nullstr = '\\N', quote = '\"', escape = '\"', auto_detect = false)) "
            f"to '{parquet_path}' (format parquet)"
        )
    finally:
        con.close()
