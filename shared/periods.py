"""Reporting periods: ISO weeks, months and quarters, their labels and date ranges.

Waves are periods too, labelled by the wave id (`wave-12`); their dates come from the
survey service, which knows each wave's window.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

GRANULARITIES = ("day", "week", "month", "quarter", "wave")
_PATTERNS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "wave": re.compile(r"^wave-(\d+)$"),
}


class PeriodError(ValueError):
    """A period label or granularity is not understood."""


def period_label(day: date, granularity: str) -> str:
    """Return the label of the period of `granularity` that contains `day`."""
    if granularity == "day":
        return day.isoformat()
    if granularity == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    # Years are four digits, as the label patterns read them (0001-01, not 1-01).
    if granularity == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if granularity == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    raise PeriodError(f"unknown period {granularity!r}; use one of day, week, month, quarter, wave")


def time_piece(day: date) -> tuple[str, str]:
    """Return the (ISO week, month) labels of a day: the piece of time holding it.

    Pieces are the finest cut the calendar periods make: every week, month, quarter and
    year is a union of them (a week straddling two months is two pieces).
    """
    return period_label(day, "week"), period_label(day, "month")


def wave_label(wave_id: int) -> str:
    """Return the period label of a wave."""
    return f"wave-{wave_id}"


def granularity_of(label: str) -> str:
    """Return the granularity a period label is written in."""
    for granularity, pattern in _PATTERNS.items():
        if pattern.match(label):
            return granularity
    raise PeriodError(
        f"unknown period label {label!r}; use 2026-W40, 2026-09, 2026-Q3, 2026-09-28 or wave-<id>"
    )


def period_range(label: str) -> tuple[date, date]:
    """Return the first and last day (inclusive) of a calendar period label."""
    granularity = granularity_of(label)
    match = _PATTERNS[granularity].match(label)
    try:
        if granularity == "day":
            start = date.fromisoformat(label)
            return start, start
        year, number = int(match.group(1)), int(match.group(2))
        # Ends are computed without the following period, which year 9999 does not have.
        if granularity == "week":
            start = date.fromisocalendar(year, number, 1)
            return start, min(start, date.max - timedelta(days=6)) + timedelta(days=6)
        if granularity == "month":
            return date(year, number, 1), _month_end(year, number)
        if granularity == "quarter":
            return date(year, 3 * number - 2, 1), _month_end(year, 3 * number)
    except ValueError:
        raise PeriodError(f"no such period {label!r}") from None
    raise PeriodError(f"{label!r} is a wave, not a calendar period")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_sort_key(label: str) -> tuple:
    """Return a key that orders labels of one granularity chronologically."""
    if label.startswith("wave-"):
        return (int(label[5:]),)
    return (period_range(label)[0],)
