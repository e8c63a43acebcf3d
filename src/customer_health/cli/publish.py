"""`customer-health publish`: publish the built marts again (pipeline.publish's options)."""

from __future__ import annotations

import argparse

HELP = "publish the built marts again (read-only DuckDB file and Parquet set)"
DELEGATED = True  # pipeline.publish's parser reads the rest of the line


def run(args: argparse.Namespace) -> int:
    """Publish the marts of the working warehouse (pipeline.publish.main)."""
    from customer_health.pipeline import publish

    return publish.main(args.rest, prog="customer-health publish")
