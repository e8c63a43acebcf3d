"""Faults a scheduled refresh meets, caused on generated warehouses (README, "Reliability").

- schema drift and missing tables: the preflight stops the run before dbt (no build);
- an empty table, an extra column, castable text: the run proceeds and says so;
- overlapping runs: the second exits at once (exit 75), the first finishes intact;
- a build SIGKILLed part-way: nothing published, no seed state kept, and the next
  ordinary run gives the same marts as an uninterrupted run;
- clock and time zone: hosts in Sao Paulo and Tokyo score the UTC default date, and
  the same numbers as a UTC host (the run after the crash is the Sao Paulo host's).

The refresh scenarios start from clones of small_built (built at 2026-06-30) and run
`customer-health run` in subprocesses at the default date of a simulated clock
(HEALTH_TEST_NOW = 2026-07-02 01:30 UTC: yesterday UTC is 2026-07-01). The published
outputs seen during a refresh are in test_publish.py (same refresh, fixture `refreshed`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from customer_health.generator import GeneratorConfig
from customer_health.pipeline import lock as runlock
from customer_health.pipeline import preflight, publish, seeds, settings
from test_publish import assert_consistent_reads, start_readers, stop_readers

from conftest import PROJECT_ROOT, Warehouse, copy_project

# 01:30 UTC on 2 July: 22:30 on 1 July in Sao Paulo (UTC-3), 10:30 on 2 July in Tokyo.
TEST_NOW = "2026-07-02T01:30:00+00:00"
REFRESH_DATE = dt.date(2026, 7, 1)  # yesterday UTC at TEST_NOW
TINY_CONFIG = GeneratorConfig(
    n_accounts=20, history_days=180, end_date=dt.date(2026, 6, 30), seed=3
)
MARTS = (
    "critical_cases", "data_quality_summary", "health_alerts", "health_score",
    "health_score_criteria", "health_score_daily", "rejected_rows",
)
# when a row was written, not what it says
VOLATILE = {"rejected_rows": "detected_at", "data_quality_summary": "detected_at"}


# -- helpers ----------------------------------------------------------------------


def cli_env(warehouse: Warehouse, tz: str = "UTC", now: str | None = TEST_NOW) -> dict[str, str]:
    """The environment of `customer-health run` on a project copy (no demo generation)."""
    env = dict(os.environ)
    env.update(
        HEALTH_PROJECT_DIR=str(warehouse.root),
        HEALTH_DUCKDB_PATH=warehouse.db.name,
        HEALTH_PUBLISH_DIR=str(warehouse.root / "published"),
        HEALTH_DEMO="never",
        DBT_TARGET_PATH="target",
        DBT_LOG_PATH="logs",
        DBT_USE_COLORS="false",
        PYTHONUNBUFFERED="1",
        TZ=tz,
    )
    env.pop("HEALTH_AS_OF_DATE", None)
    if now:
        env[settings.TEST_CLOCK_ENV] = now
    else:
        env.pop(settings.TEST_CLOCK_ENV, None)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "customer_health.cli", "run", *args]


def run_cli(warehouse: Warehouse, *args: str, **env_args) -> subprocess.CompletedProcess[str]:
    """Run `customer-health run` to completion; output captured."""
    warehouse.use_parse_cache()
    return subprocess.run(
        cli_command(*args), cwd=warehouse.root, env=cli_env(warehouse, **env_args),
        text=True, capture_output=True, timeout=600,
    )


def refresh_copy(small_built: Warehouse, destination: Path) -> Warehouse:
    """A clone of small_built whose usage timestamps arrive as TIMESTAMPTZ, published once.

    TIMESTAMPTZ makes staging's cast to UTC depend on the DuckDB session time zone
    (profiles: TimeZone UTC), so a host time zone leaking into dbt would move usage days.
    """
    warehouse = small_built.clone(destination)
    con = duckdb.connect(str(warehouse.db))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("alter table raw.usage_events alter occurred_at type timestamptz")
    finally:
        con.close()
    publish.publish(warehouse.db, warehouse.root / "published")
    return warehouse


def mart_rows(warehouse: Warehouse, mart: str, exclude: tuple[str, ...] = ()) -> list[tuple]:
    """Every row of a mart, without its volatile columns, in a stable order."""
    dropped = [c for c in (VOLATILE.get(mart), *exclude) if c]
    columns = [
        r[0] for r in warehouse.query(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? order by ordinal_position", [mart])
        if r[0] not in dropped
    ]
    return sorted(
        warehouse.query(f"select {', '.join(columns)} from marts.{mart}"), key=repr
    )


def assert_same_marts(left: Warehouse, right: Warehouse, exclude: tuple[str, ...] = ()) -> None:
    for mart in MARTS:
        rows = mart_rows(left, mart, exclude)
        assert rows == mart_rows(right, mart, exclude), mart
    assert left.scalar("select count(*) from marts.health_score") > 100


def lock_holder(warehouse: Warehouse) -> str:
    path = runlock.lock_path(warehouse.db)
    return path.read_text() if path.exists() else ""


# -- preflight: schema drift, missing and empty tables (no dbt build) ---------------


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A tiny generated warehouse (raw tables only), copied by each preflight test."""
    warehouse = copy_project(tmp_path_factory.mktemp("tiny_raw"))
    warehouse.generate(TINY_CONFIG)
    return warehouse


