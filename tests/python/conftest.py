"""End-to-end fixtures: each test drives dbt on its own copy of the project.

Like Elementary's integration tests, the project is copied into a temporary
directory with its own DuckDB file and target path, so tests never touch the
user's warehouse (data/customer_health.duckdb) or target/.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from customer_health import project
from customer_health.generator import GeneratorConfig, write_warehouse

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_ITEMS = ["dbt_project.yml", "models", "seeds", "macros", "tests", "analyses", "profiles"]

# The small portfolio most end-to-end tests share: enough history (26 months)
# for the month-of-year index, small enough to build in seconds.
SMALL_AS_OF = dt.date(2026, 6, 30)
SMALL_CONFIG = GeneratorConfig(n_accounts=150, history_days=800, end_date=SMALL_AS_OF, seed=7)


class Warehouse:
    """A copy of the dbt project with its own DuckDB warehouse."""

    def __init__(self, root: Path) -> None:
        """Use the project copy at root (see copy_project)."""
        self.root = root
        self.db = root / "warehouse.duckdb"

    # -- data -------------------------------------------------------------
    def generate(self, config: GeneratorConfig) -> dict[str, int]:
        """Write a demo warehouse into this copy's DuckDB file."""
        return write_warehouse(self.db, config)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Run a read-only query and return all rows."""
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str, params: list | None = None):
        """Run a read-only query and return the first column of the first row."""
        return self.query(sql, params)[0][0]

    def execute(self, *statements: str) -> None:
        """Run statements that change the warehouse (e.g. inject raw rows)."""
        con = duckdb.connect(str(self.db))
        try:
            for statement in statements:
                con.execute(statement)
        finally:
            con.close()

    def table_rows(self, relation: str, order_by: str) -> list[tuple]:
        """All rows of a relation in a stable order."""
        return self.query(f"select * from {relation} order by {order_by}")

    def write_seed(self, name: str, text: str) -> None:
        """Replace a configuration seed of this copy."""
        (self.root / "seeds" / f"{name}.csv").write_text(text)

    # -- dbt --------------------------------------------------------------
    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run dbt in this copy; output is captured (shown when check fails)."""
        env = project.dbt_env(self.root, self.db)
        env.update(DBT_TARGET_PATH=str(self.root / "target"), DBT_LOG_PATH=str(self.root / "logs"))
        cmd = [project.dbt_executable(), *args, "--project-dir", str(self.root)]
        result = subprocess.run(cmd, cwd=self.root, env=env, text=True, capture_output=True)
        if check and result.returncode != 0:
            raise AssertionError(
                f"dbt {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}"
                f"\n{result.stderr[-2000:]}"
            )
        return result

    def build(
        self,
        as_of: dt.date,
        extra_vars: dict | None = None,
        full_refresh: bool = False,
        select: str | None = None,
        exclude: str | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run dbt build at a scoring date."""
        variables = {"as_of_date": as_of.isoformat(), **(extra_vars or {})}
        args = ["build", "--vars", json.dumps(variables)]
        if full_refresh:
            args.append("--full-refresh")
        if select:
            args += ["--select", select]
        if exclude:
            args += ["--exclude", exclude]
        return self.dbt(*args, check=check)

    def run_models(
        self, as_of: dt.date, select: str, extra_vars: dict | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run (seed and build, no tests) a selection of models at a scoring date."""
        variables = json.dumps({"as_of_date": as_of.isoformat(), **(extra_vars or {})})
        self.dbt("seed", "--vars", variables)
        return self.dbt("run", "--vars", variables, "--select", select)

    def clone(self, destination: Path) -> Warehouse:
        """Copy this project and its warehouse (with everything built) to destination."""
        shutil.copytree(self.root, destination, ignore=shutil.ignore_patterns("target", "logs"))
        return Warehouse(destination)


def copy_project(destination: Path) -> Warehouse:
    """Copy the dbt project (not the Python tests, data or target) to destination."""
    destination.mkdir(parents=True, exist_ok=True)
    for item in PROJECT_ITEMS:
        source = PROJECT_ROOT / item
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(
                source,
                destination / item,
                ignore=shutil.ignore_patterns("__pycache__", "python", "*.pyc"),
            )
        else:
            shutil.copy2(source, destination / item)
    return Warehouse(destination)


@pytest.fixture(scope="session")
def small_built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The small demo portfolio, generated and fully built once per session (read-only)."""
    warehouse = copy_project(tmp_path_factory.mktemp("small_built"))
    warehouse.generate(SMALL_CONFIG)
    warehouse.build(SMALL_AS_OF)
    return warehouse


@pytest.fixture
def small_copy(small_built: Warehouse, tmp_path: Path) -> Iterator[Warehouse]:
    """A private, writable copy of the built small portfolio."""
    yield small_built.clone(tmp_path / "copy")
