"""`customer-health evaluate`: backtest the score against later churn (analysis.evaluate)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from customer_health.cli import args as cliargs
from customer_health.pipeline import relations

HELP = "backtest: score at an earlier date vs later churn"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `evaluate`."""
    parser.add_argument("--horizon-days", type=cliargs.positive_int, default=90, metavar="N",
                        help="days after the scoring date in which churn counts (default 90)")
    parser.add_argument("--as-of", type=cliargs.iso_date, metavar="YYYY-MM-DD",
                        help="scoring date (default: last usage day - horizon)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the result to this JSON file")
    parser.add_argument("--ablation", action="store_true",
                        help="backtest marts with and without the seasonal adjustment "
                        "(on a copy)")


def run(args: argparse.Namespace) -> int:
    """Backtest the score against churn that happened after an earlier scoring date."""

    from customer_health.analysis import evaluate
    from customer_health.pipeline import settings

    db_path = settings.duckdb_path()
    cliargs.require_tables(db_path, "raw.usage_events")
    if args.ablation:
        from customer_health.analysis import ablation

        try:
            result = ablation.ablate(db_path)
        except ablation.AblationError as exc:
            print(f"customer-health evaluate --ablation: {exc}", file=sys.stderr)
            return cliargs.EXIT_USAGE
        print(ablation.render(result))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
        return 0
    con = relations.connect(db_path)
    try:
        last_day = con.execute("select max(cast(occurred_at as date)) from raw.usage_events")
        end = last_day.fetchone()[0]
    finally:
        con.close()
    if end is None:
        raise cliargs.UsageError(f"raw.usage_events of {db_path} is empty: nothing to backtest")
    as_of = args.as_of or end - dt.timedelta(days=args.horizon_days)
    if as_of + dt.timedelta(days=args.horizon_days) > end:
        raise cliargs.UsageError(
            f"--as-of {as_of} plus --horizon-days {args.horizon_days} goes past the last usage "
            f"day {end}: churn after it is unknown")
    result = evaluate.backtest(db_path, as_of, args.horizon_days)
    print(evaluate.render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0
