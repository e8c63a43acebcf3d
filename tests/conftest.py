"""The one conftest of the suite: tiers, and the end-to-end fixtures.

Tiers (issue 20): tests/unit holds pure Python tests (no dbt build: seconds), tests/e2e the
tests that drive dbt builds; every test is marked `unit` or `e2e` by its folder
(`pytest -m unit`, `make test-fast`). dbt's own tests (tests/*.sql, tests/generic) share the
folder: dbt reads only its SQL and YAML there.

End-to-end fixtures: each test drives dbt on its own copy of the project.

Like Elementary's integration tests, the project is copied into a temporary
directory with its own DuckDB file and target path, so tests never touch the
user's warehouse (data/customer_health.duckdb) or target/.

What a dbt invocation costs here is dbt's own work (start-up, parsing, tens of
milliseconds per node), not data, so the fixtures keep the number of invocations
down: one shared build (small_built) for every test that only reads a built
warehouse; builds exclude dbt unit tests (they check SQL logic on given rows, not
the warehouse: small_built runs them once per session); the scoring date goes in
HEALTH_AS_OF_DATE rather than --vars and every copy points dbt at the same
relative paths, so a copy starts from the session's parse cache
(target/partial_parse.msgpack) and dbt re-parses only the files that differ.
The parse caches are shared by every worker, one per --vars value (dbt parses the whole
project again when the vars change): the first copy to parse with a value stores its cache
(_ParseStore), and every later copy with that value starts from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from customer_health.generator import GeneratorConfig, write_warehouse
from customer_health.pipeline.dbt import Dbt, build_args
from customer_health.pipeline.settings import dbt_executable
from customer_health.quality import validation as quality

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
# the Python tiers and this file: not part of a project copy (dbt's tests are)
PYTHON_TEST_ITEMS = {"unit", "e2e", "conftest.py", "__pycache__"}
PROJECT_ITEMS = ["dbt_project.yml", "models", "seeds", "macros", "tests", "analyses", "profiles"]
PARSE_CACHE = Path("target") / "partial_parse.msgpack"
# written into the shared small_built folder once its build is complete
BUILT_MARK = "small_built.done"


class _ParseStore:
    """dbt's parse caches of the session, one per --vars value, in a folder every pytest-xdist
    worker shares (set by the session fixture parse_store).

    dbt parses the whole project again (about 10 s of CPU) when the vars differ from its
    cache's, and re-parses only the files that differ otherwise: it checks a cache against
    the project's files, vars, profile and environment, so any copy may start from any
    other's. The first copy to parse with a vars value stores its cache; the later ones start
    from it.
    """

    folder: Path | None = None

    @staticmethod
    def key(args: tuple[str, ...] | list[str]) -> str:
        """The cache's name for a dbt command line: its --vars value (none: '')."""
        args = list(args)
        value = args[args.index("--vars") + 1] if "--vars" in args else ""
        return hashlib.sha1(value.encode()).hexdigest()[:16]

    @classmethod
    def path(cls, key: str) -> Path | None:
        return cls.folder / f"{key}.msgpack" if cls.folder else None

    @classmethod
    def save(cls, key: str, cache: Path) -> None:
        """Store a copy's cache under key, unless one is stored (written whole or not at all)."""
        stored = cls.path(key)
        if stored is None or stored.exists() or not cache.exists():
            return
        partial = stored.with_name(f"{stored.name}.{os.getpid()}.tmp")
        shutil.copyfile(cache, partial)
        os.replace(partial, stored)

# dbt's file log (logs/dbt.log) at warn, not debug, in every dbt the suite starts (fixtures,
# the CLI in subprocesses, the engines of the parity test inherit it): no test reads the
# debug lines, and writing them is about a tenth of dbt's CPU time on a small build (measured:
# 12.2-12.7 s user at debug, 10.9-12.5 s at warn). Set DBT_LOG_LEVEL_FILE=debug to keep them.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "warn")

# GX is imported by some tests directly; under pytest-xdist the worker's __main__ has no
# __file__, which pyspark's connect module takes for a doctest run (quality._quiet_gx)
quality._quiet_gx()

# The small portfolio most end-to-end tests share: enough history (26 months)
# for the month-of-year index, small enough to build in seconds.
SMALL_AS_OF = dt.date(2026, 6, 30)
SMALL_CONFIG = GeneratorConfig(n_accounts=150, history_days=800, end_date=SMALL_AS_OF, seed=7)


