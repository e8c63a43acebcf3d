"""Command line: `customer-health run | backfill | load | load-spark | export | generate | summary |
evaluate | suggest | report | notify | publish | docs | validate | lint | bench`.

Adding a command (the one pattern): write a module `customer_health/cli/<command>.py` with

- `HELP`: the one line `customer-health --help` shows;
- `add_arguments(parser)`: its options (argparse types from customer_health.cli.args; it may
  set `parser.description`, `parser.epilog` and `parser.formatter_class`);
- `run(args) -> int`: the command, returning its exit code; the work itself lives in the
  family's package (pipeline, engines, analysis, quality, notify, bench, generator);

and add it to COMMANDS below. A module whose own parser reads the rest of the line
(generate, publish, validate) sets `DELEGATED = True` instead of defining add_arguments: it
gets the unparsed arguments in `args.rest`.

Options are checked by argparse types (customer_health.cli.args): a mistake ends with one
line `customer-health <cmd>: <what is wrong>` and exit 2; a dbt failure names the failing
nodes and the log (customer_health.pipeline.dbt.DbtFailure), exit 1.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from customer_health.cli import args as cliargs
from customer_health.cli import (
    backfill,
    bench,
    docs,
    evaluate,
    export,
    generate,
    lint,
    load,
    load_spark,
    notify,
    publish,
    report,
    run,
    suggest,
    summary,
    validate,
)
from customer_health.pipeline.dbt import DbtFailure

EXIT_USAGE = cliargs.EXIT_USAGE
EXIT_FAILED = 1

# The commands, in the order `customer-health --help` lists them.
COMMANDS: dict[str, ModuleType] = {
    "run": run,
    "backfill": backfill,
    "load": load,
    "load-spark": load_spark,
    "export": export,
    "generate": generate,
    "summary": summary,
    "evaluate": evaluate,
    "suggest": suggest,
    "report": report,
    "notify": notify,
    "publish": publish,
    "docs": docs,
    "validate": validate,
    "lint": lint,
    "bench": bench,
}


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (errors are one line, exit 2: cli.args.ArgumentParser)."""
    parser = cliargs.ArgumentParser(prog="customer-health", description=__doc__.split("\n\n")[0],
                                    formatter_class=cliargs.FORMATTER)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        delegated = getattr(module, "DELEGATED", False)
        command = sub.add_parser(name, help=module.HELP, add_help=not delegated)
        if not delegated:
            module.add_arguments(command)
        command.set_defaults(func=module.run, delegated=delegated)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `customer-health` command.

    Commands whose options belong to their module (generate, publish, validate) get the
    rest of the line as it is. A UsageError ends in one line and exit 2, a dbt failure in
    the failing nodes, the log path and exit 1, Ctrl-C in exit 130; never a traceback.
    """
    parser = build_parser()
    try:
        args, rest = parser.parse_known_args(argv)
    except SystemExit as exc:  # --help (0) or a bad argument (2, its line already printed)
        return int(exc.code or 0)
    if args.delegated:
        args.rest = rest
    prog = f"customer-health {args.command}"
    if rest and not args.delegated:
        return cliargs.fail(prog, f"unrecognized arguments: {' '.join(rest)}")
    try:
        return int(args.func(args) or 0)
    except SystemExit as exc:  # a delegated module's parser: --help (0) or its one-line error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except cliargs.UsageError as exc:
        return cliargs.fail(prog, str(exc))
    except DbtFailure as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
