"""The command line of the generator (`customer-health generate`, `python -m
customer_health.generator`)."""

from __future__ import annotations

import resource
import time
from dataclasses import asdict
from pathlib import Path

from customer_health.cli import args as cliargs
from customer_health.generator.config import GeneratorConfig
from customer_health.generator.vendor_layout import LAYOUTS, layout_vars, write_vendor_layout
from customer_health.generator.writer import write_warehouse


def main(argv: list[str] | None = None, prog: str = "python -m customer_health.generator") -> int:
    """Command line entry point: generate and write a demo warehouse, print row counts.

    A bad option is one line `<prog>: ...` on stderr and exit 2 (customer_health.cli.args).
    """
    defaults = GeneratorConfig()
    parser = cliargs.ArgumentParser(
        prog=prog,
        description="Generate the deterministic customer_health demo warehouse into DuckDB "
        "(schema raw, the raw contract, and demo_truth). Exit 0: written; 2: a bad option.",
    )
    parser.add_argument("--accounts", type=cliargs.positive_int, default=defaults.n_accounts,
                        help=f"accounts, internal ones included (default {defaults.n_accounts})")
    parser.add_argument("--days", type=cliargs.positive_int, default=defaults.history_days,
                        help="days of history ending at --end-date (inclusive, at least 180; "
                        f"default {defaults.history_days})")
    parser.add_argument("--end-date", type=cliargs.iso_date, default=defaults.end_date,
                        metavar="YYYY-MM-DD",
                        help="last day of history (default: yesterday UTC)")
    parser.add_argument("--seed", type=cliargs.non_negative_int, default=defaults.seed,
                        help=f"random seed (default {defaults.seed})")
    parser.add_argument("--internal", type=cliargs.non_negative_int, default=None,
                        help="number of internal accounts (default about 1 %%)")
    for name in ("usage", "ticket", "survey", "touchpoint"):
        parser.add_argument(f"--{name}-intensity", type=cliargs.non_negative_float, default=1.0,
                            help=f"multiplies the {name} event rates (default 1.0)")
    parser.add_argument("--db", default="data/customer_health.duckdb",
                        help="DuckDB file (default data/customer_health.duckdb; `customer-health "
                        "generate`: $HEALTH_DUCKDB_PATH)")
    parser.add_argument("--layout", choices=LAYOUTS, default=None,
                        help="also write the portfolio as vendors' loaders land it: fivetran "
                        "(Zendesk, HubSpot, Stripe, Segment; docs/sources.md) or raw (the raw "
                        "contract with what those vendors cannot carry removed, for comparison); "
                        "default: the raw contract as generated")
    args = parser.parse_args(argv)
    try:
        config = GeneratorConfig(
            n_accounts=args.accounts, history_days=args.days, end_date=args.end_date,
            seed=args.seed, n_internal=args.internal, usage_intensity=args.usage_intensity,
            ticket_intensity=args.ticket_intensity, survey_intensity=args.survey_intensity,
            touchpoint_intensity=args.touchpoint_intensity,
        )
    except ValueError as exc:
        return cliargs.fail(prog, str(exc))
    if Path(args.db).is_dir():
        return cliargs.fail(prog, f"--db {args.db} is a folder, not a DuckDB file")
    started = time.perf_counter()
    counts = write_warehouse(args.db, config)
    if args.layout:
        write_vendor_layout(args.db, args.layout)
    elapsed = time.perf_counter() - started
    print(f"customer_health demo warehouse -> {args.db}")
    if args.layout == "fivetran":
        print("layout fivetran: build with --vars '"
              + ", ".join(f"{k}: {v}" for k, v in layout_vars(args.layout).items()).join("{}")
              + "' (counts below are before the move)")
    print("config: " + ", ".join(f"{k}={v}" for k, v in asdict(config).items()))
    for table, rows in counts.items():
        print(f"  {table:<30} {rows:>12,}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"elapsed {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    return 0
