"""`customer-health lint`: sqlfluff with the dbt templater, against a throw-away DuckDB file."""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from customer_health.cli import args as cliargs

HELP = "sqlfluff lint with the dbt templater"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `lint`."""
    parser.add_argument("paths", nargs="*", help="files or folders (default models analyses)")


def run(args: argparse.Namespace) -> int:
    """Run sqlfluff on the models in dbt's environment (pipeline.dbt.Dbt)."""
    from customer_health.pipeline import settings
    from customer_health.pipeline.dbt import Dbt

    root = settings.project_dir()
    paths = args.paths or ["models", "analyses"]
    missing = [p for p in paths if not (root / p).exists()]
    if missing:
        raise cliargs.UsageError(f"no such path in the project {root}: {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        env = Dbt(root, Path(tmp) / "lint.duckdb").environment()
        cmd = [settings.venv_executable("sqlfluff"), "lint", *paths]
        return subprocess.run(cmd, cwd=root, env=env).returncode
