"""The parts of every service's `create_app` that are the same: config, API, probes, errors."""

from __future__ import annotations

import hmac
from collections.abc import Callable

import orjson
from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as NoRouteMatch

from shared.db import database_ready
from shared.errors import ErrorSchema, NotFound, error_response, register_error_handlers
from shared.http import INTERNAL_TOKEN_HEADER
from shared.logs import configure_logging, init_access_log
from shared.memory import collect_less_often
from shared.observability import init_metrics, register_metrics_endpoint
from shared.requestid import init_request_id
from shared.settings import Settings

MAX_BODY_BYTES = 1024 * 1024
# Ids are BIGINT: a larger one names nothing, and the databases refuse to bind it.
MAX_ID = 2**63 - 1


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON, written by orjson: an answer of a year of cells is megabytes of JSON,
    several times faster to write. Dates, dataclasses and whatever else orjson does not
    write itself go through Flask's own conversions, so answers read the same."""

    def dumps(self, obj, **kwargs) -> str:
        """Return `obj` as JSON text (Flask's encoder for what orjson refuses)."""
        # Compact (no arguments, or Flask's compact separators) is orjson's only layout.
        if kwargs and kwargs != {"separators": (",", ":")}:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=_ORJSON_OPTIONS).decode()
        except TypeError:  # e.g. an integer beyond 64 bits: the standard encoder writes it
            return super().dumps(obj, **kwargs)


_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only an id as written: ASCII digits, no leading zero, no
    larger than a BIGINT holds; anything else (`01`, `١`, 2**63) is a 404."""

    # werkzeug's `\d+` matches any Unicode digit, and int() reads `01` as 1.
    regex = r"[1-9][0-9]*"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        """Return the id, or refuse the match before int() meets thousands of digits."""
        if len(value) > len(str(self.max or MAX_ID)):
            raise NoRouteMatch()
        return super().to_python(value)


class TrustPulseApi(Api):
    """flask-smorest's Api documenting the suite's own error document.

    No catch-all `default` answer: each operation lists the statuses it can answer, so that
    a client (or a contract test) can hold the service to them.
    """

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None


def build_app(import_name: str, service: str, settings: Settings, *,
              version: str = "0.1.0", max_body: int = MAX_BODY_BYTES,
              metrics_allowed: Callable[[], bool] | None = None) -> tuple[Flask, Api]:
    """Return a Flask app and its flask-smorest `Api` configured the TrustPulse way.

    `/metrics` answers internal callers, or those `metrics_allowed` admits instead.
    """
    collect_less_often()
    app = Flask(import_name)
    app.json = OrjsonProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        TRUSTPULSE_SETTINGS=settings,
        TRUSTPULSE_SERVICE=service,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=max_body,
        API_TITLE=f"TrustPulse {service}",
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=None,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    configure_logging(service, settings.log_level)
    init_request_id(app)
    init_access_log(app)
    init_metrics(app, service)
    api = TrustPulseApi(app, spec_kwargs={
        "info": {"description": f"TrustPulse {service} service."}})
    api.register_converter(IdConverter, integerconverter2paramschema)
    # After Api(): ours must win over flask-smorest's own HTTPException handler.
    register_error_handlers(app)
    register_openapi_document(app, api)
    register_metrics_endpoint(app, metrics_allowed or internal_caller)
    return app, api


def internal_caller() -> bool:
    """Return whether the current request presents the shared internal token."""
    from flask import current_app

    expected = current_app.config["TRUSTPULSE_SETTINGS"].internal_token
    given = request.headers.get(INTERNAL_TOKEN_HEADER, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def register_openapi_document(app: Flask, api: Api) -> None:
    """Serve the service's OpenAPI document at `GET /openapi.json` to internal callers only."""
    @app.get("/openapi.json")
    def openapi_document():
        if not internal_caller():
            raise NotFound("No such resource.")
        return jsonify(api.spec.to_dict())


def register_probes(app: Flask, checks: dict[str, Callable[[], tuple[bool, str | None]]]) -> None:
    """Add `GET /healthz` (process up) and `GET /readyz` (each named check answers)."""

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        down = {}
        for name, check in checks.items():
            ok, reason = check()
            if not ok:
                down[name] = reason or "down"
        if down:
            return error_response(503, "Not ready: " + ", ".join(sorted(down)) + " unavailable.",
                                  down)
        return jsonify(status="ok", checks={name: "ok" for name in checks})


def database_check(engine: Engine) -> Callable[[], tuple[bool, str | None]]:
    """Return a readiness check of a database engine."""
    return lambda: database_ready(engine)


def init_database(app: Flask, service: str, settings: Settings, migrations_dir,
                  *, migrate: bool = True, pre_ping: bool = True) -> Engine:
    """Create the service's engine, bring its schema to head, and keep it on the app."""
    from shared.db import make_engine
    from shared.migrations import upgrade

    url, schema = settings.database_for(service)
    engine = make_engine(url, schema, pool_size=settings.db_pool_size, pre_ping=pre_ping)
    if migrate:
        upgrade(migrations_dir, engine, service, schema)
    app.extensions["trustpulse_engine"] = engine
    return engine


def get_engine() -> Engine:
    """Return the database engine of the app serving the current request or job."""
    from flask import current_app

    return current_app.extensions["trustpulse_engine"]
