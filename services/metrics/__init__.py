"""The metrics service: scores, comparisons, trends, drivers, comments, snapshots and alerts."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from shared.app import build_app, database_check, init_database, register_probes
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> Flask:
    """Build the metrics service app."""
    settings = settings or Settings.from_env()
    app, api = build_app(__name__, "metrics", settings)
    engine = init_database(app, "metrics", settings, MIGRATIONS, migrate=migrate)
    register_blueprints(api)
    register_probes(app, {"database": database_check(engine)})
    return app


def register_blueprints(api) -> None:
    """Attach the service's resources."""
