"""`customer-health backfill`: score the daily history for a range of dates (pipeline.backfill)."""

from __future__ import annotations

import argparse
import sys

from customer_health.cli import args as cliargs
from customer_health.pipeline import backfill

HELP = "score the daily history for a range of dates (resumable)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `backfill`."""
    parser.formatter_class = cliargs.FORMATTER
    parser.description = cliargs.wrap(
        "Compute marts.health_score_daily (and health_band_transitions) for every "
        "date from --from to --to on the working warehouse, in chunks of --chunk-days dates "
        "(one dbt build of the score models each), with a progress bar on stderr. Dates "
        "already complete for the current configuration (config_version) are skipped, so an "
        "interrupted backfill started again finishes the rest. Holds the run lock.")
    parser.epilog = cliargs.ENV_COMMON + "\n" + cliargs.EXIT_RUN.replace(
        "3  raw tables break the raw contract (run only)\n  4  a notification failed "
        "(run only)   ", "")
    parser.add_argument("--from", dest="from_date", type=cliargs.iso_date, required=True,
                        metavar="YYYY-MM-DD", help="first date to score")
    parser.add_argument("--to", dest="to_date", type=cliargs.iso_date, required=True,
                        metavar="YYYY-MM-DD", help="last date to score (at most yesterday UTC)")
    parser.add_argument("--chunk-days", type=cliargs.positive_int,
                        default=backfill.DEFAULT_CHUNK_DAYS, metavar="N",
                        help=f"dates per dbt build (default {backfill.DEFAULT_CHUNK_DAYS})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Score every date of [--from, --to] not yet complete, chunk by chunk (resumable)."""
    from customer_health.pipeline import lock, settings
    from customer_health.pipeline.run import EXIT_BUSY, EXIT_OK, warehouse_busy

    if args.from_date > args.to_date:
        raise cliargs.UsageError(f"--from {args.from_date} is after --to {args.to_date}")
    latest = cliargs.scoring_date(None)
    if args.to_date > latest:
        raise cliargs.UsageError(
            f"--to {args.to_date} is after the latest scoring date {latest} (yesterday UTC): "
            "a day is scored once it is complete")
    root = settings.project_dir()
    db_path = settings.duckdb_path(root)
    cliargs.require_tables(db_path, "raw.accounts")
    try:
        with lock.hold(db_path) as lock_fd:
            busy = warehouse_busy(db_path)
            if busy:
                print(f"customer-health backfill: {busy}", file=sys.stderr)
                return EXIT_BUSY
            done = backfill.backfill(root, db_path, args.from_date, args.to_date,
                                     args.chunk_days, pass_fds=(lock_fd,),
                                     progress=not args.no_progress)
    except lock.RunLocked as exc:
        print(f"customer-health backfill: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print(f"backfill {args.from_date}..{args.to_date}: {done.dates - done.skipped} dates scored "
          f"in {len(done.chunks)} chunks, {done.skipped} already complete, "
          f"{done.seconds:.1f} s")
    return EXIT_OK
