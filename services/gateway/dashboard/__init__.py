"""The leadership dashboard at `/dashboard`: trust over time, from the public API only."""

from __future__ import annotations

from flask import Flask

# Each module adds its pages to the one blueprint.
from services.gateway.dashboard import keys_views, setup_views, survey_views  # noqa: F401
from services.gateway.dashboard.views import blueprint


def register_dashboard(app: Flask) -> None:
    """Serve the dashboard blueprint on `app` (once, however often this is called)."""
    if blueprint.name not in app.blueprints:
        app.register_blueprint(blueprint)
