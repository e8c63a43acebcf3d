"""Where the dbt project, the warehouse file and the dbt executable are, and the clock.

The one Python definition of the default scoring date (yesterday in UTC) is
:func:`default_as_of_date`; dbt's own default (macros/run_settings/as_of_date.sql) is the
same rule, used only when dbt is started without ``HEALTH_AS_OF_DATE``: every run this
package starts sets it (customer_health.pipeline.dbt.Dbt).
"""

from __future__ import annotations

import datetime as dt
import os
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
    return Path(__file__).resolve().parents[3]


def duckdb_path(root: Path | None = None) -> Path:
    """Return the DuckDB warehouse file (`$HEALTH_DUCKDB_PATH`, relative to the project)."""
    root = root or project_dir()
    path = Path(os.environ.get("HEALTH_DUCKDB_PATH", DEFAULT_DUCKDB_PATH))
    return path if path.is_absolute() else root / path


# Test-only clock: an ISO-8601 instant with its offset (e.g. 2026-07-02T01:30:00+00:00)
# that utc_now returns instead of the system clock (tests/e2e/test_reliability.py).
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


def default_as_of_date(instant: dt.datetime | None = None) -> dt.date:
    """Return the default scoring date: yesterday in UTC, at instant (default: now, utc_now).

    The date of the UTC instant, never the host's local date: at 22:30 in Sao Paulo
    (01:30 UTC the next day) the default is the UTC yesterday. The one definition on the
    Python side (the CLI, backfill, Dagster's runs and schedule, the generator); dbt's
    macro (macros/run_settings/as_of_date.sql) applies the same rule when started without
    HEALTH_AS_OF_DATE.
    """
    instant = utc_now() if instant is None else instant.astimezone(dt.UTC)
    return instant.date() - dt.timedelta(days=1)


def venv_executable(name: str) -> str:
    """Return a command installed beside this Python interpreter (else the name, from PATH)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def dbt_executable() -> str:
    """Return the dbt executable installed beside this Python interpreter."""
    return venv_executable("dbt")


def target_dir(root: Path) -> Path:
    """Return dbt's target folder (`$DBT_TARGET_PATH`, else target/ in the project)."""
    path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return path if path.is_absolute() else root / path


def full_check_requested() -> bool:
    """True when `HEALTH_FULL_CHECK` asks for every test on every row (macros/testing)."""
    return os.environ.get("HEALTH_FULL_CHECK", "").lower() in {"1", "true", "yes"}
