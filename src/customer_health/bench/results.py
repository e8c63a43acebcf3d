"""The results file: loading, merging tiers, refusing another machine's results."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from customer_health.bench.checks import compute_checks
from customer_health.bench.common import RESULTS_SCHEMA_VERSION, BenchError, FingerprintMismatch
from customer_health.bench.machine import fingerprint_differences
from customer_health.bench.tiers import TIERS


def load_results(path: Path) -> dict[str, Any] | None:
    """Return the results file, or None when it does not exist."""
    if not path.exists():
        return None
    try:
        results = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path} is not valid JSON ({exc}); fix it or use --replace") from exc
    if not isinstance(results, dict) or "fingerprint" not in results:
        raise BenchError(f"{path} is not a bench results file; use --replace")
    return results


def check_mergeable(
    existing: dict[str, Any] | None, fingerprint: dict[str, Any], replace: bool = False
) -> None:
    """Refuse (FingerprintMismatch) to add results to a file measured on another machine."""
    if existing is None or replace:
        return
    differences = fingerprint_differences(existing["fingerprint"], fingerprint)
    if differences:
        detail = "; ".join(
            f"{k}: {existing['fingerprint'].get(k)!r} in the file, {fingerprint.get(k)!r} here"
            for k in differences
        )
        raise FingerprintMismatch(
            "refusing to mix machines: the results file was measured on a different machine "
            f"or setup ({detail}). Run every tier again with --replace to start a fresh file."
        )


def merge_results(
    existing: dict[str, Any] | None,
    tiers: dict[str, dict[str, Any]],
    fingerprint: dict[str, Any],
    replace: bool = False,
) -> dict[str, Any]:
    """Return the results file with these tiers measured on this machine added.

    Tiers already in the file and not measured now are kept only when the file's
    fingerprint equals this one; otherwise FingerprintMismatch, unless replace
    (a fresh file holding only these tiers).
    """
    check_mergeable(existing, fingerprint, replace)
    merged: dict[str, Any] = {"schema_version": RESULTS_SCHEMA_VERSION, "fingerprint": fingerprint,
                              "tiers": {}}
    if existing is not None and not replace:
        merged["tiers"] = copy.deepcopy(existing.get("tiers", {}))
    for name, tier in tiers.items():
        merged["tiers"][name] = {**tier, "fingerprint": fingerprint}
    merged["tiers"] = dict(sorted(merged["tiers"].items(), key=lambda kv: _tier_order(kv[0])))
    merged["updated_at"] = _now()
    merged["checks"] = compute_checks(merged)
    return merged


def _tier_order(name: str) -> tuple[int, str]:
    order = list(TIERS)
    return (order.index(name) if name in order else len(order), name)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
