"""The one way to start dbt: used by the CLI, the benchmark, the Spark commands and the tests.

Every dbt command runs as a subprocess of the dbt installed beside this interpreter, in the
project folder, with the environment of :func:`customer_health.project.dbt_env` (profiles of
the project, the warehouse path, the scoring date in ``HEALTH_AS_OF_DATE``). Callers choose how
dbt's output is handled: streamed to the terminal (the default), captured (``capture=True``)
or written to a file (``stdout=``), and may watch the process while it runs (``watch=``, the
benchmark's memory sampler). File descriptors in ``pass_fds`` are inherited (the run lock,
runlock.hold). The Spark commands run dbt in this process instead (:func:`invoke_in_process`),
so dbt-spark reuses the Spark session already started; the Dagster job uses dagster-dbt's own
DbtCliResource.

When dbt fails, :class:`DbtFailure` says which nodes failed, from ``run_results.json`` of the
run (status ``error`` or ``fail``, the unique id, the first line of the message), and where the
full log is (``dbt.log`` of the run's log folder).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any, NamedTuple

from customer_health import project

FAILED_STATUSES = ("error", "fail", "runtime error")
MAX_NAMED_FAILURES = 5


class NodeFailure(NamedTuple):
    """One node of a dbt run that did not succeed."""

    unique_id: str
    status: str
    message: str  # first line of dbt's message


class DbtFailure(subprocess.CalledProcessError):
    """A dbt command failed: names the failing nodes and the log.

    A CalledProcessError (callers that caught the old project.run_dbt's error keep working);
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


def environment(
    root: Path,
    db_path: Path | None = None,
    as_of: dt.date | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a dbt command: project.dbt_env, then the caller's overrides."""
    full = project.dbt_env(root, db_path, as_of)
    full.update(env or {})
    return full


def run(
    args: Sequence[str],
    root: Path | None = None,
    db_path: Path | None = None,
    *,
    as_of: dt.date | None = None,
    env: dict[str, str] | None = None,
    capture: bool = False,
    stdout: IO[Any] | None = None,
    pass_fds: tuple[int, ...] = (),
    check: bool = True,
    watch: Callable[[int], AbstractContextManager[Any]] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command in the project at root; return its CompletedProcess.

    capture: keep stdout and stderr in the result (else they go to the terminal, or stdout
    goes to the given file with stderr merged into it). env: variables set over
    project.dbt_env (DBT_TARGET_PATH, DBT_LOG_PATH...). watch: a context manager factory
    given dbt's pid, entered while dbt runs (the benchmark samples its memory). An
    interruption (KeyboardInterrupt, a signal turned into an exception) kills dbt before it
    propagates. With check (the default) a non-zero exit raises DbtFailure.
    """
    root = root or project.project_dir()
    full_env = environment(root, db_path, as_of, env)
    cmd = project.dbt_command(list(args), root)
    started = project.utc_now().timestamp()  # compared with run_results.json's mtime
    if capture:
        out: Any = subprocess.PIPE
        err: Any = subprocess.PIPE
    elif stdout is not None:
        out, err = stdout, subprocess.STDOUT
    else:
        out = err = None
    proc = subprocess.Popen(
        cmd, cwd=root, env=full_env, stdout=out, stderr=err, text=True, pass_fds=pass_fds
    )
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
            args,
            proc.returncode,
            failing_nodes(target_path(args, root, full_env) / "run_results.json", since=started),
            log_file(args, root, full_env),
            output,
            errors,
        )
    return result


def invoke_in_process(args: Sequence[str], root: Path, env: dict[str, str]) -> None:
    """Run one dbt command in this process (dbtRunner), with env set in os.environ.

    For the Spark target: dbt-spark's session method then reuses this process's Spark
    session. Raises DbtFailure as run() does.
    """
    from dbt.cli.main import dbtRunner

    os.environ.update(env)
    previous = Path.cwd()
    started = project.utc_now().timestamp()  # compared with run_results.json's mtime
    os.chdir(root)
    try:
        result = dbtRunner().invoke([*args, "--project-dir", str(root)])
    finally:
        os.chdir(previous)
    if not result.success:
        error = result.exception
        reason = f"{type(error).__name__}: {error}" if error else ""
        raise DbtFailure(
            args,
            1,
            failing_nodes(target_path(args, root, env) / "run_results.json", since=started),
            log_file(args, root, env),
            reason.splitlines()[0] if reason else None,
        )
