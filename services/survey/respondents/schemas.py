"""Schemas of invitations and customer links."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.survey.schema_base import BaseSchema
from shared.schemas import Boolean

MAX_INVITATIONS = 10_000


class RespondentSchema(BaseSchema):
    """One invited respondent: only segment attributes, never an identity."""

    segment = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)


class InvitationsCreateSchema(BaseSchema):
    """`POST /waves/{id}/invitations`."""

    respondents = fields.List(fields.Nested(RespondentSchema), required=True,
                              validate=validate.Length(min=1, max=MAX_INVITATIONS))
    issue_tokens = Boolean(load_default=True, metadata={
        "description": "false: no tokens, the respondents are only counted as invited (how "
                       "a past, closed wave's invitations are recorded with its imported "
                       "responses)."})


class InvitationsSchema(ma.Schema):
    """The tokens, one per respondent, in order."""

    tokens = fields.List(fields.String(), required=True)


class LinkCreateSchema(BaseSchema):
    """`POST /surveys/{id}/links`."""

    interaction_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    segment = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)


class LinkSchema(ma.Schema):
    """A customer link."""

    token = fields.String(required=True)
    url = fields.String(required=True)


class ParticipationCountsQuerySchema(BaseSchema):
    """`GET /internal/surveys/{id}/participation-counts` query."""

    segment_by = fields.String(load_default=None)

    @ma.post_load
    def _split(self, data, **kwargs):
        text = data.get("segment_by")
        data["segment_by"] = [s.strip() for s in text.split(",")] if text else []
        if len(set(data["segment_by"])) != len(data["segment_by"]) or "" in data["segment_by"]:
            raise ma.ValidationError({"segment_by": ["List distinct attributes, comma-separated."]})
        return data


class WaveInvitedSchema(ma.Schema):
    """How many were invited to one wave in one segment (tokens and recorded counts)."""

    wave = fields.Integer()
    segment = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    invited = fields.Integer()


class DayLinksSchema(ma.Schema):
    """How many customer links were made on one day (UTC) in one segment."""

    day = fields.String(metadata={"description": "YYYY-MM-DD"})
    segment = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    links = fields.Integer()


class ParticipationCountsSchema(ma.Schema):
    """Invitations per wave and links per day, per segment."""

    waves = fields.List(fields.Nested(WaveInvitedSchema))
    links = fields.List(fields.Nested(DayLinksSchema))
