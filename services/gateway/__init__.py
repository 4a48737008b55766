"""The gateway: the one public entry (API keys, routing, docs, respondent forms, dashboard)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.gateway.access import init_access_control
from services.gateway.docs.routes import bp as docs_bp
from services.gateway.keys.routes import blp as keys_blp
from services.gateway.keys.service import ensure_bootstrap_admin
from services.gateway.routing.backends import init_backends, readiness_check
from services.gateway.routing.proxy import register_proxy_routes
from services.gateway.routing.table import DEFAULT_BODY_LIMIT, ROUTES
from shared.app import build_app, database_check, init_database, register_probes
from shared.observability import bearer_token_check
from shared.openapi import document_probes
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> Flask:
    """Build the gateway app."""
    settings = settings or Settings.from_env()
    # 1 MiB for everything; the route table raises it per route (imports: 50 MiB).
    # `/metrics` is for scrapers holding TRUSTPULSE_METRICS_TOKEN; without it, not served.
    app, api = build_app(__name__, "gateway", settings, max_body=DEFAULT_BODY_LIMIT,
                         metrics_allowed=bearer_token_check(settings.metrics_token))
    engine = init_database(app, "gateway", settings, MIGRATIONS, migrate=migrate)
    if settings.admin_key:
        ensure_bootstrap_admin(engine, key=settings.admin_key)
    app.extensions["trustpulse_api"] = api
    app.extensions["trustpulse_routes"] = ROUTES
    backends = init_backends(app, settings)
    init_access_control(app, settings, ROUTES)
    register_blueprints(app, api)
    register_proxy_routes(app, ROUTES)
    register_dashboard(app)
    register_probes(app, {"database": database_check(engine),
                          **{name: readiness_check(client) for name, client in backends.items()}})
    document_probes(app, api)  # public here, so in the document
    return app


def register_blueprints(app: Flask, api) -> None:
    """Attach the gateway's own resources."""
    api.register_blueprint(keys_blp)
    app.register_blueprint(docs_bp)


def register_dashboard(app: Flask) -> None:
    """Mount the leadership dashboard at `/dashboard`."""
    from services.gateway.dashboard import register_dashboard as register

    register(app)
