"""One run at a time per warehouse: an OS file lock beside the DuckDB file.

`customer-health run` holds an exclusive `fcntl.flock` on `<warehouse>.lock` for the
whole run (demo generation, preflight, dbt build, validation, publication). A second
run on the same warehouse does not wait: it exits at once with LOCKED_EXIT_CODE and
says which process holds the lock. The kernel releases a flock when the last file
descriptor on it closes, so a killed run never leaves a stale lock; dbt inherits the
descriptor (pipeline.dbt.Dbt.run pass_fds), so the lock also lasts until dbt has exited
when the process that started it was killed first. The lock file's text (pid, start
time) is information only, never the lock itself.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from customer_health.pipeline import settings

# EX_TEMPFAIL (sysexits.h): "try again later", what a scheduler's retry policy expects.
LOCKED_EXIT_CODE = 75


class RunLocked(RuntimeError):
    """Another run holds the lock of this warehouse."""


def lock_path(db_path: Path) -> Path:
    """The lock file of a warehouse: `<file>.lock` beside it."""
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def hold(db_path: Path) -> Iterator[int]:
    """Hold the run lock of a warehouse; yield its file descriptor (inheritable).

    Raises RunLocked at once when another process holds it.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise RunLocked(
                f"another customer-health run holds {path} ({holder}); this run did "
                f"nothing (exit {LOCKED_EXIT_CODE}): try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        started = settings.utc_now().isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)
        os.set_inheritable(fd, True)
        yield fd
    finally:
        os.close(fd)
