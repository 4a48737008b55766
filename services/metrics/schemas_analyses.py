"""Query and response schemas of the impact and linkage analyses."""

from __future__ import annotations

from typing import ClassVar

import marshmallow as ma
from marshmallow import fields

from shared.app import MAX_ID
from shared.schemas import BaseSchema, integer_from_text


class SurveyMetric(fields.String):
    """`<survey id>:<metric>` (e.g. `12:index:wellbeing`), loaded as (survey id, metric)."""

    default_error_messages: ClassVar[dict] = {"format": "use <survey id>:<metric>, e.g. 12:index:wellbeing"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        head, _, metric = text.partition(":")
        survey_id = integer_from_text(head)
        if survey_id is None or not 0 < survey_id <= MAX_ID or not metric:
            raise self.make_error("format")
        return survey_id, metric


class ImpactQuerySchema(BaseSchema):
    """`impact`: a metric's difference in differences between two groups."""

    metric = fields.String(required=True)
    treated = fields.String(required=True, metadata={"example": "segment:trained=yes"})
    control = fields.String(required=True, metadata={"example": "segment:trained=no"})
    before = fields.String(required=True, metadata={"example": "2026-09"})
    after = fields.String(required=True, metadata={"example": "2026-11"})


class LinkageQuerySchema(BaseSchema):
    """`linkage`: an employee metric against a customer metric over shared groups."""

    employee = SurveyMetric(required=True, metadata={"example": "1:index:wellbeing"})
    customer = SurveyMetric(required=True, metadata={"example": "2:item:csat"})
    by = fields.String(required=True, metadata={"example": "team"})
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)


def _number():
    return fields.Float(allow_none=True)


class AnalysisGroupSchema(ma.Schema):
    """A group's size (respondents, or answers to the metric's question) and value."""

    n = fields.Integer(allow_none=True)
    value = _number()


class ImpactPeriodSchema(ma.Schema):
    """A period named by an answer, with its first and last day."""

    period = fields.String()
    start = fields.String(metadata={"format": "date"})
    end = fields.String(metadata={"format": "date"})


class ImpactGroupSchema(ma.Schema):
    """One group in the period before and the period after."""

    before = fields.Nested(AnalysisGroupSchema)
    after = fields.Nested(AnalysisGroupSchema)


class ImpactPreTrendSchema(ma.Schema):
    """Weighted slope of the treated - control difference over the earlier periods."""

    periods = fields.Integer(allow_none=True)
    slope = _number()
    std_error = _number()
    z = _number()
    p_value = _number()
    reason = fields.String(allow_none=True)


class ImpactSchema(ma.Schema):
    """The answer of `impact` (every number null when `suppressed`)."""

    metric = fields.String()
    before = fields.Nested(ImpactPeriodSchema)
    after = fields.Nested(ImpactPeriodSchema)
    treated = fields.Nested(ImpactGroupSchema)
    control = fields.Nested(ImpactGroupSchema)
    estimate = _number()
    std_error = _number()
    ci_low = _number()
    ci_high = _number()
    z = _number()
    p_value = _number()
    confidence = fields.Float()
    pre_trend = fields.Nested(ImpactPreTrendSchema)
    reason = fields.String(allow_none=True)
    suppressed = fields.Boolean()


class LinkageSideSchema(ma.Schema):
    """One survey of a linkage and its metric."""

    survey_id = fields.Integer()
    metric = fields.String()


class LinkagePointSchema(ma.Schema):
    """One group shown in both surveys."""

    segment = fields.Dict(keys=fields.String(), values=fields.String())
    employee = fields.Nested(AnalysisGroupSchema)
    customer = fields.Nested(AnalysisGroupSchema)


class LinkagePearsonSchema(ma.Schema):
    """Pearson's r with its Fisher-z interval and p-value."""

    r = _number()
    ci_low = _number()
    ci_high = _number()
    p_value = _number()


class LinkageSpearmanSchema(ma.Schema):
    """Spearman's rho and its p-value."""

    rho = _number()
    p_value = _number()


class LinkageSchema(ma.Schema):
    """The answer of `linkage`."""

    employee = fields.Nested(LinkageSideSchema)
    customer = fields.Nested(LinkageSideSchema)
    by = fields.String()
    from_ = fields.String(data_key="from", attribute="from", allow_none=True,
                          metadata={"format": "date"})
    to = fields.String(allow_none=True, metadata={"format": "date"})
    points = fields.List(fields.Nested(LinkagePointSchema))
    groups = fields.Integer()
    pearson = fields.Nested(LinkagePearsonSchema)
    spearman = fields.Nested(LinkageSpearmanSchema)
    confidence = fields.Float()
    reason = fields.String(allow_none=True)
