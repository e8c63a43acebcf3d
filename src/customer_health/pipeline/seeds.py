"""The seed plan: which seeds a run may skip, and the record of the last successful build.

A daily run loads and tests only the seeds whose file changed since the last successful
build of the same warehouse (dbt's own seed checksum in the recorded manifest); the record
(target/last_success/) is written after a green build and dropped when a build starts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import NamedTuple

from customer_health.pipeline.dbt import build_args
from customer_health.pipeline.settings import full_check_requested, project_dir

# Where a successful build leaves the manifest the next daily run compares seeds against.
LAST_SUCCESS_DIR = "last_success"


def _seed_relations(manifest: dict) -> list[tuple[str, str]]:
    """Return (schema, table) of every seed in a dbt manifest."""
    return [
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "seed"
    ]


def _seeds_loaded(db_path: Path, relations: list[tuple[str, str]]) -> bool:
    """True when every seed table exists in the DuckDB file (read-only check)."""
    import duckdb

    if not relations or not db_path.exists():
        return False
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error:
        return False
    try:
        found = set(con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall())
    finally:
        con.close()
    return all(relation in found for relation in relations)


# Files whose change may change how every seed loads: then every seed is reloaded.
SEED_CONFIG_FILES = ("dbt_project.yml", "seeds/_seeds.yml")


def _file_sha256(path: Path) -> str | None:
    """sha256 of a file's text without surrounding whitespace, as dbt checksums a seed
    (dbt.parser.read_files.load_seed_source_file); None when it does not exist."""
    import hashlib

    if not path.exists():
        return None
    return hashlib.sha256(path.read_text(encoding="utf-8").strip().encode("utf-8")).hexdigest()


class SeedPlan(NamedTuple):
    """Which seeds a run may skip, and why every seed is loaded when none may be."""

    unchanged: list[str]  # seeds neither reloaded nor re-tested in this run
    reason: str | None  # why every seed is loaded and tested; None when some are skipped


def seed_plan(
    target: Path, db_path: Path, full_refresh: bool = False, root: Path | None = None
) -> SeedPlan:
    """Return the seeds this run may skip: those unchanged since the last successful build.

    A seed is unchanged when its file's checksum is the one in the recorded manifest of
    the last successful build of this warehouse (dbt's own seed checksum). Every seed is
    loaded when there is no record, when that build was on another warehouse file, when a
    seed table is missing, when the seed configuration files changed, on --full-refresh
    and on a full check (HEALTH_FULL_CHECK=1).
    """
    root = root or project_dir()
    state = target / LAST_SUCCESS_DIR
    if full_refresh:
        return SeedPlan([], "--full-refresh")
    if full_check_requested():
        return SeedPlan([], "HEALTH_FULL_CHECK")
    try:
        manifest = json.loads((state / "manifest.json").read_text())
        recorded = json.loads((state / "warehouse.json").read_text())
    except (OSError, ValueError):
        return SeedPlan([], "no successful build recorded")
    if recorded.get("duckdb_path") != str(db_path.resolve()):
        return SeedPlan([], "the last successful build was on another warehouse")
    if not _seeds_loaded(db_path, _seed_relations(manifest)):
        return SeedPlan([], "a seed table is missing from the warehouse")
    if recorded.get("seed_config") != {f: _file_sha256(root / f) for f in SEED_CONFIG_FILES}:
        return SeedPlan([], "the seed configuration changed")
    unchanged = sorted(
        node["name"]
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "seed"
        and (checksum := node.get("checksum", {}).get("checksum"))
        and checksum == _file_sha256(root / node["original_file_path"])
    )
    return SeedPlan(unchanged, None if unchanged else "every seed changed")


def plan_build(
    target: Path, db_path: Path, full_refresh: bool = False, root: Path | None = None
) -> list[str]:
    """Return the `dbt build` arguments of a run: build_args, minus unchanged seeds."""
    return build_args(full_refresh, seed_plan(target, db_path, full_refresh, root).unchanged)


def record_success(target: Path, db_path: Path, root: Path | None = None) -> None:
    """Keep the manifest of a successful build as the state the next run compares seeds with."""
    root = root or project_dir()
    state = target / LAST_SUCCESS_DIR
    state.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target / "manifest.json", state / "manifest.json")
    (state / "warehouse.json").write_text(json.dumps({
        "duckdb_path": str(db_path.resolve()),
        "seed_config": {f: _file_sha256(root / f) for f in SEED_CONFIG_FILES},
    }))


def forget_success(target: Path) -> None:
    """Drop the recorded state (after a failed build: the next run loads every seed)."""
    shutil.rmtree(target / LAST_SUCCESS_DIR, ignore_errors=True)
