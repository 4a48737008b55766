"""The query schemas of the metrics service's endpoints (on the shared base schema).

Query parameters carry the grammar of API.md as patterns, so that the OpenAPI document says
what a metric, selector or cursor may look like and a malformed one is a 422 before any work.
The answers' schemas are in `services/metrics/answers.py`.
"""

from __future__ import annotations

import re
from typing import ClassVar

import marshmallow as ma

from services.metrics.analytics.selectors import PERIODS
from services.metrics.exports import ExportQuerySchema
from shared.app import MAX_ID
from shared.patterns import KEY, FullMatch
from shared.schemas import BaseSchema, PageQuerySchema

PERIOD = ma.validate.OneOf(PERIODS, error=f"use one of {', '.join(PERIODS)}")
# `index:<key>`, `item:`, `nps:`, `top2:`, `alpha:`, or `share:<question>=<option>` (an option
# is a choice's key or a number on the question's scale).
_METRIC = rf"(?:(?:index|item|nps|top2|alpha):{KEY}|share:{KEY}=[a-z0-9_]{{1,63}})"
METRIC_PATTERN = rf"^{_METRIC}$"
_LABEL = r"[0-9]{4}-(?:W[0-9]{2}|[0-9]{2}(?:-[0-9]{2})?|Q[1-4])|wave-[0-9]{1,19}"
PERIOD_LABEL_PATTERN = rf"^(?:{_LABEL})$"
# `<survey id>:<metric>`: an id as paths take it (digits, no leading zero, a BIGINT).
SURVEY_METRIC_PATTERN = rf"^([1-9][0-9]{{0,18}}):({_METRIC})$"
_SEGMENT_PART = rf"{KEY}=[^;]*"
_SELECTOR_PART = rf"(?:period:(?:{_LABEL})|segment:{_SEGMENT_PART})"
# Parts joined by `;` (empty parts are skipped): `period:2026-09;segment:department=Support`.
SELECTOR_PATTERN = rf"^{_SELECTOR_PART}?(?:;{_SELECTOR_PART}?)*$"
SEGMENT_PATTERN = rf"^(?:{_SEGMENT_PART})?(?:;(?:{_SEGMENT_PART})?)*$"
SEGMENT_BY_PATTERN = rf"^ *(?:{KEY} *(?:, *{KEY} *)*)?$"


def metric_field(**kwargs) -> ma.fields.String:
    """Return a query field holding a metric."""
    return ma.fields.String(validate=FullMatch(METRIC_PATTERN, error=(
        "use index:<key>, item:<question>, nps:<question>, share:<question>=<option>, "
        "top2:<question> or alpha:<index>")), metadata={
        "example": "index:ai_trust",
        "description": "index:<key> (0-100), item:<question> (mean), nps:<question>, "
                       "share:<question>=<option> (0..1), top2:<question> or alpha:<index>."},
        **kwargs)


def selector_field(**kwargs) -> ma.fields.String:
    """Return a query field holding a selector."""
    return ma.fields.String(validate=FullMatch(SELECTOR_PATTERN, error=(
        "use parts joined by ';': period:<label> (2026-W40, 2026-09, 2026-Q3, 2026-09-28, "
        "wave-<id>) or segment:<attribute>=<value>")),
        metadata={"example": "period:2026-09;segment:department=Support",
                  "description": "A group: period:<label> (at most one) and "
                                 "segment:<attribute>=<value> parts, joined by ';'."},
        **kwargs)


def question_field(**kwargs) -> ma.fields.String:
    """Return a query field holding a question key."""
    return ma.fields.String(validate=FullMatch(rf"^{KEY}$", error="not a question key"),
                            metadata={"description": "A question's key."}, **kwargs)


def segment_by_field() -> ma.fields.String:
    """Return the `segment_by` field: attributes separated by commas."""
    return ma.fields.String(load_default=None, validate=FullMatch(
        SEGMENT_BY_PATTERN, error="use segment attributes separated by commas"),
        metadata={"example": "department",
                  "description": "Segment attributes (comma-separated): one row per value."})


