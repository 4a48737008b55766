"""Schemas of invitations and customer links."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.survey.schema_base import BaseSchema

MAX_INVITATIONS = 10_000


class RespondentSchema(BaseSchema):
    """One invited respondent: only segment attributes, never an identity."""

    segment = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)


class InvitationsCreateSchema(BaseSchema):
    """`POST /waves/{id}/invitations`."""

    respondents = fields.List(fields.Nested(RespondentSchema), required=True,
                              validate=validate.Length(min=1, max=MAX_INVITATIONS))


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
