"""`customer-health notify`: send the alerts not delivered before (customer_health.notify)."""

from __future__ import annotations

import argparse

HELP = "send new alerts to the configured channels (webhook, e-mail, tasks file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `notify`."""
    parser.description = (
        "Send the alerts of marts.health_alerts not delivered before to each "
        "configured channel, and retry failed deliveries. Exit 0: all delivered (or no channel "
        "configured); 2: configuration error or no built warehouse; 4: a delivery failed "
        "(recorded in ops.alert_deliveries, sent again on the next run).")
    parser.add_argument(
        "--dry-run", action="store_true",
        help="say what each channel would send; send and record nothing",
    )


def run(args: argparse.Namespace) -> int:
    """Send the alerts not delivered before to the configured channels."""
    from customer_health.notify import step
    from customer_health.pipeline import settings

    root = settings.project_dir()
    return step.run_step(root, settings.duckdb_path(root), dry_run=args.dry_run)
