"""The metrics service: scores, comparisons, trends, drivers, comments, impact, linkage,
snapshots and alerts."""

from __future__ import annotations

import atexit
import logging
from pathlib import Path

from flask import Flask
from threadpoolctl import threadpool_limits

from shared.app import build_app, database_check, init_database, register_probes
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> Flask:
    """Build the metrics service app."""
    settings = settings or Settings.from_env()
    # Suppression and statistics work on small matrices, where BLAS threads cost more than
    # they save: one thread for the whole process, set once (the limit is process-wide).
    threadpool_limits(1)
    app, api = build_app(__name__, "metrics", settings)
    engine = init_database(app, "metrics", settings, MIGRATIONS, migrate=migrate)
    register_extensions(app, settings)
    register_blueprints(api)
    register_probes(app, {"database": database_check(engine)})
    if settings.scheduler_enabled:
        register_scheduler(app, settings)
    return app


def register_extensions(app: Flask, settings: Settings) -> None:
    """Create the one pooled client to the survey service, the source reading through it and
    the analytics context (that source, the kept anonymity decisions and summaries, the
    clock)."""
    from services.metrics.analytics.decisions import DecisionStore
    from services.metrics.analytics.history import History, SharedGroups
    from services.metrics.analytics.publication import Analytics
    from services.metrics.survey_source import SurveySource, make_survey_client

    source = SurveySource(make_survey_client(settings))
    engine = app.extensions["trustpulse_engine"]
    app.extensions["trustpulse_survey_source"] = source
    app.extensions["trustpulse_analytics"] = Analytics(
        source, DecisionStore(engine), history=History(shared=SharedGroups(engine)))


def register_blueprints(api) -> None:
    """Attach the service's resources."""
    from services.metrics.analytics.routes import blp as analytics
    from services.metrics.analytics.routes import linkage_blp as linkage
    from services.metrics.monitoring.routes import blp as monitoring
    from services.metrics.reports.routes import blp as reports

    api.register_blueprint(analytics)
    api.register_blueprint(linkage)
    api.register_blueprint(monitoring)
    api.register_blueprint(reports)


def register_scheduler(app: Flask, settings: Settings) -> None:
    """Start the snapshot, alert and delivery jobs in this process."""
    from services.metrics.monitoring.scheduled import JobContext, start_scheduler
    from services.metrics.monitoring.webhooks import WebhookTarget

    webhook = None
    if settings.alert_webhook_url:
        webhook = WebhookTarget(url=settings.alert_webhook_url,
                                secret=settings.alert_webhook_secret,
                                format=settings.alert_webhook_format,
                                public_url=settings.public_url)
        if not webhook.secret:
            logging.getLogger("trustpulse.metrics").warning(
                "TRUSTPULSE_ALERT_WEBHOOK_SECRET is not set: alerts are sent unsigned")
    context = JobContext(engine=app.extensions["trustpulse_engine"],
                         source=app.extensions["trustpulse_analytics"], webhook=webhook)
    scheduler = start_scheduler(context)
    app.extensions["trustpulse_scheduler"] = scheduler
    atexit.register(lambda: scheduler.shutdown(wait=False))
