"""`/api/openapi.json` and `/api/docs`: backends asked side by side, a whole document kept briefly.

The backends are the recording stand-ins of `conftest.py` (real HTTP servers); what they
count is what the gateway really sent.
"""

from __future__ import annotations

import threading

from flask import request

from services.gateway.docs.cache import DOCS_TTL_SECONDS
from services.gateway.docs.routes import CACHE


def _document_requests(gateway, service: str) -> list[dict]:
    return [seen for seen in gateway.seen(service) if seen["path"] == "/openapi.json"]


def _frozen_clock(gateway) -> list[float]:
    """Give the gateway's docs cache a clock the test moves; return its one-item holder."""
    now = [1000.0]
    gateway.app.extensions[CACHE].clock = lambda: now[0]
    return now


def test_a_second_request_within_the_ttl_asks_no_backend(gateway):
    now = _frozen_clock(gateway)
    first = gateway.client.get("/api/openapi.json", headers={"X-Request-ID": "docs-1"})
    assert first.status_code == 200
    assert "x-unavailable-services" not in first.get_json()
    for service in ("survey", "metrics"):
        asked = _document_requests(gateway, service)
        assert len(asked) == 1
        # Asked from worker threads, yet with the id of the request being served.
        assert asked[0]["headers"]["X-Request-Id"] == "docs-1"

    now[0] += DOCS_TTL_SECONDS - 1
    assert gateway.client.get("/api/openapi.json").get_json() == first.get_json()
    assert gateway.client.get("/api/docs").status_code == 200
    assert [len(_document_requests(gateway, s)) for s in ("survey", "metrics")] == [1, 1]

    now[0] += 2  # past the TTL: the backends are asked again
    assert gateway.client.get("/api/openapi.json").status_code == 200
    assert [len(_document_requests(gateway, s)) for s in ("survey", "metrics")] == [2, 2]


def test_a_document_missing_a_backend_is_not_kept(gateway):
    _frozen_clock(gateway)
    survey = gateway.backends["survey"].app
    failing = {"on": True}

    @survey.before_request
    def _fail_while_on():
        if request.path == "/openapi.json" and failing["on"]:
            survey.config["seen"].append({"path": request.path, "failed": True})
            return {"error": {"code": "internal_error"}}, 500
        return None

    down = gateway.client.get("/api/openapi.json")
    assert down.status_code == 200
    assert down.get_json()["x-unavailable-services"] == ["survey"]
    assert "Not shown" in gateway.client.get("/api/docs").get_data(as_text=True)

    failing["on"] = False
    back = gateway.client.get("/api/openapi.json")
    assert "x-unavailable-services" not in back.get_json()
    # Every request while survey failed asked it again; the whole document is then kept.
    assert len(_document_requests(gateway, "survey")) == 3
    assert gateway.client.get("/api/docs").status_code == 200
    assert len(_document_requests(gateway, "survey")) == 3


def test_the_backends_are_asked_side_by_side(gateway):
    # Each backend answers only once the other has been asked too: asked one after the
    # other, the first would wait past the probe timeout and be reported unavailable.
    both_asked = threading.Barrier(2, timeout=10)
    for server in gateway.backends.values():
        @server.app.before_request
        def _wait_for_the_other():
            if request.path == "/openapi.json":
                both_asked.wait()

    response = gateway.client.get("/api/openapi.json")
    assert response.status_code == 200
    assert "x-unavailable-services" not in response.get_json()
    assert [len(_document_requests(gateway, s)) for s in ("survey", "metrics")] == [1, 1]


def test_the_bare_address_leads_to_the_dashboard_in_one_step(gateway):
    answer = gateway.client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/dashboard/"
    assert gateway.client.get(answer.headers["Location"]).status_code in (200, 302)
    assert gateway.client.get("/favicon.ico").status_code == 204
