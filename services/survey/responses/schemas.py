"""Schemas of responding and importing."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.survey.schema_base import BaseSchema, UTCDateTime


class ResponseCreateSchema(BaseSchema):
    """`POST /responses`: a token and the answers by question key."""

    token = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    answers = fields.Raw(required=True)


class ResponseCreatedSchema(ma.Schema):
    """The stored response's id."""

    id = fields.Integer(required=True)


class ImportRowSchema(BaseSchema):
    """One imported response."""

    submitted_at = UTCDateTime(required=True)
    segment = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    answers = fields.Raw(required=True)


class ImportQuerySchema(BaseSchema):
    """`?dry_run=true` checks every row as an import would and stores nothing."""

    dry_run = fields.Boolean(load_default=False)


class ImportResultSchema(ma.Schema):
    """How many responses an import stored (a dry run: none, and how many are valid)."""

    imported = fields.Integer(required=True)
    valid = fields.Integer()
