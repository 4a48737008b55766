"""Respondent endpoints are rate limited per client address; keyed endpoints are not."""

from __future__ import annotations

from services.gateway.ratelimit import FixedWindowLimiter
from tests.conftest import ADMIN_KEY


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


def test_fixed_window_resets_at_the_next_window():
    now = [120.0]
    limiter = FixedWindowLimiter(2, window=60, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    now[0] = 150.0
    assert limiter.hit("a") == 30.0
    now[0] = 180.0
    assert limiter.hit("a") is None


def test_a_limit_of_zero_disables_limiting():
    limiter = FixedWindowLimiter(0)
    assert all(limiter.hit("a") is None for _ in range(1000))
