"""The survey service: instruments, waves, invitations, customer links, responses, summaries."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.engine import Engine

from shared.app import build_app, database_check, init_database, register_probes
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> Flask:
    """Build the survey service app."""
    settings = settings or Settings.from_env()
    # Bodies are limited to 1 MiB; the import endpoint raises its own limit to 50 MiB.
    app, api = build_app(__name__, "survey", settings)
    # Connections are not pinged at each checkout: that is one more round trip per
    # response, a fifth of a response's time under load (measured); the response path
    # retries on a connection found dead instead, and the readiness probe retries once.
    engine = init_database(app, "survey", settings, MIGRATIONS, migrate=migrate,
                           pre_ping=False)
    register_blueprints(app, api)
    register_probes(app, {"database": database_check(engine)})
    register_scheduler(app, settings, engine)
    return app


def register_blueprints(app: Flask, api) -> None:
    """Attach the service's resources (every one behind the internal token)."""
    from services.survey.forms.routes import bp as forms
    from services.survey.forms.routes import document_form
    from services.survey.instruments.routes import blp as instruments
    from services.survey.respondents.routes import blp as respondents
    from services.survey.respondents.routes import counts_blp
    from services.survey.responses.routes import blp as responses
    from services.survey.summaries.routes import blp as summaries
    from services.survey.waves.routes import blp as waves

    for blueprint in (instruments, waves, respondents, responses, summaries, counts_blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(forms)
    document_form(app, api)


def register_scheduler(app: Flask, settings: Settings, engine: Engine) -> None:
    """Start the scheduler (waves, summary folding) unless disabled (tests call its jobs)."""
    if settings.scheduler_enabled:
        from services.survey.waves.scheduled import start_scheduler

        app.extensions["survey_scheduler"] = start_scheduler(engine)
