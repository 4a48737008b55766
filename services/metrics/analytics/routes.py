"""HTTP resources of the analytics endpoints (internal token required; the gateway forwards)."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.metrics.analytics import service
from services.metrics.analytics.impact import impact
from services.metrics.analytics.linkage import linkage
from services.metrics.schemas import (
    ChangesQuerySchema,
    CommentsQuerySchema,
    CompareQuerySchema,
    DistributionQuerySchema,
    DriversQuerySchema,
    ScoresQuerySchema,
    TrendQuerySchema,
)
from services.metrics.schemas_analyses import (
    ImpactQuerySchema,
    ImpactSchema,
    LinkageQuerySchema,
    LinkageSchema,
)
from shared.internal import require_internal_token

blp = Blueprint("analytics", __name__, url_prefix="/api/v1/surveys",
                description="Trust analytics computed from the survey service's summaries.")
require_internal_token(blp)
# Linkage reads two surveys, so it lives beside the surveys rather than under one.
linkage_blp = Blueprint("linkage", __name__, url_prefix="/api/v1",
                        description="Employee metrics against customer metrics over groups.")
require_internal_token(linkage_blp)


def _source():
    """Return the analytics context (survey source, kept decisions, clock) of this app."""
    return current_app.extensions["trustpulse_analytics"]


@blp.route("/<int:survey_id>/scores")
class Scores(MethodView):
    @blp.arguments(ScoresQuerySchema, location="query")
    @blp.response(200)
    def get(self, query, survey_id):
        """Metric per period and segment, with 95% intervals; small groups hidden."""
        return service.scores(_source(), survey_id=survey_id, metric=query["metric"],
                              period=query["period"], segment_by=query["segment_by"],
                              start=query["from_"], end=query["to"])


@blp.route("/<int:survey_id>/compare")
class Compare(MethodView):
    @blp.arguments(CompareQuerySchema, location="query")
    @blp.response(200)
    def get(self, query, survey_id):
        """Test one metric between two selected groups (b - a)."""
        return service.compare(_source(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/distribution")
class Distribution(MethodView):
    @blp.arguments(DistributionQuerySchema, location="query")
    @blp.response(200)
    def get(self, query, survey_id):
        """Chi-square test of two groups' answers to one question, with Cramér's V."""
        return service.distribution(_source(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/changes")
class Changes(MethodView):
    @blp.arguments(ChangesQuerySchema, location="query")
    @blp.response(200)
    def get(self, query, survey_id):
        """Last period against the one before, per segment, Benjamini-Hochberg adjusted."""
        return service.changes(_source(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/trend")
class TrendResource(MethodView):
    @blp.arguments(TrendQuerySchema, location="query")
    @blp.response(200)
    def get(self, query, survey_id):
        """Mann-Kendall test and Sen's slope of one group across periods."""
        return service.trend(_source(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/drivers")
class DriversResource(MethodView):
    @blp.arguments(DriversQuerySchema, location="query")
    @blp.response(200)
    def get(self, query, survey_id):
        """Questions ranked by Johnson's relative weight on an outcome."""
        return service.drivers(_source(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/comments")
class Comments(MethodView):
    @blp.arguments(CommentsQuerySchema, location="query")
    @blp.response(200)
    def get(self, query, survey_id):
        """A large enough group's free-text answers, shuffled."""
        return service.comments(_source(), survey_id=survey_id, **query)


@blp.route("/<int:survey_id>/impact")
class Impact(MethodView):
    @blp.arguments(ImpactQuerySchema, location="query")
    @blp.response(200, ImpactSchema)
    def get(self, query, survey_id):
        """Difference in differences of two groups across a before and an after period."""
        return impact(_source(), survey_id=survey_id, **query)


@linkage_blp.route("/linkage")
class Linkage(MethodView):
    @linkage_blp.arguments(LinkageQuerySchema, location="query")
    @linkage_blp.response(200, LinkageSchema)
    def get(self, query):
        """Correlation over shared groups of an employee metric and a customer metric."""
        return linkage(_source(), employee=query["employee"], customer=query["customer"],
                       by=query["by"], start=query["from_"], end=query["to"])
