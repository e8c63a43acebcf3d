"""The floor: DuckDB alone scanning every raw table once."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from customer_health.bench.tiers import RAW_TABLES
from customer_health.pipeline import relations


def duckdb_settings() -> dict[str, Any]:
    """Return the DuckDB threads and memory limit of the profile (same env vars and defaults)."""
    return {
        "threads": int(os.environ.get("HEALTH_DUCKDB_THREADS", "2")),
        "memory_limit": os.environ.get("HEALTH_DUCKDB_MEMORY_LIMIT", "4GB"),
    }


def floor_scan(db_path: Path) -> dict[str, Any]:
    """Time DuckDB alone scanning every raw table once with one grouped aggregate.

    Per table: group by account, count(*) and the max of its timestamp. Runs in
    this process with the profile's DuckDB threads and memory limit.
    """
    con = relations.connect(db_path, config=duckdb_settings())
    try:
        per_table: dict[str, float] = {}
        started = time.perf_counter()
        for table in RAW_TABLES:
            table_started = time.perf_counter()
            con.execute(
                "select count(*), sum(n), max(last_at) from ("
                f"select account_id, count(*) as n, max({table.time_column}) as last_at "
                f"from raw.{table.name} group by account_id)"
            ).fetchall()
            per_table[table.name] = round(time.perf_counter() - table_started, 4)
        return {"wall_s": round(time.perf_counter() - started, 4), "per_table": per_table}
    finally:
        con.close()
