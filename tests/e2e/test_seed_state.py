"""A daily run skips the seeds that did not change since the last successful build;
a changed seed is loaded and tested before any model reads it (seeds.plan_build)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb

from customer_health.pipeline import seeds

from conftest import SMALL_AS_OF, Warehouse


def _nodes(results: dict) -> dict[str, str]:
    return {r["unique_id"]: r["status"] for r in results["results"]}


def _write_state(target: Path, db: Path, seed_tables: list[tuple[str, str]]) -> None:
    """A recorded successful build whose manifest lists these seeds (files in target/seeds)."""
    root = target
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    nodes = {}
    for schema, name in seed_tables:
        seed_file = root / "seeds" / f"{name}.csv"
        seed_file.write_text("x\n1\n")
        nodes[f"seed.customer_health.{name}"] = {
            "resource_type": "seed", "schema": schema, "name": name,
            "original_file_path": f"seeds/{name}.csv",
            "checksum": {"name": "sha256",
                         "checksum": hashlib.sha256(b"x\n1").hexdigest()},
        }
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    seeds.record_success(target, db, root)


def test_seed_skip_reasons(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("HEALTH_FULL_CHECK", raising=False)
    db, target = tmp_path / "w.duckdb", tmp_path / "target"
    con = duckdb.connect(str(db))
    con.execute("create schema config; create table config.health_bands as select 1 as x")
    con.close()
    assert seeds.seed_plan(target, db, root=target).reason == "no successful build recorded"
    _write_state(target, db, [("config", "health_bands")])
    assert seeds.seed_plan(target, db, root=target).reason is None
    args = seeds.plan_build(target, db, root=target)
    assert args[args.index("--exclude") + 1:] == [
        "health_bands", "--indirect-selection", "cautious",
    ]
    (target / "seeds" / "health_bands.csv").write_text("x\n2\n")  # changed: loaded again
    assert "--exclude" not in seeds.plan_build(target, db, root=target)
    assert seeds.seed_plan(target, db, full_refresh=True, root=target).reason == "--full-refresh"
    assert "--exclude" not in seeds.plan_build(target, db, full_refresh=True, root=target)
    monkeypatch.setenv("HEALTH_FULL_CHECK", "1")
    assert seeds.seed_plan(target, db, root=target).reason == "HEALTH_FULL_CHECK"
    monkeypatch.delenv("HEALTH_FULL_CHECK")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    assert seeds.seed_plan(target, other, root=target).reason == (
        "the last successful build was on another warehouse"
    )
    _write_state(target, db, [("config", "health_bands"), ("config", "health_weights")])
    assert seeds.seed_plan(target, db, root=target).reason == (
        "a seed table is missing from the warehouse"
    )
    seeds.forget_success(target)
    assert seeds.seed_plan(target, db, root=target).reason == "no successful build recorded"


def test_daily_run_skips_unchanged_seeds_and_tests_a_changed_one(
    small_built: Warehouse, small_copy: Warehouse
) -> None:
    wh, target = small_copy, small_copy.root / "target"
    # no record yet: every seed is loaded and tested
    assert seeds.seed_plan(target, wh.db, root=wh.root).reason is not None
    # the copy's warehouse is small_built's full build: record it as `customer-health run`
    # would have after that build (its manifest, this warehouse), instead of building again
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(small_built.root / "target" / "manifest.json", target / "manifest.json")
    seeds.record_success(target, wh.db, wh.root)

    # nothing changed: no seed and no seed-only test runs; tests on models reading seeds do
    assert seeds.seed_plan(target, wh.db, root=wh.root).reason is None
    wh.dbt(*seeds.plan_build(target, wh.db, root=wh.root), as_of=SMALL_AS_OF)
    nodes = _nodes(wh.run_results())
    assert not [n for n in nodes if n.startswith("seed.")]
    assert not [n for n in nodes if "health_bands__row_rules" in n]
    assert [n for n in nodes if "health_score__row_rules" in n]
    assert all(status in ("success", "pass") for status in nodes.values())
    seeds.record_success(target, wh.db, wh.root)

    # a changed seed with a duplicate band: loaded, tested, and the build fails naming it
    bands = (wh.root / "seeds" / "health_bands.csv").read_text().splitlines()
    wh.write_seed("health_bands", "\n".join([*bands, bands[1]]) + "\n")
    result = wh.dbt(*seeds.plan_build(target, wh.db, root=wh.root), as_of=SMALL_AS_OF,
                    check=False)
    assert result.returncode != 0
    nodes = _nodes(wh.run_results())
    assert nodes["seed.customer_health.health_bands"] == "success"
    assert [n for n in nodes if n.startswith("seed.")] == ["seed.customer_health.health_bands"]
    failed = [n for n, status in nodes.items() if status in ("fail", "error")]
    assert any("health_bands__row_rules" in n for n in failed), failed
    assert "health_bands__row_rules" in result.stdout
