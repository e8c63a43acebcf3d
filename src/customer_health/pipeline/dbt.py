"""The one dbt invocation object: every dbt command this package starts goes through :class:`Dbt`.

A ``Dbt`` owns the project folder, the DuckDB warehouse, the scoring date, the dbt target
(profiles/profiles.yml output) and the environment dbt runs in, built one way
(:meth:`Dbt.environment`: profiles of the project, ``HEALTH_DUCKDB_PATH`` relative to the
project when the warehouse is inside it, the scoring date in ``HEALTH_AS_OF_DATE``, then the
caller's overrides). Two backends sit behind :meth:`Dbt.run`:

- ``subprocess`` (the default): the dbt installed beside this interpreter, in the project
  folder. Output streamed to the terminal, captured (``capture=True``) or written to a file
  (``stdout=``); ``watch=`` is entered while dbt runs (the benchmark's memory sampler);
  file descriptors in ``pass_fds`` are inherited (the run lock, pipeline.lock.hold).
- ``in_process``: dbtRunner in this process, with the environment set in ``os.environ``
  (the Spark target: dbt-spark's session method then reuses this process's Spark session).

When dbt fails, :class:`DbtFailure` says which nodes failed, from ``run_results.json`` of the
run (status ``error`` or ``fail``, the unique id, the first line of the message), and where the
full log is (``dbt.log`` of the run's log folder). :func:`build_args` is the one definition of
the arguments of a production ``dbt build``; the CLI, Dagster, the benchmark, backfill and the
test fixtures all start from it.

Elementary's ``clients/dbt/`` runner was the model: one object, several backends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from customer_health.pipeline.settings import (
    dbt_executable,
    duckdb_path,
    project_dir,
    utc_now,
)

FAILED_STATUSES = ("error", "fail", "runtime error")
MAX_NAMED_FAILURES = 5


class NodeFailure(NamedTuple):
    """One node of a dbt run that did not succeed."""

    unique_id: str
    status: str
    message: str  # first line of dbt's message


class DbtFailure(subprocess.CalledProcessError):
    """A dbt command failed: names the failing nodes and the log.

    A CalledProcessError (callers may catch either);
    ``str()`` is one paragraph a user can act on.
    """

    def __init__(
        self,
        args: Sequence[str],
        returncode: int,
        failures: list[NodeFailure],
        log_path: Path,
        output: str | None = None,
        stderr: str | None = None,
    ) -> None:
        """Record the dbt arguments, exit code, failing nodes and log path."""
        super().__init__(returncode, ["dbt", *args], output, stderr)
        self.dbt_args = list(args)
        self.failures = failures
        self.log_path = log_path

    @property
    def how(self) -> str:
        """`failed (exit 1)` or `was killed by signal SIGKILL`."""
        if self.returncode < 0:
            try:
                return f"was killed by signal {signal.Signals(-self.returncode).name}"
            except ValueError:
                return f"was killed by signal {-self.returncode}"
        return f"failed (exit {self.returncode})"

    def __str__(self) -> str:
        """One line per failing node (at most MAX_NAMED_FAILURES) and the log path."""
        command = " ".join(["dbt", *self.dbt_args[:1]])
        head = f"{command} {self.how}"
        if self.failures:
            named = [f"  {f.unique_id} ({f.status}): {f.message}"
                     for f in self.failures[:MAX_NAMED_FAILURES]]
            more = len(self.failures) - MAX_NAMED_FAILURES
            if more > 0:
                named.append(f"  ... and {more} more")
            body = f"{head}; failing nodes:\n" + "\n".join(named)
        else:
            reason = _first_error_line(self.output or "")
            body = head + (f": {reason}" if reason else " before any node failed")
        return f"{body}\n  log: {self.log_path}"


def _first_error_line(output: str) -> str | None:
    """The first line of dbt's output that reports an error (compile or parse errors)."""
    for line in output.splitlines():
        text = line.strip()
        if "error" in text.lower() and not text.lower().startswith("done."):
            # strip dbt's "HH:MM:SS  " time prefix
            return text.split("  ", 1)[-1].strip()[:300]
    return None


