"""The run pipeline's pure parts (customer_health.pipeline): dbt's build arguments, the dbt
invocation object's environment and command line, the default scoring date. No dbt runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from customer_health.pipeline import settings
from customer_health.pipeline.dbt import Dbt, build_args

PRODUCTION = ["build", "--exclude-resource-type", "unit_test", "saved_query", "exposure"]


def test_production_build_args_are_unchanged() -> None:
    assert build_args() == PRODUCTION
    assert build_args(full_refresh=True) == [*PRODUCTION, "--full-refresh"]
    assert build_args(skip_seeds=["plans"]) == [
        *PRODUCTION, "--exclude", "plans", "--indirect-selection", "cautious"]


def test_partial_build_args() -> None:
    args = build_args(select=["a+"], exclude=["tag:backtest"], skip_seeds=["plans"],
                      unit_tests=True, dbt_vars={"x": 1})
    assert args == ["build", "--vars", '{"x": 1}', "--exclude-resource-type", "saved_query",
                    "exposure", "--select", "a+", "--exclude", "tag:backtest", "plans",
                    "--indirect-selection", "cautious"]
    assert build_args(select=["b"], cautious=True)[-2:] == ["--indirect-selection", "cautious"]


def test_environment_is_built_one_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTH_SCORE_HISTORY_START", "2026-01-01")  # never inherited
    inside = Dbt(tmp_path, tmp_path / "data" / "w.duckdb", dt.date(2026, 6, 30))
    env = inside.environment()
    assert env["HEALTH_DUCKDB_PATH"] == "data/w.duckdb"  # relative: the same in every copy
    assert env["HEALTH_AS_OF_DATE"] == "2026-06-30"
    assert env["DBT_PROFILES_DIR"] == str(tmp_path / "profiles")
    assert "HEALTH_SCORE_HISTORY_START" not in env
    outside = Dbt(tmp_path / "project", tmp_path / "w.duckdb").environment()
    assert outside["HEALTH_DUCKDB_PATH"] == str((tmp_path / "w.duckdb").resolve())
    assert "HEALTH_AS_OF_DATE" not in outside
    chunk = inside.at(dt.date(2026, 6, 1), HEALTH_SCORE_HISTORY_START="2026-05-01")
    assert chunk.environment()["HEALTH_SCORE_HISTORY_START"] == "2026-05-01"
    assert chunk.environment()["HEALTH_AS_OF_DATE"] == "2026-06-01"
    assert inside.environment() == env  # at() makes a copy


def test_default_warehouse_and_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTH_DUCKDB_PATH", "data/x.duckdb")
    dbt = Dbt(tmp_path)
    assert dbt.db_path == tmp_path / "data" / "x.duckdb"
    assert dbt.arguments(["parse"]) == ["parse", "--project-dir", str(tmp_path)]
    spark = dbt.replace(target="spark")
    assert spark.arguments(["parse"]) == ["parse", "--target", "spark", "--project-dir",
                                          str(tmp_path)]


def test_default_scoring_date_is_yesterday_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    sao_paulo = dt.timezone(dt.timedelta(hours=-3))
    # 22:30 on 1 July in Sao Paulo is 01:30 UTC on 2 July: yesterday in UTC is 1 July
    tick = dt.datetime(2026, 7, 1, 22, 30, tzinfo=sao_paulo)
    assert settings.default_as_of_date(tick) == dt.date(2026, 7, 1)
    monkeypatch.setenv(settings.TEST_CLOCK_ENV, "2026-07-02T01:30:00+00:00")
    assert settings.default_as_of_date() == dt.date(2026, 7, 1)
