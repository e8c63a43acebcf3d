"""`customer-health summary`: print the summary of the built warehouse."""

from __future__ import annotations

import argparse

from customer_health.cli import args as cliargs

HELP = "print the summary of the built warehouse"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`summary` has no options."""


def run(args: argparse.Namespace) -> int:
    """Print the summary (analysis.summary)."""
    from customer_health.analysis import summary
    from customer_health.pipeline import settings

    print(summary.render(cliargs.require_warehouse(settings.duckdb_path())))
    return 0
