"""Chaos: services killed (kill -9) and PostgreSQL restarted under single-response load.

`trustpulse up` runs the suite; clients send single responses through the gateway, each
retried with its Idempotency-Key. Meanwhile the survey service and the gateway are killed
with every process of theirs (twice for survey), and on PostgreSQL the database server
(a cluster of the test's own) is restarted cleanly and as after a crash. Afterwards: no
acknowledged response is lost, none is stored twice, nothing was answered 500 (or 409),
and every retry got the original id.

Bound: 30 to 70 s a database on two cores, with the machine's load (start-up, about 20 s of
load, stop); every wait in it has a deadline.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests
import sqlalchemy as sa

from shared.db import make_engine
from tests.chaos.cluster import PostgresCluster, postgres_bin_dir
from tests.chaos.load import ResponseLoad
from tests.conftest import ADMIN_KEY
from tests.live import Running, cli_environment, free_ports, service_pids
from tests.survey.conftest import PULSE_ANSWERS, iso

pytestmark = pytest.mark.chaos

CLIENTS = 8
# Between two responses of one client: enough load to be under fire at every fault,
# little enough to leave the two cores to the suite.
CLIENT_PAUSE_SECONDS = 0.05
TOKENS = 8000
BACK_WITHIN_SECONDS = 30
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def own_postgres(backend):
    """None on SQLite; on PostgreSQL, a cluster of this test's own, which it may restart."""
    if backend == "sqlite":
        yield None
        return
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        message = "initdb and pg_ctl are not installed"
        if os.environ.get("CI"):
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    cluster = PostgresCluster(bin_dir).start()
    try:
        yield cluster
    finally:
        cluster.remove()


def _setup_wave(gateway: str) -> tuple[int, list[str]]:
    """Create a pulse survey with an open wave; return its id and `TOKENS` invitations."""
    with requests.Session() as session:
        session.trust_env = False
        session.headers.update(ADMIN)
        survey = session.post(f"{gateway}/api/v1/surveys", timeout=30, json={
            "title": "Chaos pulse", "template": "ai-trust-pulse", "segments": ["department"]})
        assert survey.status_code == 201, survey.text
        now = time.time()
        wave = session.post(f"{gateway}/api/v1/surveys/{survey.json()['id']}/waves", timeout=30,
                            json={"opens_at": iso_at(now - 3600), "closes_at": iso_at(now + 86400)})
        assert wave.status_code == 201, wave.text
        invited = session.post(f"{gateway}/api/v1/waves/{wave.json()['id']}/invitations",
                               timeout=120, json={"respondents": [
                                   {"segment": {"department": "Support"}}] * TOKENS})
        assert invited.status_code == 201, invited.text
    return wave.json()["id"], invited.json()["tokens"]


def iso_at(seconds: float) -> str:
    """The ISO 8601 UTC time of a Unix time."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def _kill_and_wait(up: Running, service: str, port: int) -> None:
    """Kill every process of `service` and wait until a new one answers."""
    old = service_pids(up.process.pid)[service]
    os.killpg(old, signal.SIGKILL)
    deadline = time.monotonic() + BACK_WITHIN_SECONDS
    while True:
        new = service_pids(up.process.pid).get(service)
        if new not in (None, old):
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
        assert time.monotonic() < deadline, f"{service} not back in {BACK_WITHIN_SECONDS} s"
        time.sleep(0.2)


def test_no_response_is_lost_or_stored_twice_through_crashes_and_restarts(
        settings_factory, own_postgres):
    settings = settings_factory()
    if own_postgres is not None:
        settings = replace(settings, database_url=own_postgres.url)
    ports = dict(zip(("gateway", "survey", "metrics"), free_ports(3), strict=True))
    env = cli_environment(settings, [ports["gateway"], ports["survey"], ports["metrics"]])
    env.update(TRUSTPULSE_ADMIN_KEY=ADMIN_KEY, TRUSTPULSE_RESPONDENT_RATE_LIMIT="100000000")
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    up = Running(env)
    try:
        up.wait_for("Press Ctrl-C to stop.")
        wave_id, tokens = _setup_wave(gateway)
        load = ResponseLoad(gateway, tokens, PULSE_ANSWERS, clients=CLIENTS,
                            pause=CLIENT_PAUSE_SECONDS)
        load.start()
        faults = [lambda: _kill_and_wait(up, "survey", ports["survey"]),
                  lambda: _kill_and_wait(up, "gateway", ports["gateway"])]
        if own_postgres is not None:
            faults += [lambda: own_postgres.restart("fast"),
                       lambda: own_postgres.restart("immediate")]
        faults.append(lambda: _kill_and_wait(up, "survey", ports["survey"]))
        for fault in faults:
            time.sleep(3)
            fault()
        time.sleep(3)
        load.stop()
        ready = requests.get(gateway + "/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
    finally:
        code = up.terminate()
    assert code == 0, "".join(up.output)

    assert load.problems == [], load.problems[:20]
    assert load.faults, "no request met a fault: the load missed every fault"
    engine = make_engine(*settings.database_for("survey"))
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT id FROM responses WHERE wave_id = :w"),
                                  {"w": wave_id}).scalars().all()
    finally:
        engine.dispose()
    acknowledged = list(load.acknowledged.values())
    assert len(set(acknowledged)) == len(acknowledged)  # one id per respondent
    assert set(acknowledged) - set(stored) == set(), "acknowledged but lost"
    assert len(stored) == len(set(stored)) == len(acknowledged), "stored but never answered"
