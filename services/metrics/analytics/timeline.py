"""A survey's time tree: which periods are closed, what each is made of, and its units.

Periods nest (`shared.periods`): a quarter is its months, a month its weeks, a week its
days (customer surveys) or its waves and the responses in no wave (employee pulses, whose
days are never shown). The *units* are the leaves: a day of a customer survey, or a
(week, wave) of an employee pulse (wave 0: in no wave). Every cell of every period is a sum
of units, which makes the units the unknowns of every anonymity decision.

Only closed periods are published: a period is closed when its last day has passed (UTC)
and every wave counted in it has closed, so no one can watch a group fill up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cached_property, lru_cache

from shared.periods import (
    child_periods,
    granularity_of,
    period_label,
    period_range,
    period_sort_key,
    wave_label,
)

ALL_TIME = "all"
CUSTOMER = "customer_ai"


def parse_time(text: str) -> datetime:
    """Return an ISO timestamp from the survey service as aware UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@lru_cache(maxsize=65536)
def _calendar_label(day_or_week: str, granularity: str) -> str:
    """Return the period of `granularity` holding a day or an ISO week label."""
    if "W" in day_or_week:
        if granularity == "week":
            return day_or_week
        first = period_range(day_or_week)[0]
    else:
        first = date.fromisoformat(day_or_week)
    return period_label(first, granularity)


class Timeline:
    """The time tree of one survey as seen at one moment."""

    def __init__(self, survey: Mapping, now: datetime):
        self.survey = survey
        self.now = now
        self.today = now.astimezone(UTC).date()
        self.customer = survey.get("kind") == CUSTOMER

    @cached_property
    def waves(self) -> dict[int, dict]:
        """Return each wave by id: its opening day, week and whether it has closed."""
        out = {}
        for wave in self.survey.get("waves", []):
            opens = parse_time(wave["opens_at"])
            day = opens.date()
            out[wave["id"]] = {"day": day, "week": period_label(day, "week"),
                               "closed": parse_time(wave["closes_at"]) <= self.now,
                               "closes_at": wave["closes_at"]}
        return out

    def unit_of(self, day: str, wave: int | None) -> tuple:
        """Return the unit of a bucket: (day,) of a customer survey, (week, wave) otherwise."""
        if self.customer:
            return (day[:10],)
        return (period_label(date.fromisoformat(day[:10]), "week"), wave or 0)

    def unit_in(self, unit: tuple, label: str) -> bool:
        """Return whether a unit lies in a period (a wave, or a calendar period)."""
        if label.startswith("wave-"):
            return not self.customer and wave_label(unit[1]) == label
        first, last = period_range(label)
        start = date.fromisoformat(unit[0]) if self.customer else period_range(unit[0])[0]
        return first <= start <= last

    def unit_period(self, unit: tuple, granularity: str) -> str | None:
        """Return the label of the period of `granularity` holding a unit (None: in none)."""
        if granularity == "wave":
            return None if self.customer or not unit[1] else wave_label(unit[1])
        if granularity == "day" and not self.customer:
            return None
        return _calendar_label(unit[0], granularity)

    def range_of(self, label: str) -> tuple[date, date]:
        """Return the first and last day of a period (a wave: its opening day)."""
        if label.startswith("wave-"):
            day = self.waves[int(label[5:])]["day"]
            return day, day
        return period_range(label)

    def is_closed(self, label: str) -> bool:
        """Return whether a period is closed: its last day passed and its waves closed."""
        if label.startswith("wave-"):
            wave = self.waves.get(int(label[5:]))
            return wave is not None and wave["closed"]
        first, last = period_range(label)
        if last >= self.today:
            return False
        return all(w["closed"] for w in self.waves.values() if first <= w["day"] <= last)

    def children(self, label: str) -> list[str]:
        """Return the published periods directly inside one (a week: its days or waves)."""
        granularity = granularity_of(label)
        if granularity in ("wave", "day"):
            return []
        if granularity == "week":
            if self.customer:
                return child_periods(label)
            return [wave_label(w) for w, info in sorted(self.waves.items())
                    if info["week"] == label]
        return child_periods(label)

    def descendants(self, label: str) -> list[str]:
        """Return every published period inside one, finest first."""
        out = []
        for child in self.children(label):
            out.extend(self.descendants(child))
            out.append(child)
        return out

    def labels_holding(self, units, granularity: str) -> list[str]:
        """Return the periods of `granularity` holding any of the units, oldest first."""
        labels = {self.unit_period(u, granularity) for u in units}
        labels.discard(None)
        return sorted(labels, key=period_sort_key)
