"""The reports of a Great Expectations suite: Markdown and JSON files, and the one line per
table the command prints (customer_health.quality.validation runs the suite)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from customer_health.quality.validation import SAMPLE_SEED, ExpectationOutcome, ValidationReport


def write_report(report: ValidationReport, out_dir: Path) -> Path:
    """Write <out_dir>/<stage>.md (human readable) and <stage>.json; return the .md path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{report.stage}.json"
    json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    md_path = out_dir / f"{report.stage}.md"
    md_path.write_text(render_markdown(report))
    return md_path


def render_markdown(report: ValidationReport) -> str:
    """The report as concise Markdown: one section per table, one line per expectation."""
    verdict = "PASSED" if report.success else "FAILED"
    n_fail, n_warn = len(report.failures()), len(report.warnings())
    lines = [
        f"# Data validation: {report.stage} — {verdict}",
        "",
        f"- Warehouse: `{report.db_path}`",
        f"- Validated at: {report.validated_at} ({report.duration_seconds:.1f} s)",
        f"- Expectations: {len(report.results)}, failed {n_fail}, "
        f"passed with unexpected rows (within `mostly`) {n_warn}",
    ]
    if report.sampled:
        lines.append(
            f"- **Sampled**: tables above {report.max_rows} rows were validated on a "
            f"deterministic sample (reservoir, seed {SAMPLE_SEED}); uniqueness holds within "
            "the sample only."
        )
    for table in report.tables:
        outcomes = report.for_table(table)
        status = "FAIL" if any(not o.success for o in outcomes) else "PASS"
        rows = f"{report.rows_validated.get(table, 0):,} rows"
        if report.table_sampled(table):
            rows += f" (sample of {report.rows_total[table]:,})"
        lines += [
            "",
            f"## {table} — {status}, {rows}",
            "",
            "| status | expectation | column | unexpected | observed / sample |",
            "|---|---|---|---|---|",
        ]
        for o in outcomes:
            lines.append(
                f"| {o.status} | {_short_type(o)} | {o.column or ''} | {_unexpected(o)} "
                f"| {_observed(o)} |"
            )
    return "\n".join(lines) + "\n"


def _short_type(outcome: ExpectationOutcome) -> str:
    """Expectation type without the `expect_` prefix, with mostly / row condition."""
    text = outcome.expectation_type.removeprefix("expect_")
    extras = []
    if "mostly" in outcome.details:
        extras.append(f"mostly {outcome.details['mostly']}")
    if "row_condition" in outcome.details:
        extras.append(f"where {_condition(outcome.details['row_condition'])}")
    if "column_list" in outcome.details:
        extras.append(", ".join(outcome.details["column_list"]))
    return text + (f" ({'; '.join(extras)})" if extras else "")


def _condition(condition: Any) -> str:
    """A readable row condition."""
    if isinstance(condition, dict) and condition.get("type") == "comparison":
        return (
            f"{condition['column']['name']} {condition['operator']} "
            f"{json.dumps(condition['parameter'])}"
        )
    return str(condition)


def _unexpected(outcome: ExpectationOutcome) -> str:
    """Unexpected count and percent, when the expectation counts rows."""
    if outcome.unexpected_count is None:
        return ""
    text = f"{outcome.unexpected_count:,}"
    if outcome.unexpected_count and outcome.unexpected_percent is not None:
        text += f" ({outcome.unexpected_percent:.3g}%)"
    return text


def _observed(outcome: ExpectationOutcome) -> str:
    """Error, unexpected sample or observed value, kept short for a table cell."""
    if "error" in outcome.details:
        text = str(outcome.details["error"])
    elif outcome.unexpected_sample:
        text = "e.g. " + ", ".join(json.dumps(v, default=str) for v in outcome.unexpected_sample)
    elif outcome.expectation_type == "expect_table_columns_to_match_set":
        mismatched = (outcome.details.get("gx_details") or {}).get("mismatched") or {}
        missing = mismatched.get("missing")
        text = f"missing: {', '.join(missing)}" if missing else "all contract columns present"
    elif outcome.observed_value is not None:
        text = json.dumps(outcome.observed_value, default=str)
    else:
        text = ""
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."


def _table_line(report: ValidationReport, table: str) -> str:
    """One summary line for a table."""
    outcomes = report.for_table(table)
    failed = [o for o in outcomes if not o.success]
    warned = [o for o in outcomes if o.status == "WARN"]
    rows = f"{report.rows_validated.get(table, 0):>9,} rows"
    if report.table_sampled(table):
        rows += f" (sample of {report.rows_total[table]:,})"
    status = "FAIL" if failed else "PASS"
    text = f"{status}  {table:<28} {rows}  {len(outcomes) - len(failed)}/{len(outcomes)} ok"
    if warned:
        text += f", {len(warned)} with unexpected rows within mostly"
    if failed:
        names = [_short_type(o) + (f" [{o.column}]" if o.column else "") for o in failed[:3]]
        text += "; failed: " + "; ".join(names) + (" ..." if len(failed) > 3 else "")
    return text
