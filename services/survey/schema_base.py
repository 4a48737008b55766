"""The base marshmallow schema of the survey service: unknown keys refused, errors flattened."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from services.survey.clock import as_utc, iso_utc
from shared.pagination import cursor_field


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Return marshmallow's nested messages as `{"a.0.b": ["..."]}`, field -> list of messages."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = str(key) if key != "_schema" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name or "_schema")
            for field, msgs in flatten_messages(value, path).items():
                flat.setdefault(field, []).extend(msgs)
        return flat
    if isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": list(messages)}
        flat = {}
        for message in messages:
            for field, msgs in flatten_messages(message, prefix).items():
                flat.setdefault(field, []).extend(msgs)
        return flat
    return {prefix or "_schema": [str(messages)]}


class BaseSchema(ma.Schema):
    """Refuses unknown keys and reports every problem as `field path -> messages`."""

    class Meta:
        unknown = ma.RAISE

    def handle_error(self, error: ma.ValidationError, data: Any, *, many: bool, **kwargs) -> None:
        """Re-raise with flat field paths, the shape of the API's 422 details."""
        raise ma.ValidationError(flatten_messages(error.normalized_messages()))


class PageQuerySchema(BaseSchema):
    """`?limit=&cursor=` of every list."""

    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))
    cursor = cursor_field()


class UTCDateTime(ma.fields.DateTime):
    """An ISO 8601 timestamp: loaded as aware UTC (naive input taken as UTC), dumped with `Z`."""

    def _deserialize(self, value, attr, data, **kwargs):
        return as_utc(super()._deserialize(value, attr, data, **kwargs))

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_utc(value)