class Warehouse:
    """A copy of the dbt project with its own DuckDB warehouse."""

    def __init__(self, root: Path) -> None:
        """Use the project copy at root (see copy_project)."""
        self.root = root
        self.db = root / "warehouse.duckdb"
        self.build_results: dict | None = None  # run_results.json of a fixture's build
        self.parse_key: str | None = None  # the _ParseStore key of target/'s parse cache
        # builds leave the backtest (tag:backtest, 14 nodes) out unless the warehouse needs
        # it: small_built and its copies (the tests that read the backtest marts use them)
        self.with_backtest = False

    # -- data -------------------------------------------------------------
    def generate(self, config: GeneratorConfig) -> dict[str, int]:
        """Write a demo warehouse into this copy's DuckDB file."""
        return write_warehouse(self.db, config)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Run a read-only query and return all rows."""
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str, params: list | None = None):
        """Run a read-only query and return the first column of the first row."""
        return self.query(sql, params)[0][0]

    def execute(self, *statements: str) -> None:
        """Run statements that change the warehouse (e.g. inject raw rows)."""
        con = duckdb.connect(str(self.db))
        try:
            for statement in statements:
                con.execute(statement)
        finally:
            con.close()

    def table_rows(self, relation: str, order_by: str) -> list[tuple]:
        """All rows of a relation in a stable order."""
        return self.query(f"select * from {relation} order by {order_by}")

    def write_seed(self, name: str, text: str) -> None:
        """Replace a configuration seed of this copy."""
        (self.root / "seeds" / f"{name}.csv").write_text(text)

    # -- dbt --------------------------------------------------------------
    def dbt(
        self, *args: str, as_of: dt.date | None = None, check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run dbt in this copy; output is captured (shown when check fails); env: variables
        set over the copy's.

        Paths are relative to the copy (dbt runs in it), so every copy gives dbt the same
        environment and can start from the session's parse cache.
        """
        env = dict(HEALTH_DUCKDB_PATH=self.db.name, DBT_TARGET_PATH="target", DBT_LOG_PATH="logs",
                   **(env or {}))
        key = _ParseStore.key(args)
        cache = self.use_parse_cache(key)
        invocation = Dbt(self.root, self.db, as_of, env=env)
        if DBT_IN_PROCESS:
            result = run_dbt_in_process(self.root, invocation.arguments(args),
                                        invocation.environment())
        else:
            result = invocation.run(args, capture=True, check=False)
        if result.returncode == 0:
            _ParseStore.save(key, cache)
        if check and result.returncode != 0:
            raise AssertionError(
                f"dbt {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}"
                f"\n{result.stderr[-2000:]}"
            )
        return result

    def use_parse_cache(self, key: str = _ParseStore.key([])) -> Path:
        """Give this copy the session's parse cache for a --vars value (_ParseStore.key; none
        by default), unless its own is for that value; return the cache's path.

        dbt() calls it; call it before dbt started another way (the CLI in a subprocess).
        """
        cache = self.root / PARSE_CACHE
        stored = _ParseStore.path(key)
        own = cache.exists() and self.parse_key in (None, key)
        if not own and stored is not None and stored.exists():
            cache.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stored, cache)
        self.parse_key = key
        return cache

    def build(
        self,
        as_of: dt.date,
        extra_vars: dict | None = None,
        full_refresh: bool = False,
        select: str | None = None,
        exclude: str | None = None,
        check: bool = True,
        unit_tests: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run dbt build at a scoring date, as production does (unit tests only if asked):
        the arguments of pipeline.dbt.build_args, the function `customer-health run` uses."""
        excluded = ([exclude] if exclude else []) + (
            [] if self.with_backtest else ["tag:backtest"])
        args = build_args(full_refresh, select=[select] if select else [], exclude=excluded,
                          unit_tests=unit_tests, dbt_vars=extra_vars)
        return self.dbt(*args, as_of=as_of, check=check)

    def build_reference(self, as_of: dt.date) -> subprocess.CompletedProcess[str]:
        """A full refresh to compare an incremental build with: models and seeds only (the
        data tests run in the build it is compared with), the backtest (not compared) left
        out."""
        args = build_args(True, exclude=["resource_type:test", "tag:backtest"])
        return self.dbt(*args, as_of=as_of)

    def run_models(
        self, as_of: dt.date, select: str, extra_vars: dict | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Load the seeds and run a selection of models (no tests) at a scoring date.

        One dbt invocation: `build` of the selection's models and seeds, tests excluded.
        """
        args = ["build", "--select", select, "--resource-type", "model", "seed"]
        if extra_vars:
            args += ["--vars", json.dumps(extra_vars)]
        return self.dbt(*args, as_of=as_of)

    def clone(self, destination: Path) -> Warehouse:
        """Copy this project and its warehouse (with everything built) to destination."""
        shutil.copytree(self.root, destination, ignore=shutil.ignore_patterns("target", "logs"))
        copy = Warehouse(destination)
        copy.with_backtest = self.with_backtest
        return copy

    def run_results(self) -> dict:
        """target/run_results.json of the last dbt command in this copy."""
        return json.loads((self.root / "target" / "run_results.json").read_text())


# The fixtures' dbt commands (Warehouse.dbt) run in the test's own process (dbtRunner), not in
# a new one: a new Python process importing dbt is about 2 of the 15-20 s of CPU a small build
# costs, and the suite runs about 60 of them (measured: three builds of the small portfolio,
# 54.5 s of CPU in subprocesses, 43.7 s in one process). HEALTH_TEST_DBT=subprocess runs them
# as `customer-health run` does, in a subprocess each. The CLI's own tests start the CLI.
DBT_IN_PROCESS = os.environ.get("HEALTH_TEST_DBT", "in_process") != "subprocess"


def run_dbt_in_process(root: Path, args: Sequence[str],
                       env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`dbt *args` through dbtRunner in this process, as a subprocess in root with environment
    env would run it: in that folder and exactly that environment (both restored after), its
    exit code (0; 1: a node failed; 2: dbt stopped on an error) and its output (the messages
    dbt prints: every event above debug) in a CompletedProcess; a command that stopped on
    an error (exit 2) is run again as a subprocess, whose result is returned.

    dbt-duckdb keeps its DuckDB database open in the process after the command; it is closed
    here, or the test could not open the file (DuckDB refuses a second configuration of an
    open file in one process) and the next command would see the last one's connection.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    lines: list[str] = []

    def keep(event) -> None:
        if event.info.level != "debug":
            lines.append(event.info.msg)

    saved, cwd = dict(os.environ), Path.cwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            outcome = dbtRunner(callbacks=[keep]).invoke(list(args))
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)
        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None
    code = 0 if outcome.success else 1 if outcome.exception is None else 2
    output = "\n".join(lines) + "\n"
    if code != 2:
        return subprocess.CompletedProcess(["dbt", *args], code, output, "")
    # Stopped on an error: run again as its own process, whose result is returned (the errors
    # tests provoke stop it the same way), the in-process output at the head of its stderr,
    # each line marked (so that a test reading the output finds each message once). One
    # full-suite run on a clean clone saw a fixture command's in-process run end without its
    # result and could not reproduce it; this keeps such a run from deciding a test.
    again = subprocess.run([dbt_executable(), *args], cwd=root, env=env, capture_output=True,
                           text=True)
    marked = "".join(f"in-process| {line}\n" for line in output[-4000:].splitlines())
    again.stderr = f"{marked}(exit 2 in this process)\n{again.stderr}"
    return again


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """shutil.copytree's ignore: byte code anywhere, the Python tiers in tests/."""
    ignored = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
    if Path(folder).resolve() == TESTS_DIR:
        ignored |= PYTHON_TEST_ITEMS & set(names)
    return ignored


def copy_project(destination: Path) -> Warehouse:
    """Copy the dbt project (not the Python tests, data or target) to destination."""
    destination.mkdir(parents=True, exist_ok=True)
    for item in PROJECT_ITEMS:
        source = PROJECT_ROOT / item
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, destination / item, ignore=_not_copied)
        else:
            shutil.copy2(source, destination / item)
    return Warehouse(destination)


