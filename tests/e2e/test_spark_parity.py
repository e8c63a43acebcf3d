"""DuckDB and Spark build the same marts from the same raw data (issue 11).

One small generated portfolio (60 accounts, 800 days: every criterion, the month-of-year
index, an override, alerts, 31 days of history) plus bad raw rows of several kinds is built
on DuckDB and, in one Spark session (local[2], one JVM), on Spark: `load-spark` copies the
raw tables, dbt builds, `export` writes every mart as Parquet. Then one incremental day
(a new day of usage and a ticket, loaded later) on both. Every mart must be identical:
same keys and rows, criterion scores and other floats within 1e-6; only the run
timestamps (detected_at) are left out. The Spark side runs models and seeds only (no
data tests: the DuckDB builds of the suite run them), see README "Running on Spark".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from customer_health.engines import export
from customer_health.generator import GeneratorConfig
from customer_health.pipeline import settings

from conftest import SMALL_AS_OF, Warehouse, copy_project

pytest.importorskip("pyspark", reason="the Spark extra is not installed (make test installs it)")

D = SMALL_AS_OF
NEXT = D + dt.timedelta(days=1)
CONFIG = GeneratorConfig(n_accounts=60, history_days=800, end_date=D, seed=11)
# the run's own timestamps, the only columns allowed to differ
VOLATILE = {"detected_at"}
FLOAT_TOLERANCE = 1e-6
SPARK_BUILD = ["build", "--exclude-resource-type", "unit_test", "--resource-type", "model",
               "--resource-type", "seed"]

# bad raw rows of several kinds (rejected and repaired), loaded with the first build
BAD_ROWS = [
    # accounts: no key; a second version of a key (the later load wins)
    "insert into raw.accounts select null, 'No key', 'smb', null, created_at, null, false, 10, "
    "_loaded_at from raw.accounts order by account_id limit 1",
    "insert into raw.accounts select account_id, account_name || ' (renamed)', segment, "
    "parent_account_id, created_at, churned_at, is_internal, arr, "
    "_loaded_at + interval 1 hour from raw.accounts order by account_id limit 1 offset 5",
    # usage: an exact copy, an unknown account, no timestamp
    "insert into raw.usage_events select * from raw.usage_events order by event_id limit 1",
    "insert into raw.usage_events select 'evt_bad_unknown', 'acc_missing', user_id, event_name, "
    "occurred_at, _loaded_at from raw.usage_events order by event_id limit 1",
    "insert into raw.usage_events select 'evt_bad_no_time', account_id, user_id, event_name, "
    "null, _loaded_at from raw.usage_events order by event_id limit 1",
    # tickets: unknown category and negative handling time (repaired), unknown account
    "insert into raw.tickets select 'tkt_bad_category', account_id, requester_id, created_at, "
    "first_response_at, solved_at, status, 'billing??', priority, channel, -5, reopen_count, "
    "_loaded_at from raw.tickets order by ticket_id limit 1",
    "insert into raw.tickets select 'tkt_bad_account', 'acc_missing', null, created_at, "
    "first_response_at, solved_at, status, category, priority, channel, handle_minutes, "
    "reopen_count, _loaded_at from raw.tickets order by ticket_id limit 1",
    # a survey answer in the future
    "insert into raw.survey_responses select 'srv_bad_future', account_id, contact_id, ticket_id, "
    "survey_type, score, comment, timestamp '2099-01-01 00:00:00', _loaded_at "
    "from raw.survey_responses order by response_id limit 1",
]

# the next day's load: a day of usage (yesterday's events, one day later) and a new ticket
NEXT_DAY_ROWS = [
    f"insert into raw.usage_events select event_id || '_next', account_id, user_id, event_name, "
    f"occurred_at + interval 1 day, _loaded_at + interval 1 day from raw.usage_events "
    f"where cast(occurred_at as date) = date '{D}'",
    f"insert into raw.tickets select ticket_id || '_next', account_id, requester_id, "
    f"timestamp '{NEXT} 09:00:00', null, null, 'open', 'bug', 'high', channel, null, 0, "
    f"timestamp '{NEXT} 10:00:00' from raw.tickets order by ticket_id limit 3",
]

OVERRIDES = (
    "account_id,criterion,value,reason,author,expires_on\n"
    "{account},engagement,85,parity test,test,2099-12-31\n"
)

SPARK_DRIVER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from customer_health.engines import export
    from customer_health.engines import spark
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    steps = [("day1.duckdb", sys.argv[3], []), ("day2.duckdb", sys.argv[4], [])]
    started = time.perf_counter()
    session = spark.session(root)
    print(f"session {time.perf_counter() - started:.1f} s", flush=True)
    for index, (raw, as_of, _) in enumerate(steps, start=1):
        spark.load_from_duckdb(session, root / raw)
        # the seeds did not change: day 2 leaves them (and their load) out
        args = sys.argv[5:] + (["--exclude", "resource_type:seed"] if index == 2 else [])
        if not spark.run_dbt(args, root, dt.date.fromisoformat(as_of)):
            sys.exit(f"dbt failed on Spark (day {index})")
        export.export_spark(session, out / f"spark{index}", export.mart_names(root))
        print(f"day {index} done {time.perf_counter() - started:.1f} s", flush=True)
    """
)