class ScoresQuerySchema(ExportQuerySchema):
    """`scores`: metric per period and segment."""

    metric = metric_field(required=True)
    period = ma.fields.String(load_default="week", validate=PERIOD)
    segment_by = segment_by_field()
    from_ = ma.fields.Date(data_key="from", load_default=None)
    to = ma.fields.Date(load_default=None)

    @ma.validates_schema
    def _from_before_to(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("must not be after to", "from")


class CompareQuerySchema(BaseSchema):
    """`compare`: one metric between two selected groups."""

    metric = metric_field(required=True)
    a = selector_field(required=True)
    b = selector_field(required=True)
    alpha = ma.fields.Float(load_default=0.05,
                            validate=ma.validate.Range(min=0, max=1, min_inclusive=False,
                                                       max_inclusive=False))


class DistributionQuerySchema(BaseSchema):
    """`distribution`: one question's answers in two selected groups."""

    question = question_field(required=True)
    a = selector_field(required=True)
    b = selector_field(required=True)


class ChangesQuerySchema(ExportQuerySchema):
    """`changes`: last period against the one before, per segment."""

    metric = metric_field(required=True)
    period = ma.fields.String(load_default="week", validate=PERIOD)
    segment_by = segment_by_field()
    alpha = ma.fields.Float(load_default=0.05,
                            validate=ma.validate.Range(min=0, max=1, min_inclusive=False,
                                                       max_inclusive=False))


class TrendQuerySchema(BaseSchema):
    """`trend`: Mann-Kendall and Sen's slope of one group over periods."""

    metric = metric_field(required=True)
    period = ma.fields.String(load_default="week", validate=PERIOD)
    segment = ma.fields.String(load_default=None, validate=FullMatch(
        SEGMENT_PATTERN, error="use <attribute>=<value> parts joined by ';'"),
        metadata={"example": "department=Support"})


class DriversQuerySchema(BaseSchema):
    """`drivers`: relative weights of the questions on an outcome."""

    outcome = metric_field(required=True)
    selector = selector_field(load_default=None)


class CommentsQuerySchema(BaseSchema):
    """`comments`: a group's free-text answers."""

    question = question_field(required=True)
    selector = selector_field(load_default=None)


class SnapshotsQuerySchema(PageQuerySchema):
    """`snapshots`: stored scores of one survey."""

    metric = metric_field(load_default=None)


# --- impact and linkage ------------------------------------------------------------------


def period_label_field(**kwargs) -> ma.fields.String:
    """Return a query field holding one period's label."""
    return ma.fields.String(validate=FullMatch(PERIOD_LABEL_PATTERN, error=(
        "use a period label: 2026-W40, 2026-09, 2026-Q3, 2026-09-28 or wave-<id>")),
        metadata={"example": "2026-09"}, **kwargs)


class SurveyMetric(ma.fields.String):
    """`<survey id>:<metric>` (e.g. `12:index:wellbeing`), loaded as (survey id, metric)."""

    default_error_messages: ClassVar[dict] = {
        "format": "use <survey id>:<metric>, e.g. 12:index:wellbeing"}

    def __init__(self, **kwargs):
        super().__init__(metadata={"pattern": SURVEY_METRIC_PATTERN,
                                   "example": "1:index:wellbeing"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        match = re.fullmatch(SURVEY_METRIC_PATTERN, super()._deserialize(value, attr, data,
                                                                         **kwargs))
        if match is None or int(match.group(1)) > MAX_ID:
            raise self.make_error("format")
        return int(match.group(1)), match.group(2)


class ImpactQuerySchema(BaseSchema):
    """`impact`: a metric's difference in differences between two groups."""

    metric = metric_field(required=True)
    treated = selector_field(required=True)
    control = selector_field(required=True)
    before = period_label_field(required=True)
    after = period_label_field(required=True)


class LinkageQuerySchema(BaseSchema):
    """`linkage`: an employee metric against a customer metric over the groups both show."""

    employee = SurveyMetric(required=True)
    customer = SurveyMetric(required=True)
    by = ma.fields.String(required=True, validate=FullMatch(rf"^{KEY}$", error=(
        "not a segment attribute")), metadata={"example": "team"})
    from_ = ma.fields.Date(data_key="from", load_default=None)
    to = ma.fields.Date(load_default=None)
