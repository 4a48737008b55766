"""HTTP of the internal reads (internal token only; never routed by the gateway)."""

from __future__ import annotations

import orjson
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from services.survey.summaries import service
from services.survey.summaries.schemas import (
    CommentsQuerySchema,
    CommentsSchema,
    SummariesQuerySchema,
    SummariesSchema,
)
from shared.app import get_engine
from shared.internal import require_internal_token

blp = Blueprint("summaries", __name__, url_prefix="/internal",
                description="Summaries and comments for the metrics service.")
require_internal_token(blp)


@blp.route("/surveys/<int:survey_id>/summaries")
class Summaries(MethodView):
    @blp.arguments(SummariesQuerySchema, location="query")
    @blp.response(200, SummariesSchema)
    def get(self, query, survey_id):
        """Return the survey's definition and its summaries merged by period and segment."""
        # Already JSON-ready: hundreds of groups skip marshmallow's per-field dumping (the
        # schema still documents the answer), and orjson writes them.
        answer = service.summaries(engine=get_engine(), survey_id=survey_id, **query)
        return Response(orjson.dumps(answer, option=orjson.OPT_SERIALIZE_NUMPY),
                        mimetype="application/json")


@blp.route("/surveys/<int:survey_id>/comments")
class Comments(MethodView):
    @blp.arguments(CommentsQuerySchema, location="query")
    @blp.response(200, CommentsSchema)
    def get(self, query, survey_id):
        """Return a group's free-text answers in random order, with its response count."""
        return service.comments(engine=get_engine(), survey_id=survey_id, **query)
