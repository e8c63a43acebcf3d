"""The command line answers a mistake with one line `customer-health <cmd>: ...` and exit 2,
never a traceback; a dbt failure names the failing node and the log (customer_health.pipeline.dbt).

Argument checks run in-process (cli.main, no dbt); one check runs the installed entry point
as a user would, and one real dbt failure is read back from run_results.json.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

import customer_health.cli as cli
from customer_health.pipeline.dbt import Dbt, DbtFailure, NodeFailure, failing_nodes

from conftest import Warehouse

# one bad value per command (and per kind of check)
BAD_ARGUMENTS = [
    ("run", ["--as-of", "2026-13-01"], "month must be in 1..12"),
    ("run", ["--as-of", "yesterday"], "not a date"),
    ("run", ["--backfill-days", "0"], "at least 1"),
    ("run", ["--target", "oracle"], "invalid choice"),
    ("backfill", ["--from", "2026-06-10"], "--to"),
    ("backfill", ["--from", "2026-06-10", "--to", "2026-02-30"], "day is out of range"),
    ("backfill", ["--from", "2026-06-10", "--to", "2026-06-01"], "is after --to"),
    ("backfill", ["--from", "2026-06-01", "--to", "2026-06-02", "--chunk-days", "-3"],
     "at least 1"),
    ("backfill", ["--from", "2026-06-01", "--to", "2999-01-01"], "latest scoring date"),
    ("evaluate", ["--horizon-days", "ninety"], "not a whole number"),
    ("evaluate", ["--as-of", "2026-6-1"], "not a date"),
    ("generate", ["--accounts", "0"], "at least 1"),
    ("generate", ["--days", "30"], "history_days must be >= 180"),
    ("generate", ["--usage-intensity", "-1"], "0 or more"),
    ("notify", ["--dry-run", "--loud"], "unrecognized arguments: --loud"),
    ("publish", ["--db", "/nonexistent/warehouse.duckdb"], "does not exist"),
    ("publish", ["--out", "/etc/hostname"], "not a folder"),
    ("validate", ["--stage", "everything"], "invalid choice"),
    ("validate", ["--stage", "raw", "--max-rows", "0"], "at least 1"),
    ("docs", ["--port", "70000"], "not a port"),
    ("export", ["--to", "/etc/hostname"], "not a folder"),
    ("load-spark", ["--from-duckdb", "/nonexistent/raw.duckdb"], "does not exist"),
    ("bench", ["--repeat", "0"], "at least 1"),
    ("bench", ["--tiers", "XL"], "unknown tier"),
    ("summary", ["--verbose"], "unrecognized arguments: --verbose"),
    ("lint", ["no_such_folder"], "no such path"),
]


def _one_line_error(capsys: pytest.CaptureFixture[str], command: str, rc: int) -> str:
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 2, (rc, out, err)
    assert "Traceback" not in out + err
    assert len(lines) == 1, err
    assert lines[0].startswith(f"customer-health {command}: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(("command", "argv", "expected"), BAD_ARGUMENTS,
                         ids=[f"{c}-{'_'.join(a)}" for c, a, _ in BAD_ARGUMENTS])
def test_bad_argument_is_one_line_exit_2(
    command: str, argv: list[str], expected: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", str(tmp_path / "none.duckdb"))
    monkeypatch.setenv("HEALTH_TEST_NOW", "2026-07-01T06:00:00+00:00")
    line = _one_line_error(capsys, command, cli.main([command, *argv]))
    assert expected in line


# commands that read a built warehouse, run without one
NEEDS_WAREHOUSE = [
    ("summary", []),
    ("evaluate", []),
    ("export", ["--to", "OUT"]),
    ("docs", ["--no-serve"]),
    ("backfill", ["--from", "2026-06-01", "--to", "2026-06-02"]),
    ("publish", []),
    ("validate", ["--stage", "marts"]),
]


@pytest.mark.parametrize(("command", "argv"), NEEDS_WAREHOUSE,
                         ids=[c for c, _ in NEEDS_WAREHOUSE])
def test_missing_warehouse_is_one_line_exit_2(
    command: str, argv: list[str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = tmp_path / "nowhere" / "warehouse.duckdb"
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", str(missing))
    monkeypatch.setenv("HEALTH_TEST_NOW", "2026-07-01T06:00:00+00:00")
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    line = _one_line_error(capsys, command, cli.main([command, *argv]))
    assert str(missing) in line
    assert not missing.exists()  # nothing created on the way


def test_entry_point_bad_date_is_one_line(tmp_path: Path) -> None:
    """The issue's example, through the installed `customer-health` command."""
    exe = Path(sys.executable).with_name("customer-health")
    result = subprocess.run(
        [str(exe), "run", "--as-of", "2026-13-01"], capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HEALTH_DUCKDB_PATH": str(tmp_path / "w.duckdb")},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "customer-health run: --as-of '2026-13-01': month must be in 1..12 (expected YYYY-MM-DD)"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["run", "backfill", "publish", "validate", "docs"])
def test_help_names_environment_and_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert f"usage: customer-health {command}" in text
    assert "HEALTH_DUCKDB_PATH" in text
    assert "exit codes:" in text and "2  a bad argument" in text


def test_failing_nodes_read_from_run_results(tmp_path: Path) -> None:
    results = tmp_path / "run_results.json"
    results.write_text(json.dumps({"results": [
        {"unique_id": "model.p.ok", "status": "success", "message": "OK"},
        {"unique_id": "model.p.broken", "status": "error",
         "message": "Runtime Error in model broken\n  Binder Error: column x"},
        {"unique_id": "test.p.rule", "status": "fail", "message": "Got 3 results"},
        {"unique_id": "test.p.soft", "status": "warn", "message": "Got 1 result"},
    ]}))
    failures = failing_nodes(results)
    assert failures == [
        NodeFailure("model.p.broken", "error", "Runtime Error in model broken"),
        NodeFailure("test.p.rule", "fail", "Got 3 results"),
    ]
    # a results file older than the run belongs to an earlier run
    assert failing_nodes(results, since=results.stat().st_mtime + 60) == []
    text = str(DbtFailure(["build"], 1, failures, tmp_path / "logs" / "dbt.log"))
    assert "dbt build failed (exit 1)" in text
    assert "model.p.broken (error): Runtime Error in model broken" in text
    assert f"log: {tmp_path / 'logs' / 'dbt.log'}" in text
    killed = DbtFailure(["build"], -9, [], tmp_path / "dbt.log", output="")
    assert "killed by signal SIGKILL" in str(killed)


def test_dbt_failure_names_the_failing_node_and_log(small_copy: Warehouse) -> None:
    """A real failing data test: the error names its unique id, its message and the log."""
    small_copy.execute("delete from marts.health_score where account_id in "
                       "(select account_id from marts.health_score limit 3)")
    env = {"HEALTH_DUCKDB_PATH": small_copy.db.name, "DBT_TARGET_PATH": "target",
           "DBT_LOG_PATH": "logs"}
    small_copy.use_parse_cache()
    with pytest.raises(DbtFailure) as failure:
        Dbt(small_copy.root, small_copy.db, dt.date(2026, 6, 30), env=env).run(
            ["test", "--select", "assert_every_customer_scored"], capture=True)
    text = str(failure.value)
    assert "test.customer_health.assert_every_customer_scored (fail): Got 3 results" in text
    assert f"log: {small_copy.root / 'logs' / 'dbt.log'}" in text
    assert (small_copy.root / "logs" / "dbt.log").exists()
    assert failure.value.returncode == 1
