"""Dagster definitions of the daily refresh: dbt assets, asset checks, publication, schedule.

    dagster dev -m customer_health.orchestration.definitions      # UI on localhost:3000
    dagster job execute -m customer_health.orchestration.definitions -j daily_refresh

- `health_dbt_assets`: every seed, model and data test of the project from its manifest
  (dagster-dbt's specs: an asset per seed and model, dbt tests become asset checks), built
  by the run pipeline's steps as `customer-health run` builds (lock, preflight, seed plan,
  pipeline.run.build_step: dbt started by pipeline.dbt.Dbt, unit tests left out, unchanged
  seeds skipped) at the scoring date of the run's tag `customer_health/as_of` (default:
  yesterday in UTC); the build's run_results.json becomes one materialisation per node built
  and one check result per dbt test (orchestration/events.py). A subset of the assets builds
  only those nodes (`--select` by fqn) and drops the last-success record.
- asset checks: the raw Great Expectations suite on the raw sources (a report, as in
  `customer-health run`: it warns, never blocks), `dbt source freshness` on the sources that
  declare freshness (warn or error as the sources say), and the marts suite on the marts
  (blocking: a failed mart check stops the publication).
- `published_marts`: the marts copied to HEALTH_PUBLISH_DIR after a green build and green
  mart checks (customer_health.pipeline.publish, atomic).
- schedule `daily_refresh_schedule`: cron HEALTH_SCHEDULE_CRON (default "0 6 * * *") in
  HEALTH_SCHEDULE_TIMEZONE (default UTC); each tick scores the UTC day before the tick.
  It runs as soon as the Dagster daemon does (HEALTH_SCHEDULE_STATUS=stopped: off until
  switched on in the UI).
"""


import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, dbt_assets

from customer_health.orchestration import events
from customer_health.orchestration.dbt_project import ROOT, health_dbt_project
from customer_health.pipeline import run as pipeline
from customer_health.pipeline import settings
from customer_health.pipeline.dbt import Dbt, build_args
from customer_health.quality import validation

AS_OF_TAG = "customer_health/as_of"
FULL_REFRESH_TAG = "customer_health/full_refresh"
SCHEDULE_CRON = os.environ.get("HEALTH_SCHEDULE_CRON", "0 6 * * *")
SCHEDULE_TIMEZONE = os.environ.get("HEALTH_SCHEDULE_TIMEZONE", "UTC")

TRANSLATOR = DagsterDbtTranslator()


def _manifest() -> dict[str, Any]:
    """The parsed project (target/manifest.json; `dbt parse` or prepare_if_dev writes it)."""
    path = health_dbt_project.manifest_path
    if not path.exists():
        raise dg.DagsterInvariantViolationError(
            f"{path} is missing: run `dbt parse` in {ROOT} (or `dagster-dbt project "
            "prepare-and-package --file src/customer_health/orchestration/dbt_project.py`)"
        )
    return json.loads(path.read_text())


MANIFEST = _manifest()


def _key(props: Mapping[str, Any]) -> dg.AssetKey:
    return TRANSLATOR.get_asset_key(props)


def _sources() -> dict[str, Mapping[str, Any]]:
    """Raw relation ("raw.tickets") -> the source's manifest entry."""
    return {f"{s['schema']}.{s['name']}": s for s in MANIFEST["sources"].values()}


def _models_by_name() -> dict[str, Mapping[str, Any]]:
    return {
        n["name"]: n for n in MANIFEST["nodes"].values() if n["resource_type"] == "model"
    }


def _suite_keys(stage: str) -> dict[str, dg.AssetKey]:
    """Table of a Great Expectations suite -> the asset it checks."""
    sources, models = _sources(), _models_by_name()
    keys = {}
    for spec in validation.load_suite(stage)["tables"]:
        table = spec["table"]
        props = sources.get(table) if stage == "raw" else models.get(table.split(".")[-1])
        if props is not None:
            keys[table] = _key(props)
    return keys


RAW_KEYS = _suite_keys("raw")
MART_KEYS = _suite_keys("marts")
FRESHNESS_KEYS = {
    s["unique_id"]: _key(s)
    for s in MANIFEST["sources"].values()
    if (s.get("freshness") or {}).get("warn_after", {}).get("count")
    or (s.get("freshness") or {}).get("error_after", {}).get("count")
}


def _dbt(as_of: dt.date | None = None) -> Dbt:
    """The pipeline's dbt invocation of this project (pipeline.dbt.Dbt): warehouse, date."""
    return Dbt(ROOT, as_of=as_of)