def _build_small(root: Path) -> Warehouse:
    """Generate the small portfolio into a project copy at root and build it fully."""
    warehouse = copy_project(root)
    warehouse.with_backtest = True
    warehouse.generate(SMALL_CONFIG)
    # the session's one run of the dbt unit tests (see test_dbt_unit_tests_pass)
    warehouse.build(SMALL_AS_OF, unit_tests=True)
    warehouse.build_results = warehouse.run_results()
    return warehouse


@pytest.fixture(scope="session", autouse=True)
def parse_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the session's dbt parse caches (_ParseStore), shared by the workers."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "parse_caches"
    folder.mkdir(exist_ok=True)
    _ParseStore.folder = folder
    return folder


@pytest.fixture(scope="session")
def small_built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The small demo portfolio, generated and fully built once per session (read-only).

    Under pytest-xdist the first worker that needs it builds it into the session's shared
    temporary folder (a file lock: pytest-xdist's pattern for a session fixture run once);
    every worker then works on its own copy of that build (DuckDB lets one process write a
    file), with the build's parse cache as its own. One build of the small portfolio, its
    unit tests included, instead of one per worker.
    """
    local = tmp_path_factory.mktemp("small_built")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _build_small(local)
    shared_root = tmp_path_factory.getbasetemp().parent
    shared = shared_root / "small_built_shared"
    with FileLock(str(shared_root / "small_built.lock")):
        if not (shared / BUILT_MARK).exists():
            shutil.rmtree(shared, ignore_errors=True)
            _build_small(shared)
            (shared / BUILT_MARK).write_text("built\n")
    shutil.copytree(shared, local, dirs_exist_ok=True)
    warehouse = Warehouse(local)
    warehouse.with_backtest = True
    warehouse.build_results = warehouse.run_results()
    return warehouse


@pytest.fixture
def small_copy(small_built: Warehouse, tmp_path: Path) -> Iterator[Warehouse]:
    """A private, writable copy of the built small portfolio."""
    yield small_built.clone(tmp_path / "copy")


# The order files start in under `make test` (pytest-xdist, --dist loadfile
# --no-loadscope-reorder: a file runs whole on one worker, files start in collection order):
# the longest first, so that the last ones to finish are short and the workers end
# together. The parity test starts its engines, which build in the background for minutes
# while its worker waits, so it goes first; then the files by their measured time (pytest
# --durations on a clean clone, 2026-12-06, seconds in brackets); every other file after
# them, the unit tier last.
LONGEST_FIRST = [
    "test_engine_parity.py",  # [383, of which 375 waiting for the engines]
    "test_package_mode.py",  # [175]
    "test_source_adapters.py",  # [132]
    "test_incremental.py",  # [128]
    "test_catalog_names.py",  # [128]
    "test_reliability.py",  # [100]
    "test_scoring_properties.py",  # [92]
    "test_seasonality.py",  # [83]
    "test_lint.py",  # [76]
    "test_csm_sentiment.py",  # [70]
    "test_bench.py",  # [55]
    "test_sources_not_connected.py",  # [50]
    "test_bad_input.py",  # [46]
    "test_orchestration.py",  # [46]
]


def _start_rank(item: pytest.Item) -> tuple[int, int]:
    path = Path(str(item.path))
    if path.name in LONGEST_FIRST:
        return (0, LONGEST_FIRST.index(path.name))
    return (1 if path.parent.name == "e2e" else 2, 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier: `unit` under tests/unit, `e2e` under tests/e2e; order
    the files longest first (LONGEST_FIRST; a stable sort: tests keep their order in a file)."""
    for item in items:
        path = Path(str(item.path)).resolve()
        tier = path.relative_to(TESTS_DIR).parts[0] if path.is_relative_to(TESTS_DIR) else None
        if tier in ("unit", "e2e"):
            item.add_marker(getattr(pytest.mark, tier))
    items.sort(key=_start_rank)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the engines of the parity test as soon as it is selected, so their builds run
    while the DuckDB tests before it run (tests/e2e/test_engine_parity.py)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # under pytest-xdist every worker collects every test: the worker that runs the
        # parity test starts the engines itself (its fixture), the other runs the rest.
        # (Starting them at collection in the first worker was measured slower: 20 min against
        # 16 min, three heavy processes on two cores.)
        return
    if any("test_engine_parity.py::test_marts" in item.nodeid for item in session.items):
        try:
            import test_engine_parity
        except pytest.skip.Exception:  # an engine's extra is not installed
            return
        test_engine_parity.start_engines()
