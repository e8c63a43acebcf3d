"""Where the dbt project, the warehouse file and the dbt executable are."""

from __future__ import annotations

import datetime as dt
import os
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
