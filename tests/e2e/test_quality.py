"""Great Expectations validation layer (customer_health.quality) on the small built warehouse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from customer_health.quality import command, render
from customer_health.quality import validation as quality

from conftest import Warehouse


def _copy_db(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """A writable copy of the warehouse's DuckDB file (small_built stays read-only)."""
    target = tmp_path / "wh"
    target.mkdir()
    copy = Warehouse(target)
    shutil.copy2(warehouse.db, copy.db)
    wal = warehouse.db.with_name(warehouse.db.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, copy.db.with_name(copy.db.name + ".wal"))
    return copy


def _outcome(
    report: quality.ValidationReport,
    table: str,
    expectation_type: str,
    column: str | None = None,
    condition_value: str | None = None,
) -> quality.ExpectationOutcome:
    matches = [
        o
        for o in report.for_table(table)
        if o.expectation_type == expectation_type
        and (column is None or o.column == column)
        and (
            condition_value is None
            or (o.details.get("row_condition") or {}).get("parameter") == condition_value
        )
    ]
    assert len(matches) == 1, matches
    return matches[0]


# -- suite files -------------------------------------------------------------------


def test_suite_files_build_gx_expectations() -> None:
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    for stage in quality.STAGES:
        suite = quality.load_suite(stage)
        assert suite["name"] == stage
        for spec in suite["tables"]:
            for config in spec["expectations"]:
                ExpectationConfiguration(
                    type=config["type"], kwargs=config["kwargs"], meta=config.get("meta")
                ).to_domain_obj()
                if stage == "marts":
                    assert "mostly" not in config["kwargs"], (spec["table"], config)
    raw_tables = {spec["table"] for spec in quality.load_suite("raw")["tables"]}
    assert raw_tables == {
        "raw.accounts",
        "raw.contacts",
        "raw.tickets",
        "raw.usage_events",
        "raw.survey_responses",
        "raw.subscription_events",
        "raw.touchpoints",
        "raw.csm_sentiment",
    }


# -- clean warehouse -----------------------------------------------------------------


def test_marts_suite_passes_on_built_warehouse(small_built: Warehouse, tmp_path: Path) -> None:
    report = quality.validate(small_built.db, "marts")
    assert report.success, [
        (o.table, o.expectation_type, o.column, o.details) for o in report.failures()
    ]
    assert report.tables == [
        "marts.health_score",
        "marts.health_score_criteria",
        "marts.health_score_daily",
        "marts.health_alerts",
        "marts.critical_cases",
    ]
    assert report.rows_validated["marts.health_score"] == small_built.scalar(
        "select count(*) from marts.health_score"
    )
    assert not report.sampled
    # The band set is read from config.health_bands at validation time.
    band = _outcome(report, "marts.health_score", "expect_column_values_to_be_in_set", "band")
    assert sorted(band.details["value_set"]) == sorted(
        [r[0] for r in small_built.query("select band from config.health_bands")]
        + ["insufficient_data"]
    )

    md = render.write_report(report, tmp_path / "reports")
    assert md == tmp_path / "reports" / "marts.md"
    text = md.read_text()
    assert "marts — PASSED" in text and "## marts.health_score_daily" in text
    data = json.loads((tmp_path / "reports" / "marts.json").read_text())
    assert data["stage"] == "marts" and data["success"] is True
    assert len(data["results"]) == len(report.results)


def test_raw_suite_passes_on_clean_generated_raw(small_built: Warehouse) -> None:
    report = quality.validate(small_built.db, "raw")
    assert report.success, [
        (o.table, o.expectation_type, o.column, o.details) for o in report.failures()
    ]
    assert report.warnings() == []
    assert len(report.tables) == 8  # csm_sentiment included (issue 25)
    assert report.rows_validated["raw.usage_events"] == small_built.scalar(
        "select count(*) from raw.usage_events"
    )


# -- corrupted copies -----------------------------------------------------------------


