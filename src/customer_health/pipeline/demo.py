"""The demo warehouse of `customer-health run`: generated when there are no raw tables (or a
demo that ends on another date), never over raw tables a loader wrote."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from customer_health.pipeline import relations


def _raw_state(db_path: Path) -> tuple[bool, dt.date | None]:
    """Return (raw tables present, end date of the demo marker or None)."""
    if not db_path.exists():
        return False, None
    con = relations.connect(db_path)
    try:
        raw_tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw'"
        ).fetchone()[0]
        marker = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'demo_truth' and table_name = 'generation'"
        ).fetchone()[0]
        end_date = None
        if marker:
            end_date = con.execute("select max(end_date) from demo_truth.generation").fetchone()[0]
        return raw_tables > 0, end_date
    finally:
        con.close()


def ensure_demo_warehouse(db_path: Path, mode: str, as_of: dt.date) -> tuple[str, bool]:
    """Generate the demo warehouse when needed; return what was done and whether it generated.

    mode `auto` generates when there are no raw tables, or when the raw tables
    are a demo whose end date is not the scoring date; a warehouse whose raw
    tables a loader wrote (no demo marker) is never touched. `always`
    regenerates, `never` never generates.
    """
    from customer_health import generator

    has_raw, demo_end = _raw_state(db_path)
    if mode == "never":
        return "demo generation disabled (HEALTH_DEMO=never)", False
    if mode == "auto" and has_raw and demo_end is None:
        return f"raw tables found in {db_path} (not a demo): using them as they are", False
    if mode == "auto" and has_raw and demo_end == as_of:
        return f"demo warehouse up to date (ends {demo_end})", False
    db_path.parent.mkdir(parents=True, exist_ok=True)
    config = generator.GeneratorConfig(
        n_accounts=int(os.environ.get("HEALTH_DEMO_ACCOUNTS", "500")),
        history_days=int(os.environ.get("HEALTH_DEMO_DAYS", "1095")),
        end_date=as_of,
        seed=int(os.environ.get("HEALTH_DEMO_SEED", "42")),
    )
    started = time.perf_counter()
    counts = generator.write_warehouse(db_path, config)
    return (
        f"demo warehouse generated in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k.startswith("raw.")),
        True,
    )
