"""`customer-health validate`: a Great Expectations suite (customer_health.quality's options)."""

from __future__ import annotations

import argparse

HELP = "Great Expectations suites (raw or marts; `validate --help`)"
DELEGATED = True  # quality's parser reads the rest of the line


def run(args: argparse.Namespace) -> int:
    """Run a suite on the working warehouse (quality.command.main)."""
    from customer_health.quality import command

    return command.main(args.rest, prog="customer-health validate")
