"""The `customer-health bench` options and command."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from customer_health.cli import args as cliargs
from customer_health.pipeline import settings

if TYPE_CHECKING:
    pass

from customer_health.bench.common import BenchError, log
from customer_health.bench.machine import git_state, machine_fingerprint
from customer_health.bench.measure import measure_tier
from customer_health.bench.postgres import POSTGRES_TIERS, BenchServer, measure_tier_postgres
from customer_health.bench.profile import render_profile
from customer_health.bench.report import render_report, render_slowest, replace_between_markers
from customer_health.bench.results import check_mergeable, load_results, merge_results
from customer_health.bench.tiers import TIERS


def parse_tiers(text: str) -> list[str]:
    """Return the tier names of a comma-separated list (validated, in the given order)."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in names if t not in TIERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown tier(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(TIERS)}")
    return list(dict.fromkeys(names))


def parse_postgres_tiers(text: str) -> list[str]:
    """Return the tiers of --postgres-tiers (``none``: no PostgreSQL column)."""
    return [] if text.strip().lower() in ("", "none") else parse_tiers(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `bench` options to a (sub)parser."""
    parser.add_argument("--tiers", type=parse_tiers, default=list(TIERS),
                        help=f"comma-separated tiers (default {','.join(TIERS)})")
    parser.add_argument("--postgres-tiers", type=parse_postgres_tiers,
                        default=list(POSTGRES_TIERS), metavar="TIERS",
                        help="tiers also measured on a throwaway PostgreSQL server (default "
                             f"{','.join(POSTGRES_TIERS)}; 'none' for DuckDB only)")
    parser.add_argument("--repeat", type=cliargs.positive_int, default=3,
                        help="timed runs per tier (median)")
    parser.add_argument("--workdir", type=Path, help="generated warehouses (default bench/work)")
    parser.add_argument("--results", type=Path,
                        help="results file (default bench/results.json)")
    parser.add_argument("--update-readme", action="store_true",
                        help="write the report between the bench markers of docs/benchmarks.md")
    parser.add_argument("--replace", action="store_true",
                        help="start a fresh results file (needed on another machine)")
    parser.add_argument("--keep", action="store_true", help="keep scratch warehouses and runs")
    parser.set_defaults(func=run_cli)


def _command_line(args: argparse.Namespace) -> str:
    parts = ["customer-health bench", f"--tiers {','.join(args.tiers)}", f"--repeat {args.repeat}"]
    postgres_tiers = getattr(args, "postgres_tiers", list(POSTGRES_TIERS))
    if postgres_tiers != list(POSTGRES_TIERS):
        parts.append(f"--postgres-tiers {','.join(postgres_tiers) or 'none'}")
    parts += [f"--{flag.replace('_', '-')}" for flag in ("update_readme", "replace")
              if getattr(args, flag)]
    return " ".join(parts)


def run_cli(args: argparse.Namespace) -> int:
    """Run the benchmark from parsed options; print the report; return the exit code."""
    root = settings.project_dir()
    workdir = (args.workdir or root / "bench" / "work").resolve()
    results_path = (args.results or root / "bench" / "results.json").resolve()
    if args.repeat < 1:
        print("bench: --repeat must be >= 1", file=sys.stderr)
        return 2
    fingerprint = machine_fingerprint()
    try:
        existing = load_results(results_path)
        check_mergeable(existing, fingerprint, args.replace)  # refuse before hours of work
        measured: dict[str, dict[str, Any]] = {}
        server: BenchServer | None = None
        try:
            for name in args.tiers:
                started = dt.datetime.now(dt.UTC).replace(microsecond=0)
                tier = measure_tier(TIERS[name], args.repeat, workdir, root, keep=args.keep)
                tier.update(measured_at=started.isoformat(), git=git_state(root),
                            command=_command_line(args))
                if name in getattr(args, "postgres_tiers", ()):
                    if server is None:
                        server = BenchServer()
                        if server.reason:
                            log(f"PostgreSQL column skipped: {server.reason}")
                    if server.reason:
                        tier["postgres_skipped"] = server.reason
                    else:
                        tier["postgres"] = measure_tier_postgres(
                            TIERS[name], args.repeat, workdir, root, server, keep=args.keep)
                measured[name] = tier
        finally:
            if server is not None:
                server.stop()
        results = merge_results(existing, measured, fingerprint, args.replace)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    report = render_report(results)
    profiles = "\n\n".join(text for name, tier in results["tiers"].items()
                           if (text := render_profile(name, tier.get("profile") or [])))
    if profiles:
        report += "\n\n" + profiles
    (results_path.parent / "RESULTS.md").write_text("# Benchmark results\n\n" + report + "\n")
    print(report)
    print()
    print(render_slowest(results, results["tiers"]))
    log(f"results written to {results_path}")
    if args.update_readme:
        readme = root / "docs" / "benchmarks.md"
        try:
            readme.write_text(replace_between_markers(readme.read_text(), report))
        except (BenchError, OSError) as exc:
            print(f"bench: docs/benchmarks.md not updated: {exc}", file=sys.stderr)
            return 1
        log(f"benchmark page updated: {readme}")
    return 0
