"""Gateway fixtures: a gateway in front of recording stand-in backends, and role keys.

The stand-ins are real HTTP servers on loopback that answer every path with what they
received, so a test sees exactly what the gateway forwarded (or that it forwarded nothing).
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from flask import Flask, jsonify, request

from tests.conftest import ADMIN_KEY, ServerThread

ECHO_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def make_recording_backend(name: str) -> Flask:
    """Return an app that records each request and answers it with what it saw."""
    app = Flask(f"echo_{name}")
    app.config["seen"] = []

    @app.route("/", defaults={"path": ""}, methods=ECHO_METHODS)
    @app.route("/<path:path>", methods=ECHO_METHODS)
    def echo(path):
        seen = {"method": request.method, "path": request.path,
                "query": request.query_string.decode(), "headers": dict(request.headers),
                "body": request.get_data(as_text=True)}
        app.config["seen"].append(seen)
        time.sleep(float(request.args.get("echo_sleep", 0)))
        response = jsonify(service=name, **seen)
        response.status_code = int(request.args.get("echo_status", 200))
        response.headers["Location"] = f"/api/v1/from-{name}"
        response.headers["Retry-After"] = "7"
        response.headers["X-Backend-Private"] = "not for clients"
        return response

    return app


class Gateway:
    """A gateway app wired to recording backends."""

    def __init__(self, app, backends: dict[str, ServerThread]):
        self.app = app
        self.backends = backends
        self.client = app.test_client()

    def seen(self, service: str) -> list[dict]:
        return self.backends[service].app.config["seen"]

    def forwarded(self) -> list[dict]:
        return self.seen("survey") + self.seen("metrics")

    def reset(self) -> None:
        for server in self.backends.values():
            server.app.config["seen"].clear()

    def create_key(self, role: str, name: str | None = None) -> dict:
        response = self.client.post("/api/v1/api-keys", json={"name": name or role, "role": role},
                                    headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()


@pytest.fixture
def make_gateway(settings_factory):
    """Return a function building a gateway (settings overridable) before recording backends."""
    from services.gateway import create_app

    made = []

    def make(**overrides) -> Gateway:
        backends = {name: ServerThread(make_recording_backend(name))
                    for name in ("survey", "metrics")}
        settings = replace(settings_factory(**overrides), survey_url=backends["survey"].url,
                           metrics_url=backends["metrics"].url)
        gateway = Gateway(create_app(settings), backends)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        for server in gateway.backends.values():
            server.stop()
        gateway.app.extensions["trustpulse_engine"].dispose()


@pytest.fixture
def gateway(make_gateway) -> Gateway:
    """A gateway before recording backends, on the test's database."""
    return make_gateway()
