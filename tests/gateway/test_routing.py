"""Routing: each role reaches exactly what API.md gives it, and forwarding is faithful."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from services.gateway.routing.table import ROUTES
from tests.conftest import ADMIN_KEY
from tests.faulty_server import FAULTS, FaultyServer

A, N, I = "admin", "analyst", "integration"
READ = {A, N}
PUBLIC = set()
# Written from API.md, independently of the route table it checks.
EXPECTED = {
    ("POST", "/api/v1/api-keys"): {A},
    ("GET", "/api/v1/api-keys"): {A},
    ("DELETE", "/api/v1/api-keys/{id}"): {A},
    ("GET", "/api/v1/templates"): {A, N, I},
    ("POST", "/api/v1/surveys"): {A},
    ("GET", "/api/v1/surveys"): READ,
    ("GET", "/api/v1/surveys/{id}"): READ,
    ("POST", "/api/v1/surveys/{id}/waves"): {A},
    ("GET", "/api/v1/surveys/{id}/waves"): READ,
    ("POST", "/api/v1/surveys/{id}/schedule"): {A},
    ("POST", "/api/v1/waves/{id}/invitations"): {A},
    ("POST", "/api/v1/surveys/{id}/links"): {A, I},
    ("POST", "/api/v1/surveys/{id}/responses/import"): {A, I},
    ("POST", "/api/v1/responses"): PUBLIC,
    ("GET", "/s/{token}"): PUBLIC,
    ("POST", "/s/{token}"): PUBLIC,
    **{("GET", f"/api/v1/surveys/{{id}}/{name}"): READ
       for name in ("scores", "compare", "distribution", "changes", "trend", "drivers",
                    "comments", "snapshots", "impact", "participation", "questions")},
    ("GET", "/api/v1/linkage"): READ,
    ("GET", "/api/v1/alerts"): READ,
    ("GET", "/api/v1/alerts/deliveries"): {A},
}
GATEWAY_OWN = {key for key in EXPECTED if key[1].startswith("/api/v1/api-keys")}


def concrete(pattern: str) -> str:
    return re.sub(r"\{token\}", "tok_abc", re.sub(r"\{id\}", "7", pattern))


def test_route_table_is_exactly_the_api():
    assert {(route.method, route.path): set(route.roles) for route in ROUTES} == EXPECTED


@pytest.fixture
def role_keys(gateway):
    return {A: ADMIN_KEY, N: gateway.create_key(N)["key"], I: gateway.create_key(I)["key"]}


def test_each_role_reaches_exactly_its_routes(gateway, role_keys):
    for (method, pattern), allowed in sorted(EXPECTED.items()):
        path = concrete(pattern)
        for role in (None, A, N, I):
            gateway.reset()
            headers = {"Authorization": f"Bearer {role_keys[role]}"} if role else {}
            body = {"name": "m", "role": "analyst"} if pattern == "/api/v1/api-keys" else {}
            response = gateway.client.open(path, method=method, headers=headers,
                                           json=body if method == "POST" else None)
            where = f"{role} {method} {path}"
            if allowed and role is None:
                assert response.status_code == 401, where
            elif allowed and role not in allowed:
                assert response.status_code == 403, where
                assert response.get_json()["error"]["details"]["role"] == role
            elif (method, pattern) in GATEWAY_OWN:
                assert response.status_code not in (401, 403), where
            else:
                assert response.status_code == 200, where
                assert [seen["path"] for seen in gateway.forwarded()] == [path], where
                continue
            assert gateway.forwarded() == [], where


def test_invalid_key_is_401_before_anything_is_forwarded(gateway):
    for header in ("Bearer tp_not_a_key", "Basic abc", "Bearer "):
        response = gateway.client.get("/api/v1/surveys", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert gateway.forwarded() == []


def test_forwarding_passes_status_body_and_headers_both_ways(gateway):
    client = gateway.app.test_client()
    client.set_cookie("session", "secret")
    response = client.post(
        "/api/v1/surveys/7/links?echo_status=201&x=1", data=b'{"interaction_id": "i-1"}',
        headers={"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json",
                 "Idempotency-Key": "idem-1", "X-Request-ID": "req-42",
                 "X-Forwarded-For": "6.6.6.6"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/from-survey"
    assert response.headers["Retry-After"] == "7"
    assert "X-Backend-Private" not in response.headers
    assert response.headers["X-Request-ID"] == "req-42"
    [seen] = gateway.seen("survey")
    assert seen["method"] == "POST" and seen["query"] == "echo_status=201&x=1"
    assert seen["body"] == '{"interaction_id": "i-1"}'
    headers = seen["headers"]
    assert headers["X-Internal-Token"] == gateway.app.config["TRUSTPULSE_SETTINGS"].internal_token
    assert headers["X-Request-Id"] == "req-42"
    assert headers["Idempotency-Key"] == "idem-1"
    assert headers["X-Forwarded-For"] == "203.0.113.9"
    assert headers["X-Trustpulse-Role"] == "admin"
    assert "Authorization" not in headers and "Cookie" not in headers
    assert response.get_json()["service"] == "survey"


def test_analytics_go_to_metrics_and_respondent_forms_keep_their_cookie(gateway):
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    gateway.client.get("/api/v1/surveys/7/trend?metric=index:ai_trust", headers=headers)
    assert [seen["path"] for seen in gateway.seen("metrics")] == ["/api/v1/surveys/7/trend"]
    client = gateway.app.test_client()
    client.set_cookie("form", "1")
    client.post("/s/tok_abc", data={"q": "4"})
    seen = gateway.seen("survey")[-1]
    assert seen["body"] == "q=4" and seen["headers"]["Cookie"] == "form=1"
    assert client.get("/s/tok_abc").headers["Referrer-Policy"] == "no-referrer"
    assert "X-Trustpulse-Role" not in seen["headers"]


def _error(response, status: int, code: str, request_id: str) -> None:
    assert response.status_code == status
    assert response.headers["X-Request-ID"] == request_id
    error = response.get_json()["error"]
    assert error["code"] == code and error["request_id"] == request_id and error["message"]


def test_unknown_paths_wrong_methods_bad_json_and_big_bodies(gateway):
    admin = {"Authorization": f"Bearer {ADMIN_KEY}", "X-Request-ID": "rid-1"}
    _error(gateway.client.get("/api/v1/nothing", headers=admin), 404, "not_found", "rid-1")
    _error(gateway.client.get("/internal/surveys/1/summaries", headers=admin), 404,
           "not_found", "rid-1")
    _error(gateway.client.get("/api/v1/surveys/1/nothing", headers={"X-Request-ID": "rid-1"}),
           404, "not_found", "rid-1")
    wrong = gateway.client.put("/api/v1/surveys", headers=admin)
    _error(wrong, 405, "method_not_allowed", "rid-1")
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}
    bad_json = gateway.client.post("/api/v1/surveys", data=b'{"title": ',
                                   headers={**admin, "Content-Type": "application/json"})
    _error(bad_json, 400, "bad_request", "rid-1")
    too_big = gateway.client.post("/api/v1/surveys", data=b"x" * (1024 * 1024 + 1),
                                  headers={**admin, "Content-Type": "application/json"})
    _error(too_big, 413, "payload_too_large", "rid-1")
    too_big_public = gateway.client.post("/api/v1/responses", data=b"x" * (1024 * 1024 + 1),
                                         headers={"X-Request-ID": "rid-1"})
    _error(too_big_public, 413, "payload_too_large", "rid-1")
    assert gateway.forwarded() == []


def test_imports_may_be_large_but_not_over_50_mib(gateway):
    admin = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "text/csv"}
    big = b"submitted_at\n" + b"2026-01-01\n" * (3 * 1024 * 1024 // 11)
    ok = gateway.client.post("/api/v1/surveys/7/responses/import", data=big, headers=admin)
    assert ok.status_code == 200 and len(gateway.seen("survey")[0]["body"]) == len(big)
    huge = gateway.client.post("/api/v1/surveys/7/responses/import",
                               data=b"x" * (50 * 1024 * 1024 + 1), headers=admin)
    assert huge.status_code == 413
    assert len(gateway.seen("survey")) == 1


def test_a_backend_that_hangs_gives_503_after_one_read_timeout(make_gateway):
    gateway = make_gateway(read_timeout=0.5)
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for method in ("GET", "POST"):
        started = time.monotonic()
        response = gateway.client.open("/api/v1/surveys?echo_sleep=1.5", method=method,
                                       headers=admin, json={} if method == "POST" else None)
        assert time.monotonic() - started < 1.2
        assert response.status_code == 503
        assert response.get_json()["error"]["details"] == {"service": "survey"}
    # Neither call was sent twice: no read retries behind a client's back.
    assert [seen["method"] for seen in gateway.seen("survey")] == ["GET", "POST"]


def test_a_backend_dying_mid_answer_gives_503_not_500(settings_factory):
    """A survey service killed while it sent a reply left a cut chunked body: that was a 500."""
    from services.gateway import create_app

    dying = FaultyServer(FAULTS["truncated chunked body"])
    app = create_app(replace(settings_factory(), survey_url=dying.url))
    try:
        response = app.test_client().post("/api/v1/responses", json={"token": "tok_x"},
                                          headers={"Idempotency-Key": "k1"})
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "unavailable"
        assert error["details"] == {"service": "survey"}
        assert dying.requests == 1  # the single response was not sent twice
    finally:
        dying.stop()
        app.extensions["trustpulse_engine"].dispose()
