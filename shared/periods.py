"""Reporting periods: a tree of days, ISO weeks, months and quarters, and the waves in it.

Months and quarters are made of whole ISO weeks: a week belongs to the month, quarter and
year holding its Thursday (ISO 8601's rule for a week's year), so `2026-09` runs from
Monday 2026-08-31 to Sunday 2026-09-27. Every period is then the exact sum of its
children (a quarter of its months, a month of its weeks, a week of its days), which is what
lets a period be decided once and its parents later with its cells already known.

Waves are periods too, labelled by the wave id (`wave-12`); a response given through a
wave's invitation counts on the wave's opening day, so a wave lies inside one week.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

GRANULARITIES = ("day", "week", "month", "quarter", "wave")
CALENDAR = ("day", "week", "month", "quarter")
_PATTERNS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "wave": re.compile(r"^wave-(\d+)$"),
}


class PeriodError(ValueError):
    """A period label or granularity is not understood."""


def _thursday(day: date) -> date:
    """Return the Thursday of the ISO week holding `day` (it names the week's month)."""
    thursday = day + timedelta(days=3 - day.weekday())
    return min(max(thursday, date.min), date.max)


def period_label(day: date, granularity: str) -> str:
    """Return the label of the period of `granularity` that contains `day`."""
    if granularity == "day":
        return day.isoformat()
    if granularity == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    # Years are four digits, as the label patterns read them (0001-01, not 1-01).
    thursday = _thursday(day)
    if granularity == "month":
        return f"{thursday.year:04d}-{thursday.month:02d}"
    if granularity == "quarter":
        return f"{thursday.year:04d}-Q{(thursday.month - 1) // 3 + 1}"
    raise PeriodError(f"unknown period {granularity!r}; use one of day, week, month, quarter, wave")


def time_piece(day: date) -> tuple[str, str]:
    """Return the (ISO week, month) labels of a day (the week alone decides the month)."""
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


def _first_monday(year: int, month: int) -> date:
    """Return the Monday of the first ISO week whose Thursday lies in `month` of `year`."""
    first = date(year, month, 1)
    # The first Thursday of the month, then back to its Monday.
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return thursday - timedelta(days=3)


def _months_range(year: int, first_month: int, last_month: int) -> tuple[date, date]:
    start = _first_monday(year, first_month)
    if last_month == 12:
        if year == 9999:
            return start, date.max
        end = _first_monday(year + 1, 1) - timedelta(days=1)
    else:
        end = _first_monday(year, last_month + 1) - timedelta(days=1)
    return start, end


def period_range(label: str) -> tuple[date, date]:
    """Return the first and last day (inclusive) of a calendar period label."""
    granularity = granularity_of(label)
    if granularity == "wave":
        raise PeriodError(f"{label!r} is a wave, not a calendar period")
    match = _PATTERNS[granularity].match(label)
    try:
        if granularity == "day":
            start = date.fromisoformat(label)
            return start, start
        year, number = int(match.group(1)), int(match.group(2))
        if granularity == "week":
            start = date.fromisocalendar(year, number, 1)
            # Ends are computed without the following period, which year 9999 does not have.
            return start, min(start, date.max - timedelta(days=6)) + timedelta(days=6)
        if granularity == "month":
            if not 1 <= number <= 12:
                raise ValueError
            return _months_range(year, number, number)
        if granularity == "quarter":
            return _months_range(year, 3 * number - 2, 3 * number)
    except (ValueError, OverflowError):
        raise PeriodError(f"no such period {label!r}") from None
    raise PeriodError(f"no such period {label!r}")


def parent_period(label: str) -> str | None:
    """Return the calendar period directly above a day, week or month (None for a quarter)."""
    granularity = granularity_of(label)
    if granularity == "quarter":
        return None
    up = CALENDAR[CALENDAR.index(granularity) + 1]
    return period_label(period_range(label)[0], up)


def child_periods(label: str) -> list[str]:
    """Return the calendar periods directly below a week, month or quarter, oldest first."""
    granularity = granularity_of(label)
    if granularity == "day":
        return []
    down = CALENDAR[CALENDAR.index(granularity) - 1]
    first, last = period_range(label)
    step = timedelta(days=1 if down == "day" else 7)
    labels, day = [], first
    while day <= last:
        labels.append(period_label(day, down))
        if day > date.max - step:
            break
        day += step
    return list(dict.fromkeys(labels))


def period_sort_key(label: str) -> tuple:
    """Return a key that orders labels of one granularity chronologically."""
    if label.startswith("wave-"):
        return (int(label[5:]),)
    return (period_range(label)[0],)
