"""The survey service's schema layer: the shared base and page schemas, and timestamps
loaded as UTC, within the instants UTC can hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import marshmallow as ma

from services.survey.clock import as_utc, iso_utc
from shared.schemas import BaseSchema, PageQuerySchema

__all__ = ["BaseSchema", "PageQuerySchema", "UTCDateTime", "utc_or_none"]

# The last instant a timestamp can hold: what passes it in UTC cannot be stored or computed.
END_OF_TIME = datetime.max.replace(tzinfo=UTC)
OUT_OF_RANGE = ("Must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z once "
                "converted to UTC.")


def utc_or_none(value: datetime) -> datetime | None:
    """Return a timestamp as aware UTC, or None when its offset takes it past year 1 or 9999."""
    try:
        return as_utc(value)
    except OverflowError:
        return None
class UTCDateTime(ma.fields.DateTime):
    """An ISO 8601 timestamp: loaded as aware UTC (naive input taken as UTC), dumped with `Z`.

    The one range check of incoming times: `0001-01-01T00:00:00+01:00` is a valid ISO
    text whose UTC instant no datetime holds.
    """

    default_error_messages: ClassVar[dict[str, str]] = {"range": OUT_OF_RANGE}

    def _deserialize(self, value, attr, data, **kwargs):
        moment = utc_or_none(super()._deserialize(value, attr, data, **kwargs))
        if moment is None:
            raise self.make_error("range")
        return moment

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_utc(value)