def drifted(tiny_raw: Warehouse, tmp_path: Path, *statements: str) -> Warehouse:
    """A copy of the tiny warehouse with statements applied (the project is not copied)."""
    db = tmp_path / "drifted.duckdb"
    shutil.copyfile(tiny_raw.db, db)
    con = duckdb.connect(str(db))
    try:
        con.execute("set TimeZone = 'UTC'")
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    warehouse = Warehouse(tiny_raw.root)
    warehouse.db = db
    return warehouse


def run_preflight_cli(warehouse: Warehouse) -> subprocess.CompletedProcess[str]:
    """`customer-health run` on a drifted copy: the project of tiny_raw, its own DuckDB file."""
    env = cli_env(warehouse, now=None)
    env["HEALTH_DUCKDB_PATH"] = str(warehouse.db)
    return subprocess.run(
        cli_command("--as-of", "2026-06-30"), cwd=warehouse.root, env=env, text=True,
        capture_output=True, timeout=120,
    )


DRIFT_CASES = {
    "missing_column": (
        ["alter table raw.tickets drop column priority"],
        ["raw.tickets.priority: contract column missing (expected string)"],
    ),
    "renamed_column": (
        ["alter table raw.survey_responses rename column responded_at to responded_on"],
        ["raw.survey_responses.responded_at: contract column missing (expected timestamp); "
         "found 'responded_on' instead (renamed?)"],
    ),
    "score_as_text": (
        ["alter table raw.survey_responses alter score type varchar",
         "update raw.survey_responses set score = case when cast(score as integer) >= 7 "
         "then 'high' else 'low' end"],
        ["raw.survey_responses.score: expected integer, found VARCHAR text: "],
    ),
    "epoch_timestamp": (
        ["alter table raw.usage_events alter occurred_at type bigint "
         "using cast(epoch(occurred_at) as bigint)"],
        ["raw.usage_events.occurred_at: expected a timestamp (UTC), found BIGINT "
         "(epoch seconds?)"],
    ),
    "missing_table": (
        ["drop table raw.contacts"],
        ["raw.contacts: table missing (source crm.contacts"],
    ),
    "several_at_once": (
        ["alter table raw.tickets drop column priority", "drop table raw.contacts",
         "alter table raw.accounts alter is_internal type varchar",
         "update raw.accounts set is_internal = 'maybe' where account_id = "
         "(select min(account_id) from raw.accounts)"],
        ["raw.tickets.priority: contract column missing",
         "raw.contacts: table missing",
         "raw.accounts.is_internal: expected boolean, found VARCHAR text: 1 of 20 values "
         "do not cast (e.g. 'maybe')"],
    ),
}


