"""`customer-health load / run / export --target postgres|snowflake`, as a user types them.

PostgreSQL: one small generated warehouse (30 accounts, 400 days) copied into a throwaway
server (engines.postgres_server.ThrowawayServer), one `run` (one dbt build), one
`export`; the exported marts are the ones the run built, and the loaded raw tables have
the DuckDB file's rows.
Snowflake: the error path without an account, and load + export on the fakesnow emulator
(in .venv-snowflake, when it exists). The mistakes a user can fix answer in one line on
stderr, with an exit code and no traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import duckdb
import pytest

from customer_health.engines import postgres_server, rawcopy
from customer_health.generator import GeneratorConfig

from conftest import PROJECT_ROOT, copy_project

AS_OF = dt.date(2026, 6, 30)
CONFIG = GeneratorConfig(n_accounts=30, history_days=400, end_date=AS_OF, seed=5)
CLI = [sys.executable, "-m", "customer_health.cli"]
SNOWFLAKE_PYTHON = PROJECT_ROOT / ".venv-snowflake" / "bin" / "python"
SNOWFLAKE_READY = (PROJECT_ROOT / ".venv-snowflake" / ".installed").exists()
ENGINE_VARIABLES = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
                    "SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD",
                    "SNOWFLAKE_DATABASE", "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_ROLE")


def _env(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARIABLES}
    return dict(env, HEALTH_PROJECT_DIR=str(root), **extra)


def _cli(root: Path, *args: str, env: dict[str, str] | None = None,
         python: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(python or CLI), *args], cwd=root, env=env or _env(root),
                          text=True, capture_output=True, timeout=1800)


def _one_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """The result is a one-line error with this exit code (never a traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def _raw_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {table: con.execute(f'select count(*) from raw."{table}"').fetchone()[0]
                for table in rawcopy.raw_tables(db)}
    finally:
        con.close()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    """A copy of the project with a small generated DuckDB warehouse."""
    wh = copy_project(tmp_path_factory.mktemp("engine_cli") / "project")
    wh.generate(CONFIG)
    return wh


# -- mistakes: one line, an exit code, no traceback ---------------------------------------

def test_unknown_target_is_one_line(small) -> None:
    for command in (["load", "--from-duckdb", str(small.db)], ["run"], ["export", "--to", "x"]):
        result = _cli(small.root, *command, "--target", "oracle")
        _one_line(result, 2, "invalid choice", "oracle")


def test_missing_duckdb_file_is_one_line(small) -> None:
    for target in ("spark", "postgres", "snowflake"):
        result = _cli(small.root, "load", "--target", target, "--from-duckdb",
                      str(small.root / "no_such.duckdb"))
        _one_line(result, 2, "does not exist")
    # the alias keeps its options and exit codes
    result = _cli(small.root, "load-spark", "--from-duckdb", str(small.root / "no_such.duckdb"))
    _one_line(result, 2, "does not exist")


def test_unreachable_postgres_is_one_line(small) -> None:
    pytest.importorskip("psycopg2", reason="the postgres extra is not installed")
    env = _env(small.root, PGHOST="127.0.0.1", PGPORT=str(_closed_port()))
    for command in (["load", "--target", "postgres", "--from-duckdb", str(small.db)],
                    ["run", "--target", "postgres", "--as-of", AS_OF.isoformat()],
                    ["export", "--target", "postgres", "--to", str(small.root / "out")]):
        result = _cli(small.root, *command, env=env)
        _one_line(result, 2, "cannot connect to PostgreSQL", "PGPORT")


@pytest.mark.skipif(not SNOWFLAKE_READY, reason="no .venv-snowflake")
def test_snowflake_without_an_account_is_one_line(small) -> None:
    python = [str(SNOWFLAKE_PYTHON), "-m", "customer_health.cli"]
    for command in (["load", "--target", "snowflake", "--from-duckdb", str(small.db)],
                    ["run", "--target", "snowflake", "--as-of", AS_OF.isoformat()],
                    ["export", "--target", "snowflake", "--to", str(small.root / "out")]):
        result = _cli(small.root, *command, python=python)
        _one_line(result, 2, "Snowflake", "SNOWFLAKE_ACCOUNT")


def test_snowflake_without_the_extra_is_one_line(small) -> None:
    try:
        import snowflake.connector  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("the Snowflake connector is installed in this venv")
    for command in (["load", "--target", "snowflake", "--from-duckdb", str(small.db)],
                    ["run", "--target", "snowflake", "--as-of", AS_OF.isoformat()],
                    ["export", "--target", "snowflake", "--to", str(small.root / "out")]):
        _one_line(_cli(small.root, *command), 2, "Snowflake target needs dbt-snowflake")


# -- PostgreSQL: load, run, export ---------------------------------------------------------

@pytest.fixture(scope="module")
def postgres(small):
    """A throwaway server: (its environment for the CLI, the server)."""
    pytest.importorskip("psycopg2", reason="the postgres extra is not installed")
    if postgres_server.find_bin() is None and os.geteuid() != 0:
        pytest.skip("PostgreSQL is not installed (no initdb) and not root to install it")
    # not under pytest's tmp folder: the server may run as the postgres user (as root),
    # which cannot enter pytest-of-root; ThrowawayServer gives it this folder
    base = Path(tempfile.mkdtemp(prefix="health_engine_cli_pg_"))
    server = postgres_server.ThrowawayServer(base)
    yield _env(small.root, **server.env)
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_load_run_export_on_postgres(small, postgres) -> None:
    root = small.root
    loaded = _cli(root, "load", "--target", "postgres", "--from-duckdb", str(small.db),
                  env=postgres)
    assert loaded.returncode == 0, loaded.stderr
    assert len(loaded.stdout.strip().splitlines()) == 1, loaded.stdout
    counts = _raw_counts(small.db)
    line = loaded.stdout.strip()
    assert line.startswith(f"loaded {len(counts)} raw tables into PostgreSQL schema raw"), line
    for table, rows in counts.items():
        assert f"{table} {rows:,}" in line, (table, rows, line)

    ran = _cli(root, "run", "--target", "postgres", "--as-of", AS_OF.isoformat(), env=postgres)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "dbt build finished" in ran.stdout

    out = root / "exported"
    exported = _cli(root, "export", "--target", "postgres", "--to", str(out), env=postgres)
    assert exported.returncode == 0, exported.stderr
    marts = rawcopy.mart_names(root)
    assert sorted(path.stem for path in out.glob("*.parquet")) == marts
    con = duckdb.connect()
    try:
        scored = con.execute(
            f"select count(distinct account_id), count(*), max(score_date) "
            f"from read_parquet('{out / 'health_score.parquet'}')").fetchone()
    finally:
        con.close()
    # one row per account scored on the scoring date, as the summary counted them
    assert 0 < scored[0] == scored[1] <= CONFIG.n_accounts, scored
    assert scored[2] == AS_OF, scored
    assert re.search(rf"marts\.health_score\s+{scored[1]}\b", ran.stdout), ran.stdout[-3000:]
    shutil.rmtree(out)


# -- Snowflake on the emulator: load and export --------------------------------------------

SNOWFLAKE_DRIVER = textwrap.dedent(
    """
    import sys, warnings
    warnings.simplefilter("ignore")
    import fakesnow
    from customer_health import cli
    with fakesnow.patch(db_path=sys.argv[1]):
        for line in sys.argv[2:]:
            code = cli.main(line.split("|"))
            print(f"exit {code}", flush=True)
            if code:
                break
    """
)


@pytest.mark.skipif(not SNOWFLAKE_READY, reason="no .venv-snowflake")
def test_load_on_emulated_snowflake(small, tmp_path: Path) -> None:
    """`load --target snowflake` through the CLI, inside fakesnow.patch; then an export
    that finds no mart answers in one line (the emulator has no build here: cheap)."""
    (tmp_path / "sf").mkdir()
    result = subprocess.run(
        [str(SNOWFLAKE_PYTHON), "-c", SNOWFLAKE_DRIVER, str(tmp_path / "sf"),
         f"load|--target|snowflake|--from-duckdb|{small.db}",
         f"export|--target|snowflake|--to|{tmp_path / 'out'}"],
        cwd=small.root, env=_env(small.root, SNOWFLAKE_ACCOUNT="emulated",
                                  SNOWFLAKE_USER="test", SNOWFLAKE_PASSWORD="test"),
        text=True, capture_output=True, timeout=600)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    counts = _raw_counts(small.db)
    assert lines[0].startswith(f"loaded {len(counts)} raw tables into Snowflake schema raw"), \
        result.stdout + result.stderr[-2000:]
    for table, rows in counts.items():
        assert f"{table} {rows:,}" in lines[0], (table, rows, lines[0])
    assert lines[1:] == ["exit 0", "exit 2"], result.stdout
    assert "has no mart" in result.stderr, result.stderr
