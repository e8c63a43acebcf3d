"""The tiers' generated warehouses: cached by generator identity, and one day appended for the
incremental refresh."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from customer_health.generator import GeneratorConfig

from customer_health.bench.common import log
from customer_health.bench.tiers import RAW_TABLES, Tier, tier_config
from customer_health.pipeline import relations


def generator_identity(config: GeneratorConfig) -> dict[str, Any]:
    """Return what determines a generated warehouse: the config and the generator version."""
    from customer_health.generator import GENERATOR_VERSION

    fields = {k: (v.isoformat() if isinstance(v, dt.date) else v)
              for k, v in dataclasses.asdict(config).items()}
    return {"generator_version": GENERATOR_VERSION, **fields}


def identity_hash(identity: dict[str, Any]) -> str:
    """Return a stable hash of a generator identity."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def raw_row_counts(db_path: Path) -> dict[str, int]:
    """Return the row count of every raw contract table in the warehouse."""
    con = relations.connect(db_path)
    try:
        return {
            t.name: int(con.execute(f"select count(*) from raw.{t.name}").fetchone()[0])
            for t in RAW_TABLES
        }
    finally:
        con.close()


def _remove_database(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log, if present."""
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def ensure_raw(tier: Tier, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """Return the pristine warehouse of a tier and its sidecar, generating it when needed.

    The warehouse ``<workdir>/<tier>/pristine.duckdb`` is reused when its
    sidecar ``pristine.json`` carries the hash of the same generator config and
    version. (Not ``raw.duckdb``: DuckDB names the catalog after the file, and a
    catalog ``raw`` makes the schema ``raw`` ambiguous.)
    """
    from customer_health.generator import write_warehouse

    config = tier_config(tier)
    identity = generator_identity(config)
    digest = identity_hash(identity)
    tier_dir = workdir / tier.name
    pristine, sidecar = tier_dir / "pristine.duckdb", tier_dir / "pristine.json"
    if pristine.exists() and sidecar.exists():
        meta = json.loads(sidecar.read_text())
        if meta.get("hash") == digest:
            log(f"{tier.name}: reusing {pristine} (generator config unchanged)")
            return pristine, meta
    tier_dir.mkdir(parents=True, exist_ok=True)
    sidecar.unlink(missing_ok=True)
    partial = tier_dir / "partial.duckdb"
    _remove_database(partial)
    log(f"{tier.name}: generating {tier.n_accounts:,} accounts x {tier.history_days} days ...")
    started = time.perf_counter()
    write_warehouse(partial, config)
    _remove_database(pristine)
    os.replace(partial, pristine)
    meta = {
        "hash": digest,
        "generator": identity,
        "raw_rows": raw_row_counts(pristine),
        "generation_s": round(time.perf_counter() - started, 2),
    }
    sidecar.write_text(json.dumps(meta, indent=2) + "\n")
    log(f"{tier.name}: generated in {meta['generation_s']:.1f} s, "
        f"{sum(meta['raw_rows'].values()):,} raw rows")
    return pristine, meta


def append_one_day(db_path: Path, last_day: dt.date, suffix: str = "_d1") -> dict[str, int]:
    """Append one new day of raw events: the rows of ``last_day``, one day later.

    For every raw event table, the rows whose event time falls on ``last_day``
    are copied with every timestamp column (including the load time
    ``_loaded_at``) shifted by one day and ``suffix`` appended to their key.
    Returns the number of rows appended per table.
    """
    start = dt.datetime.combine(last_day, dt.time())
    end = start + dt.timedelta(days=1)
    con = relations.connect(db_path, read_only=False)
    try:
        appended: dict[str, int] = {}
        con.execute("begin transaction")
        for table in (t for t in RAW_TABLES if t.is_event):
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table.name],
            ).fetchall()
            names, exprs = [], []
            for name, data_type in columns:
                quoted = f'"{name}"'
                names.append(quoted)
                if name == table.id_column:
                    exprs.append(f"cast({quoted} as varchar) || '{suffix}'")
                elif str(data_type).upper().startswith("TIMESTAMP"):
                    exprs.append(f"{quoted} + interval 1 day")
                else:
                    exprs.append(quoted)
            inserted = con.execute(
                f"insert into raw.{table.name} ({', '.join(names)}) "
                f"select {', '.join(exprs)} from raw.{table.name} "
                f"where {table.time_column} >= ? and {table.time_column} < ?",
                [start, end],
            ).fetchone()
            appended[table.name] = int(inserted[0])
        con.execute("commit")
        con.execute("checkpoint")
        return appended
    finally:
        con.close()
