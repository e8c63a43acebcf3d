"""The Markdown report (stdout, bench/RESULTS.md, the marked block of docs/benchmarks.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from customer_health.bench.checks import nodes_text
from customer_health.bench.common import (
    MAKE_COMMAND,
    README_END,
    README_START,
    SLOWEST_COUNT,
    BenchError,
)
from customer_health.bench.results import _tier_order


def _fmt(value: float | None, digits: int = 1, missing: str = "n/a") -> str:
    return missing if value is None else f"{value:,.{digits}f}"


def render_table(results: dict[str, Any]) -> str:
    """Return the Markdown table of the tiers."""
    lines = [
        "| tier | accounts | usage events | total raw rows | full build s | full peak GB "
        "| incremental s | incremental peak GB | floor s | ratio | rows/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, tier in results["tiers"].items():
        m = tier["medians"]
        lines.append(
            f"| {name} | {tier['generator']['n_accounts']:,} "
            f"| {tier['raw_rows']['usage_events']:,} | {tier['raw_rows_total']:,} "
            f"| {_fmt(m['full_s'])} | {_fmt(m['full_peak_gb'], 2)} "
            f"| {_fmt(m['incremental_s'])} | {_fmt(m['incremental_peak_gb'], 2)} "
            f"| {_fmt(m['floor_s'], 2)} | {_fmt(tier['ratio_to_floor'])} "
            f"| {tier['rows_per_s']:,} |"
        )
    return "\n".join(lines)


ENGINES_NOTE = (
    "DuckDB and PostgreSQL side by side (same machine, same `customer-health bench` run, "
    "medians): PostgreSQL is a throwaway local server (127.0.0.1, durability off: fsync, "
    "synchronous_commit and full_page_writes off) the bench starts; load s copies the tier's "
    "raw tables in (`customer-health load --target postgres`), reload s copies them again with "
    "the new day (the loader replaces whole tables), before the one-day refresh. DuckDB's "
    "refresh gets the same day appended in its file (not timed). SQL s / overhead s as in the "
    "next table; peak GB is dbt's process tree (DuckDB's engine runs inside it, PostgreSQL's "
    "server does not: server GB is its processes' summed RSS, shared buffers counted once per "
    "process)."
)


def render_engines(results: dict[str, Any]) -> str:
    """Return the DuckDB-beside-PostgreSQL table (tiers measured on both), or ''."""
    lines = [
        ENGINES_NOTE,
        "",
        "| tier | engine | load s | full build s | full SQL s / overhead s | full peak GB "
        "| reload s | one-day refresh s | refresh SQL s / overhead s | refresh peak GB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    skipped = []
    for name, tier in results["tiers"].items():
        if tier.get("postgres_skipped"):
            skipped.append(f"{name}: PostgreSQL skipped ({tier['postgres_skipped']})")
        if "postgres" not in tier:
            continue
        for engine, m in (("DuckDB", tier["medians"]), ("PostgreSQL", tier["postgres"]["medians"])):
            is_pg = engine == "PostgreSQL"
            if is_pg and tier["postgres"].get("server_version"):
                engine += f" {tier['postgres']['server_version']}"
            cells = [name, engine, _fmt(m.get("load_s"), missing="-")]
            for phase in ("full", "incremental"):
                if phase == "incremental":
                    cells.append(_fmt(m.get("reload_s"), missing="-"))
                peak = _fmt(m.get(f"{phase}_peak_gb"), 2)
                if is_pg and m.get(f"{phase}_server_peak_gb") is not None:
                    peak += f" + server {_fmt(m[f'{phase}_server_peak_gb'], 2)}"
                cells += [_fmt(m.get(f"{phase}_s")),
                          f"{_fmt(m.get(f'{phase}_sql_s'), missing='-')} / "
                          f"{_fmt(m.get(f'{phase}_overhead_s'), missing='-')}",
                          peak]
            lines.append("| " + " | ".join(cells) + " |")
    if len(lines) == 4:
        return "\n".join(skipped)
    return "\n".join(lines + ([""] + skipped if skipped else []))


TIME_SPLIT_NOTE = (
    "Where the time goes (medians over the runs): nodes is the count of results in dbt's "
    "`run_results.json` (seeds/models/tests, tests including unit tests); SQL s is the time "
    "during which at least one node's SQL was running (the union of the nodes' `execute` "
    "intervals; SQL sum s adds them up, counting overlapping nodes more than once); overhead s "
    "is the wall time minus SQL s (start-up, parsing, compilation, scheduling, writing results). "
    "'-': not measured (results from before this split)."
)


def render_time_split(results: dict[str, Any]) -> str:
    """Return the Markdown table of nodes run and SQL vs overhead seconds, per tier and phase."""
    lines = [
        TIME_SPLIT_NOTE,
        "",
        "| tier | full nodes (seeds/models/tests) | full SQL s | full SQL sum s "
        "| full overhead s | incremental nodes (seeds/models/tests) | incremental SQL s "
        "| incremental SQL sum s | incremental overhead s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, tier in results["tiers"].items():
        m = tier["medians"]
        cells = [name]
        for phase in ("full", "incremental"):
            cells.append(nodes_text(m, phase))
            cells += [_fmt(m.get(f"{phase}_{key}"), missing="-")
                      for key in ("sql_s", "execute_sum_s", "overhead_s")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_machine(results: dict[str, Any]) -> str:
    """Return one paragraph describing the machine and the software measured."""
    f = results["fingerprint"]
    return (
        f"Machine: {f['cpu_model']}, {f['logical_cpus']} logical CPUs, {f['memory_gb']} GB RAM, "
        f"{f['os']}; Python {f['python']}, DuckDB {f['duckdb']}, dbt-core {f['dbt_core']}, "
        f"dbt-duckdb {f['dbt_duckdb']}; dbt threads {f['dbt_threads']}, DuckDB threads "
        f"{f['duckdb_threads']}, DuckDB memory limit {f['duckdb_memory_limit']}."
    )


def render_runs(results: dict[str, Any]) -> str:
    """Return when, at which commit and with which command the tiers were measured."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for name, tier in results["tiers"].items():
        git = tier.get("git") or {}
        key = (git.get("commit"), git.get("dirty"), tier.get("repeat"), tier.get("command"))
        groups[key].append(name)
    lines = []
    for (commit, dirty, repeat, command), names in groups.items():
        stamps = sorted(str(results["tiers"][n].get("measured_at", "?"))[:16].replace("T", " ")
                        for n in names)
        when = ", ".join(dict.fromkeys(stamps))  # each tier's start, in order
        version = f"commit {commit[:10]}" if commit else "not a git checkout"
        version += " with uncommitted changes" if dirty else ""
        lines.append(f"{', '.join(names)}: started {when} UTC, {version}, medians of "
                     f"{repeat} run{'s' if repeat != 1 else ''}, `{command or MAKE_COMMAND}`.")
    return "Runs:\n\n" + "\n".join(f"- {line}" for line in lines)


