"""`trustpulse` run for real in a test: free ports, its environment, and its output read by line."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

TRUSTPULSE = [sys.executable, "-m", "services.cli"]


def free_ports(count: int) -> list[int]:
    """Return `count` distinct loopback ports free at this moment."""
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def cli_environment(settings, ports: list[int]) -> dict[str, str]:
    """Return the environment of `trustpulse` on the test's database and these ports."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUSTPULSE_")}
    env.update({
        "TRUSTPULSE_DATA_DIR": str(settings.data_dir),
        "TRUSTPULSE_GATEWAY_PORT": str(ports[0]), "TRUSTPULSE_SURVEY_PORT": str(ports[1]),
        "TRUSTPULSE_METRICS_PORT": str(ports[2]), "TRUSTPULSE_SCHEDULER": "false",
        "TRUSTPULSE_LOG_LEVEL": "WARNING",
    })
    if settings.database_url:
        env["TRUSTPULSE_DATABASE_URL"] = settings.database_url
        env["TRUSTPULSE_DB_SCHEMA_PREFIX"] = settings.db_schema_prefix
    return env


class Running:
    """`trustpulse up` (or another command) as a child process whose output is read by line."""

    def __init__(self, env: dict[str, str], command: tuple[str, ...] = ("up",)):
        self.process = subprocess.Popen(TRUSTPULSE + list(command), env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: queue.Queue = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Read output until a line holds `text`; fail if the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.output)
                continue
            self.output.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} in: {''.join(self.output)}")

    def terminate(self, timeout: float = 30) -> int:
        """Stop the process as a service manager would (SIGTERM); return its exit status."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code


def service_pids(parent: int) -> dict[str, int]:
    """Return the pid of each service's gunicorn master started by process `parent`."""
    found = {}
    for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:  # gone since the list was read
            continue
        for service in ("survey", "metrics", "gateway"):
            if f"services.{service}:create_app".encode() in command:
                found[service] = int(pid)
    return found
