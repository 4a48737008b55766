"""Keyset pagination by id: `?limit=&cursor=` answering `{"items", "next_cursor"}`."""

from __future__ import annotations

import marshmallow as ma

from shared.app import MAX_ID
from shared.errors import ValidationError
from shared.patterns import FullMatch

# What a next_cursor can be: the digits of an id (empty: the first page).
CURSOR_PATTERN = r"^[0-9]{0,19}$"


def cursor_field() -> ma.fields.String:
    """Return the `cursor` query field of a list, its pattern documented."""
    return ma.fields.String(load_default=None, validate=FullMatch(
        CURSOR_PATTERN, error="Not a valid cursor."))


def cursor_after_id(cursor: str | None) -> int:
    """Return the id a cursor continues after (0 for the first page)."""
    if not cursor:
        return 0
    # Only what a next_cursor can be: ASCII digits of a BIGINT id (int() takes far more).
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 19
            and int(cursor) <= MAX_ID):
        raise ValidationError("The cursor is not valid.", {"cursor": ["Not a valid cursor."]})
    return int(cursor)


def page_of(rows: list[dict], limit: int) -> dict:
    """Return a page from up to `limit + 1` rows fetched in id order."""
    more = len(rows) > limit
    return {"items": rows[:limit], "next_cursor": str(rows[limit - 1]["id"]) if more else None}
