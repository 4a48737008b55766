"""Helpers for driving the dashboard through the gateway's test client."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ADMIN_KEY

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client, path: str = "/dashboard/login") -> str:
    """Return the CSRF token of the form on `path` (starting a session if needed)."""
    page = client.get(path)
    return CSRF.search(page.get_data(as_text=True)).group(1)


def sign_in(client, key: str):
    """Post the sign-in form with a valid CSRF token; return the answer."""
    return client.post("/dashboard/login", data={"api_key": key, "csrf_token": csrf_from(client)})


def make_key(suite, admin_headers, role: str) -> str:
    """Create an API key of `role` through the public API."""
    answer = suite.client.post("/api/v1/api-keys", json={"name": f"{role} key", "role": role},
                               headers=admin_headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["key"]


def run_alert_job(suite) -> int:
    """Run the metrics service's deterioration job once, as its scheduler would."""
    from services.metrics.monitoring.scheduled import JobContext, run_named_job

    metrics = suite.servers["metrics"].app
    context = JobContext(engine=metrics.extensions["trustpulse_engine"],
                         source=metrics.extensions["trustpulse_analytics"], webhook=None)
    with metrics.app_context():
        return run_named_job(context, "detect_deteriorations")


@pytest.fixture
def demo_suite(suite):
    """The suite with the demo organisation loaded (its summary kept as `suite.demo`)."""
    from services.demo import load_demo

    suite.demo = load_demo(gateway_url=suite.url("gateway"), admin_key=ADMIN_KEY)
    return suite


@pytest.fixture
def browser_client(suite):
    """A gateway test client keeping cookies, as a browser would."""
    return suite.gateway_app.test_client()
