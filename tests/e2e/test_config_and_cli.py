"""A bad configuration fails the build with a message naming what is wrong; the CLI
never overwrites raw tables a loader wrote."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from customer_health.pipeline import demo

from conftest import SMALL_AS_OF, Warehouse

AS_OF = dt.date(2026, 3, 31)


def _validate(warehouse: Warehouse, extra_vars: dict | None = None):
    """Reload the seeds and build up to the configuration check (one dbt invocation)."""
    args = [
        "build", "--select", "+int_health_config_validated", "--resource-type", "model", "seed",
        "--full-refresh",
    ]
    if extra_vars:
        args += ["--vars", json.dumps(extra_vars)]
    return warehouse.dbt(*args, as_of=SMALL_AS_OF, check=False)


def test_valid_configuration_passes(small_built: Warehouse) -> None:
    """The shipped configuration passes its check (in the shared build of the session)."""
    statuses = {
        r["unique_id"].rsplit(".", 1)[1]: r["status"]
        for r in small_built.build_results["results"]
    }
    assert statuses["int_health_config_validated"] == "success", statuses


def test_bad_configuration_fails_with_named_problems(small_copy: Warehouse) -> None:
    bad = small_copy
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


def test_scoring_date_is_read_when_nodes_run(small_copy: Warehouse) -> None:
    """A new scoring date re-parses no file: HEALTH_AS_OF_DATE is read when the nodes run,
    not while dbt parses (dbt re-parses every file whose macros read an environment variable
    that changed: 27 files, 2 s, each day). A malformed one then fails the run in
    on-run-start, before any node, in one line."""
    for as_of in (SMALL_AS_OF, SMALL_AS_OF + dt.timedelta(days=1)):
        small_copy.dbt("parse", as_of=as_of)
    perf = json.loads((small_copy.root / "target" / "perf_info.json").read_text())
    assert perf["is_partial_parse_enabled"] and perf["parsed_path_count"] == 0, perf
    result = small_copy.dbt("build", "--select", "int_score_dates_listed", check=False,
                            env={"HEALTH_AS_OF_DATE": "2026-13-01"})
    assert result.returncode != 0
    assert "Compilation Error in operation customer_health-on-run-start" in result.stdout
    assert "time data '2026-13-01' does not match format" in result.stdout
    assert " OK created " not in result.stdout and "Traceback" not in result.stdout


def test_cli_never_overwrites_loader_raw_tables(tmp_path: Path) -> None:
    db = tmp_path / "loader.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.accounts as select 'a1' as account_id")
    con.close()
    message, generated = demo.ensure_demo_warehouse(db, "auto", AS_OF)
    assert "not a demo" in message and not generated
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from raw.accounts").fetchone()[0] == 1
    con.close()


def test_cli_generates_and_refreshes_demo(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HEALTH_DEMO_ACCOUNTS", "30")
    monkeypatch.setenv("HEALTH_DEMO_DAYS", "180")
    db = tmp_path / "demo.duckdb"
    # a (re)generated demo replaces every raw table: `run` then builds with --full-refresh
    assert demo.ensure_demo_warehouse(db, "auto", AS_OF)[1]
    message, generated = demo.ensure_demo_warehouse(db, "auto", AS_OF)
    assert "up to date" in message and not generated
    later = AS_OF + dt.timedelta(days=1)
    message, generated = demo.ensure_demo_warehouse(db, "auto", later)
    assert "generated" in message and generated
    message, generated = demo.ensure_demo_warehouse(db, "never", later)
    assert "disabled" in message and not generated