def _option(args: Sequence[str], name: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` among dbt arguments, else None."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _resolve(path: str, root: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else root / candidate


def target_path(args: Sequence[str], root: Path, env: dict[str, str]) -> Path:
    """dbt's target folder for this command: --target-path, $DBT_TARGET_PATH, else target/."""
    return _resolve(_option(args, "--target-path") or env.get("DBT_TARGET_PATH") or "target", root)


def log_file(args: Sequence[str], root: Path, env: dict[str, str]) -> Path:
    """dbt's log file for this command: dbt.log in --log-path, $DBT_LOG_PATH, else logs/."""
    folder = _option(args, "--log-path") or env.get("DBT_LOG_PATH") or "logs"
    return _resolve(folder, root) / "dbt.log"


def failing_nodes(run_results: Path, since: float | None = None) -> list[NodeFailure]:
    """The nodes with status error/fail in a run_results.json (none when the file is missing,
    unreadable, or older than `since`: then the run failed before writing one)."""
    try:
        if since is not None and run_results.stat().st_mtime < since - 1:
            return []
        results = json.loads(run_results.read_text()).get("results", [])
    except (OSError, ValueError):
        return []
    failures = []
    for result in results:
        status = str(result.get("status") or "")
        if status in FAILED_STATUSES:
            message = str(result.get("message") or "").strip().splitlines()
            failures.append(
                NodeFailure(str(result.get("unique_id")), status, message[0] if message else "")
            )
    return failures


def dbt_env(
    root: Path, db_path: Path | None = None, as_of: dt.date | None = None
) -> dict[str, str]:
    """Return the environment dbt runs in: profiles from the project, absolute DuckDB path.

    as_of sets the scoring date through `HEALTH_AS_OF_DATE`
    (macros/run_settings/as_of_date.sql) rather than `--vars`: dbt re-parses the whole
    project whenever `--vars` change, while the macro reads the environment variable only
    when nodes run (not while dbt parses), so a daily run keeps all of its parse cache.
    """
    env = dict(os.environ)
    # the explicit score-date range is set per chunk by customer-health backfill only
    # (Dbt's env): inherited from a shell it would narrow every build to that range
    env.pop("HEALTH_SCORE_HISTORY_START", None)
    env["DBT_PROFILES_DIR"] = str(root / "profiles")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    path = Path(db_path or duckdb_path(root)).resolve()
    # relative to the project (dbt runs there) when inside it: the profile then reads the
    # same path in every copy of the project and dbt keeps its parse cache
    env["HEALTH_DUCKDB_PATH"] = (
        str(path.relative_to(root.resolve())) if path.is_relative_to(root.resolve()) else str(path)
    )
    if as_of is not None:
        env["HEALTH_AS_OF_DATE"] = as_of.isoformat()
    return env


# Resources that are no-op nodes in a `dbt build` (MetricFlow's saved queries, exposures).
NO_OP_RESOURCE_TYPES = ("saved_query", "exposure")


def build_args(
    full_refresh: bool = False,
    skip_seeds: Sequence[str] | None = None,
    *,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    unit_tests: bool = False,
    dbt_vars: Mapping[str, Any] | None = None,
    cautious: bool = False,
) -> list[str]:
    """Return the arguments of a `dbt build`; with no option, a production run's.

    Unit tests check the SQL logic, not the data: `make test` runs them (dbt's advice is
    to leave them out of production builds; unit_tests=True keeps them). Saved queries
    (queried with `mf query`) and exposures are no-op nodes in a build: left out.
    skip_seeds (the seed plan) leaves out those seeds and the tests on them only
    (`--indirect-selection cautious`: a test is left out when all its parents are; tests
    of models reading a seed still run). A changed seed is loaded and its tests run before
    any model that reads it (dbt build order). select / exclude / dbt_vars / cautious: a
    partial build (backfill's chunks, the test fixtures).
    """
    args = ["build"]
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars))]
    args += ["--exclude-resource-type", *([] if unit_tests else ["unit_test"]),
             *NO_OP_RESOURCE_TYPES]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", *select]
    excluded = [*exclude, *(skip_seeds or [])]
    if excluded:
        args += ["--exclude", *excluded]
    if skip_seeds or cautious:
        args += ["--indirect-selection", "cautious"]
    return args




Backend = Literal["subprocess", "in_process"]


@dataclasses.dataclass(frozen=True)
class Dbt:
    """One dbt project, warehouse, scoring date, target and environment; run() starts dbt.

    root: the project folder (default settings.project_dir()). db_path: the DuckDB warehouse
    (default settings.duckdb_path(root)). as_of: the scoring date (``HEALTH_AS_OF_DATE``;
    None: dbt's own default, yesterday in UTC). target: the profile's output (``--target``;
    None: the profile's default, ``$HEALTH_TARGET`` else duckdb). env: variables set over the
    environment (DBT_TARGET_PATH, DBT_LOG_PATH, HEALTH_SCORE_HISTORY_START...). backend:
    ``subprocess`` or ``in_process``.
    """

    root: Path = dataclasses.field(default_factory=project_dir)
    db_path: Path | None = None
    as_of: dt.date | None = None
    target: str | None = None
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    backend: Backend = "subprocess"

    def __post_init__(self) -> None:
        """Fill in the default warehouse of the project."""
        if self.db_path is None:
            object.__setattr__(self, "db_path", duckdb_path(self.root))

    def at(self, as_of: dt.date | None, **env: str) -> Dbt:
        """The same invocation at another scoring date, with extra environment variables."""
        return dataclasses.replace(self, as_of=as_of, env={**self.env, **env})

    def replace(self, **changes: Any) -> Dbt:
        """A copy with some fields changed (dataclasses.replace)."""
        return dataclasses.replace(self, **changes)

    def environment(self) -> dict[str, str]:
        """The environment dbt runs in: dbt_env of the project, then the overrides."""
        full = dbt_env(self.root, self.db_path, self.as_of)
        full.update(self.env)
        return full

    def arguments(self, args: Sequence[str]) -> list[str]:
        """dbt's arguments: the command's, then --target (if set) and --project-dir."""
        target = ["--target", self.target] if self.target else []
        return [*args, *target, "--project-dir", str(self.root)]

    def target_path(self, args: Sequence[str] = ()) -> Path:
        """dbt's target folder for a command (where run_results.json and manifest.json go)."""
        return target_path(args, self.root, self.environment())

    def run(
        self,
        args: Sequence[str],
        *,
        capture: bool = False,
        stdout: IO[Any] | None = None,
        pass_fds: tuple[int, ...] = (),
        check: bool = True,
        watch: Callable[[int], AbstractContextManager[Any]] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run one dbt command; return its CompletedProcess (raise DbtFailure when check).

        capture, stdout, pass_fds and watch apply to the subprocess backend (see the module
        docstring); the in-process backend prints to this process's output.
        """
        if self.backend == "in_process":
            return self._run_in_process(args, check)
        full_env = self.environment()
        cmd = [dbt_executable(), *self.arguments(args)]
        started = utc_now().timestamp()  # compared with run_results.json's mtime
        if capture:
            out: Any = subprocess.PIPE
            err: Any = subprocess.PIPE
        elif stdout is not None:
            out, err = stdout, subprocess.STDOUT
        else:
            out = err = None
        proc = subprocess.Popen(cmd, cwd=self.root, env=full_env, stdout=out, stderr=err,
                                text=True, pass_fds=pass_fds)
        try:
            with watch(proc.pid) if watch else contextlib.nullcontext():
                output, errors = proc.communicate()
        except BaseException:  # interrupted: never leave dbt running on the warehouse
            proc.kill()
            proc.wait()
            raise
        result = subprocess.CompletedProcess(cmd, proc.returncode, output, errors)
        if check and proc.returncode != 0:
            raise DbtFailure(
                args, proc.returncode,
                failing_nodes(target_path(args, self.root, full_env) / "run_results.json",
                              since=started),
                log_file(args, self.root, full_env), output, errors,
            )
        return result

    def _run_in_process(self, args: Sequence[str], check: bool) -> subprocess.CompletedProcess:
        """dbtRunner in this process, with the environment set in os.environ."""
        from dbt.cli.main import dbtRunner

        env = self.environment()
        os.environ.update(env)
        previous = Path.cwd()
        started = utc_now().timestamp()  # compared with run_results.json's mtime
        os.chdir(self.root)
        try:
            result = dbtRunner().invoke(self.arguments(args))
        finally:
            os.chdir(previous)
        if not result.success and check:
            error = result.exception
            reason = f"{type(error).__name__}: {error}" if error else ""
            raise DbtFailure(
                args, 1,
                failing_nodes(target_path(args, self.root, env) / "run_results.json",
                              since=started),
                log_file(args, self.root, env), reason.splitlines()[0] if reason else None,
            )
        return subprocess.CompletedProcess(["dbt", *args], 0 if result.success else 1)

    def build(self, **options: Any) -> subprocess.CompletedProcess[str]:
        """`dbt build` with build_args(**options) (raise DbtFailure on failure)."""
        return self.run(build_args(**options))
