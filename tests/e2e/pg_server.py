"""A throwaway PostgreSQL 15 server for the tests (test_engine_parity, test_engine_cli).

initdb and pg_ctl into a temporary folder, listening on 127.0.0.1 and a free port;
Debian's postgresql package is installed when its binaries are missing (as root).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
from pathlib import Path

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL 15 server: initdb and pg_ctl in a temporary folder."""

    def __init__(self, base: Path) -> None:
        """Install Debian's postgresql package when missing, initdb, start on a free port."""
        if not (POSTGRES_BIN / "initdb").exists():
            if os.geteuid() != 0:
                raise RuntimeError(f"no {POSTGRES_BIN}/initdb and not root to install it")
            # the package's own cluster is not used; only its binaries
            for command in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
                subprocess.run(command, check=True, capture_output=True,
                               env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        self.folder = base / "postgres"
        self.folder.mkdir(parents=True)
        # initdb refuses to run as root: the server runs as the postgres user then
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(base, "postgres")
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "data"
        self.port = _free_port()
        self._run(POSTGRES_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(POSTGRES_BIN / "pg_ctl", "-D", self.data, "-o", options,
                  "-l", self.folder / "server.log", "-w", "start")
        atexit.register(self.stop)
        self.env = {"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres",
                    "PGPASSWORD": "", "PGDATABASE": "customer_health"}
        self._run(POSTGRES_BIN / "createdb", "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", "customer_health")

    def _run(self, *command: object) -> None:
        subprocess.run([*self.prefix, *map(str, command)], check=True, capture_output=True,
                       cwd=self.folder)

    def stop(self) -> None:
        """Stop the server (fast shutdown); safe to call twice."""
        if self.data.exists() and (self.data / "postmaster.pid").exists():
            subprocess.run([*self.prefix, str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data),
                            "-m", "fast", "-w", "stop"], capture_output=True, cwd=self.folder)
