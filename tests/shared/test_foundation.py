"""Every service answers probes and errors in the shared JSON shape, on SQLite and PostgreSQL."""

import pytest

from services.gateway import create_app as gateway_app
from services.metrics import create_app as metrics_app
from services.survey import create_app as survey_app

FACTORIES = {"survey": survey_app, "metrics": metrics_app, "gateway": gateway_app}


@pytest.fixture(params=sorted(FACTORIES))
def app(request, service_app):
    # Backends nobody listens on: the gateway's readiness must not depend on what runs here.
    nowhere = "http://127.0.0.1:9"
    return service_app(FACTORIES[request.param], survey_url=nowhere, metrics_url=nowhere)


def test_healthz_and_readyz_answer_ok(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    if app.config["TRUSTPULSE_SERVICE"] == "gateway":
        # Alone, the gateway is not ready: its backends do not answer (its database does).
        assert ready.status_code == 503
        assert set(ready.get_json()["error"]["details"]) == {"survey", "metrics"}
        return
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["database"] == "ok"


def test_unknown_path_is_json_404_with_request_id(app):
    response = app.test_client().get("/no/such/path", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.get_json()["error"] == {
        "code": "not_found", "message": "No such resource.", "details": {},
        "request_id": "abc-123"}


def test_wrong_method_is_json_405(app):
    response = app.test_client().delete("/healthz")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert response.get_json()["error"]["request_id"] == response.headers["X-Request-ID"]


def test_unsafe_request_id_is_replaced(app):
    response = app.test_client().get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert response.headers["X-Request-ID"] != "bad id <script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_readiness_check_names_an_unreachable_database():
    from shared.app import database_check
    from shared.db import make_engine

    engine = make_engine("postgresql+psycopg2://postgres@127.0.0.1:1/none")
    assert database_check(engine)() == (False, "OperationalError")


def test_answers_are_written_by_orjson_as_flask_would_write_them():
    """Dates as Flask writes them (HTTP dates), dataclasses as objects, non-ASCII text as
    itself, compact; an integer beyond 64 bits makes the standard encoder write the answer."""
    import dataclasses
    from datetime import date

    from flask import jsonify

    from shared.app import OrjsonProvider, build_app
    from shared.settings import Settings

    app, _ = build_app(__name__, "test", Settings())
    assert isinstance(app.json, OrjsonProvider)

    @dataclasses.dataclass
    class Point:
        x: int

    with app.app_context():
        fast = jsonify(day=date(2026, 12, 1), point=Point(3), text="Zoë", keys={1: 2},
                       n=[1, 2.5, None])
        big = jsonify(big=2**70, text="Zoë")
    assert fast.get_data(as_text=True) == (
        '{"day":"Tue, 01 Dec 2026 00:00:00 GMT","point":{"x":3},"text":"Zoë","keys":{"1":2},'
        '"n":[1,2.5,null]}\n')
    assert big.get_data(as_text=True) == '{"big":1180591620717411303424,"text":"Zo\\u00eb"}\n'


def test_a_service_collects_its_youngest_garbage_generation_less_often():
    """A large answer's rows set off far fewer passes of the cyclic collector (`shared.memory`)."""
    import gc

    from shared.app import build_app
    from shared.memory import YOUNG_ALLOCATIONS
    from shared.settings import Settings

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, *before[1:])
        build_app(__name__, "test", Settings())
        assert gc.get_threshold() == (YOUNG_ALLOCATIONS, *before[1:])
        passes = gc.get_stats()[0]["collections"]
        rows = [{"n": i, "value": float(i)} for i in range(100_000)]
        assert len(rows) and gc.get_stats()[0]["collections"] - passes <= 10
    finally:
        gc.set_threshold(*before)
