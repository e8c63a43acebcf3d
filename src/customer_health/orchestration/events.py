"""dbt's run_results.json as Dagster events: one materialisation per node built, one asset
check result per dbt test.

The dbt assets (definitions.health_dbt_assets) are dagster-dbt's specs of the manifest
(`@dbt_assets`: an asset per seed, model and snapshot, an asset check per test attached to
one of them); the build itself is the run pipeline's (pipeline.run.build_step, dbt started by
pipeline.dbt.Dbt). After the build, :func:`node_events` reads the run's run_results.json and
yields a ``MaterializeResult`` for each node dbt built and an ``AssetCheckResult`` for each
test that ran, keyed by the specs' ``dagster_dbt/unique_id`` metadata (the dbt node each
spec stands for), only for what the Dagster run selected.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

# dagster-dbt records the dbt node behind each asset and check spec under this metadata key
UNIQUE_ID_KEY = "dagster_dbt/unique_id"
# dbt statuses of a seed, model or snapshot that was written
BUILT = ("success", "partial success")
# dbt statuses of a test that ran (skipped tests report nothing)
TESTED = ("pass", "warn", "fail", "error")


@dataclasses.dataclass(frozen=True)
class DbtNodes:
    """The dbt nodes behind a dbt assets definition: unique id -> asset key / check key."""

    assets: Mapping[str, dg.AssetKey]
    checks: Mapping[str, dg.AssetCheckKey]

    @classmethod
    def of(cls, assets_def: dg.AssetsDefinition) -> DbtNodes:
        """Read the unique ids from the specs' metadata."""
        assets = {str(spec.metadata[UNIQUE_ID_KEY]): spec.key for spec in assets_def.specs
                  if UNIQUE_ID_KEY in spec.metadata}
        checks = {str(spec.metadata[UNIQUE_ID_KEY]): spec.key for spec in assets_def.check_specs
                  if UNIQUE_ID_KEY in (spec.metadata or {})}
        return cls(assets, checks)

    def selection(self, manifest: Mapping[str, Any], keys: Collection[dg.AssetKey],
                  check_keys: Collection[dg.AssetCheckKey]) -> list[str]:
        """dbt `--select` arguments for a subset: the selected nodes and tests, by fqn."""
        wanted = [uid for uid, key in self.assets.items() if key in keys]
        wanted += [uid for uid, key in self.checks.items()
                   if key in check_keys and key.asset_key not in keys]
        nodes = manifest["nodes"]
        return sorted("fqn:" + ".".join(nodes[uid]["fqn"]) for uid in wanted if uid in nodes)


def read_run_results(path: Path, since: float | None = None) -> list[Mapping[str, Any]]:
    """The results of a run_results.json ([] when missing, unreadable or older than since)."""
    try:
        if since is not None and path.stat().st_mtime < since - 1:
            return []
        return list(json.loads(path.read_text()).get("results", []))
    except (OSError, ValueError):
        return []


def _metadata(result: Mapping[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "unique_id": result.get("unique_id"),
        "status": result.get("status"),
        "execution_duration": round(float(result.get("execution_time") or 0), 3),
    }
    rows = (result.get("adapter_response") or {}).get("rows_affected")
    if rows is not None:
        metadata["rows_affected"] = rows
    return metadata


def node_events(
    results: Sequence[Mapping[str, Any]],
    nodes: DbtNodes,
    selected: Collection[dg.AssetKey],
    selected_checks: Collection[dg.AssetCheckKey],
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """A MaterializeResult per selected node built, an AssetCheckResult per selected test run.

    A test passes on status `pass`; `warn` is a failed check of severity WARN, `fail` and
    `error` of severity ERROR (as dbt's own severities: a warn test does not fail the build).
    """
    for result in results:
        uid, status = str(result.get("unique_id")), str(result.get("status"))
        key = nodes.assets.get(uid)
        if key is not None and key in selected and status in BUILT:
            yield dg.MaterializeResult(asset_key=key, metadata=_metadata(result))
            continue
        check = nodes.checks.get(uid)
        if check is not None and check in selected_checks and status in TESTED:
            metadata = _metadata(result)
            if result.get("failures") is not None:
                metadata["failed_rows"] = result["failures"]
            yield dg.AssetCheckResult(
                asset_key=check.asset_key,
                check_name=check.name,
                passed=status == "pass",
                severity=(dg.AssetCheckSeverity.WARN if status == "warn"
                          else dg.AssetCheckSeverity.ERROR),
                metadata=metadata,
            )
