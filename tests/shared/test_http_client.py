"""ServiceClient: a hung backend costs one read timeout when read retries are off, and a
backend that fails in any way while answering is `Unavailable`, never an unhandled error."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from shared.errors import Unavailable
from shared.http import ServiceClient
from tests.conftest import ServerThread
from tests.faulty_server import FAULTS, FaultyServer


@pytest.fixture
def slow_server():
    app = Flask("slow")
    app.config["hits"] = 0

    @app.get("/slow")
    def slow():
        app.config["hits"] += 1
        time.sleep(0.6)
        return "late"

    server = ServerThread(app)
    yield server
    server.stop()


def test_without_read_retries_a_timeout_is_one_attempt(slow_server):
    client = ServiceClient("slow", slow_server.url, read_timeout=0.2, read_retries=0)
    started = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        client.get("/slow")
    assert time.monotonic() - started < 0.5
    assert raised.value.details == {"service": "slow"}
    assert slow_server.app.config["hits"] == 1


def test_idempotent_calls_retry_reads_by_default(slow_server):
    client = ServiceClient("slow", slow_server.url, read_timeout=0.2, retries=1)
    with pytest.raises(Unavailable):
        client.get("/slow")
    assert slow_server.app.config["hits"] == 2


def test_retries_of_refused_connections_are_not_logged_one_by_one():
    import logging

    from shared.logs import configure_logging

    configure_logging("test", "INFO")
    assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.WARNING)
    assert logging.getLogger("trustpulse.http").isEnabledFor(logging.WARNING)


@pytest.fixture(params=sorted(FAULTS))
def faulty_server(request):
    server = FaultyServer(FAULTS[request.param])
    yield server
    server.stop()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_backend_failing_mid_answer_is_unavailable_and_a_post_goes_once(faulty_server, method):
    """A cut chunked body raised ChunkedEncodingError, which the gateway answered with 500."""
    client = ServiceClient("survey", faulty_server.url, retries=1)
    with pytest.raises(Unavailable) as raised:
        client.request(method, "/api/v1/waves/1/responses", json={"answers": {"q1": 3}})
    assert raised.value.details == {"service": "survey"}
    assert str(raised.value) == "The survey service is unavailable."
    assert faulty_server.requests <= (2 if method == "GET" else 1)
    client.close()
