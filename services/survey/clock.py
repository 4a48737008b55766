"""UTC time: the one clock of the service, and conversions for timestamps read from SQLite."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Return a timestamp as aware UTC (SQLite hands back naive values stored as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """Return `2026-09-28T10:00:00Z` for a timestamp."""
    if value is None:
        return None
    text = as_utc(value).isoformat()
    return text.replace("+00:00", "Z")
