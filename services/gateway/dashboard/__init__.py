"""The leadership dashboard at `/dashboard`: trust over time, from the public API only."""

from __future__ import annotations

from flask import Flask

from services.gateway.dashboard.views import blueprint


def register_dashboard(app: Flask) -> None:
    """Serve the dashboard blueprint on `app` (once, however often this is called)."""
    if blueprint.name not in app.blueprints:
        app.register_blueprint(blueprint)
