"""HTTP of invitations and customer links."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.survey.respondents import service
from services.survey.respondents.schemas import (
    InvitationsCreateSchema,
    InvitationsSchema,
    LinkCreateSchema,
    LinkSchema,
    ParticipationCountsQuerySchema,
    ParticipationCountsSchema,
)
from shared.app import get_engine
from shared.internal import require_internal_token
from shared.openapi import error_responses

blp = Blueprint("respondents", __name__, url_prefix="/api/v1",
                description="Invitation tokens and customer links.")
require_internal_token(blp)


def public_base_url() -> str:
    """Return the URL respondents reach the suite at."""
    settings = current_app.config["TRUSTPULSE_SETTINGS"]
    return settings.public_url or settings.url_of("gateway")


@blp.route("/waves/<int:wave_id>/invitations")
class WaveInvitations(MethodView):
    @blp.arguments(InvitationsCreateSchema, example={"respondents": [
        {"segment": {"department": "Support", "location": "Leeds"}}]})
    @blp.response(201, InvitationsSchema)
    @error_responses(blp, {404: "No such wave.", 410: "The wave is closed."})
    def post(self, data, wave_id):
        """Make one single-use token per respondent, in order."""
        tokens = service.create_invitations(engine=get_engine(), wave_id=wave_id,
                                            respondents=data["respondents"],
                                            issue_tokens=data["issue_tokens"])
        return {"tokens": tokens}


@blp.route("/surveys/<int:survey_id>/links")
class SurveyLinks(MethodView):
    @blp.arguments(LinkCreateSchema, example={
        "interaction_id": "call-2026-0042", "segment": {"channel": "chat", "handled_by": "ai"}})
    @blp.response(201, LinkSchema)
    @error_responses(blp, {404: "No such survey."})
    def post(self, data, survey_id):
        """Make a signed link for one customer interaction."""
        settings = current_app.config["TRUSTPULSE_SETTINGS"]
        return service.create_link(engine=get_engine(), secret=settings.link_secret,
                                   base_url=public_base_url(), survey_id=survey_id,
                                   interaction_id=data["interaction_id"],
                                   segment=data["segment"])


counts_blp = Blueprint("participation_counts", __name__, url_prefix="/internal",
                       description="Invitation and link counts for the metrics service.")
require_internal_token(counts_blp)


@counts_blp.route("/surveys/<int:survey_id>/participation-counts")
class ParticipationCounts(MethodView):
    @counts_blp.arguments(ParticipationCountsQuerySchema, location="query")
    @counts_blp.response(200, ParticipationCountsSchema)
    def get(self, query, survey_id):
        """Invitations per wave and customer links per day, per segment."""
        return service.participation_counts(engine=get_engine(), survey_id=survey_id,
                                            segment_by=query["segment_by"])
