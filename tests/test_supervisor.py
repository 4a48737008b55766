"""The supervisor of `trustpulse up`: a service that stops is started again, one that cannot
start again stops the suite with the reason.

A stand-in service (a few lines of Python serving 200) keeps these fast; tests/test_cli.py
kills the real services under `trustpulse up`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from services.supervisor import Supervisor
from tests.live import free_ports

# Serves 200 on every path; exits with status 3 at once while `<port>.broken` exists.
STAND_IN = """
import http.server, os, sys
port = int(sys.argv[1])
if os.path.exists(f"{sys.argv[2]}/{port}.broken"):
    sys.exit(3)
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Ok).serve_forever()
"""


@pytest.fixture
def supervisor(tmp_path):
    said: list[str] = []

    def command(_service, _host, port):
        return [sys.executable, "-c", STAND_IN, str(port), str(tmp_path)]

    running = Supervisor(tmp_path / "logs", dict(os.environ), say=said.append,
                         command=command, restart_delays=(0.1, 0.1, 0.1))
    running.said = said
    for service, port in zip(("survey", "gateway"), free_ports(2), strict=True):
        running.start(service, "127.0.0.1", port, f"http://127.0.0.1:{port}")
    running.wait_ready(20)
    yield running
    running.stopping.set()
    running.stop_all()


def _watch_in_background(supervisor) -> tuple[threading.Thread, list]:
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(supervisor.watch()), daemon=True)
    thread.start()
    return thread, outcome


def _wait_for(said: list[str], text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in said):
        assert time.monotonic() < deadline, f"no {text!r} in {said}"
        time.sleep(0.1)


def test_a_killed_service_is_started_again_and_the_other_keeps_running(supervisor):
    survey, gateway = supervisor.children
    first_gateway = gateway.process.pid
    thread, outcome = _watch_in_background(supervisor)
    for restart in (1, 2):
        os.kill(survey.process.pid, signal.SIGKILL)
        _wait_for(supervisor.said, f"The survey service is back (restart {restart}).")
    supervisor.stopping.set()
    thread.join(10)
    assert outcome == [None]  # stopped on request, not given up
    assert gateway.process.pid == first_gateway and gateway.process.poll() is None
    assert sum("killed by SIGKILL" in line for line in supervisor.said) == 2


def test_a_service_that_fails_every_restart_stops_the_watch_with_the_reason(supervisor, tmp_path):
    survey, _ = supervisor.children
    (tmp_path / f"{survey.port}.broken").write_text("")
    thread, outcome = _watch_in_background(supervisor)
    os.kill(survey.process.pid, signal.SIGKILL)
    thread.join(20)
    assert outcome == [("the survey service failed to start 3 times in a row: "
                        "it exited with status 3")]
    # Each stop was said, with the next delay: killed once, then two failed starts.
    assert [line.split(":")[1].split(".")[0].strip() for line in supervisor.said] == [
        "it was killed by SIGKILL", "it exited with status 3", "it exited with status 3"]
