"""Warehouse files named like a schema (issue 21, item 7).

DuckDB names a file's catalog after its stem: in `raw.duckdb` an unqualified `raw.tickets`
is ambiguous (catalog raw, or schema raw?) and ended `customer-health run` in a Binder
Error traceback at demo generation. Every statement the Python side runs now names the
catalog (pipeline.relations):

- `customer-health run` generates and builds into a file named raw.duckdb, and the
  readers (summary, report, publish, export, validate, notify, backfill's check) read it;
- the same readers read a built warehouse named marts.duckdb;
- the Spark loader's DuckDB side (engines.spark.raw_tables, raw_to_parquet) reads
  raw.duckdb without starting Spark;
- a build into marts.duckdb cannot work (DuckDB refuses a view over
  "marts"."marts".<table>, even fully qualified): `customer-health run` stops before any
  work with one line naming the file and the fix, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from customer_health.engines import spark as spark_engine

from conftest import Warehouse, copy_project

AS_OF = dt.date(2026, 6, 30)
CLI = str(Path(sys.executable).with_name("customer-health"))


def _cli(project: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEALTH_PROJECT_DIR": str(project), "HEALTH_DUCKDB_PATH": str(db),
           "HEALTH_PUBLISH_DIR": str(db.parent / f"published_{db.stem}"),
           "HEALTH_DEMO_ACCOUNTS": "40", "HEALTH_DEMO_DAYS": "200",
           "HEALTH_NOTIFY_TASKS_DIR": str(db.parent / f"tasks_{db.stem}")}
    for name in ("DBT_TARGET_PATH", "HEALTH_DEMO", "HEALTH_TARGET"):
        env.pop(name, None)
    return subprocess.run([CLI, *args], cwd=project, env=env, capture_output=True, text=True)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


@pytest.fixture(scope="module")
def raw_named(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Path]:
    """`customer-health run` (demo generation, preflight, build, checks, publication) into
    a warehouse file named raw.duckdb."""
    project = copy_project(tmp_path_factory.mktemp("raw_named") / "project")
    db = project.root.parent / "raw.duckdb"
    _ok(_cli(project.root, db, "run", "--as-of", AS_OF.isoformat()))
    return project, db


def test_run_builds_into_a_file_named_raw(raw_named: tuple[Warehouse, Path]) -> None:
    _, db = raw_named
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select current_database()").fetchone()[0] == "raw"
        accounts = con.execute('select count(*) from "raw"."raw"."accounts"').fetchone()[0]
        scored = con.execute('select count(*) from "raw"."marts"."health_score"').fetchone()[0]
    finally:
        con.close()
    assert accounts == 40
    assert 0 < scored <= accounts


@pytest.mark.parametrize("name", ["raw.duckdb", "marts.duckdb"])
def test_readers_read_a_file_named_like_a_schema(raw_named: tuple[Warehouse, Path],
                                                 tmp_path: Path, name: str) -> None:
    project, built = raw_named
    db = tmp_path / name
    shutil.copy2(built, db)
    con = duckdb.connect(str(built), read_only=True)
    try:
        scored = con.execute('select count(*) from "raw"."marts"."health_score"').fetchone()[0]
    finally:
        con.close()
    summary = _ok(_cli(project.root, db, "summary"))
    assert "Ten most at-risk accounts" in summary
    _ok(_cli(project.root, db, "report", "--out", str(tmp_path / "report.html")))
    _ok(_cli(project.root, db, "validate", "--stage", "marts", "--out",
             str(tmp_path / "gx")))
    _ok(_cli(project.root, db, "validate", "--stage", "raw", "--out",
             str(tmp_path / "gx_raw")))
    _ok(_cli(project.root, db, "notify", "--dry-run"))
    if name == "marts.duckdb":
        # the view health_band_transitions reads marts.health_score_daily, which DuckDB
        # cannot bind in a file whose catalog is named marts (what `run` refuses to build):
        # the readers of tables read it; the summary names the view unreadable
        assert any(line.split() == ["marts.health_band_transitions", "unreadable"]
                   for line in summary.splitlines()), summary[:3000]
        return
    _ok(_cli(project.root, db, "export", "--target", "duckdb", "--to",
             str(tmp_path / "exported")))
    _ok(_cli(project.root, db, "publish"))
    published = duckdb.connect(str(tmp_path / f"published_{db.stem}" / "customer_health.duckdb"),
                               read_only=True)
    try:
        assert published.execute("select count(*) from marts.health_score").fetchone()[0] == scored
    finally:
        published.close()


def test_spark_loader_reads_a_file_named_raw(raw_named: tuple[Warehouse, Path],
                                             tmp_path: Path) -> None:
    """The loader's DuckDB side (load-spark --from-duckdb raw.duckdb), without Spark."""
    _, db = raw_named
    tables = spark_engine.raw_tables(db)
    assert "accounts" in tables and "tickets" in tables
    files = spark_engine.raw_to_parquet(db, list(tables), tmp_path)
    con = duckdb.connect()
    try:
        assert con.execute(f"select count(*) from '{files['accounts']}'").fetchone()[0] == 40
    finally:
        con.close()


def test_run_refuses_a_file_named_like_a_built_schema(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    db = tmp_path / "marts.duckdb"
    result = _cli(project.root, db, "run", "--as-of", AS_OF.isoformat())
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    assert result.returncode == 2, result.stderr[-3000:]
    assert "marts.duckdb is named like the schema marts" in result.stderr
    assert not db.exists()  # stopped before any work