def _warehouse() -> Path:
    return _dbt().db_path


def _as_of(context: dg.OpExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
    """The run's scoring date: tag customer_health/as_of, else yesterday in UTC."""
    tag = context.run.tags.get(AS_OF_TAG)
    if not tag:
        return settings.default_as_of_date()
    try:
        return dt.date.fromisoformat(tag)
    except ValueError as exc:
        raise dg.Failure(f"run tag {AS_OF_TAG}={tag!r} is not a date (YYYY-MM-DD)") from exc


def _build(context: dg.AssetExecutionContext) -> Iterator[Any]:
    """dbt build as `customer-health run` runs it, with the pipeline's steps (pipeline.run):
    under the run lock, after the raw contract preflight, with the seed plan and the
    last-success record; then the events of its run_results.json."""
    from customer_health.pipeline import lock, preflight
    from customer_health.pipeline.dbt import DbtFailure

    dbt = _dbt(_as_of(context))
    full_refresh = context.run.tags.get(FULL_REFRESH_TAG, "").lower() in ("1", "true", "yes")
    selected, checks = set(context.selected_asset_keys), set(context.selected_asset_check_keys)
    subset = selected != set(health_dbt_assets.keys)
    try:
        with lock.hold(dbt.db_path) as lock_fd:
            try:
                ok, rendered = pipeline.preflight_step(dbt)
            except preflight.ContractError as exc:
                raise dg.Failure(f"the raw contract is malformed: {exc}") from exc
            if not ok:
                raise dg.Failure(f"raw tables break the contract, no model ran:\n{rendered}")
            context.log.info(rendered)
            plan, args = pipeline.plan_seeds(dbt, full_refresh)
            if subset:  # only the selected nodes; the seed plan is for a whole build
                args = build_args(full_refresh, cautious=True,
                                  select=NODES.selection(MANIFEST, selected, checks))
            context.log.info(f"scoring date {dbt.as_of}, warehouse {dbt.db_path}; "
                             + ("a subset of the assets" if subset
                                else pipeline.describe_seeds(plan)))
            run_results = dbt.target_path(args) / "run_results.json"
            started = settings.utc_now().timestamp()
            failure = None
            try:
                seconds = pipeline.build_step(dbt, args, pass_fds=(lock_fd,), record=not subset)
                context.log.info(f"dbt build finished in {seconds:.1f} s")
            except DbtFailure as exc:
                failure = exc
            yield from events.node_events(events.read_run_results(run_results, since=started),
                                          NODES, selected, checks)
            if failure is not None:
                raise dg.Failure(f"{failure}\nNothing is published.")
    except lock.RunLocked as exc:
        raise dg.Failure(str(exc)) from exc


@dbt_assets(manifest=health_dbt_project.manifest_path, project=health_dbt_project,
            dagster_dbt_translator=TRANSLATOR)
def health_dbt_assets(context: dg.AssetExecutionContext):
    """Every seed, model and test of the dbt project (one `dbt build`, the pipeline's)."""
    yield from _build(context)


NODES = events.DbtNodes.of(health_dbt_assets)


def _selected(context: dg.AssetCheckExecutionContext,
              keys: Mapping[str, dg.AssetKey]) -> dict[str, dg.AssetKey]:
    """The entries of keys whose check this run selected (the checks can be subset)."""
    chosen = {check.asset_key for check in context.selected_asset_check_keys}
    return {name: key for name, key in keys.items() if key in chosen}


def _suite_results(
    stage: str, keys: dict[str, dg.AssetKey], blocking_severity: dg.AssetCheckSeverity
) -> Iterator[dg.AssetCheckResult]:
    if not keys:
        return
    report = pipeline.validate_stage(_dbt(), stage, say=lambda line: None)
    for table, key in keys.items():
        outcomes = report.for_table(table)
        failed = [o for o in outcomes if not o.success]
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=f"gx_{stage}_suite",
            passed=not failed,
            severity=blocking_severity,
            metadata={
                "expectations": len(outcomes),
                "failed": len(failed),
                "warned": sum(o.status == "WARN" for o in outcomes),
                "rows_validated": report.rows_validated.get(table, 0),
                "failures": "; ".join(
                    f"{o.expectation_type}({o.column or ''})" for o in failed
                )[:2000],
            },
        )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec("gx_raw_suite", asset=key,
                          description="Raw Great Expectations suite (a report: warns)")
        for key in RAW_KEYS.values()
    ],
    can_subset=True,
)
def raw_quality_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
    """The raw suite (expectations/raw.json) on each raw table, as `customer-health run`."""
    yield from _suite_results("raw", _selected(context, RAW_KEYS), dg.AssetCheckSeverity.WARN)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec("gx_marts_suite", asset=key, blocking=True,
                          description="Marts Great Expectations suite (blocks publication)")
        for key in MART_KEYS.values()
    ],
    can_subset=True,
)
def marts_quality_checks(context: dg.AssetCheckExecutionContext) -> Iterator[
    dg.AssetCheckResult
]:
    """The marts suite (expectations/marts.json) on each mart; a failure blocks publication."""
    yield from _suite_results("marts", _selected(context, MART_KEYS),
                              dg.AssetCheckSeverity.ERROR)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec("source_freshness", asset=key,
                          description="dbt source freshness (warn_after / error_after)")
        for key in FRESHNESS_KEYS.values()
    ],
    can_subset=True,
)
def source_freshness_checks(context: dg.AssetCheckExecutionContext) -> Iterator[
    dg.AssetCheckResult
]:
    """`dbt source freshness` (the pipeline's Dbt): pass, warn (severity WARN) or error
    (severity ERROR)."""
    dbt = _dbt(_as_of(context))
    output = dbt.target_path() / "freshness" / "sources.json"
    output.unlink(missing_ok=True)
    # exit 1 when a source is past error_after: that is a check result, not a step failure
    dbt.run(["source", "freshness", "--output", str(output)], check=False)
    try:
        results = {r["unique_id"]: r for r in json.loads(output.read_text())["results"]}
    except (OSError, ValueError, KeyError) as exc:
        raise dg.Failure(f"dbt source freshness wrote no results in {output}: {exc}") from exc
    for unique_id, key in _selected(context, FRESHNESS_KEYS).items():
        result = results.get(unique_id, {})
        status = result.get("status", "runtime error")
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name="source_freshness",
            passed=status == "pass",
            severity=(dg.AssetCheckSeverity.ERROR if status in ("error", "runtime error")
                      else dg.AssetCheckSeverity.WARN),
            metadata={
                "status": status,
                "max_loaded_at": str(result.get("max_loaded_at")),
                "age_hours": round(float(result.get("max_loaded_at_time_ago_in_s") or 0)
                                   / 3600, 1),
            },
        )


