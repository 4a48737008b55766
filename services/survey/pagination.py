"""Keyset pagination by id: `?limit=&cursor=` answering `{"items", "next_cursor"}`."""

from __future__ import annotations

from shared.errors import ValidationError


def cursor_after_id(cursor: str | None) -> int:
    """Return the id a cursor continues after (0 for the first page)."""
    try:
        return int(cursor) if cursor else 0
    except ValueError:
        raise ValidationError("The cursor is not valid.", {"cursor": ["Not a valid cursor."]}) from None


def page_of(rows: list[dict], limit: int) -> dict:
    """Return a page from up to `limit + 1` rows fetched in id order."""
    more = len(rows) > limit
    return {"items": rows[:limit], "next_cursor": str(rows[limit - 1]["id"]) if more else None}
