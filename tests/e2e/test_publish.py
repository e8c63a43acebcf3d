"""Published outputs (customer_health.pipeline.publish): a read-only DuckDB file and a Parquet set.

The reader processes here (start_readers) are used by test_reliability.py, which keeps
them reading during a refresh (test_readers_see_complete_consistent_sets); the tests
below check the publication itself on copies of small_built, without dbt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from customer_health.pipeline import lock as runlock
from customer_health.pipeline import publish

from conftest import Warehouse

# A reader of the published outputs: `held` keeps one read-only connection open the
# whole time; `fresh` opens a new one each round (its own process: DuckDB shares one
# database instance per path within a process); `parquet` resolves the `parquet`
# symlink once per round and reads every mart of that set. One JSON line per read: per
# mart its rows, latest score_date and config_versions on that date.
READER = r"""
import json, os, sys, time
import duckdb

mode, out_dir, stop, log = sys.argv[1:5]
DATED = {"critical_cases", "health_score", "health_score_criteria", "health_score_daily"}
VERSIONED = {"health_score", "health_score_criteria", "health_score_daily"}
db_path = os.path.join(out_dir, "customer_health.duckdb")

def read(con, marts, relation):
    seen = {}
    for mart in marts:
        rel = relation(mart)
        date = "max(score_date)" if mart in DATED else "null"
        versions = (
            f"(select list(distinct config_version order by config_version) from {rel} "
            f"where score_date = (select max(score_date) from {rel}))"
            if mart in VERSIONED else "null"
        )
        rows, latest, config = con.execute(
            f"select count(*), {date}, {versions} from {rel}").fetchone()
        seen[mart] = {"rows": rows, "date": latest, "versions": config}
    return seen

