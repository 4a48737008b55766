"""Schemas of waves and schedules."""

from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from marshmallow import fields, validate

from services.survey.schema_base import END_OF_TIME, BaseSchema, PageQuerySchema, UTCDateTime
from shared.schemas import Integer


class WaveCreateSchema(BaseSchema):
    """`POST /surveys/{id}/waves`."""

    opens_at = UTCDateTime(required=True)
    closes_at = UTCDateTime(required=True)

    @ma.validates_schema
    def _check_window(self, data, **kwargs):
        if data["closes_at"] <= data["opens_at"]:
            raise ma.ValidationError({"closes_at": ["Must be after opens_at."]})


class WaveSchema(ma.Schema):
    """A wave; `status` is `scheduled`, `open` or `closed`, from its times."""

    id = fields.Integer(required=True)
    survey_id = fields.Integer(required=True)
    opens_at = UTCDateTime(required=True)
    closes_at = UTCDateTime(required=True)
    status = fields.String(required=True)
    schedule_id = fields.Integer(allow_none=True, required=True)


class WavePageSchema(ma.Schema):
    """A page of waves."""

    items = fields.List(fields.Nested(WaveSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class WaveListQuerySchema(PageQuerySchema):
    """`GET /surveys/{id}/waves` query."""


class ScheduleCreateSchema(BaseSchema):
    """`POST /surveys/{id}/schedule`: a wave every `every_days`, open for `open_days`."""

    every_days = Integer(required=True, validate=validate.Range(min=1, max=366))
    open_days = Integer(required=True, validate=validate.Range(min=1, max=366))
    starts_at = UTCDateTime(load_default=None)

    @ma.validates_schema
    def _check_open_days(self, data, **kwargs):
        if data["open_days"] > data["every_days"]:
            raise ma.ValidationError({"open_days": ["May not exceed every_days."]})
        starts = data["starts_at"]
        if starts is not None and starts > END_OF_TIME - timedelta(days=data["open_days"]):
            raise ma.ValidationError({"starts_at": [
                "The first wave would close after 9999-12-31T23:59:59Z."]})


class ScheduleSchema(ma.Schema):
    """A schedule and the waves made from it so far."""

    id = fields.Integer(required=True)
    survey_id = fields.Integer(required=True)
    every_days = fields.Integer(required=True)
    open_days = fields.Integer(required=True)
    starts_at = UTCDateTime(required=True)
    waves = fields.List(fields.Nested(WaveSchema), required=True)
