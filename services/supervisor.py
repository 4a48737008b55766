"""The child processes of `trustpulse up`: one gunicorn per service, restarted when it stops."""

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
    command = [sys.executable, "-m", "gunicorn", "--config", "python:shared.gunicorn_config",
               "--bind", f"{host}:{port}",
               "--worker-class", "shared.gunicorn_worker.JsonErrorWorker", "--threads", str(THREADS),
               "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning",
               "--error-logfile", "-"]
    if workers:
        command += ["--workers", str(workers)]
    return command + [f"services.{service}:create_app(migrate={migrate})"]


# Seconds before a service that stopped is started again, by how many starts in a row have
# failed; once every delay is used the suite stops.
RESTART_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
TICK_SECONDS = 0.25


@dataclass
class Child:
    """One service: where it listens, its current gunicorn, and how its restarts go."""

    service: str
    host: str
    port: int
    url: str
    log_path: Path
    process: subprocess.Popen | None = None
    # Whether the current process has answered /healthz: until then it is only starting.
    started: bool = False
    failed_starts: int = 0
    restarts: int = 0
    restart_at: float | None = None
    # Where the current process's output starts in the log (earlier runs' is above it).
    log_offset: int = 0
    env: dict[str, str] | None = None  # its own environment (None: the supervisor's)

    def log_tail(self, lines: int = 12) -> str:
        """Return the last lines the current process wrote to the service's log."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self.log_offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def failure_reason(self) -> str:
        """Return a person's explanation of why this service exited, from its log."""
        code = self.process.returncode
        if code is not None and code < 0:
            return f"it was killed by {signal.Signals(-code).name}"
        tail = self.log_tail(40)
        if "Address already in use" in tail:
            return "its port is already in use"
        if "OperationalError" in tail or "could not connect" in tail:
            return "it cannot reach its database"
        return f"it exited with status {code}"


class Supervisor:
    """Start the services, keep them running, and stop them all on request.

    A service that stops is started again after a delay that grows with each start in a
    row that fails (exits before answering /healthz); the others keep serving, and the
    gateway answers 503 for it meanwhile. Only a stop request, or a service whose every
    restart fails (`restart_delays`), ends the watch. `command(service, host, port)` is
    what runs a service.
    """

    def __init__(self, log_dir: Path, env: dict[str, str], *, say=None,
                 command=gunicorn_command, restart_delays=RESTART_DELAYS):
        self.log_dir = log_dir
        self.env = env
        self.command = command
        self.restart_delays = restart_delays
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))

    def start(self, service: str, host: str, port: int, url: str,
              env: dict[str, str] | None = None) -> None:
        """Start one service's gunicorn (in `env`, else the supervisor's), logging to
        `<log_dir>/<service>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        child = Child(service, host, port, url, self.log_dir / f"{service}.log", env=env)
        self._spawn(child)
        self.children.append(child)

    def _spawn(self, child: Child) -> None:
        if child.process is not None:
            # Workers left by a killed master would hold the port, or answer for the new one.
            _signal_group(child.process.pid, signal.SIGKILL)
        with open(child.log_path, "ab") as log:
            child.log_offset = log.tell()
            # Own session: a Ctrl-C reaches only us, and we stop the children in order.
            child.process = subprocess.Popen(
                self.command(child.service, child.host, child.port),
                env=self.env if child.env is None else child.env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        child.started = False
        child.restart_at = None

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
            pending = [child for child in pending if not _answers(child.url + "/readyz")]
            if pending and time.monotonic() > deadline:
                names = ", ".join(child.service for child in pending)
                raise StartupError(f"not ready after {timeout:.0f} s: {names} "
                                   f"(see {self.log_dir}).")
            if pending:
                self.stopping.wait(0.25)
        for child in self.children:
            child.started = True

    def watch(self) -> str | None:
        """Keep the services running until asked to stop (returns None), or until one
        cannot be started again (returns why)."""
        while not self.stopping.wait(TICK_SECONDS):
            for child in self.children:
                reason = self._tend(child)
                if reason:
                    return reason
        return None

    def _tend(self, child: Child) -> str | None:
        """Restart `child` when due, note when it answers, and handle its exit."""
        if child.restart_at is not None:
            if time.monotonic() >= child.restart_at:
                self._spawn(child)
            return None
        if child.process.poll() is None:
            if not child.started and _answers(child.url + "/healthz", timeout=0.5):
                child.started, child.failed_starts = True, 0
                self.say(f"The {child.service} service is back (restart {child.restarts}).")
            return None
        reason = child.failure_reason()
        if not child.started:
            child.failed_starts += 1
            if child.failed_starts >= len(self.restart_delays):
                return (f"the {child.service} service failed to start "
                        f"{child.failed_starts} times in a row: {reason}")
        delay = self.restart_delays[child.failed_starts]
        child.restarts += 1
        child.restart_at = time.monotonic() + delay
        self.say(f"The {child.service} service stopped: {reason}. Starting it again in "
                 f"{delay:g} s (see {child.log_path}).")
        return None

    def stop_all(self) -> None:
        """Ask every child to stop (SIGTERM), then kill those still running after a grace.

        A master that died has its group signalled too: workers it left behind stop.
        """
        for child in reversed(self.children):
            _signal_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child.process.pid, signal.SIGKILL)
                child.process.wait()

    def install_signal_handlers(self) -> None:
        """Turn Ctrl-C and SIGTERM into a clean stop of every child."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stopping.set())


def _signal_group(group: int, signum: int) -> None:
    """Signal every process of a child's group (its session), if any is left."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


def http_session() -> requests.Session:
    """Return a session for talking to the local suite, ignoring any proxy settings."""
    session = requests.Session()
    session.trust_env = False
    return session


def _answers(url: str, timeout: float = 2.0) -> bool:
    """Return whether `url` answers 200."""
    try:
        with http_session() as session:
            return session.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False
