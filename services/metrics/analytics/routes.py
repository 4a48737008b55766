"""HTTP resources of the analytics endpoints (internal token required; the gateway forwards)."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.metrics import examples
from services.metrics.analytics import service
from services.metrics.analytics.impact import impact
from services.metrics.analytics.linkage import linkage
from services.metrics.answers import (
    ChangesSchema,
    CommentsSchema,
    CompareSchema,
    DistributionSchema,
    DriversSchema,
    ImpactSchema,
    LinkageSchema,
    ScoresSchema,
    TrendSchema,
)
from services.metrics.exports import csv_export
from services.metrics.schemas import (
    ChangesQuerySchema,
    CommentsQuerySchema,
    CompareQuerySchema,
    DistributionQuerySchema,
    DriversQuerySchema,
    ImpactQuerySchema,
    LinkageQuerySchema,
    ScoresQuerySchema,
    TrendQuerySchema,
)
from shared.internal import require_internal_token
from shared.openapi import error_responses

blp = Blueprint("analytics", __name__, url_prefix="/api/v1/surveys",
                description="Trust analytics computed from the survey service's summaries.")
require_internal_token(blp)
# Every analytics answer is about one survey, which may not exist.
UNKNOWN_SURVEY = error_responses(blp, {404: "No such survey."})
# Linkage reads two surveys, so it lives beside the surveys rather than under one.
linkage_blp = Blueprint("linkage", __name__, url_prefix="/api/v1",
                        description="Employee metrics against customer metrics over groups.")
require_internal_token(linkage_blp)


def current_analytics():
    """Return the analytics context (survey source, kept decisions, clock) of this app."""
    return current_app.extensions["trustpulse_analytics"]


@blp.route("/<int:survey_id>/scores")
class Scores(MethodView):
    @csv_export(blp, "series", "scores")
    @blp.arguments(ScoresQuerySchema, location="query")
    @blp.response(200, ScoresSchema, example=examples.SCORES)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Metric per period and segment, with 95% intervals; small groups hidden."""
        return service.scores(current_analytics(), survey_id=survey_id, metric=query["metric"],
                              period=query["period"], segment_by=query["segment_by"],
                              start=query["from_"], end=query["to"])


@blp.route("/<int:survey_id>/compare")
class Compare(MethodView):
    @blp.arguments(CompareQuerySchema, location="query")
    @blp.response(200, CompareSchema, example=examples.COMPARE)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Test one metric between two selected groups (b - a)."""
        return service.compare(current_analytics(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/distribution")
class Distribution(MethodView):
    @blp.arguments(DistributionQuerySchema, location="query")
    @blp.response(200, DistributionSchema, example=examples.DISTRIBUTION)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Chi-square test of two groups' answers to one question, with Cramér's V."""
        return service.distribution(current_analytics(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/changes")
class Changes(MethodView):
    @csv_export(blp, "items", "changes")
    @blp.arguments(ChangesQuerySchema, location="query")
    @blp.response(200, ChangesSchema, example=examples.CHANGES)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Last period against the one before, per segment, Benjamini-Hochberg adjusted."""
        return service.changes(current_analytics(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/trend")
class TrendResource(MethodView):
    @blp.arguments(TrendQuerySchema, location="query")
    @blp.response(200, TrendSchema, example=examples.TREND)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Mann-Kendall test and Sen's slope of one group across periods."""
        return service.trend(current_analytics(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/drivers")
class DriversResource(MethodView):
    @blp.arguments(DriversQuerySchema, location="query")
    @blp.response(200, DriversSchema, example=examples.DRIVERS)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Questions ranked by Johnson's relative weight on an outcome."""
        return service.drivers(current_analytics(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/comments")
class Comments(MethodView):
    @blp.arguments(CommentsQuerySchema, location="query")
    @blp.response(200, CommentsSchema, example=examples.COMMENTS)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """A large enough group's free-text answers, shuffled."""
        return service.comments(current_analytics(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/impact")
class Impact(MethodView):
    @blp.arguments(ImpactQuerySchema, location="query")
    @blp.response(200, ImpactSchema, example=examples.IMPACT)
    @UNKNOWN_SURVEY
    def get(self, query, survey_id):
        """Difference in differences of two groups across a before and an after period."""
        return impact(current_analytics(), survey_id=survey_id, **query)


@linkage_blp.route("/linkage")
class Linkage(MethodView):
    @linkage_blp.arguments(LinkageQuerySchema, location="query")
    @linkage_blp.response(200, LinkageSchema, example=examples.LINKAGE)
    @error_responses(linkage_blp, {404: "No such survey."})
    def get(self, query):
        """Correlation over shared groups of an employee metric and a customer metric."""
        return linkage(current_analytics(), employee=query["employee"], customer=query["customer"],
                       by=query["by"], start=query["from_"], end=query["to"])
