"""Where the dbt project, the warehouse file and the dbt executable are."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

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


# Test-only clock: an ISO-8601 instant with its offset (e.g. 2026-07-02T01:30:00+00:00)
# that utc_now returns instead of the system clock (tests/python/test_reliability.py).
TEST_CLOCK_ENV = "HEALTH_TEST_NOW"


def utc_now() -> dt.datetime:
    """Return the current instant as an aware UTC datetime, whatever the host's time zone.

    `HEALTH_TEST_NOW` (testing only) replaces the system clock; a value without an
    offset is read as UTC.
    """
    fake = os.environ.get(TEST_CLOCK_ENV, "").strip()
    if not fake:
        return dt.datetime.now(dt.UTC)
    instant = dt.datetime.fromisoformat(fake)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(dt.UTC)


def default_as_of_date() -> dt.date:
    """Return yesterday in UTC, the default scoring date (as macros/run_settings/as_of_date.sql).

    The date of the UTC instant, never the host's local date: at 22:30 in Sao Paulo
    (01:30 UTC the next day) the default is the UTC yesterday.
    """
    return utc_now().date() - dt.timedelta(days=1)


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
    # the explicit score-date range is set per chunk by customer-health backfill only
    # (runner.run's env): inherited from a shell it would narrow every build to that range
    env.pop("HEALTH_SCORE_HISTORY_START", None)
    env["DBT_PROFILES_DIR"] = str(root / "profiles")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    path = Path(db_path or duckdb_path(root)).resolve()
    # relative to the project (dbt runs there) when inside it: the profile then reads the
    # same path in every copy of the project and dbt keeps its parse cache
    env["HEALTH_DUCKDB_PATH"] = (
        str(path.relative_to(root.resolve())) if path.is_relative_to(root.resolve()) else str(path)
    )
    if as_of is not None:
        env["HEALTH_AS_OF_DATE"] = as_of.isoformat()
    return env


# Resources that are no-op nodes in a `dbt build` (MetricFlow's saved queries, exposures).
NO_OP_RESOURCE_TYPES = ("saved_query", "exposure")


def build_args(full_refresh: bool = False, skip_seeds: list[str] | None = None) -> list[str]:
    """Return the `dbt build` arguments of a production run (`customer-health run`).

    Unit tests check the SQL logic, not the data: `make test` runs them (dbt's advice is
    to leave them out of production builds). Saved queries (queried with `mf query`) and
    exposures are no-op nodes in a build: left out. skip_seeds (seed_plan) leaves out those
    seeds and the tests on them only (`--indirect-selection cautious`: a test is left
    out when all its parents are; tests of models reading a seed still run). A changed
    seed is loaded and its tests run before any model that reads it (dbt build order).
    """
    args = ["build", "--exclude-resource-type", "unit_test", *NO_OP_RESOURCE_TYPES]
    if full_refresh:
        args.append("--full-refresh")
    if skip_seeds:
        args += ["--exclude", *skip_seeds, "--indirect-selection", "cautious"]
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


def dbt_command(args: list[str], root: Path) -> list[str]:
    """Return the command line of one dbt command in the project at root."""
    return [dbt_executable(), *args, "--project-dir", str(root)]


def run_dbt(
    args: list[str],
    root: Path | None = None,
    db_path: Path | None = None,
    capture: bool = False,
    as_of: dt.date | None = None,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command in the project (customer_health.runner.run); raises
    runner.DbtFailure (a CalledProcessError naming the failing nodes) when dbt fails.

    pass_fds are file descriptors dbt inherits: the run lock (runlock.hold), so the lock
    is held until dbt has exited even when the process that started it was killed.
    """
    from customer_health import runner

    return runner.run(args, root, db_path, as_of=as_of, capture=capture, pass_fds=pass_fds)
