"""The child processes of `trustpulse up`: one gunicorn per service, watched and stopped together."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

# 2 cores: two workers of four threads each keeps both busy while requests wait on I/O.
WORKERS = 2
THREADS = 4
STOP_GRACE_SECONDS = 15.0


class StartupError(Exception):
    """A service could not start; the message says which and why, for a person to read."""


def port_problem(host: str, port: int) -> str | None:
    """Return why `host:port` cannot be listened on, or None when it is free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As gunicorn does: a port left in TIME_WAIT by a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use"
            return f"cannot listen on {host}:{port} ({exc.strerror})"
    return None


def gunicorn_command(service: str, host: str, port: int, *, workers: int | None = WORKERS,
                     migrate: bool = False) -> list[str]:
    """Return the command serving one service with gunicorn (gthread workers, JSON errors)."""
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
               "--worker-class", "shared.gunicorn_worker.JsonErrorWorker", "--threads", str(THREADS),
               "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning",
               "--error-logfile", "-"]
    if workers:
        command += ["--workers", str(workers)]
    return command + [f"services.{service}:create_app(migrate={migrate})"]


@dataclass
class Child:
    """One running service."""

    service: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 12) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def failure_reason(self) -> str:
        """Return a person's explanation of why this service exited, from its log."""
        tail = self.log_tail(40)
        if "Address already in use" in tail:
            return "its port is already in use"
        if "OperationalError" in tail or "could not connect" in tail:
            return "it cannot reach its database"
        return f"it exited with status {self.process.returncode}"


class Supervisor:
    """Start the services, wait until each is ready, and stop them all on request."""

    def __init__(self, log_dir: Path, env: dict[str, str]):
        self.log_dir = log_dir
        self.env = env
        self.children: list[Child] = []
        self.stopping = threading.Event()

    def start(self, service: str, host: str, port: int, url: str,
              env: dict[str, str] | None = None) -> None:
        """Start one service's gunicorn (in `env`, else the supervisor's), logging to
        `<log_dir>/<service>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{service}.log"
        with open(log_path, "ab") as log:
            # Own session: a Ctrl-C reaches only us, and we stop the children in order.
            process = subprocess.Popen(gunicorn_command(service, host, port),
                                       env=self.env if env is None else env,
                                       stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.children.append(Child(service, url, process, log_path))

    def exited(self) -> Child | None:
        """Return a child that has exited, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def wait_ready(self, timeout: float) -> None:
        """Wait until every service's `/readyz` answers 200; raise `StartupError` otherwise."""
        deadline = time.monotonic() + timeout
        pending = list(self.children)
        while pending:
            if self.stopping.is_set():
                raise StartupError("interrupted while starting")
            dead = self.exited()
            if dead:
                raise StartupError(f"the {dead.service} service failed to start: "
                                   f"{dead.failure_reason()}.\n{dead.log_tail()}")
            pending = [child for child in pending if not _ready(child.url)]
            if pending and time.monotonic() > deadline:
                names = ", ".join(child.service for child in pending)
                raise StartupError(f"not ready after {timeout:.0f} s: {names} "
                                   f"(see {self.log_dir}).")
            if pending:
                self.stopping.wait(0.25)

    def watch(self) -> Child | None:
        """Block until asked to stop (returns None) or until a child dies (returns it)."""
        while not self.stopping.wait(0.5):
            dead = self.exited()
            if dead:
                return dead
        return None

    def stop_all(self) -> None:
        """Ask every child to stop (SIGTERM), then kill those still running after a grace."""
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait()

    def install_signal_handlers(self) -> None:
        """Turn Ctrl-C and SIGTERM into a clean stop of every child."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stopping.set())


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass


def http_session() -> requests.Session:
    """Return a session for talking to the local suite, ignoring any proxy settings."""
    session = requests.Session()
    session.trust_env = False
    return session


def _ready(url: str) -> bool:
    try:
        with http_session() as session:
            return session.get(url + "/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