# the DuckDB side, in a second background process: a full build (data tests included) at
# D, the next day's rows, an incremental build at D + 1, each exported
DUCKDB_DRIVER = textwrap.dedent(
    """
    import json, subprocess, sys
    from pathlib import Path
    import duckdb
    from customer_health.engines import export
    from customer_health.pipeline import settings
    from customer_health.pipeline.dbt import dbt_env
    root, out, days, statements = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:5], sys.argv[5]
    db = root / "warehouse.duckdb"
    env = dbt_env(root, db)
    env.update(HEALTH_TARGET="duckdb", DBT_TARGET_PATH=str(root / "target"),
               DBT_LOG_PATH=str(root / "logs"))
    for index, as_of in enumerate(days, start=1):
        if index == 2:
            con = duckdb.connect(str(db))
            for statement in json.loads(statements):
                con.execute(statement)
            con.close()
        env["HEALTH_AS_OF_DATE"] = as_of
        result = subprocess.run(
            [settings.dbt_executable(), "build", "--exclude-resource-type", "unit_test",
             "--project-dir", str(root)], cwd=root, env=env, text=True, capture_output=True)
        if result.returncode:
            sys.exit(f"dbt failed on DuckDB (day {index}):" + result.stdout[-6000:])
        export.export_duckdb(db, out / f"duckdb{index}", export.mart_names(root))
        print(f"DuckDB day {index} done", flush=True)
    """
)


def _rows(path: Path) -> tuple[list[str], list[tuple]]:
    """Columns (sorted, volatile ones left out) and sorted rows of a Parquet file."""
    con = duckdb.connect()
    try:
        names = [row[0] for row in con.execute(
            f"describe select * from read_parquet('{path}')"
        ).fetchall()]
        columns = sorted(name for name in names if name not in VOLATILE)
        select = ", ".join(f'"{name}"' for name in columns)
        rows = con.execute(f"select {select} from read_parquet('{path}')").fetchall()
    finally:
        con.close()
    return columns, sorted(rows, key=repr)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=FLOAT_TOLERANCE)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=FLOAT_TOLERANCE)
    return a == b


def _differences(duck_dir: Path, spark_dir: Path, marts: list[str]) -> list[str]:
    """What differs between the two exports, mart by mart (empty when identical)."""
    problems = []
    for mart in marts:
        duck_columns, duck_rows = _rows(duck_dir / f"{mart}.parquet")
        spark_columns, spark_rows = _rows(spark_dir / f"{mart}.parquet")
        if duck_columns != spark_columns:
            problems.append(f"{mart}: columns {duck_columns} vs {spark_columns}")
            continue
        if len(duck_rows) != len(spark_rows):
            problems.append(f"{mart}: {len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark")
            continue
        for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
            bad = [
                f"{column}={d!r}/{s!r}"
                for column, d, s in zip(duck_columns, duck_row, spark_row, strict=True)
                if not _same(d, s)
            ]
            if bad:
                problems.append(f"{mart}: first differing row: {', '.join(bad)[:600]}")
                break
    return problems


