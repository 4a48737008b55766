"""Marshmallow schemas of the API-key endpoints."""

from __future__ import annotations

from marshmallow import fields, validate

from services.gateway.keys.service import ROLES
from shared.pagination import cursor_field
from shared.schemas import BaseSchema, IntegerText


class UTCDateTime(fields.DateTime):
    """A naive UTC datetime written as ISO 8601 with `Z`."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiKeyCreateSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class ApiKeySchema(BaseSchema):
    id = fields.Integer(dump_only=True, required=True)
    name = fields.String(dump_only=True, required=True)
    role = fields.String(dump_only=True, required=True)
    key_prefix = fields.String(dump_only=True, metadata={
        "description": "The key's first characters, to tell keys apart."}, required=True)
    created_at = UTCDateTime(dump_only=True, required=True)
    revoked_at = UTCDateTime(dump_only=True, allow_none=True, required=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(dump_only=True, metadata={
        "description": "The key itself, shown this once; only its hash is stored."}, required=True)


class ApiKeyListQuerySchema(BaseSchema):
    limit = IntegerText(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = cursor_field()


class ApiKeyPageSchema(BaseSchema):
    items = fields.List(fields.Nested(ApiKeySchema), dump_only=True, required=True)
    next_cursor = fields.String(dump_only=True, allow_none=True, required=True)
