"""A throwaway PostgreSQL server: the tests' (parity, engine CLI) and the benchmark's.

``initdb`` and ``pg_ctl`` into a folder of the caller's, listening on 127.0.0.1 and a free
port (and a socket in that folder), trust authentication, durability off (``fsync``,
``synchronous_commit`` and ``full_page_writes``: a scratch server whose data is rebuilt from
DuckDB at will), ``work_mem`` 256MB (:data:`WORK_MEM`). The binaries are found in
``HEALTH_POSTGRES_BIN``, else Debian's ``/usr/lib/postgresql/<version>/bin`` (the newest),
else on PATH; when none is found and the process runs as root, Debian's ``postgresql``
package is installed (its own cluster is not used, only its binaries). initdb refuses to
run as root: the server then runs as the ``postgres`` user the package creates. Anything
that stops the server from starting is an :class:`EngineSetupError` with one line saying
what to do.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
from pathlib import Path

from customer_health.engines.rawcopy import EngineSetupError

DEBIAN_BIN = Path("/usr/lib/postgresql")
DATABASE = "customer_health"
WORK_MEM = "256MB"  # docs/warehouses.md, "What PostgreSQL needed"


def find_bin() -> Path | None:
    """Return the folder of initdb/pg_ctl (see the module docstring), or None.

    Raises EngineSetupError when HEALTH_POSTGRES_BIN names a folder without initdb.
    """
    configured = os.environ.get("HEALTH_POSTGRES_BIN")
    if configured:
        if not (Path(configured) / "initdb").exists():
            raise EngineSetupError(f"HEALTH_POSTGRES_BIN={configured} holds no initdb")
        return Path(configured)
    versions = sorted(
        (path for path in DEBIAN_BIN.glob("*/bin") if (path / "initdb").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def install_debian_package() -> Path:
    """Install Debian's postgresql package (as root); return its binaries' folder."""
    if os.geteuid() != 0:
        raise EngineSetupError(
            "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH) "
            "and installing it needs root: apt-get install postgresql, or set "
            "HEALTH_POSTGRES_BIN to the folder of initdb and pg_ctl"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
        try:
            subprocess.run(command, check=True, capture_output=True, env=env)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise EngineSetupError(
                f"could not install PostgreSQL ({' '.join(command)} failed: "
                f"{_last_line(exc)}); install it or set HEALTH_POSTGRES_BIN"
            ) from exc
    found = find_bin()
    if found is None:
        raise EngineSetupError("apt-get installed postgresql but no initdb was found")
    return found


def _last_line(exc: BaseException) -> str:
    stderr = getattr(exc, "stderr", None)
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else str(stderr or exc)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayServer:
    """A PostgreSQL server in a folder of its own, stopped by stop() (or at exit)."""

    def __init__(self, base: Path, install: bool = True) -> None:
        """Find (or, as root and when install, install) PostgreSQL; initdb; start; createdb.

        base: a folder the server's folder (``base/postgres``) goes in; as root it is handed
        to the postgres user, so it must not be inside a folder that user cannot enter.
        """
        found = find_bin()
        if found is None:
            if not install:
                raise EngineSetupError("PostgreSQL is not installed (no initdb found)")
            found = install_debian_package()
        self.bin = found
        self.folder = Path(base) / "postgres"
        self.folder.mkdir(parents=True)
        self.data = self.folder / "data"
        # initdb refuses to run as root: the server runs as the postgres user then
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            try:
                shutil.chown(base, "postgres")
                shutil.chown(self.folder, "postgres")
            except (LookupError, OSError) as exc:
                raise EngineSetupError(
                    f"running as root, the server needs the postgres user ({exc})") from exc
        self.port = free_port()
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        # work_mem: PostgreSQL's default 4MB made one unique_in_run test of tier M (a hash
        # join of 1.5M keys the planner expected at 150k) run over 13 minutes; 256MB: 11 s
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   f"-c work_mem={WORK_MEM}")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.folder / "server.log",
                  "-w", "start")
        atexit.register(self.stop)
        self.env = {"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres",
                    "PGPASSWORD": "", "PGDATABASE": DATABASE}
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)

    def _run(self, program: str, *args: object) -> None:
        command = [*self.prefix, str(self.bin / program), *map(str, args)]
        try:
            subprocess.run(command, check=True, capture_output=True, cwd=self.folder)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise EngineSetupError(
                f"PostgreSQL {program} failed: {_last_line(exc)} (folder {self.folder})"
            ) from exc

    def pid(self) -> int | None:
        """Return the postmaster's process id (None when it is not running)."""
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, IndexError, ValueError):
            return None

    def stop(self) -> None:
        """Stop the server (fast shutdown); safe to call twice."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data),
                            "-m", "fast", "-w", "stop"], capture_output=True, cwd=self.folder)