@dg.asset(
    deps=list(MART_KEYS.values()),
    description="The marts published for BI readers (HEALTH_PUBLISH_DIR), after a green build.",
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Publish the marts atomically (pipeline.publish), holding the run lock."""
    from customer_health.pipeline import lock, publish

    dbt = _dbt()
    try:
        with lock.hold(dbt.db_path):
            out_dir, publication = pipeline.publish_marts(dbt)
    except lock.RunLocked as exc:
        raise dg.Failure(f"not published: {exc}") from exc
    except publish.PublishError as exc:
        raise dg.Failure(f"not published (readers keep the previous set): {exc}") from exc
    context.log.info(f"published {len(publication.rows)} marts to {out_dir}")
    return dg.MaterializeResult(
        metadata={
            "directory": str(out_dir),
            "version": publication.version,
            "rows": json.dumps(publication.rows),
        }
    )


daily_refresh = dg.define_asset_job(
    "daily_refresh",
    # the raw sources are not materialised here (a loader writes them): only their checks
    selection=dg.AssetSelection.all()
    | dg.AssetSelection.checks(raw_quality_checks, source_freshness_checks),
    description="Raw checks, dbt build, freshness and marts checks, publication.",
)


@dg.schedule(
    job=daily_refresh,
    cron_schedule=SCHEDULE_CRON,
    execution_timezone=SCHEDULE_TIMEZONE,
    default_status=(dg.DefaultScheduleStatus.STOPPED
                    if os.environ.get("HEALTH_SCHEDULE_STATUS", "running") == "stopped"
                    else dg.DefaultScheduleStatus.RUNNING),
)
def daily_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Score the UTC day before the tick (the CLI's default date at that moment)."""
    as_of = settings.default_as_of_date(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"as_of={as_of.isoformat()}", tags={AS_OF_TAG: as_of.isoformat()})


defs = dg.Definitions(
    assets=[health_dbt_assets, published_marts],
    asset_checks=[raw_quality_checks, marts_quality_checks, source_freshness_checks],
    jobs=[daily_refresh],
    schedules=[daily_refresh_schedule],
)
