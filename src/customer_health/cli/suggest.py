"""`customer-health suggest`: weights and thresholds fitted on past churn (analysis.suggest)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from customer_health.analysis import suggest
from customer_health.cli import args as cliargs

HELP = "fit weights and thresholds on past churn; write suggested/ for review"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `customer-health suggest`."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "Fit weights and linear thresholds on past churn (non-negative logistic regression on "
        "the criterion scores, rebuilt on a copy of the warehouse) and write them to --out "
        "for review; seeds/ is never changed (DECISIONLOG.md, \"Weight suggestions\").")
    parser.epilog = """environment:
  HEALTH_DUCKDB_PATH   the built warehouse (default data/customer_health.duckdb)
exit codes:
  0  suggestions written
  2  a bad argument, no built warehouse, a history too short or no churners (one line)
"""
    parser.add_argument("--horizon-days", type=int, default=suggest.DEFAULT_HORIZON_DAYS,
                        help=f"churn within this many days of a date (default "
                        f"{suggest.DEFAULT_HORIZON_DAYS})")
    parser.add_argument("--window-days", type=int, default=suggest.DEFAULT_WINDOW_DAYS,
                        help="fit dates span this many days "
                        f"(default {suggest.DEFAULT_WINDOW_DAYS})")
    parser.add_argument("--every-days", type=int, default=suggest.DEFAULT_EVERY_DAYS,
                        help=f"days between fit dates (default {suggest.DEFAULT_EVERY_DAYS})")
    parser.add_argument("--out", default="suggested",
                        help="folder for the suggested seeds (default suggested/)")


def run(args: argparse.Namespace) -> int:
    """Fit, write the suggested seeds for review, print the result (analysis.suggest)."""
    from customer_health.pipeline import settings

    for name in ("horizon_days", "window_days", "every_days"):
        if getattr(args, name) < 1:
            print(f"customer-health suggest: --{name.replace('_', '-')} must be at least 1, "
                  f"got {getattr(args, name)}", file=sys.stderr)
            return cliargs.EXIT_USAGE
    root = settings.project_dir()
    out = Path(args.out)
    out = out if out.is_absolute() else root / out
    if out.resolve() == (root / "seeds").resolve():
        print("customer-health suggest: --out must not be seeds/: suggestions are for review "
              "(DECISIONLOG.md, \"Weight suggestions\", says how to adopt them)", file=sys.stderr)
        return cliargs.EXIT_USAGE
    try:
        result, config = suggest.run(settings.duckdb_path(root), root, out, args.horizon_days,
                             args.window_days, args.every_days)
    except suggest.SuggestError as exc:
        print(f"customer-health suggest: {exc}", file=sys.stderr)
        return cliargs.EXIT_USAGE
    print(suggest.render(result, config))
    print(f"\nwritten for review: {out / 'health_weights.csv'}, {out / 'health_criteria.csv'} "
          f"({out / 'suggestion.json'}); seeds/ is unchanged")
    return 0
