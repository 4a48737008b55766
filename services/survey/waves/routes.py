"""HTTP of waves and schedules."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.survey.waves import service
from services.survey.waves.schemas import (
    ScheduleCreateSchema,
    ScheduleSchema,
    WaveCreateSchema,
    WaveListQuerySchema,
    WavePageSchema,
    WaveSchema,
)
from shared.app import get_engine
from shared.internal import require_internal_token
from shared.openapi import error_responses

blp = Blueprint("waves", __name__, url_prefix="/api/v1", description="Waves and schedules.")
require_internal_token(blp)


@blp.route("/surveys/<int:survey_id>/waves")
class SurveyWaves(MethodView):
    @blp.arguments(WaveListQuerySchema, location="query")
    @blp.response(200, WavePageSchema)
    @error_responses(blp, {404: "No such survey."})
    def get(self, query, survey_id):
        """List a survey's waves."""
        return service.list_waves(engine=get_engine(), survey_id=survey_id,
                                  limit=query["limit"], cursor=query["cursor"])

    @blp.arguments(WaveCreateSchema, example={"opens_at": "2026-09-28T08:00:00Z",
                                              "closes_at": "2026-10-02T18:00:00Z"})
    @blp.response(201, WaveSchema)
    @error_responses(blp, {404: "No such survey.",
                           409: "The wave overlaps another wave of the survey."})
    def post(self, data, survey_id):
        """Add a wave: the survey takes responses from opens_at until closes_at."""
        return service.create_wave(engine=get_engine(), survey_id=survey_id, **data)


@blp.route("/surveys/<int:survey_id>/schedule")
class SurveySchedule(MethodView):
    @blp.arguments(ScheduleCreateSchema, example={"every_days": 14, "open_days": 5,
                                                  "starts_at": "2026-09-28T08:00:00Z"})
    @blp.response(201, ScheduleSchema)
    @error_responses(blp, {404: "No such survey."})
    def post(self, data, survey_id):
        """Schedule waves: one every `every_days`, open for `open_days`, from `starts_at`."""
        return service.create_schedule(engine=get_engine(), survey_id=survey_id, **data)