@pytest.mark.parametrize("case", sorted(DRIFT_CASES))
def test_schema_drift_fails_before_dbt_with_one_message_per_problem(
    tiny_raw: Warehouse, tmp_path: Path, case: str
) -> None:
    statements, messages = DRIFT_CASES[case]
    warehouse = drifted(tiny_raw, tmp_path, *statements)
    result = run_preflight_cli(warehouse)
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    problems = [line for line in result.stderr.splitlines() if "problem: " in line]
    assert len(problems) == len(messages), output
    for message in messages:
        assert any(message in line for line in problems), (message, output)
    assert "no model was run" in result.stderr
    assert "Running with dbt" not in output and "Traceback" not in output
    assert not (warehouse.root / "target" / "run_results.json").exists()


def test_text_timestamp_with_an_offset_is_not_castable(tiny_raw: Warehouse, tmp_path: Path) -> None:
    """Staging's cast to timestamp would drop +02:00 and shift the time: a problem."""
    warehouse = drifted(
        tiny_raw, tmp_path,
        "alter table raw.contacts alter created_at type varchar",
        "update raw.contacts set created_at = '2026-01-01T10:00:00+02:00' "
        "where contact_id = (select min(contact_id) from raw.contacts)",
    )
    report = preflight.check(warehouse.db, warehouse.root)
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith("raw.contacts.created_at: expected timestamp, found "
                                         "VARCHAR text: 1 of ")
    assert "'2026-01-01T10:00:00+02:00'" in report.problems[0]


def test_allowed_drift_proceeds_with_notes(tiny_raw: Warehouse, tmp_path: Path) -> None:
    warehouse = drifted(
        tiny_raw, tmp_path,
        "alter table raw.tickets add column ticket_url varchar",
        "alter table raw.survey_responses alter score type varchar",
        "update raw.survey_responses set score = ' ' || score || ' '",
        "alter table raw.contacts alter created_at type varchar",
        "update raw.contacts set created_at = replace(created_at, ' ', 'T') || 'Z'",
        "delete from raw.touchpoints",
    )
    report = preflight.check(warehouse.db, warehouse.root)
    assert report.ok, report.problems
    assert sorted(report.notes) == sorted([
        "raw.tickets: extra column(s) ticket_url not in the contract, ignored",
        "raw.survey_responses.score: VARCHAR where the contract says integer; all "
        f"{warehouse.scalar('select count(*) from raw.survey_responses'):,} values cast, "
        "proceeding",
        "raw.contacts.created_at: VARCHAR where the contract says timestamp; all "
        f"{warehouse.scalar('select count(*) from raw.contacts'):,} values cast, proceeding",
        "raw.touchpoints: empty; the build proceeds and the criteria that read it find no data",
    ])


def test_contract_types_cover_every_source_column() -> None:
    """Every column of every source declares a contract data_type (load_contract raises)."""
    tables = preflight.load_contract(PROJECT_ROOT)
    # the seven tables of the raw contract and the optional raw.csm_sentiment (issue 25)
    assert sorted(t.contract_name for t in tables) == [
        "accounts", "contacts", "csm_sentiment", "subscription_events", "survey_responses",
        "tickets", "touchpoints", "usage_events"]
    assert {c.data_type for t in tables for c in t.columns} == set(preflight.CONTRACT_TYPES)


