"""The Dagster orchestration (customer_health.orchestration), headless.

A small demo portfolio whose history ends yesterday (so the sources are fresh) in its own
project copy: `dagster definitions validate` loads the definitions, the schedule evaluates
to a run request for the UTC day before the tick, and the daily_refresh job materialises
every asset in-process, with every asset check passing and the marts published. dbt is
started only by the run pipeline (pipeline.dbt.Dbt.run is recorded, dagster-dbt's
DbtCliResource refuses to run); no orchestration module imports another way to start it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from customer_health.generator import GeneratorConfig
from customer_health.pipeline.dbt import dbt_env

from conftest import Warehouse, copy_project

# runs in a subprocess: the definitions module reads the project folder at import
JOB_SCRIPT = textwrap.dedent(
    """
    import collections, datetime as dt, json, sys
    import dagster as dg
    import dagster_dbt
    from customer_health.pipeline.dbt import Dbt

    # dbt must be started by the run pipeline's Dbt, never by dagster-dbt's resource
    dbt_calls = []
    pipeline_run = Dbt.run
    def recorded_run(self, args, **kwargs):
        dbt_calls.append(list(args))
        return pipeline_run(self, args, **kwargs)
    def refused(*args, **kwargs):
        raise RuntimeError("dbt started through dagster-dbt's DbtCliResource")
    Dbt.run = recorded_run
    dagster_dbt.DbtCliResource.cli = refused

    from customer_health.orchestration import definitions

    out = {"manifest_nodes": sorted(
        n["resource_type"] + ":" + n["name"] for n in definitions.MANIFEST["nodes"].values()
        if n["resource_type"] in ("model", "seed", "snapshot")
        and n["config"]["materialized"] != "ephemeral"
    )}
    # the schedule: a tick at 01:30 in Sao Paulo on 2026-12-02 is 04:30 UTC the same day
    schedule = definitions.defs.resolve_schedule_def("daily_refresh_schedule")
    tick = dt.datetime(2026, 12, 2, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick))
    out["run_requests"] = [
        {"run_key": r.run_key, "tags": dict(r.tags)} for r in result.run_requests or []
    ]
    job = definitions.defs.resolve_job_def("daily_refresh")
    run = job.execute_in_process(raise_on_error=False, tags={definitions.AS_OF_TAG: sys.argv[1]})
    out["success"] = run.success
    out["checks"] = [
        [e.asset_check_evaluation_data.asset_key.to_user_string(),
         e.asset_check_evaluation_data.check_name, e.asset_check_evaluation_data.passed]
        for e in run.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    out["materialized"] = sorted(
        e.asset_key.to_user_string() for e in run.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    )
    out["failures"] = [
        f"{e.message} | {e.event_specific_data.error.to_string() if e.event_specific_data else ''}"
        for e in run.all_events if e.event_type_value == "STEP_FAILURE"
    ]
    out["dbt_calls"] = list(dbt_calls)
    # a subset: one mart, its own dbt tests as checks, nothing else built
    del dbt_calls[:]
    subset = job.execute_in_process(
        raise_on_error=False, tags={definitions.AS_OF_TAG: sys.argv[1]},
        asset_selection=[dg.AssetKey(["marts", "health_score"])])
    out["subset"] = {
        "success": subset.success,
        "dbt_calls": dbt_calls,
        "materialized": sorted(
            e.asset_key.to_user_string() for e in subset.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"),
        "checks": sorted(
            e.asset_check_evaluation_data.check_name for e in subset.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"),
    }
    print("RESULT " + json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def orchestrated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Validate the definitions and run the daily job on a fresh small portfolio."""
    root = tmp_path_factory.mktemp("orchestration") / "project"
    warehouse: Warehouse = copy_project(root)
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    warehouse.generate(GeneratorConfig(n_accounts=60, history_days=400, end_date=yesterday,
                                       seed=11))
    warehouse.dbt("parse", as_of=yesterday)  # the manifest the definitions are built from
    env = dbt_env(root, warehouse.db, None)
    env.pop("HEALTH_AS_OF_DATE", None)
    env.update(HEALTH_PROJECT_DIR=str(root), DAGSTER_HOME=str(root / "dagster_home"),
               HEALTH_PUBLISH_DIR=str(root / "published"))
    (root / "dagster_home").mkdir()
    dagster = Path(sys.executable).with_name("dagster")

    def validate() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(dagster), "definitions", "validate", "-m",
             "customer_health.orchestration.definitions"],
            cwd=root, env=env, text=True, capture_output=True,
        )

    # a script file, not `python -c`: pyspark (imported by GX when installed) takes a main
    # module without __file__ for a doctest run and exits
    script = root / "run_daily_job.py"
    script.write_text(JOB_SCRIPT)

    def run_job() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script), yesterday.isoformat()],
            cwd=root, env=env, text=True, capture_output=True,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        validated, job = pool.submit(validate), pool.submit(run_job)
        validated, job = validated.result(), job.result()
    lines = [line for line in job.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"the job script printed no result:\n{job.stdout[-4000:]}\n{job.stderr[-4000:]}"
    return {
        "root": root,
        "warehouse": warehouse,
        "as_of": yesterday,
        "validated": validated,
        "result": json.loads(lines[-1].removeprefix("RESULT ")),
        "log": job.stderr,
    }


def test_definitions_validate(orchestrated: dict) -> None:
    validated = orchestrated["validated"]
    output = validated.stdout + validated.stderr
    assert validated.returncode == 0, output
    assert "passed validation" in output


def test_schedule_requests_the_utc_day_before_the_tick(orchestrated: dict) -> None:
    # 2026-12-02 01:30 at UTC-3 is 04:30 UTC on 2026-12-02: the scoring date is 2026-12-01
    [request] = orchestrated["result"]["run_requests"]
    assert request["run_key"] == "as_of=2026-12-01"
    assert request["tags"]["customer_health/as_of"] == "2026-12-01"


def test_daily_job_materialises_every_asset_with_checks_passing(orchestrated: dict) -> None:
    result = orchestrated["result"]
    assert result["success"], "\n".join(result["failures"])[-6000:]
    checks = result["checks"]
    failed = [c for c in checks if not c[2]]
    assert not failed, failed
    names = {c[1] for c in checks}
    # the dbt tests, both Great Expectations suites and source freshness ran as checks
    assert {"gx_raw_suite", "gx_marts_suite", "source_freshness"} <= names
    # the event tables and the CSM sentiment readings
    assert sum(c[1] == "source_freshness" for c in checks) == 6
    assert len(checks) > 60
    # dbt assets are keyed <schema>/<name> (marts/health_score)
    materialized = {key.split("/")[-1] for key in result["materialized"]}
    assert {"health_score", "health_score_daily", "health_alerts", "published_marts"} <= (
        materialized
    )


def test_daily_job_published_the_scores_it_built(orchestrated: dict) -> None:
    root: Path = orchestrated["root"]
    published = root / "published" / "customer_health.duckdb"
    assert published.exists()
    con = duckdb.connect(str(published), read_only=True)
    try:
        dates = con.execute("select distinct score_date from marts.health_score").fetchall()
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert dates == [(orchestrated["as_of"],)]
    assert schemas == {"marts"}
    parquet = root / "published" / "parquet" / "health_score.parquet"
    assert parquet.exists()
    assert os.path.islink(root / "published" / "parquet")


def test_dagster_starts_dbt_only_through_the_run_pipeline(orchestrated: dict) -> None:
    calls = orchestrated["result"]["dbt_calls"]
    commands = [" ".join(c[:2]) if c[0] == "source" else c[0] for c in calls]
    # the build (the same arguments as customer-health run's) and source freshness, nothing else
    assert commands.count("build") == 1, calls
    [build] = [c for c in calls if c[0] == "build"]
    assert build[:5] == ["build", "--exclude-resource-type", "unit_test", "saved_query",
                         "exposure"]
    assert "source freshness" in commands, calls
    # one materialisation per seed and model the build wrote (run_results.json -> events)
    materialized = set(orchestrated["result"]["materialized"])
    models = [n.split(":", 1)[1] for n in orchestrated["result"]["manifest_nodes"]
              if n.startswith("model:")]
    assert {m.split("/")[-1] for m in materialized} >= set(models)


def test_no_orchestration_module_starts_dbt_another_way() -> None:
    import ast

    import customer_health.orchestration as orchestration

    banned = {"DbtCliResource", "DbtCliInvocation", "dbtRunner", "subprocess", "Popen"}
    for path in Path(orchestration.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {alias.name.split(".")[-1] for node in ast.walk(tree)
                 if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}
        names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not names & banned, f"{path.name} uses {sorted(names & banned)}"


def test_a_subset_builds_only_the_selected_assets(orchestrated: dict) -> None:
    subset = orchestrated["result"]["subset"]
    assert subset["success"], subset
    [build] = subset["dbt_calls"]
    assert build[build.index("--select") + 1:][:1] == ["fqn:customer_health.marts.health_score"]
    assert subset["materialized"] == ["marts/health_score"]
    assert subset["checks"], "health_score's dbt tests ran as its checks"
    # a partial build drops the last-success record: the next full build loads every seed
    assert not (orchestrated["root"] / "target" / "last_success").exists()
