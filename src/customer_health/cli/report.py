"""`customer-health report`: the self-contained HTML report (analysis.report)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from customer_health.analysis import report
from customer_health.cli import args as cliargs

HELP = "write the self-contained HTML report (reports/health_report.html)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `customer-health report`."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "Write one self-contained HTML file (plotly.js inline, no network) from the marts; a "
        "panel whose data is missing says why (DECISIONLOG.md, \"Visual report\").")
    parser.epilog = """environment:
  HEALTH_DUCKDB_PATH   the built warehouse (default data/customer_health.duckdb)
exit codes:
  0  report written
  2  a bad argument, no built warehouse, or a file that cannot be written (one line)
"""
    parser.add_argument("--out", default=str(report.DEFAULT_OUT),
                        help=f"HTML file to write (default {report.DEFAULT_OUT}, in the project)")


def run(args: argparse.Namespace) -> int:
    """Write the HTML report of the built warehouse (analysis.report)."""
    from customer_health.pipeline import settings

    root = settings.project_dir()
    out = Path(args.out)
    out = out if out.is_absolute() else root / out
    if out.is_dir():
        print(f"customer-health report: --out {out} is a folder: give the HTML file's path",
              file=sys.stderr)
        return cliargs.EXIT_USAGE
    started = time.perf_counter()
    try:
        path, panels = report.write_report(settings.duckdb_path(root), out)
    except report.ReportError as exc:
        print(f"customer-health report: {exc}", file=sys.stderr)
        return cliargs.EXIT_USAGE
    except OSError as exc:
        print(f"customer-health report: cannot write {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return cliargs.EXIT_USAGE
    for panel in panels:
        if panel.figure is None:
            print(f"  {panel.title}: not available: {panel.unavailable}")
    seconds = time.perf_counter() - started
    drawn = sum(p.figure is not None for p in panels)
    print(f"report written: {path} ({path.stat().st_size / 1e6:.1f} MB, {drawn} of "
          f"{len(panels)} panels drawn, {seconds:.1f} s)")
    return 0
