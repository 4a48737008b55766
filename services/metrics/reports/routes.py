"""HTTP resources of participation and question-level results (internal token required)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.metrics import examples
from services.metrics.analytics.routes import current_analytics
from services.metrics.exports import csv_export
from services.metrics.reports.participation import participation
from services.metrics.reports.questions import questions
from services.metrics.reports.schemas import (
    ParticipationQuerySchema,
    ParticipationSchema,
    QuestionsQuerySchema,
    QuestionsSchema,
)
from shared.internal import require_internal_token
from shared.openapi import error_responses

blp = Blueprint("reports", __name__, url_prefix="/api/v1/surveys",
                description="Participation and question-level results, as JSON or CSV.")
require_internal_token(blp)
UNKNOWN_SURVEY = error_responses(blp, {404: "No such survey."})


@blp.route("/<int:survey_id>/participation")
class Participation(MethodView):
    @csv_export(blp, "series", "participation")
    @blp.arguments(ParticipationQuerySchema, location="query")
    @blp.response(200, ParticipationSchema, example=examples.PARTICIPATION)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Invited against responded per period (or wave) and segment; open waves live."""
        return participation(current_analytics(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/questions")
class Questions(MethodView):
    @csv_export(blp, "items", "questions")
    @blp.arguments(QuestionsQuerySchema, location="query")
    @blp.response(200, QuestionsSchema, example=examples.QUESTIONS)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Every non-text question of a group: n, mean, distribution, favourable shares."""
        return questions(current_analytics(), survey_id=survey_id, **query)
