"""`trustpulse`: the suite really starts, answers, heals a killed service, stops on SIGTERM, and
explains failures.

These start real gunicorn processes, so they are few and slow (several seconds each).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
import requests

from services.cli import ensure_admin_key, migrate_all, suite_environment
from services.supervisor import StartupError
from tests.conftest import ADMIN_KEY
from tests.live import TRUSTPULSE, Running, cli_environment, free_ports, service_pids


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_up_serves_readyz_stops_on_sigterm_and_restarts_with_the_same_secrets(settings_factory):
    settings = settings_factory()
    ports = free_ports(3)
    env = cli_environment(settings, ports)
    first = Running(env)
    try:
        first.wait_for("Press Ctrl-C to stop.")
        ready = requests.get(f"http://127.0.0.1:{ports[0]}/readyz", timeout=5)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "survey": "ok", "metrics": "ok"}
    finally:
        code = first.terminate()
    text = "".join(first.output)
    assert code == 0, text
    assert f"http://127.0.0.1:{ports[0]}/api/docs" in text and "/dashboard" in text
    key = next(line.split(": ", 1)[1].strip() for line in first.output if "Admin key:" in line)
    assert "TrustPulse stopped." in text and "Traceback" not in text
    assert all(_port_free(port) for port in ports)
    secrets_file = settings.data_dir / "secrets.json"
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
    stored = secrets_file.read_text()

    second = Running(env)
    try:
        second.wait_for("Press Ctrl-C to stop.")
        keys = requests.get(f"http://127.0.0.1:{ports[0]}/api/v1/api-keys", timeout=5,
                            headers={"Authorization": f"Bearer {key}"})
        assert keys.status_code == 200  # the key printed on the first start still works
    finally:
        assert second.terminate() == 0
    assert "Admin key:" not in "".join(second.output)
    assert secrets_file.read_text() == stored


def test_a_port_in_use_is_named_without_a_traceback(tmp_path):
    ports = free_ports(3)
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUSTPULSE_")}
    env.update({"TRUSTPULSE_DATA_DIR": str(tmp_path), "TRUSTPULSE_GATEWAY_PORT": str(ports[0]),
                "TRUSTPULSE_SURVEY_PORT": str(ports[1]), "TRUSTPULSE_METRICS_PORT": str(ports[2])})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", ports[1]))
        busy.listen()
        result = subprocess.run(TRUSTPULSE + ["up"], check=False, env=env, capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 1
    assert f"survey service cannot start: port {ports[1]}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unreachable_database_is_named_without_a_traceback(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUSTPULSE_")}
    env.update({"TRUSTPULSE_DATA_DIR": str(tmp_path),
                "TRUSTPULSE_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"})
    result = subprocess.run(TRUSTPULSE + ["migrate"], check=False, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert "cannot use its database at postgresql+psycopg2://postgres@127.0.0.1:1/none" in (
        result.stderr)
    assert "Traceback" not in result.stderr


def test_generated_secrets_are_kept_and_given_ones_win(tmp_path):
    first = suite_environment({"TRUSTPULSE_DATA_DIR": str(tmp_path)})
    again = suite_environment({"TRUSTPULSE_DATA_DIR": str(tmp_path)})
    assert first["TRUSTPULSE_INTERNAL_TOKEN"] == again["TRUSTPULSE_INTERNAL_TOKEN"]
    assert len({first["TRUSTPULSE_INTERNAL_TOKEN"], first["TRUSTPULSE_SECRET_KEY"],
                first["TRUSTPULSE_LINK_SECRET"]}) == 3
    given = suite_environment({"TRUSTPULSE_DATA_DIR": str(tmp_path),
                               "TRUSTPULSE_INTERNAL_TOKEN": "mine"})
    assert given["TRUSTPULSE_INTERNAL_TOKEN"] == "mine"
    assert given["TRUSTPULSE_SECRET_KEY"] == first["TRUSTPULSE_SECRET_KEY"]


def test_serve_writes_a_new_admin_key_to_a_private_file_not_to_the_logs(settings_factory):
    settings = settings_factory()
    ports = free_ports(3)
    gateway = Running(cli_environment(settings, ports), ("serve", "gateway"))
    key_file = (settings.data_dir / "admin-key").resolve()
    try:
        gateway.wait_for(f"admin API key was written to {key_file}")
        key = key_file.read_text().strip()
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        deadline = time.monotonic() + 30
        while True:
            try:
                keys = requests.get(f"http://127.0.0.1:{ports[0]}/api/v1/api-keys", timeout=5,
                                    headers={"Authorization": f"Bearer {key}"})
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "".join(gateway.output)
                time.sleep(0.2)
        assert keys.status_code == 200  # the key in the file is the admin key stored
    finally:
        gateway.terminate()
    text = "".join(gateway.output)
    assert key not in text and key[:10] not in text
    assert "TRUSTPULSE_ADMIN_KEY" in text


def test_a_key_that_cannot_be_written_is_never_made_active(settings_factory, tmp_path):
    from services.gateway.keys.service import has_active_admin
    from shared.db import make_engine

    settings = settings_factory(admin_key=None)
    migrate_all(settings, services=("gateway",))
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(StartupError, match="cannot write the new admin key"):
        ensure_admin_key(settings, key_file=blocker / "admin-key")
    engine = make_engine(*settings.database_for("gateway"))
    try:
        assert not has_active_admin(engine)
    finally:
        engine.dispose()
    # Once the file can be written, the key made is the one stored.
    key_file = tmp_path / "data" / "admin-key"
    key = ensure_admin_key(settings, key_file=key_file)
    assert key_file.read_text() == key + "\n"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


SERVICES = ("survey", "metrics", "gateway")
# Through the gateway, one keyed read per backend.
READS = {"survey": "/api/v1/surveys", "metrics": "/api/v1/alerts"}
BACK_WITHIN_SECONDS = 10


def _status(url: str, **kwargs) -> int | None:
    try:
        return requests.get(url, timeout=3, **kwargs).status_code
    except requests.RequestException:
        return None


def _gateway_read(port: int, backend: str) -> int | None:
    """Read through the gateway; a backend that is down must be a 503 in the JSON shape."""
    try:
        answer = requests.get(f"http://127.0.0.1:{port}{READS[backend]}", timeout=5,
                              headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    except requests.RequestException:
        return None
    if answer.status_code == 503:
        assert answer.json()["error"]["details"] == {"service": backend}, answer.text
    else:
        assert answer.status_code == 200, answer.text
    return answer.status_code


def test_a_killed_service_comes_back_while_the_other_two_keep_answering(settings_factory):
    """kill -9 of each service's gunicorn master under `trustpulse up`, one after another.

    Bound: about 40 s a database (start, three restarts of a few seconds, stop).
    """
    settings = settings_factory()
    ports = dict(zip(("gateway", "survey", "metrics"), free_ports(3), strict=True))
    env = cli_environment(settings, [ports["gateway"], ports["survey"], ports["metrics"]])
    env["TRUSTPULSE_ADMIN_KEY"] = ADMIN_KEY
    up = Running(env)
    try:
        up.wait_for("Press Ctrl-C to stop.")
        for victim in SERVICES:
            old = service_pids(up.process.pid)[victim]
            os.kill(old, signal.SIGKILL)
            killed = time.monotonic()
            while True:
                others = [name for name in SERVICES if name != victim]
                for name in others:
                    assert _status(f"http://127.0.0.1:{ports[name]}/healthz") == 200, name
                if victim != "gateway":
                    for backend in READS:
                        status = _gateway_read(ports["gateway"], backend)
                        assert status == 200 or backend == victim, (backend, status)
                new = service_pids(up.process.pid).get(victim)
                if new not in (None, old) and _status(
                        f"http://127.0.0.1:{ports[victim]}/healthz") == 200:
                    break
                assert time.monotonic() - killed < BACK_WITHIN_SECONDS, (victim, up.output)
                time.sleep(0.2)
            up.wait_for(f"The {victim} service stopped: it was killed by SIGKILL.", timeout=5)
        ready = requests.get(f"http://127.0.0.1:{ports['gateway']}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
    finally:
        code = up.terminate()
    assert code == 0, "".join(up.output)
    assert all(_port_free(port) for port in ports.values())