def test_out_of_range_health_score_fails_marts(
    small_built: Warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy_db(small_built, tmp_path)
    account = copy.scalar(
        "select min(account_id) from marts.health_score where health_score is not null"
    )
    # the mart's contract rejects 150 at insert; GX must still catch it where the table has
    # no constraints (another engine, an older build): copy the table without them first
    copy.execute(
        "create or replace table marts.health_score as select * from marts.health_score",
        f"update marts.health_score set health_score = 150 where account_id = '{account}'",
    )

    report = quality.validate(copy.db, "marts")
    assert not report.success
    failed = [(o.table, o.expectation_type, o.column) for o in report.failures()]
    assert failed == [("marts.health_score", "expect_column_values_to_be_between", "health_score")]
    outcome = report.failures()[0]
    assert outcome.unexpected_count == 1 and outcome.unexpected_sample == [150]

    out = tmp_path / "gx"
    assert command.main(["--stage", "marts", "--db", str(copy.db), "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "FAIL  marts.health_score" in printed
    assert "column_values_to_be_between [health_score]" in printed
    assert str(out / "marts.md") in printed
    md = (out / "marts.md").read_text()
    assert "| FAIL | column_values_to_be_between | health_score | 1 (" in md
    assert "e.g. 150" in md


def test_bad_raw_rows_are_reported_even_within_mostly(
    small_built: Warehouse, tmp_path: Path
) -> None:
    copy = _copy_db(small_built, tmp_path)
    copy.execute(
        "insert into raw.survey_responses (response_id, account_id, survey_type, score, "
        "responded_at) values ('resp_bad_nps', null, 'nps', 11, timestamp '2026-06-01 10:00')",
        "insert into raw.tickets (ticket_id, created_at, status, category, priority) "
        "values ('tkt_bad_status', timestamp '2026-06-01 10:00', 'lost', 'bug', 'low')",
    )

    report = quality.validate(copy.db, "raw")
    nps = _outcome(
        report,
        "raw.survey_responses",
        "expect_column_values_to_be_between",
        "score",
        condition_value="nps",
    )
    assert nps.unexpected_count == 1 and nps.unexpected_sample == [11]
    csat = _outcome(
        report,
        "raw.survey_responses",
        "expect_column_values_to_be_between",
        "score",
        condition_value="csat",
    )
    assert csat.unexpected_count == 0  # the row condition limits the check to its survey type
    status = _outcome(report, "raw.tickets", "expect_column_values_to_be_in_set", "status")
    assert status.unexpected_count == 1 and status.unexpected_sample == ["lost"]
    # One bad row in a big table passes thanks to `mostly` but is surfaced as WARN.
    assert nps.success and status.success and report.success
    assert nps.status == status.status == "WARN"
    assert {id(o) for o in report.warnings()} == {id(nps), id(status)}

    md = render.write_report(report, tmp_path / "gx").read_text()
    assert "| WARN | column_values_to_be_in_set (mostly 0.99) | status | 1 (" in md
    assert 'e.g. "lost"' in md
    assert 'where survey_type == "nps") | score | 1 (' in md
    data = json.loads((tmp_path / "gx" / "raw.json").read_text())
    assert sum(r["status"] == "WARN" for r in data["results"]) == 2


def test_many_bad_rows_fail_raw(small_built: Warehouse, tmp_path: Path) -> None:
    copy = _copy_db(small_built, tmp_path)
    copy.execute(
        "update raw.tickets set handle_minutes = -5 where ticket_id in "
        "(select ticket_id from raw.tickets order by ticket_id limit 100)"
    )
    report = quality.validate(copy.db, "raw")
    outcome = _outcome(
        report, "raw.tickets", "expect_column_values_to_be_between", "handle_minutes"
    )
    assert not outcome.success and outcome.unexpected_count == 100
    assert outcome.unexpected_sample == [-5]
    assert not report.success
    assert (
        command.main(["--stage", "raw", "--db", str(copy.db), "--out", str(tmp_path / "gx")]) == 1
    )


def test_missing_table_and_column_are_failures_not_exceptions(
    small_built: Warehouse, tmp_path: Path
) -> None:
    copy = _copy_db(small_built, tmp_path)
    copy.execute(
        "drop table raw.contacts",
        "drop table raw.touchpoints",
        "alter table raw.tickets drop column priority",
    )
    report = quality.validate(copy.db, "raw")
    assert not report.success
    missing = report.for_table("raw.contacts")
    assert [(o.expectation_type, o.success) for o in missing] == [("table_exists", False)]
    assert "raw.contacts does not exist" in missing[0].details["error"]
    assert report.rows_validated["raw.contacts"] == 0
    # an optional table (meta.optional in its source YAML) that was never created is a
    # note, not a failure: the build reads it as empty (its criteria are source_missing)
    optional = report.for_table("raw.touchpoints")
    assert [(o.expectation_type, o.success) for o in optional] == [("table_exists", True)]
    assert "optional table raw.touchpoints is absent" in optional[0].details["note"]

    columns = _outcome(report, "raw.tickets", "expect_table_columns_to_match_set")
    assert not columns.success
    assert columns.details["gx_details"]["mismatched"]["missing"] == ["priority"]
    priority = _outcome(report, "raw.tickets", "expect_column_values_to_be_in_set", "priority")
    assert not priority.success and "priority" in priority.details["error"]

    md = render.write_report(report, tmp_path / "gx").read_text()
    assert "## raw.contacts — FAIL, 0 rows" in md
    assert "missing: priority" in md


def test_missing_band_config_fails_the_band_checks(small_built: Warehouse, tmp_path: Path) -> None:
    copy = _copy_db(small_built, tmp_path)
    copy.execute("drop table config.health_bands")
    report = quality.validate(copy.db, "marts")
    failed = {(o.table, o.column) for o in report.failures()}
    assert failed == {("marts.health_score", "band"), ("marts.health_score_daily", "band")}
    assert all("health_bands" in o.details["error"] for o in report.failures())


def test_sampling_is_deterministic_and_reported(small_built: Warehouse, tmp_path: Path) -> None:
    first = quality.validate(small_built.db, "raw", max_rows=500)
    second = quality.validate(small_built.db, "raw", max_rows=500)
    assert first.sampled
    assert first.rows_validated["raw.usage_events"] == 500
    assert first.rows_total["raw.usage_events"] > 500
    assert first.table_sampled("raw.usage_events")
    strip = [(o.table, o.expectation_type, o.column, o.element_count) for o in first.results]
    assert strip == [
        (o.table, o.expectation_type, o.column, o.element_count) for o in second.results
    ]
    text = render.write_report(first, tmp_path / "gx").read_text()
    assert "**Sampled**" in text and "(sample of " in text


def test_cli_returns_zero_on_success(
    small_built: Warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gx"
    assert command.main(["--stage", "marts", "--db", str(small_built.db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 5 + 2  # one line per table, verdict, report path
    assert all(line.startswith("PASS  marts.") for line in printed[:5])
    assert printed[-1] == f"report: {out / 'marts.md'}"
    assert (out / "marts.json").exists()


def test_missing_warehouse_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(FileNotFoundError):
        quality.validate(tmp_path / "nope.duckdb", "raw")
    with pytest.raises(SystemExit) as exited:  # argparse's --db check: one line, exit 2
        command.main(["--stage", "raw", "--db", str(tmp_path / "nope.duckdb")])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "nope.duckdb" in err and "does not exist" in err and len(err.splitlines()) == 1
