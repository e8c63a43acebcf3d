"""`customer-health backfill`: the dates of a range, in chunks, resumable after a kill.

One private copy of the shared build loses six days of its history (2026-06-10..15); a
backfill of 06-09..06-16 in chunks of 3 dates (latest first) is killed after its first
chunk, started again, and must then skip what is complete (06-09, 06-16 and the first
chunk, 06-13..15), score the rest, and leave exactly the rows of the shared full build:
every date, the other 25 untouched by the merge. Two dbt builds in all.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from customer_health.pipeline import backfill

from conftest import Warehouse

GAP = ("2026-06-10", "2026-06-15")
# the scoring date of the shared build is 2026-06-30: the test clock's yesterday
CLOCK = "2026-07-01T06:00:00+00:00"


def test_plan_chunks() -> None:
    days = [dt.date(2026, 6, d) for d in (1, 2, 3, 4, 5, 7, 8, 10)]
    assert backfill.plan_chunks(days, 2) == [
        (dt.date(2026, 6, 1), dt.date(2026, 6, 2)), (dt.date(2026, 6, 3), dt.date(2026, 6, 4)),
        (dt.date(2026, 6, 5), dt.date(2026, 6, 5)), (dt.date(2026, 6, 7), dt.date(2026, 6, 8)),
        (dt.date(2026, 6, 10), dt.date(2026, 6, 10)),
    ]
    assert backfill.plan_chunks([], 5) == []
    assert backfill.date_range(dt.date(2026, 2, 27), dt.date(2026, 3, 1))[1:] == [
        dt.date(2026, 2, 28), dt.date(2026, 3, 1)]


def _start(copy: Warehouse) -> subprocess.Popen[str]:
    env = dict(os.environ, HEALTH_PROJECT_DIR=str(copy.root), HEALTH_DUCKDB_PATH=copy.db.name,
               DBT_TARGET_PATH="target", DBT_LOG_PATH="logs", HEALTH_TEST_NOW=CLOCK)
    copy.use_parse_cache()
    exe = Path(sys.executable).with_name("customer-health")
    return subprocess.Popen(
        [str(exe), "backfill", "--from", "2026-06-09", "--to", "2026-06-16", "--chunk-days", "3"],
        cwd=copy.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group: the kill reaches dbt too
    )


def _dates(copy: Warehouse) -> set[str]:
    return {str(d) for (d,) in copy.query(
        "select distinct score_date from marts.health_score_daily "
        "where score_date between ? and ?", list(GAP))}


def test_backfill_resumes_after_a_kill(small_built: Warehouse, small_copy: Warehouse) -> None:
    expected = small_built.table_rows("marts.health_score_daily", "all")
    # the backtest's criterion store on its weekly grid (2026-06-15 is a grid Monday) is
    # backfilled with the history it mirrors
    store = "intermediate.int_backtest_criterion_scores_stored"
    expected_store = small_built.table_rows(store, "all")
    assert any(str(row[1]) == GAP[1] for row in expected_store)
    for relation in ("marts.health_score_daily", store):
        small_copy.execute(
            f"delete from {relation} where score_date between '{GAP[0]}' and '{GAP[1]}'")

    first = _start(small_copy)
    seen: list[str] = []
    assert first.stderr is not None
    for line in first.stderr:  # tqdm's \r updates count as lines too
        seen.append(line.strip())
        if line.startswith("backfill: 2026-06-13..2026-06-15 done"):
            os.killpg(first.pid, signal.SIGKILL)
            break
    first.wait()
    assert first.returncode == -signal.SIGKILL, "\n".join(seen)
    assert any("8 dates, 2 already complete" in line and "6 to score in 2 chunks" in line
               for line in seen), seen
    time.sleep(0.2)  # the killed dbt releases the warehouse file
    assert _dates(small_copy) == {"2026-06-13", "2026-06-14", "2026-06-15"}

    second = _start(small_copy)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert "8 dates, 5 already complete" in err and "3 to score in 1 chunks" in err, err
    assert "backfill: 2026-06-10..2026-06-12 done (3 dates" in err
    assert "8/8" in err  # the progress bar reached the end
    assert "3 dates scored in 1 chunks, 5 already complete" in out
    # the resumed backfill equals the uninterrupted full build, other dates kept
    assert small_copy.table_rows("marts.health_score_daily", "all") == expected
    assert small_copy.table_rows(store, "all") == expected_store


def test_run_backfill_days_backfills_after_the_build(
    small_built: Warehouse, tmp_path: Path, monkeypatch, capsys
) -> None:
    """`run --backfill-days 5`: after the day's build (dbt replaced here), the 5 days before
    the scoring date, without a preparing build, holding the run lock; then publication."""
    import os
    import shutil
    import subprocess as sp

    import customer_health.cli as cli
    from customer_health.pipeline import publish, seeds
    from customer_health.pipeline import run as pipeline_run
    from customer_health.pipeline.dbt import Dbt

    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(small_built.db, db)
    for name in list(os.environ):
        if name.startswith("HEALTH_NOTIFY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", str(db))
    monkeypatch.setenv("HEALTH_PROJECT_DIR", str(small_built.root))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("HEALTH_PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("HEALTH_DEMO", "never")
    order: list[str] = []
    monkeypatch.setattr(Dbt, "run", lambda self, args, **k: order.append(args[0])
                        or sp.CompletedProcess(args, 0))
    monkeypatch.setattr(seeds, "record_success", lambda *a, **k: None)
    monkeypatch.setattr(pipeline_run, "validate_stage",
                        lambda *a, **k: order.append(f"validate {a[1]}") or type(
                            "Green", (), {"success": True, "failures": lambda self: []})())
    # no dbt ran, so no manifest: publish every table of schema marts (the default)
    monkeypatch.setattr(publish, "marts_from_manifest", lambda *a, **k: None)
    calls: list[tuple] = []

    def fake_backfill(root, db_path, first, last, **kwargs):
        order.append("backfill")
        calls.append((db_path, first, last, kwargs))
        return backfill.BackfillResult(5, 1, [(first, last)], 0.1)

    monkeypatch.setattr(backfill, "backfill", fake_backfill)
    assert cli.main(["run", "--as-of", "2026-06-30", "--backfill-days", "5"]) == 0
    assert order == ["validate raw", "build", "backfill", "validate marts"]
    (db_path, first, last, kwargs), = calls
    assert (db_path, first, last) == (db, dt.date(2026, 6, 25), dt.date(2026, 6, 29))
    assert kwargs["prepare"] is False and len(kwargs["pass_fds"]) == 1
    assert "backfill 2026-06-25..2026-06-29: 4 dates scored, 1 already complete" in (
        capsys.readouterr().out)
