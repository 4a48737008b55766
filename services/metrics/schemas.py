"""The query schemas of the metrics service's endpoints (on the shared base schema)."""

from __future__ import annotations

import marshmallow as ma

from services.metrics.analytics.selectors import PERIODS
from shared.schemas import BaseSchema, PageQuerySchema

PERIOD = ma.validate.OneOf(PERIODS, error=f"use one of {', '.join(PERIODS)}")


class ScoresQuerySchema(BaseSchema):
    """`scores`: metric per period and segment."""

    metric = ma.fields.String(required=True)
    period = ma.fields.String(load_default="week", validate=PERIOD)
    segment_by = ma.fields.String(load_default=None)
    from_ = ma.fields.Date(data_key="from", load_default=None)
    to = ma.fields.Date(load_default=None)

    @ma.validates_schema
    def _from_before_to(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("must not be after to", "from")


class CompareQuerySchema(BaseSchema):
    """`compare`: one metric between two selected groups."""

    metric = ma.fields.String(required=True)
    a = ma.fields.String(required=True)
    b = ma.fields.String(required=True)
    alpha = ma.fields.Float(load_default=0.05,
                            validate=ma.validate.Range(min=0, max=1, min_inclusive=False,
                                                       max_inclusive=False))


class DistributionQuerySchema(BaseSchema):
    """`distribution`: one question's answers in two selected groups."""

    question = ma.fields.String(required=True)
    a = ma.fields.String(required=True)
    b = ma.fields.String(required=True)


class ChangesQuerySchema(BaseSchema):
    """`changes`: last period against the one before, per segment."""

    metric = ma.fields.String(required=True)
    period = ma.fields.String(load_default="week", validate=PERIOD)
    segment_by = ma.fields.String(load_default=None)
    alpha = ma.fields.Float(load_default=0.05,
                            validate=ma.validate.Range(min=0, max=1, min_inclusive=False,
                                                       max_inclusive=False))


class TrendQuerySchema(BaseSchema):
    """`trend`: Mann-Kendall and Sen's slope of one group over periods."""

    metric = ma.fields.String(required=True)
    period = ma.fields.String(load_default="week", validate=PERIOD)
    segment = ma.fields.String(load_default=None)


class DriversQuerySchema(BaseSchema):
    """`drivers`: relative weights of the questions on an outcome."""

    outcome = ma.fields.String(required=True)
    selector = ma.fields.String(load_default=None)


class CommentsQuerySchema(BaseSchema):
    """`comments`: a group's free-text answers."""

    question = ma.fields.String(required=True)
    selector = ma.fields.String(load_default=None)


class SnapshotsQuerySchema(PageQuerySchema):
    """`snapshots`: stored scores of one survey."""

    metric = ma.fields.String(load_default=None)
