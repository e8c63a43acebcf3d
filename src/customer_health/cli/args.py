"""Argument checking of the command line: argparse `type=` functions and a one-line error.

A mistake the user can fix (a bad date, a negative count, a missing file, no built
warehouse) ends a command with one line on stderr, `customer-health <cmd>: <what is
wrong>`, and exit code 2 (EXIT_USAGE), never a traceback or argparse's usage block.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import NoReturn

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in the arguments or the environment that the user can fix (exit 2)."""


def wrap(text: str, width: int = 88) -> str:
    """A help paragraph wrapped to width (for RawDescriptionHelpFormatter descriptions)."""
    import textwrap

    return textwrap.fill(" ".join(text.split()), width)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but an error is one line `<prog>: <message>` and exit 2 (no usage block)."""

    def error(self, message: str) -> NoReturn:
        """Print `<prog>: <message>` to stderr; exit 2.

        argparse's "argument --as-of: '2026-13-01': ..." reads "--as-of '2026-13-01': ...".
        """
        message = re.sub(r"^argument ([^:]+): '", r"\1 '", message)
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def fail(prog: str, message: str) -> int:
    """Print the one-line error of a command; return EXIT_USAGE."""
    print(f"{prog}: {message}", file=sys.stderr)
    return EXIT_USAGE


def iso_date(text: str) -> dt.date:
    """A calendar date YYYY-MM-DD (argparse type)."""
    if len(text.strip()) != 10:
        raise argparse.ArgumentTypeError(f"{text!r}: not a date (expected YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc} (expected YYYY-MM-DD)") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a whole number") from None


def positive_int(text: str) -> int:
    """A whole number >= 1 (argparse type)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at least 1")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0 (argparse type)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be 0 or more")
    return value


def port(text: str) -> int:
    """A TCP port 1-65535 (argparse type)."""
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: not a port (1-65535)")
    return value


def non_negative_float(text: str) -> float:
    """A number >= 0 (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a number") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r}: must be 0 or more")
    return value


def existing_file(text: str) -> Path:
    """A path to a file that exists (argparse type)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(
            f"{text!r}: not a file" if path.exists() else f"{text!r}: does not exist")
    return path


def output_dir(text: str) -> Path:
    """A folder to write into: it may not exist yet, but must not be a file (argparse type)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: a file, not a folder")
    return path


def require_warehouse(db_path: Path, what: str = "a built warehouse") -> Path:
    """Raise UsageError unless the DuckDB warehouse file exists."""
    if not db_path.is_file():
        raise UsageError(
            f"no warehouse at {db_path} (it needs {what}): run `customer-health run` first, "
            "or set HEALTH_DUCKDB_PATH"
        )
    return db_path


def require_tables(db_path: Path, *relations: str) -> None:
    """Raise UsageError unless the warehouse exists and holds every schema.table named."""
    import duckdb

    from customer_health.pipeline.relations import connect as open_warehouse

    require_warehouse(db_path)
    try:
        con = open_warehouse(db_path)
    except duckdb.Error as exc:
        raise UsageError(f"cannot open the warehouse {db_path}: "
                         f"{str(exc).splitlines()[0]}") from None
    try:
        missing = [r for r in relations if not con.resolver.has(*r.split(".", 1))]
    finally:
        con.close()
    if missing:
        raise UsageError(
            f"the warehouse {db_path} has no {', '.join(missing)}: run `customer-health run` "
            "first"
        )


def scoring_date(given: dt.date | None) -> dt.date:
    """The scoring date of --as-of (already a date), else the default (yesterday UTC).

    Raises UsageError when the default cannot be computed (a bad HEALTH_TEST_NOW).
    """
    from customer_health.pipeline import settings

    if given is not None:
        return given
    try:
        return settings.default_as_of_date()
    except ValueError as exc:
        raise UsageError(
            f"{settings.TEST_CLOCK_ENV}: {exc} (expected an ISO-8601 instant)") from None


# -- help texts several commands share ---------------------------------------------------

FORMATTER = argparse.RawDescriptionHelpFormatter
ENV_COMMON = """environment:
  HEALTH_DUCKDB_PATH   the working warehouse (default data/customer_health.duckdb)
  HEALTH_PROJECT_DIR   the dbt project (default: the current folder if it has one)
  DBT_TARGET_PATH      dbt's target folder (default target/); dbt's log: logs/dbt.log"""
EXIT_RUN = """exit codes:
  0  done   1  dbt or the marts suite failed (the failing nodes and the log are named)
  2  a bad argument or setting   3  raw tables break the raw contract (run only)
  4  a notification failed (run only)   75  another run holds the warehouse"""
