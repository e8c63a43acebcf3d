"""Where the dbt project, the warehouse file and the dbt executable are."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_DUCKDB_PATH = "data/customer_health.duckdb"


def project_dir() -> Path:
    """Return the dbt project root.

    `HEALTH_PROJECT_DIR` wins; else the current directory when it holds a
    dbt_project.yml; else the checkout this package was installed from.
    """
    env = os.environ.get("HEALTH_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd()
    if (cwd / "dbt_project.yml").exists():
        return cwd
    return Path(__file__).resolve().parents[2]


def duckdb_path(root: Path | None = None) -> Path:
    """Return the DuckDB warehouse file (`$HEALTH_DUCKDB_PATH`, relative to the project)."""
    root = root or project_dir()
    path = Path(os.environ.get("HEALTH_DUCKDB_PATH", DEFAULT_DUCKDB_PATH))
    return path if path.is_absolute() else root / path


def default_as_of_date() -> dt.date:
    """Return yesterday in UTC, the default scoring date (as macros/run_settings/as_of_date.sql)."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def venv_executable(name: str) -> str:
    """Return a command installed beside this Python interpreter (else the name, from PATH)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def dbt_executable() -> str:
    """Return the dbt executable installed beside this Python interpreter."""
    return venv_executable("dbt")


def dbt_env(
    root: Path, db_path: Path | None = None, as_of: dt.date | None = None
) -> dict[str, str]:
    """Return the environment dbt runs in: profiles from the project, absolute DuckDB path.

    as_of sets the scoring date through `HEALTH_AS_OF_DATE`
    (macros/run_settings/as_of_date.sql) rather than `--vars`: dbt re-parses the whole
    project whenever `--vars` change, while a changed environment variable re-parses only
    the files that use it, so a daily run keeps most of its parse cache.
    """
    env = dict(os.environ)
    env["DBT_PROFILES_DIR"] = str(root / "profiles")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    env["HEALTH_DUCKDB_PATH"] = str(db_path or duckdb_path(root))
    if as_of is not None:
        env["HEALTH_AS_OF_DATE"] = as_of.isoformat()
    return env


def build_args(full_refresh: bool = False) -> list[str]:
    """Return the `dbt build` arguments of a production run (`customer-health run`).

    Unit tests check the SQL logic, not the data: `make test` runs them (dbt's advice is
    to leave them out of production builds).
    """
    args = ["build", "--exclude-resource-type", "unit_test"]
    if full_refresh:
        args.append("--full-refresh")
    return args


def target_dir(root: Path) -> Path:
    """Return dbt's target folder (`$DBT_TARGET_PATH`, else target/ in the project)."""
    path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return path if path.is_absolute() else root / path


# Where a successful build leaves the manifest the next daily run compares seeds against.
LAST_SUCCESS_DIR = "last_success"


def full_check_requested() -> bool:
    """True when `HEALTH_FULL_CHECK` asks for every test on every row (macros/testing)."""
    return os.environ.get("HEALTH_FULL_CHECK", "").lower() in {"1", "true", "yes"}


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


def seed_skip_reason(target: Path, db_path: Path, full_refresh: bool = False) -> str | None:
    """Return why every seed must be loaded and tested in this run, or None to skip unchanged ones.

    Seeds that did not change since the last successful build of this warehouse are
    neither reloaded nor re-tested (unchanged_seeds compares file checksums with the
    recorded manifest). Everything is loaded when there is no record of a successful
    build, when that build was on another warehouse file, when a seed table is missing,
    on --full-refresh and on a full check (HEALTH_FULL_CHECK=1).
    """
    state = target / LAST_SUCCESS_DIR
    if full_refresh:
        return "--full-refresh"
    if full_check_requested():
        return "HEALTH_FULL_CHECK"
    try:
        manifest = json.loads((state / "manifest.json").read_text())
        recorded = json.loads((state / "warehouse.json").read_text())
    except (OSError, ValueError):
        return "no successful build recorded"
    if recorded.get("duckdb_path") != str(db_path.resolve()):
        return "the last successful build was on another warehouse"
    if not _seeds_loaded(db_path, _seed_relations(manifest)):
        return "a seed table is missing from the warehouse"
    return None


# Files whose change may change how every seed loads: then every seed is reloaded.
SEED_CONFIG_FILES = ("dbt_project.yml", "seeds/_seeds.yml")


def _file_sha256(path: Path) -> str | None:
    """sha256 of a file's text without surrounding whitespace, as dbt checksums a seed
    (dbt.parser.read_files.load_seed_source_file); None when it does not exist."""
    import hashlib

    if not path.exists():
        return None
    return hashlib.sha256(path.read_text(encoding="utf-8").strip().encode("utf-8")).hexdigest()


def unchanged_seeds(target: Path, root: Path) -> list[str]:
    """Return the seeds whose file is the one the last successful build loaded.

    Compares each seed file's sha256 with its checksum in the recorded manifest (dbt's
    own seed checksum); none when the seed configuration files changed since.
    """
    state = target / LAST_SUCCESS_DIR
    try:
        manifest = json.loads((state / "manifest.json").read_text())
        recorded = json.loads((state / "warehouse.json").read_text())
    except (OSError, ValueError):
        return []
    if recorded.get("seed_config") != {f: _file_sha256(root / f) for f in SEED_CONFIG_FILES}:
        return []
    unchanged = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "seed":
            continue
        checksum = node.get("checksum", {}).get("checksum")
        if checksum and _file_sha256(root / node["original_file_path"]) == checksum:
            unchanged.append(node["name"])
    return sorted(unchanged)


def plan_build(
    target: Path, db_path: Path, full_refresh: bool = False, root: Path | None = None
) -> list[str]:
    """Return the `dbt build` arguments of a run: build_args, minus unchanged seeds.

    A daily run skips the seeds that are unchanged since the last successful build, and
    the tests on those seeds only (`--indirect-selection cautious`: a test is left out
    when all its parents are; tests of models reading a seed still run). A changed seed
    is loaded and its tests run before any model that reads it (dbt build order).
    """
    args = build_args(full_refresh)
    if seed_skip_reason(target, db_path, full_refresh) is not None:
        return args
    unchanged = unchanged_seeds(target, root or project_dir())
    if not unchanged:
        return args
    return [*args, "--exclude", *unchanged, "--indirect-selection", "cautious"]


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


def dbt_command(args: list[str], root: Path) -> list[str]:
    """Return the command line of one dbt command in the project at root."""
    return [dbt_executable(), *args, "--project-dir", str(root)]


def run_dbt(
    args: list[str],
    root: Path | None = None,
    db_path: Path | None = None,
    capture: bool = False,
    as_of: dt.date | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command in the project; raises CalledProcessError when dbt fails."""
    root = root or project_dir()
    return subprocess.run(
        dbt_command(args, root),
        cwd=root,
        env=dbt_env(root, db_path, as_of),
        check=True,
        text=True,
        capture_output=capture,
    )
