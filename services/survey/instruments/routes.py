"""HTTP of instruments: templates and surveys."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.survey.instruments import service
from services.survey.instruments.schemas import (
    SurveyCreateSchema,
    SurveyListQuerySchema,
    SurveyPageSchema,
    SurveySchema,
    TemplateListSchema,
)
from services.survey.instruments.templates import list_templates
from shared.app import get_engine
from shared.internal import require_internal_token
from shared.openapi import error_responses

blp = Blueprint("instruments", __name__, url_prefix="/api/v1",
                description="Built-in templates and surveys.")
require_internal_token(blp)


@blp.route("/templates")
class Templates(MethodView):
    @blp.response(200, TemplateListSchema)
    def get(self):
        """List the built-in instruments."""
        return {"items": list_templates()}


@blp.route("/surveys")
class Surveys(MethodView):
    @blp.arguments(SurveyListQuerySchema, location="query")
    @blp.response(200, SurveyPageSchema)
    def get(self, query):
        """List surveys."""
        return service.list_surveys(engine=get_engine(), limit=query["limit"],
                                    cursor=query["cursor"])

    @blp.arguments(SurveyCreateSchema, example={
        "title": "Support pulse", "kind": "employee_pulse", "template": "ai-trust-pulse",
        "segments": ["department", "location"], "anonymity_threshold": 5})
    @blp.response(201, SurveySchema)
    def post(self, data):
        """Create a survey from a template or from explicit questions and indices."""
        return service.create_survey(engine=get_engine(), data=data)


@blp.route("/surveys/<int:survey_id>")
class SurveyById(MethodView):
    @blp.response(200, SurveySchema)
    @error_responses(blp, {404: "No such survey."})
    def get(self, survey_id):
        """Show one survey."""
        return service.get_survey(engine=get_engine(), survey_id=survey_id)
