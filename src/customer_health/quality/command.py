"""`python -m customer_health.quality` and `customer-health validate`: run one suite, print
one line per table, write the report."""

from __future__ import annotations

import argparse

from customer_health.cli import args as cliargs
from customer_health.pipeline import settings
from customer_health.quality.render import _table_line, write_report
from customer_health.quality.validation import STAGES, validate


def main(argv: list[str] | None = None, prog: str = "python -m customer_health.quality") -> int:
    """Validate a stage, print one line per table and the report path; 0 if it passed.

    A bad option or a missing warehouse: one line `<prog>: ...` on stderr, exit 2.
    """
    parser = cliargs.ArgumentParser(
        prog=prog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=cliargs.wrap(
            "Validate the raw tables (--stage raw) or the marts (--stage marts) of the "
            "working warehouse with Great Expectations; print one line per table and write "
            "the report (JSON and Markdown) to the report folder."),
        epilog="""environment:
  HEALTH_DUCKDB_PATH   the working warehouse (default data/customer_health.duckdb)
exit codes:
  0  the suite passed   1  an expectation failed (see the report)
  2  a bad argument, or no warehouse""",
    )
    parser.add_argument("--stage", required=True, choices=STAGES, help="which suite")
    parser.add_argument("--db", type=cliargs.existing_file, default=None,
                        help="DuckDB file (default: $HEALTH_DUCKDB_PATH)")
    parser.add_argument("--out", type=cliargs.output_dir, default=None,
                        help="report directory (default reports/gx)")
    parser.add_argument("--max-rows", type=cliargs.positive_int, default=None, metavar="N",
                        help="sample tables above N rows (default: check every row)")
    args = parser.parse_args(argv)
    db_path = args.db or settings.duckdb_path()
    out_dir = args.out or settings.project_dir() / "reports" / "gx"
    try:
        report = validate(db_path, args.stage, max_rows=args.max_rows)
    except (FileNotFoundError, ValueError) as exc:
        return cliargs.fail(prog, str(exc))
    for table in report.tables:
        print(_table_line(report, table))
    verdict = "passed" if report.success else "FAILED"
    print(f"{args.stage} suite {verdict} in {report.duration_seconds:.1f} s")
    print(f"report: {write_report(report, out_dir)}")
    return 0 if report.success else 1
