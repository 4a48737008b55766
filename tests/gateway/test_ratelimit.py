"""Respondent endpoints are rate limited per client address; keyed endpoints are not.

In memory (the default) each gateway process counts for itself; with
`TRUSTPULSE_RATE_LIMIT_STORAGE=redis://...` every worker and replica counts in one Redis. The
Redis tests use the server on 127.0.0.1:6379 (or `TRUSTPULSE_TEST_REDIS_URL`), each under a
key prefix of its own; without a server they skip, except under CI, where they fail. The
multi-process tests start real gunicorn gateways (a few seconds each).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from services.gateway.ratelimit import retry_after_header
from services.supervisor import gunicorn_command
from shared.settings import SettingsError
from tests.conftest import ADMIN_KEY, ServerThread
from tests.gateway.conftest import make_recording_backend

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5


def test_respondent_endpoints_answer_429_with_retry_after_past_the_limit(make_gateway):
    gateway = make_gateway(respondent_rate_limit=3)
    alice = {"REMOTE_ADDR": "198.51.100.1"}
    statuses = [gateway.client.post("/api/v1/responses", json={"token": "t"},
                                    environ_base=alice).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = gateway.client.get("/s/tok_1", environ_base=alice,
                                 headers={"X-Request-ID": "rl-1"})
    assert limited.status_code == 429
    error = limited.get_json()["error"]
    assert error["code"] == "rate_limited" and error["request_id"] == "rl-1"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert len(gateway.seen("survey")) == 3
    # Another address has its own allowance; keyed endpoints are not limited.
    bob = gateway.client.post("/api/v1/responses", json={"token": "t"},
                              environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert bob.status_code == 200
    keyed = gateway.client.get("/api/v1/surveys", environ_base=alice,
                               headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert keyed.status_code == 200


def test_a_limit_of_zero_disables_limiting(make_gateway):
    gateway = make_gateway(respondent_rate_limit=0)
    statuses = {gateway.client.get("/s/tok").status_code for _ in range(100)}
    assert statuses == {200}


def test_retry_after_is_whole_seconds_and_at_least_one():
    assert retry_after_header(130.2, now=100.0) == "31"
    assert retry_after_header(100.0, now=100.0) == "1"


def test_an_unknown_storage_is_refused_at_start_without_its_value(make_gateway):
    with pytest.raises(SettingsError, match="TRUSTPULSE_RATE_LIMIT_STORAGE") as refused:
        make_gateway(rate_limit_storage="nosuch://user:secret@host")
    assert "secret" not in str(refused.value)


def test_an_unreachable_redis_falls_back_to_counting_in_the_process(make_gateway):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    gateway = make_gateway(respondent_rate_limit=2,
                           rate_limit_storage=f"redis://127.0.0.1:{closed}/0")
    statuses = [gateway.client.get("/s/tok").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]


@pytest.fixture
def redis_url():
    """A reachable Redis; the keys made under the test's prefix are removed afterwards."""
    import redis

    url = os.environ.get("TRUSTPULSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"Redis is not reachable at {url}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    prefix = f"tp-test-{uuid.uuid4().hex[:12]}"
    yield url, prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gateway(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    """Start one gunicorn gateway with `workers` workers; return it and its URL once it answers."""
    port = _free_port()
    process = subprocess.Popen(gunicorn_command("gateway", "127.0.0.1", port, workers=workers),
                               env=env, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return process, url
        except requests.RequestException:  # not listening yet, or still booting its workers
            time.sleep(0.2)
    process.kill()
    pytest.fail("the gateway did not start")


@pytest.fixture
def replicas(tmp_path):
    """Return a function starting two gateway replicas on one database before a stand-in survey."""
    from services.cli import migrate_all
    from shared.settings import Settings

    survey = ServerThread(make_recording_backend("survey"))
    started: list[subprocess.Popen] = []

    def start(workers: int, **variables: str) -> list[str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("TRUSTPULSE_")}
        env.update({"TRUSTPULSE_DATA_DIR": str(tmp_path), "TRUSTPULSE_SURVEY_URL": survey.url,
                    "TRUSTPULSE_METRICS_URL": survey.url, "TRUSTPULSE_LOG_LEVEL": "WARNING",
                    "TRUSTPULSE_RESPONDENT_RATE_LIMIT": str(LIMIT), **variables})
        migrate_all(Settings.from_env(env), services=("gateway",))
        urls = []
        for _ in range(2):
            process, url = _start_gateway(env, workers)
            started.append(process)
            urls.append(url)
        return urls

    yield start
    for process in started:
        os.killpg(process.pid, 15)
        process.wait(20)
    survey.stop()


def _statuses_alternating(urls: list[str], count: int) -> list[int]:
    """Post `count` responses from one address, each on a new connection, replica by replica."""
    return [requests.post(urls[i % len(urls)] + "/api/v1/responses", json={"token": "t"},
                          timeout=10).status_code for i in range(count)]


def test_with_redis_the_limit_holds_across_workers_and_replicas(replicas, redis_url):
    url, prefix = redis_url
    urls = replicas(2, TRUSTPULSE_RATE_LIMIT_STORAGE=url,
                    TRUSTPULSE_RATE_LIMIT_KEY_PREFIX=prefix)
    statuses = _statuses_alternating(urls, 4 * LIMIT)
    assert statuses.count(200) == LIMIT and statuses[:LIMIT] == [200] * LIMIT
    assert set(statuses[LIMIT:]) == {429}
    for replica in urls:
        limited = requests.get(replica + "/s/tok", timeout=10)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_in_memory_each_process_counts_for_itself(replicas):
    urls = replicas(1)
    statuses = _statuses_alternating(urls, 4 * LIMIT)
    assert statuses.count(200) == 2 * LIMIT
