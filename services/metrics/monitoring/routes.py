"""HTTP resources of alerts and stored snapshots."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.metrics import examples
from services.metrics.answers import AlertPageSchema, DeliveryPageSchema, SnapshotPageSchema
from services.metrics.monitoring import service
from services.metrics.schemas import PageQuerySchema, SnapshotsQuerySchema
from shared.app import get_engine
from shared.internal import require_internal_token
from shared.openapi import error_responses

blp = Blueprint("monitoring", __name__, url_prefix="/api/v1",
                description="Alerts raised by the scheduled jobs, and stored score snapshots.")
require_internal_token(blp)


@blp.route("/alerts")
class Alerts(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, AlertPageSchema, example=examples.ALERTS)
    def get(self, query):
        """Significant deteriorations found by the scheduled jobs, newest first."""
        return service.list_alerts(engine=get_engine(), **query)


@blp.route("/alerts/deliveries")
class AlertDeliveries(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, query):
        """Webhook deliveries of alerts (state, attempts, last answer), newest alert first."""
        return service.list_deliveries(engine=get_engine(), **query)


@blp.route("/surveys/<int:survey_id>/snapshots")
class Snapshots(MethodView):
    @blp.arguments(SnapshotsQuerySchema, location="query")
    @blp.response(200, SnapshotPageSchema, example=examples.SNAPSHOTS)
    @error_responses(blp, {404: "No such survey."})
    def get(self, query, survey_id):
        """The latest stored index scores of a survey."""
        # An unknown survey is 404 here as on every analytics endpoint (the survey
        # service answers for it; its definition is cached).
        current_app.extensions["trustpulse_survey_source"].definition(survey_id)
        return service.list_snapshots(engine=get_engine(), survey_id=survey_id, **query)
