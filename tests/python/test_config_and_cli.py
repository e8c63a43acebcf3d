"""A bad configuration fails the build with a message naming what is wrong; the CLI
never overwrites raw tables a loader wrote."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from customer_health import cli
from customer_health.generator import GeneratorConfig

from conftest import Warehouse, copy_project

AS_OF = dt.date(2026, 3, 31)
TINY = GeneratorConfig(n_accounts=60, history_days=200, end_date=AS_OF, seed=11)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    warehouse = copy_project(tmp_path_factory.mktemp("tiny"))
    warehouse.generate(TINY)
    return warehouse


def _validate(warehouse: Warehouse, extra_vars: dict | None = None):
    """Load the seeds and build up to the configuration check."""
    warehouse.dbt("seed", "--full-refresh")
    variables = {"as_of_date": AS_OF.isoformat(), **(extra_vars or {})}
    return warehouse.dbt(
        "run", "--select", "+int_health_config_validated", "--vars", json.dumps(variables),
        check=False,
    )


def test_valid_configuration_passes(tiny: Warehouse) -> None:
    result = _validate(tiny)
    assert result.returncode == 0, result.stdout[-3000:]


def test_bad_configuration_fails_with_named_problems(tiny: Warehouse, tmp_path: Path) -> None:
    bad = tiny.clone(tmp_path / "bad")
    bad.write_seed(
        "health_weights",
        "scorecard,criterion,weight\n"
        "default,product_usage,60\ndefault,support_friction,40\n"
        "enterprise,product_usage,50\nenterprise,satisfaction,45\n"
        "smb,product_usage,50\nsmb,magic_signal,50\n",
    )
    bad.write_seed(
        "health_bands",
        "band,min_score,max_score,label,color,sort_order\n"
        "churn_risk,0,50,Churn risk,red,1\nneutral,45,70,Neutral,yellow,2\n"
        "healthy,72,100,Healthy,green,3\n",
    )
    bad.write_seed(
        "health_overrides",
        "account_id,criterion,value,reason,author,expires_on\n"
        "acc_999999,overall,80,call went well,csm1,2026-12-31\n",
    )
    result = _validate(bad, {"min_coverage_pct": 150})
    assert result.returncode != 0
    output = result.stdout
    for message in [
        "weights of scorecard 'enterprise' sum to 95",
        "scorecard 'smb' uses unknown criterion 'magic_signal'",
        "band 'neutral' overlaps the band below it",
        "gap before band 'healthy': scores 71-71 are in no band",
        "health_overrides: unknown account 'acc_999999'",
        "var min_coverage_pct must be between 0 and 100",
    ]:
        assert message in output, message


def test_cli_never_overwrites_loader_raw_tables(tmp_path: Path) -> None:
    db = tmp_path / "loader.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.accounts as select 'a1' as account_id")
    con.close()
    message, generated = cli.ensure_demo_warehouse(db, "auto", AS_OF)
    assert "not a demo" in message and not generated
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from raw.accounts").fetchone()[0] == 1
    con.close()


def test_cli_generates_and_refreshes_demo(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HEALTH_DEMO_ACCOUNTS", "30")
    monkeypatch.setenv("HEALTH_DEMO_DAYS", "180")
    db = tmp_path / "demo.duckdb"
    # a (re)generated demo replaces every raw table: `run` then builds with --full-refresh
    assert cli.ensure_demo_warehouse(db, "auto", AS_OF)[1]
    message, generated = cli.ensure_demo_warehouse(db, "auto", AS_OF)
    assert "up to date" in message and not generated
    later = AS_OF + dt.timedelta(days=1)
    message, generated = cli.ensure_demo_warehouse(db, "auto", later)
    assert "generated" in message and generated
    message, generated = cli.ensure_demo_warehouse(db, "never", later)
    assert "disabled" in message and not generated