def render_checks(results: dict[str, Any]) -> str:
    """Return the checks as a Markdown list."""
    lines = []
    for check in results["checks"]:
        lines.append(f"- **{check['status']}** {check['name']}: {check['detail']}")
        if check.get("where"):
            lines.append(f"  - where the time goes: {check['where']}")
    return "\n".join(lines)


def render_cold_parse(results: dict[str, Any]) -> str:
    """Return the cold parse time of each tier (not in the full or incremental times)."""
    parts = [
        f"{name} {_fmt(tier['medians'].get('cold_parse_s'))} s"
        for name, tier in sorted(results["tiers"].items(), key=lambda item: _tier_order(item[0]))
        if tier["medians"].get("cold_parse_s") is not None
    ]
    return ("Cold parse (the first `dbt parse` of the project, once per tier, not in the "
            "times above): " + ", ".join(parts) + ".") if parts else ""


def render_report(results: dict[str, Any]) -> str:
    """Return the text of the README section and bench/RESULTS.md."""
    return "\n\n".join(part for part in [
        render_table(results),
        render_engines(results),
        render_time_split(results),
        render_cold_parse(results),
        render_machine(results),
        render_runs(results),
        f"Command: `make bench` (`{MAKE_COMMAND}`; options in `customer-health bench --help`).",
        "Checks against the targets:\n\n" + render_checks(results),
    ] if part)


def render_slowest(results: dict[str, Any], tier_names: Iterable[str]) -> str:
    """Return, per tier, the slowest nodes of the full build and of the incremental refresh."""
    blocks = []
    for name in tier_names:
        tier = results["tiers"][name]
        for phase in ("full", "incremental"):
            rows = "\n".join(f"  {i:>2}. {n['execution_time']:>8.2f} s  {n['unique_id']}"
                             for i, n in enumerate(tier["slowest"][phase], 1))
            blocks.append(f"Slowest {SLOWEST_COUNT}, {name} {phase} "
                          f"(median over {tier['repeat']} runs):\n{rows}")
            if "postgres" in tier:
                rows = "\n".join(f"  {i:>2}. {n['execution_time']:>8.2f} s  {n['unique_id']}"
                                 for i, n in enumerate(tier["postgres"]["slowest"][phase], 1))
                blocks.append(f"Slowest {SLOWEST_COUNT}, {name} {phase} on PostgreSQL "
                              f"(median over {tier['postgres']['repeat']} runs):\n{rows}")
    return "\n\n".join(blocks)


def replace_between_markers(text: str, block: str) -> str:
    """Return text with the content between the bench markers replaced by block."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise BenchError(f"README markers {README_START} ... {README_END} not found")
    return text[: start + len(README_START)] + "\n" + block.strip() + "\n" + text[end:]