held = duckdb.connect(db_path, read_only=True) if mode == "held" else None
with open(log, "w") as out:
    while not os.path.exists(stop):
        rounds = []
        try:
            if mode in ("held", "fresh"):
                con = held or duckdb.connect(db_path, read_only=True)
                marts = [r[0] for r in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'marts' order by 1").fetchall()]
                rounds.append({"kind": mode, "marts": read(con, marts, lambda m: f"marts.{m}")})
                if con is not held:
                    con.close()
            else:
                folder = os.path.realpath(os.path.join(out_dir, "parquet"))
                with open(os.path.join(folder, "_manifest.json")) as f:
                    manifest = json.load(f)
                con = duckdb.connect()
                seen = read(con, sorted(manifest["rows"]),
                            lambda m: f"read_parquet('{folder}/{m}.parquet')")
                con.close()
                rounds.append({"kind": "parquet", "marts": seen, "manifest": manifest["rows"]})
        except Exception as exc:
            rounds.append({"kind": mode, "error": repr(exc)})
        for item in rounds:
            out.write(json.dumps(item, default=str) + "\n")
        out.flush()
        time.sleep(0.25)
"""


def start_readers(out_dir: Path) -> dict:
    """Start the readers (held, fresh, parquet) on a publication folder."""
    script = out_dir.parent / "reader.py"
    script.write_text(READER)
    stop = out_dir.parent / "readers.stop"
    stop.unlink(missing_ok=True)
    procs = {}
    for mode in ("held", "fresh", "parquet"):
        log = out_dir.parent / f"reader_{mode}.jsonl"
        procs[mode] = (subprocess.Popen(
            [sys.executable, str(script), mode, str(out_dir), str(stop), str(log)],
            stderr=subprocess.PIPE, text=True,
        ), log)
    return {"stop": stop, "procs": procs}


def stop_readers(readers: dict, settle_seconds: float = 1.5) -> dict[str, list[dict]]:
    """Let the readers read the final state a little, stop them; return reads by kind."""
    time.sleep(settle_seconds)
    readers["stop"].write_text("")
    reads: dict[str, list[dict]] = {}
    for proc, log in readers["procs"].values():
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr
        for line in log.read_text().splitlines():
            item = json.loads(line)
            reads.setdefault(item["kind"], []).append(item)
    return reads


def assert_consistent_reads(reads: list[dict]) -> set[str]:
    """Every read saw one complete set: one score date, one config_version, all rows.

    Returns the score dates seen.
    """
    assert reads, "no read"
    errors = [r["error"] for r in reads if "error" in r]
    assert not errors, errors[:3]
    dates = set()
    for read in reads:
        marts = read["marts"]
        assert set(marts) >= {"health_score", "health_score_daily", "rejected_rows"}, marts
        latest = {m["date"] for m in marts.values() if m["date"] is not None}
        assert len(latest) == 1, read
        versions = {tuple(m["versions"]) for m in marts.values() if m["versions"] is not None}
        assert len(versions) == 1 and len(next(iter(versions))) == 1, read
        if "manifest" in read:
            assert {m: v["rows"] for m, v in marts.items()} == read["manifest"], read
        dates |= latest
    return dates


# -- the publication itself (no dbt) -----------------------------------------------------


def _marts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()]
    return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in tables}


@pytest.fixture
def published(small_built: Warehouse, tmp_path: Path) -> tuple[Path, publish.Publication]:
    out = tmp_path / "published"
    return out, publish.publish(small_built.db, out)


def test_publication_holds_the_marts_only(
    small_built: Warehouse, published: tuple[Path, publish.Publication]
) -> None:
    out, publication = published
    working = duckdb.connect(str(small_built.db), read_only=True)
    try:
        expected = _marts(working)
    finally:
        working.close()
    # 12 marts + the 5 backtest marts (models/marts/backtest)
    assert len(expected) == 17 and publication.rows == expected
    con = duckdb.connect(str(out / publish.DUCKDB_NAME), read_only=True)
    try:
        schemas = {r[0] for r in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
        assert schemas == {"marts"}
        assert _marts(con) == expected
    finally:
        con.close()
    link = out / publish.PARQUET_LINK
    assert link.is_symlink() and os.readlink(link) == publication.parquet_dir.name
    manifest = json.loads((link / publish.MANIFEST_NAME).read_text())
    assert manifest["rows"] == expected and manifest["version"] == publication.version
    con = duckdb.connect()
    try:
        for mart, rows in expected.items():
            assert con.execute(
                f"select count(*) from read_parquet('{link / mart}.parquet')"
            ).fetchone()[0] == rows
    finally:
        con.close()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [publish.DUCKDB_NAME, publish.PARQUET_LINK, publication.parquet_dir.name])


def test_republishing_swaps_and_keeps_the_previous_set(
    small_built: Warehouse, published: tuple[Path, publish.Publication]
) -> None:
    out, first = published
    reader = duckdb.connect(str(out / publish.DUCKDB_NAME), read_only=True)
    try:
        second = publish.publish(small_built.db, out)
        third = publish.publish(small_built.db, out)
        # a reader that opened the first file still reads it whole
        assert _marts(reader) == first.rows
    finally:
        reader.close()
    versions = sorted(p.name for p in out.glob("parquet.*"))
    assert versions == [second.parquet_dir.name, third.parquet_dir.name]
    assert os.readlink(out / publish.PARQUET_LINK) == third.parquet_dir.name


def test_failed_publication_leaves_the_previous_one(
    small_built: Warehouse, published: tuple[Path, publish.Publication]
) -> None:
    out, first = published
    before = sorted(p.name for p in out.iterdir())
    inode = (out / publish.DUCKDB_NAME).stat().st_ino
    with pytest.raises(publish.PublishError, match="marts missing from .*: no_such_mart"):
        publish.publish(small_built.db, out, ["health_score", "no_such_mart"])
    assert sorted(p.name for p in out.iterdir()) == before  # no temporary file left
    assert (out / publish.DUCKDB_NAME).stat().st_ino == inode
    assert os.readlink(out / publish.PARQUET_LINK) == first.parquet_dir.name


def test_publish_command_waits_for_no_run(small_built: Warehouse, tmp_path: Path) -> None:
    """`python -m customer_health.pipeline.publish` takes the run lock too: exit 75 while held."""
    db = tmp_path / "w.duckdb"
    db.write_bytes(small_built.db.read_bytes())
    with runlock.hold(db):
        result = subprocess.run(
            [sys.executable, "-m", "customer_health.pipeline.publish", "--db", str(db),
             "--out", str(tmp_path / "out")], text=True, capture_output=True,
        )
    assert result.returncode == runlock.LOCKED_EXIT_CODE, result.stderr
    assert "another customer-health run holds" in result.stderr
    assert not (tmp_path / "out").exists()