def test_empty_table_and_castable_text_build(tiny_raw: Warehouse, tmp_path: Path) -> None:
    """An empty raw table, an extra column and numbers as text: the run builds and says so."""
    warehouse = copy_project(tmp_path / "empty")
    shutil.copyfile(tiny_raw.db, warehouse.db)
    warehouse.execute(
        "delete from raw.touchpoints",
        "alter table raw.tickets add column ticket_url varchar",
        "alter table raw.survey_responses alter score type varchar",
    )
    result = run_cli(warehouse, "--as-of", "2026-06-30", now=None)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "raw.touchpoints: empty; the build proceeds" in result.stdout
    assert "raw.survey_responses.score: VARCHAR where the contract says integer" in result.stdout
    assert "raw.tickets: extra column(s) ticket_url" in result.stdout
    assert warehouse.scalar("select count(*) from staging.stg_marketing__touchpoints") == 0
    assert warehouse.scalar("select count(*) from staging.stg_surveys__survey_responses") == (
        warehouse.scalar("select count(*) from raw.survey_responses")
        - warehouse.scalar(
            "select count(*) from marts.rejected_rows where source_table like '%survey%' "
            "and severity = 'rejected'")
    )
    assert warehouse.scalar("select count(*) from marts.health_score where band is not null") >= 15


def test_working_warehouse_open_elsewhere_exits_75(tiny_raw: Warehouse, tmp_path: Path) -> None:
    """A program holding the working file open (a BI tool on the wrong file): exit 75 with
    the reason, before anything runs, instead of DuckDB's lock error from inside dbt."""
    warehouse = drifted(tiny_raw, tmp_path)
    holder = duckdb.connect(str(warehouse.db), read_only=True)
    try:
        result = run_preflight_cli(warehouse)
    finally:
        holder.close()
    assert result.returncode == runlock.LOCKED_EXIT_CODE, result.stdout + result.stderr
    assert f"the warehouse {warehouse.db} is open in another process" in result.stderr
    assert "Traceback" not in result.stderr and "preflight" not in result.stdout


def test_bad_scoring_date_is_one_line_and_exit_2(tiny_raw: Warehouse) -> None:
    result = subprocess.run(
        cli_command("--as-of", "2026-13-01"), cwd=tiny_raw.root,
        env=cli_env(tiny_raw, now=None), text=True, capture_output=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "customer-health run: --as-of '2026-13-01': month must be in 1..12 (expected YYYY-MM-DD)"
    )


# -- overlapping runs ---------------------------------------------------------------


@dataclass
class Overlap:
    """The refresh of copy A (UTC host) and a second run started while it held the lock."""

    warehouse: Warehouse
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    second_seconds: float
    first_pid: int
    readers: dict[str, list[dict]]  # filled by test_publish's reader processes


