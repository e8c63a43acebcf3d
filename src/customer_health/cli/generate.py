"""`customer-health generate`: write a demo warehouse (the generator's own options)."""

from __future__ import annotations

import argparse

HELP = "write a demo warehouse (`generate --help`: its options)"
DELEGATED = True  # the generator's parser reads the rest of the line


def run(args: argparse.Namespace) -> int:
    """Write the demo warehouse (or a benchmark-sized one) into the working warehouse file."""
    from customer_health import generator
    from customer_health.pipeline import settings

    return generator.main(["--db", str(settings.duckdb_path())] + args.rest,
                          prog="customer-health generate")
