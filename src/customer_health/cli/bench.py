"""`customer-health bench`: the benchmark tiers (customer_health.bench)."""

from __future__ import annotations

import argparse

from customer_health.bench import command

HELP = "benchmark tiers: full build, one-day refresh, memory, floor"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `bench` (bench.command)."""
    command.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark tiers; print the report (bench.command.run_cli)."""
    return command.run_cli(args)