def _wait_for_lock(warehouse: Warehouse, pid: int, proc: subprocess.Popen, limit: float) -> None:
    deadline = time.monotonic() + limit
    while f"pid {pid}," not in lock_holder(warehouse):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("the first run never took the lock")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def refreshed(small_built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Overlap:
    """Refresh copy A at the default date while readers read its publication; start a second
    run on it while the first holds the lock."""
    warehouse = refresh_copy(small_built, tmp_path_factory.mktemp("refresh") / "a")
    warehouse.use_parse_cache()
    readers = start_readers(warehouse.root / "published")
    first = subprocess.Popen(
        cli_command(), cwd=warehouse.root, env=cli_env(warehouse), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        _wait_for_lock(warehouse, first.pid, first, 120)
        started = time.monotonic()
        second = subprocess.run(
            cli_command(), cwd=warehouse.root, env=cli_env(warehouse), text=True,
            capture_output=True, timeout=120,
        )
        second_seconds = time.monotonic() - started
        stdout, stderr = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
        observations = stop_readers(readers)
    return Overlap(
        warehouse=warehouse,
        first=subprocess.CompletedProcess(first.args, first.returncode, stdout, stderr),
        second=second,
        second_seconds=second_seconds,
        first_pid=first.pid,
        readers=observations,
    )


def test_second_run_exits_at_once_while_one_runs(refreshed: Overlap) -> None:
    second = refreshed.second
    assert second.returncode == runlock.LOCKED_EXIT_CODE == 75, second.stderr
    assert "another customer-health run holds" in second.stderr
    assert f"(pid {refreshed.first_pid}, started " in second.stderr
    assert "Traceback" not in second.stderr and second.stdout == ""
    assert refreshed.second_seconds < 15


def test_first_run_finishes_intact_after_the_overlap(refreshed: Overlap) -> None:
    first, warehouse = refreshed.first, refreshed.warehouse
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert f"scoring date {REFRESH_DATE}" in first.stdout
    assert warehouse.scalar("select max(score_date) from marts.health_score") == REFRESH_DATE
    # history: both days, one row per account and day
    assert warehouse.query(
        "select count(*) - count(distinct (account_id, score_date)) from marts.health_score_daily"
    ) == [(0,)]
    days = {d for (d,) in warehouse.query(
        "select distinct score_date from marts.health_score_daily")}
    assert {REFRESH_DATE, REFRESH_DATE - dt.timedelta(days=1)} <= days
    # the lock file stays (a flock on it, not its existence, is the lock), free again
    assert runlock.lock_path(warehouse.db).exists()
    with runlock.hold(warehouse.db):
        pass


def test_readers_see_complete_consistent_sets(refreshed: Overlap) -> None:
    """During the refresh a reader held the published DuckDB file open, another opened it
    anew, a third read the Parquet set in a loop: each read one whole set, old or new."""
    old, new = str(REFRESH_DATE - dt.timedelta(days=1)), str(REFRESH_DATE)
    reads = refreshed.readers
    assert assert_consistent_reads(reads["held"]) == {old}  # the file it opened, whole
    assert assert_consistent_reads(reads["fresh"]) == {old, new}
    assert assert_consistent_reads(reads["parquet"]) == {old, new}
    assert min(len(reads[kind]) for kind in ("held", "fresh", "parquet")) >= 10


# -- crash mid-build ------------------------------------------------------------------


@dataclass
class Crash:
    warehouse: Warehouse
    killed_after: str  # the dbt line after which the build was killed
    killed_output: str
    killed_returncode: int
    published_before: tuple[str, int]
    published_after_kill: tuple[str, int]
    state_after_kill: bool
    rerun: subprocess.CompletedProcess[str]
    rerun_tz: str


def _published_state(warehouse: Warehouse) -> tuple[str, int]:
    out = warehouse.root / "published"
    return os.readlink(out / "parquet"), (out / publish.DUCKDB_NAME).stat().st_ino


@pytest.fixture(scope="module")
def crashed(small_built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Crash:
    """Copy B: the refresh is SIGKILLed (run and dbt) once the first mart is rebuilt; then
    an ordinary run, on a host in Sao Paulo (one refresh fewer in the suite: it is also
    the time-zone test's run)."""
    warehouse = refresh_copy(small_built, tmp_path_factory.mktemp("crash") / "b")
    warehouse.use_parse_cache()
    # the record small_built's build would have left (its manifest, this warehouse): the
    # killed run starts from a recorded success and skips the unchanged seeds
    target = warehouse.root / "target"
    shutil.copyfile(small_built.root / "target" / "manifest.json", target / "manifest.json")
    seeds.record_success(target, warehouse.db, warehouse.root)
    before = _published_state(warehouse)
    proc = subprocess.Popen(
        cli_command(), cwd=warehouse.root, env=cli_env(warehouse), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    lines, killed_after = [], ""
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if re.search(r"OK created sql \w+ model marts\.", line):
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its dbt build
            killed_after = line.strip()
            break
    lines.append(proc.stdout.read())
    proc.wait(timeout=60)
    after_kill = _published_state(warehouse)
    state = (warehouse.root / "target" / seeds.LAST_SUCCESS_DIR).exists()
    rerun_tz = "America/Sao_Paulo"
    rerun = run_cli(warehouse, tz=rerun_tz)
    return Crash(warehouse, killed_after, "".join(lines), proc.returncode, before, after_kill,
                 state, rerun, rerun_tz)


def test_killed_build_publishes_nothing_and_keeps_no_seed_state(crashed: Crash) -> None:
    assert crashed.killed_after, "the build finished before any mart was rebuilt:\n" + (
        crashed.killed_output[-3000:])
    assert crashed.killed_returncode == -signal.SIGKILL
    assert re.search(r"seeds: \d+ unchanged, skipped", crashed.killed_output)
    # readers still see the publication made before the refresh, untouched
    assert crashed.published_after_kill == crashed.published_before
    # the last-success record was dropped before dbt started: nothing may be skipped
    assert not crashed.state_after_kill


def test_run_after_a_crash_equals_an_uninterrupted_run(crashed: Crash, refreshed: Overlap) -> None:
    rerun = crashed.rerun
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    # no stale lock, and every seed loaded and tested again
    assert "seeds: all loaded and tested (no successful build recorded)" in rerun.stdout
    assert_same_marts(crashed.warehouse, refreshed.warehouse)
    # the rerun published the complete new set
    assert _published_state(crashed.warehouse) != crashed.published_before
    published = duckdb.connect(
        str(crashed.warehouse.root / "published" / publish.DUCKDB_NAME), read_only=True)
    try:
        assert published.execute("select max(score_date) from marts.health_score").fetchone()[0] \
            == REFRESH_DATE
    finally:
        published.close()


# -- clock and time zone ----------------------------------------------------------------


CLOCK_PROBE = (
    "import datetime as dt, time; from customer_health.pipeline import settings; "
    "print(settings.default_as_of_date(), dt.date(*time.localtime()[:3]))"
)


@pytest.mark.parametrize(("tz", "now", "local_date"), [
    ("America/Sao_Paulo", "2026-07-02T01:30:00+00:00", "2026-07-01"),
    ("Asia/Tokyo", "2026-07-01T20:00:00Z", "2026-07-02"),
    ("UTC", "2026-07-02T01:30:00+00:00", None),
])
def test_default_date_is_yesterday_utc_in_any_zone(tz: str, now: str, local_date: str) -> None:
    env = dict(os.environ, TZ=tz, **{settings.TEST_CLOCK_ENV: now})
    result = subprocess.run([sys.executable, "-c", CLOCK_PROBE], env=env, text=True,
                            capture_output=True, check=True)
    default, _ = result.stdout.split()
    utc_date = dt.datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(dt.UTC).date()
    assert default == (utc_date - dt.timedelta(days=1)).isoformat()
    # the host's own zone is applied (time.localtime), at a moment its date is not UTC's
    local = dt.datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()
    probe = subprocess.run(
        [sys.executable, "-c", f"import time; print(time.strftime('%Y-%m-%d', "
                               f"time.localtime({local})))"],
        env=env, text=True, capture_output=True, check=True,
    )
    if local_date:
        assert probe.stdout.strip() == local_date != utc_date.isoformat()


def test_no_host_clock_or_zone_in_the_package() -> None:
    """Every clock read in src goes through an aware UTC call (settings.utc_now)."""
    offenders = []
    pattern = re.compile(r"date\.today\(|datetime\.now\(\)|utcnow\(|localtime\(|time\.time\(\)"
                         r"|\.now\((?!dt\.UTC)")
    for path in sorted((PROJECT_ROOT / "src").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
    profile = (PROJECT_ROOT / "profiles" / "profiles.yml").read_text()
    assert "TimeZone: UTC" in profile


def test_host_zone_scores_the_utc_date_and_numbers(
    crashed: Crash, refreshed: Overlap
) -> None:
    """The run after the crash ran on a host in Sao Paulo at 22:30 local time on 1 July
    (01:30 UTC on 2 July): it scored 1 July, the UTC yesterday, and its marts equal the
    UTC host's (test_run_after_a_crash_equals_an_uninterrupted_run), usage timestamps
    arriving as TIMESTAMPTZ (refresh_copy)."""
    rerun = crashed.rerun
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert f"scoring date {REFRESH_DATE}" in rerun.stdout
    assert crashed.rerun_tz == "America/Sao_Paulo"
    assert_same_marts(crashed.warehouse, refreshed.warehouse)
