"""A PostgreSQL cluster of a test's own (initdb, pg_ctl), so that restarting it disturbs nothing else."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.live import free_ports


def postgres_bin_dir() -> Path | None:
    """Return the directory of initdb and pg_ctl (the newest installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(Path(path).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """One PostgreSQL server on a free loopback port, in a temporary directory, trust auth.

    PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user.
    """

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_ports(1)[0]
        # Not under pytest's tmp_path: the postgres user cannot enter root's private one.
        self.root = Path(tempfile.mkdtemp(prefix="trustpulse-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", *args)

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self.as_owner, str(self.bin_dir / program), *args],
                                capture_output=True, text=True, timeout=120, check=False)
        if result.returncode:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed: {result.stderr}\n{log}")

    def start(self) -> PostgresCluster:
        """Create the cluster and start its server."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                  "--no-instructions")
        self._pg_ctl("start")
        return self

    def restart(self, mode: str) -> None:
        """Stop the server (`fast`: cleanly; `immediate`: as a crash would) and start it."""
        self._pg_ctl("-m", mode, "stop")
        self._pg_ctl("start")

    def remove(self) -> None:
        """Stop the server at once and delete the cluster."""
        try:
            self._pg_ctl("-m", "immediate", "stop")
        except RuntimeError:
            pass  # it was not running
        shutil.rmtree(self.root, ignore_errors=True)
