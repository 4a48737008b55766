"""The gateway in front of the real survey and metrics services, on real sockets."""

from __future__ import annotations

import re
import time

from tests.conftest import ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_readyz_reports_database_and_each_backend(suite):
    ready = suite.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "survey": "ok", "metrics": "ok"}
    suite.stop("metrics")
    down = suite.client.get("/readyz")
    assert down.status_code == 503
    assert down.get_json()["error"]["code"] == "unavailable"
    assert set(down.get_json()["error"]["details"]) == {"metrics"}


def test_stopped_survey_gives_503_quickly_while_metrics_keeps_answering(suite):
    suite.stop("survey")
    started = time.monotonic()
    response = suite.client.get("/api/v1/surveys", headers=ADMIN)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.get_json()["error"]["details"] == {"service": "survey"}
    assert elapsed < suite.settings.read_timeout
    posted = suite.client.post("/api/v1/responses", json={"token": "t", "answers": {}})
    assert posted.status_code == 503
    assert posted.get_json()["error"]["details"] == {"service": "survey"}
    metrics = suite.client.get("/api/v1/alerts", headers=ADMIN)
    assert metrics.status_code != 503
    assert metrics.is_json


def test_request_id_reaches_the_backend(suite):
    # The backend's own answer (here, its 404 for an unknown survey, or the survey itself)
    # is passed through unchanged; an error from it carries the id it received.
    response = suite.client.get("/api/v1/surveys/987654",
                                headers={**ADMIN, "X-Request-ID": "trace-me-1"})
    assert response.headers["X-Request-ID"] == "trace-me-1"
    assert response.status_code == 404
    assert response.get_json()["error"]["request_id"] == "trace-me-1"


def test_backends_refuse_callers_without_the_internal_token(suite):
    import requests

    for service in ("survey", "metrics"):
        direct = requests.get(suite.url(service) + "/openapi.json", timeout=5)
        assert direct.status_code == 404


def test_openapi_merges_the_services_and_drops_internal_paths(suite):
    document = suite.client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/api/v1/api-keys" in paths
    assert not [path for path in paths if path.startswith("/internal")]
    assert "x-unavailable-services" not in document
    assert paths["/api/v1/api-keys"]["post"]["x-roles"] == ["admin"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_reference_page_loads_only_what_the_gateway_serves(suite):
    docs = suite.client.get("/api/docs")
    assert docs.status_code == 200 and docs.mimetype == "text/html"
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
    page = docs.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        answer = suite.client.get(asset)
        assert answer.status_code == 200, asset
        # Our own script and style name no other host; Swagger UI's bundle is checked in
        # Chromium (tests/browser/test_docs_browser.py).
        if "/api/docs/static/" in asset:
            assert not re.search(r"https?://", answer.get_data(as_text=True)), asset
    assert not re.search(r"https?://", page)
    assert suite.client.get("/api/docs/swagger-ui/index.html").status_code == 404


def test_openapi_serves_what_is_available_when_a_backend_is_down(suite):
    suite.stop("survey")
    response = suite.client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["x-unavailable-services"] == ["survey"]
    assert "/api/v1/api-keys" in document["paths"]
    assert "Not shown" in suite.client.get("/api/docs").get_data(as_text=True)
