"""`customer-health docs`: generate the dbt docs site and serve it on localhost."""

from __future__ import annotations

import argparse

from customer_health.cli import args as cliargs

HELP = "generate the dbt docs site and serve it on localhost"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `docs`."""
    parser.formatter_class = cliargs.FORMATTER
    parser.description = cliargs.wrap(
        "Run `dbt docs generate` on the working warehouse (target/index.html), "
        "then serve it on http://localhost:PORT until interrupted (Ctrl-C).")
    parser.epilog = cliargs.ENV_COMMON + """
exit codes:
  0  done (or the server was interrupted)   1  dbt failed (the failing step and the log named)
  2  a bad argument, or no warehouse yet"""
    parser.add_argument("--port", type=cliargs.port, default=8080, help="port (default 8080)")
    parser.add_argument("--no-serve", action="store_true", help="generate the site only")


def run(args: argparse.Namespace) -> int:
    """Generate the dbt docs site from the warehouse and serve it on localhost."""
    from customer_health.pipeline import settings
    from customer_health.pipeline.dbt import Dbt

    root = settings.project_dir()
    dbt = Dbt(root, cliargs.require_warehouse(settings.duckdb_path(root)))
    dbt.run(["docs", "generate"])
    print(f"docs site written: {settings.target_dir(root) / 'index.html'}")
    if args.no_serve:
        return 0
    try:
        dbt.run(["docs", "serve", "--port", str(args.port), "--no-browser"])
    except KeyboardInterrupt:
        pass
    return 0