class SparkSide:
    """The parity warehouse, prepared, and the two processes building it (Spark, DuckDB)."""

    def __init__(self, base: Path) -> None:
        """Generate the raw data (day 1 and day 2 files) and start the Spark process."""
        base.mkdir(parents=True, exist_ok=True)
        self.out = base / "exports"
        self.wh: Warehouse = copy_project(base / "project")
        wh = self.wh
        wh.generate(CONFIG)
        wh.execute(*BAD_ROWS)
        account = wh.scalar("select min(account_id) from raw.accounts where churned_at is null")
        wh.write_seed("health_overrides", OVERRIDES.format(account=account))
        shutil.copyfile(wh.db, wh.root / "day1.duckdb")
        shutil.copyfile(wh.db, wh.root / "day2.duckdb")
        con = duckdb.connect(str(wh.root / "day2.duckdb"))
        try:
            for statement in NEXT_DAY_ROWS:
                con.execute(statement)
        finally:
            con.close()
        # its own target and log folders: the DuckDB builds of the same copy run beside it
        env = dict(
            os.environ, HEALTH_PROJECT_DIR=str(wh.root), HEALTH_SPARK_DIR=str(wh.root / "spark"),
            DBT_TARGET_PATH=str(wh.root / "target_spark"), DBT_LOG_PATH=str(wh.root / "logs_spark"),
        )
        self.log_path = base / "spark.log"
        self.log = self.log_path.open("w")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-c", SPARK_DRIVER, str(wh.root), str(self.out), D.isoformat(),
             NEXT.isoformat(), *SPARK_BUILD],
            cwd=wh.root, env=env, text=True, stdout=self.log, stderr=subprocess.STDOUT,
        )

        self.duck_log_path = base / "duckdb.log"
        self.duck_log = self.duck_log_path.open("w")
        self.duck_process = subprocess.Popen(
            [sys.executable, "-c", DUCKDB_DRIVER, str(wh.root), str(self.out), D.isoformat(),
             NEXT.isoformat(), json.dumps(NEXT_DAY_ROWS)],
            cwd=wh.root, env=dict(os.environ, HEALTH_PROJECT_DIR=str(wh.root)), text=True,
            stdout=self.duck_log, stderr=subprocess.STDOUT,
        )

    def wait(self) -> tuple[int, str, float]:
        """Wait for both processes; return an exit code, the logs and the Spark wall seconds."""
        code = self.process.wait(timeout=1200)
        seconds = time.perf_counter() - self.started
        duck_code = self.duck_process.wait(timeout=600)
        self.log.close()
        self.duck_log.close()
        log = self.log_path.read_text() + self.duck_log_path.read_text()
        return code or duck_code, log, seconds


_started: list[SparkSide] = []


def start_spark_side() -> None:
    """Start the Spark side now (conftest calls it when collection selected this module):
    it then runs while the rest of the suite runs on DuckDB."""
    if not _started:
        _started.append(SparkSide(Path(tempfile.mkdtemp(prefix="health_parity_"))))


@pytest.fixture(scope="module")
def parity() -> dict:
    """Both engines built on the same raw data, day 1 and the incremental day 2, exported
    (both run in background processes started at collection)."""
    start_spark_side()
    side = _started[0]
    wh, out = side.wh, side.out
    marts = export.mart_names(wh.root)
    code, log, seconds = side.wait()
    assert code == 0, log[-8000:]
    print(f"Spark side: {seconds:.0f} s wall (started at collection)")
    yield {"out": out, "marts": marts, "log": log, "seconds": seconds, "project": wh.root}
    shutil.rmtree(out.parent, ignore_errors=True)


def test_marts_identical_on_duckdb_and_spark(parity: dict) -> None:
    out = parity["out"]
    problems = _differences(out / "duckdb1", out / "spark1", parity["marts"])
    assert not problems, "\n".join(problems)


def test_marts_identical_after_an_incremental_day(parity: dict) -> None:
    out = parity["out"]
    problems = _differences(out / "duckdb2", out / "spark2", parity["marts"])
    assert not problems, "\n".join(problems)


def test_parity_warehouse_is_not_trivial(parity: dict) -> None:
    """The comparison covers every kind of row: scores in several bands, alerts, rejections,
    repairs, an override, 31 days of history (32 after the incremental day)."""
    con = duckdb.connect()
    out = parity["out"] / "duckdb2"

    def scalar(sql: str):
        return con.execute(sql.replace("{out}", str(out))).fetchone()[0]

    try:
        assert scalar("select count(distinct band) from '{out}/health_score.parquet'") >= 3
        assert scalar("select count(*) from '{out}/health_alerts.parquet'") > 0
        assert scalar("select count(distinct criterion) from '{out}/health_score_criteria.parquet'"
                      " where is_included") == 6
        assert scalar("select count(*) from '{out}/health_score_criteria.parquet'"
                      " where is_overridden") == 1
        assert scalar("select count(distinct reason) from '{out}/rejected_rows.parquet'") >= 5
        assert scalar("select count(distinct severity) from '{out}/rejected_rows.parquet'") == 2
        assert scalar("select count(distinct score_date) from "
                      "'{out}/health_score_daily.parquet'") == 32
    finally:
        con.close()


def test_export_command_answers_a_missing_warehouse(tmp_path: Path) -> None:
    result = subprocess.run(
        [settings.venv_executable("customer-health"), "export", "--target", "duckdb",
         "--to", str(tmp_path / "out")],
        env=dict(os.environ, HEALTH_DUCKDB_PATH=str(tmp_path / "missing.duckdb")),
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("customer-health export: no warehouse at ")
    assert "Traceback" not in result.stderr
