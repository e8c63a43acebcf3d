"""The machine fingerprint (results of different machines are never mixed) and git state."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    pass

from customer_health.bench.common import GB
from customer_health.bench.floor import duckdb_settings


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) * 1024 / GB)
    except OSError:
        pass
    return None


def machine_fingerprint() -> dict[str, Any]:
    """Return what makes timings comparable: machine, versions and engine settings."""
    return {
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": importlib.metadata.version("dbt-core"),
        "dbt_duckdb": importlib.metadata.version("dbt-duckdb"),
        "dbt_threads": int(os.environ.get("HEALTH_THREADS", "8")),
        "duckdb_threads": duckdb_settings()["threads"],
        "duckdb_memory_limit": duckdb_settings()["memory_limit"],
    }


def fingerprint_differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Return the fingerprint keys whose values differ (empty: same machine and settings)."""
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def git_state(root: Path) -> dict[str, Any]:
    """Return the commit of the project checkout and whether it has uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=root, text=True, capture_output=True)
        except OSError:
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}
