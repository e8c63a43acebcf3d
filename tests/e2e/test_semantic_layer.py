"""The semantic layer (models/semantic): MetricFlow validates it and every saved query answers.

One copy of the shared small build (small_built) is parsed once; `mf validate-configs`
checks the semantic manifest against the warehouse, and each saved query (a dashboard
tile) is run with `mf query`, its rows compared with plain SQL on the marts.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from customer_health.pipeline import settings
from customer_health.pipeline.dbt import dbt_env

from conftest import SMALL_AS_OF, Warehouse

SAVED_QUERIES = [
    "health_trend",
    "band_distribution",
    "churn_risk_entries",
    "alerts_by_type",
    "rejected_rows_by_table",
    "score_change_by_criterion",
]


def _mf(warehouse: Warehouse, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dbt_env(warehouse.root, db, SMALL_AS_OF)
    mf = Path(settings.dbt_executable()).with_name("mf")
    return subprocess.run(
        [str(mf), *args], cwd=warehouse.root, env=env, text=True, capture_output=True
    )


@pytest.fixture(scope="module")
def semantic(small_built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A parsed copy of the small build, the validation result and each saved query's rows."""
    warehouse = small_built.clone(tmp_path_factory.mktemp("semantic") / "copy")
    # the generated portfolio has no bad raw rows: give the data-quality tile some (the
    # semantic definitions are under test here, not staging; test_bad_input covers that)
    warehouse.execute(
        "insert into marts.data_quality_summary values "
        "('raw.tickets', date '2026-06-29', 'rejected', 'unknown_account', 3, now()), "
        "('raw.tickets', date '2026-06-30', 'rejected', 'unknown_account', 2, now()), "
        "('raw.survey_responses', date '2026-06-30', 'rejected', 'score_out_of_range', 4, now()), "
        "('raw.tickets', date '2026-06-30', 'repaired', 'negative_duration', 7, now())"
    )
    warehouse.dbt("parse", as_of=SMALL_AS_OF)
    out = warehouse.root / "mf"
    out.mkdir()

    def run(name: str) -> subprocess.CompletedProcess[str]:
        # dbt-duckdb opens the file for writing: each mf process gets its own copy (same
        # file name: DuckDB names the catalog after it, and the manifest's relations too)
        db = out / name / warehouse.db.name
        db.parent.mkdir()
        shutil.copyfile(warehouse.db, db)
        if name == "validate":
            return _mf(warehouse, db, "validate-configs")
        csv_path = str(out / f"{name}.csv")
        return _mf(warehouse, db, "query", "--saved-query", name, "--csv", csv_path)

    # each mf process spends ~2.5 s starting; two at a time on the 2-core machine
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(["validate", *SAVED_QUERIES],
                           pool.map(run, ["validate", *SAVED_QUERIES]), strict=True))
    rows = {}
    for name in SAVED_QUERIES:
        result = results[name]
        assert result.returncode == 0, f"mf query {name}:\n{result.stdout}\n{result.stderr}"
        with open(out / f"{name}.csv", newline="") as handle:
            rows[name] = list(csv.DictReader(handle))
    return {"warehouse": warehouse, "validate": results["validate"], "rows": rows}


def test_semantic_manifest_validates_against_the_warehouse(semantic: dict) -> None:
    result = semantic["validate"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERRORS: 0" in result.stdout
    assert "against data warehouse" in result.stdout  # the warehouse checks ran too


def test_every_saved_query_returns_rows(semantic: dict) -> None:
    for name in SAVED_QUERIES:
        assert semantic["rows"][name], f"saved query {name} returned no rows"


def test_band_distribution_equals_sql_on_the_latest_scores(semantic: dict) -> None:
    warehouse: Warehouse = semantic["warehouse"]
    expected = {
        band: (count, round(float(arr), 2))
        for band, count, arr in warehouse.query(
            "select band, count(*), sum(arr_amount) from marts.health_score group by band"
        )
    }
    got = {
        row["account__current_band"]: (int(row["accounts"]), round(float(row["arr"]), 2))
        for row in semantic["rows"]["band_distribution"]
    }
    assert got == expected


def test_health_trend_equals_sql_on_the_daily_history(semantic: dict) -> None:
    warehouse: Warehouse = semantic["warehouse"]
    expected = {
        day.isoformat(): (avg, n, share)
        for day, avg, n, share in warehouse.query(
            "select score_date, avg(health_score), count(distinct account_id), "
            "count(distinct case when band = 'churn_risk' then account_id end) "
            "/ count(distinct account_id) from marts.health_score_daily group by score_date"
        )
    }
    got = {
        row["metric_time__day"][:10]: (
            float(row["average_health_score"]),
            int(row["accounts_scored"]),
            float(row["churn_risk_share"]),
        )
        for row in semantic["rows"]["health_trend"]
    }
    assert got.keys() == expected.keys()
    for day, (avg, n, share) in expected.items():
        assert got[day][0] == pytest.approx(avg)
        assert got[day][1] == n
        assert got[day][2] == pytest.approx(share)


def test_churn_risk_entries_count_band_changes_into_churn_risk(semantic: dict) -> None:
    warehouse: Warehouse = semantic["warehouse"]
    # the account's band on its previous stored day, computed here without the mart's view
    expected = dict(
        warehouse.query(
            """
            with d as (
                select account_id, score_date, band,
                       lag(band) over (partition by account_id order by score_date) as prev
                from marts.health_score_daily
            )
            select cast(score_date as varchar),
                   count(distinct account_id) filter (
                       where band = 'churn_risk' and prev is not null and prev <> 'churn_risk')
            from d group by score_date
            """
        )
    )
    got = {
        row["metric_time__day"][:10]: int(row["accounts_entering_churn_risk"] or 0)
        for row in semantic["rows"]["churn_risk_entries"]
    }
    assert got == expected
    assert sum(got.values()) > 0  # the small portfolio has accounts entering churn risk


def test_alerts_and_rejected_rows_tiles_match_the_marts(semantic: dict) -> None:
    warehouse: Warehouse = semantic["warehouse"]
    alerts = {
        (t, s): n
        for t, s, n in warehouse.query(
            "select alert_type, severity, count(*) from marts.health_alerts group by all"
        )
    }
    got_alerts = {
        (row["alert__alert_type"], row["alert__severity"]): int(row["alerts_opened"])
        for row in semantic["rows"]["alerts_by_type"]
    }
    assert got_alerts == alerts
    rejected = {
        (t, r): n
        for t, r, n in warehouse.query(
            "select source_table, reason, sum(row_count) from marts.data_quality_summary "
            "where severity = 'rejected' group by all"
        )
    }
    got_rejected = {
        (row["data_quality_row__source_table"], row["data_quality_row__reason"]):
            int(row["rejected_raw_rows"])
        for row in semantic["rows"]["rejected_rows_by_table"]
    }
    assert got_rejected == rejected
    assert rejected == {
        ("raw.tickets", "unknown_account"): 5, ("raw.survey_responses", "score_out_of_range"): 4
    }


def test_score_change_tile_equals_sql_on_health_score_changes(semantic: dict) -> None:
    warehouse: Warehouse = semantic["warehouse"]
    expected = {
        criterion: round(float(points), 4)
        for criterion, points in warehouse.query(
            "select criterion, sum(points_change) from marts.health_score_changes "
            "where window_days = 30 group by 1"
        )
        if points is not None
    }
    got = {
        row["score_change__criterion"]: round(float(row["score_points_change"]), 4)
        for row in semantic["rows"]["score_change_by_criterion"]
        if row["score_points_change"] not in ("", None)
    }
    assert got == expected and expected
