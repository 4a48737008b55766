"""Selectors (`period:<label>;segment:<attr>=<value>`), periods and their parents in time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shared.errors import ValidationError
from shared.periods import PeriodError, granularity_of, period_label, period_range

PERIODS = ("week", "month", "quarter", "wave")
ALL_TIME = "all"
SELECTOR_HELP = "parts joined by ';': period:<label> (at most one) or segment:<attribute>=<value>"


@dataclass(frozen=True)
class Selector:
    """A group: one period (or all time) and segment values that must all match."""

    period: str | None
    granularity: str
    segment: tuple  # ((attribute, value), ...) in the survey's attribute order

    @property
    def attributes(self) -> tuple:
        """Return the attributes the selector fixes."""
        return tuple(a for a, _ in self.segment)


def parse_segment_filter(parts: list[str], survey: Mapping, field: str) -> tuple:
    """Return ((attribute, value), ...) in the survey's order from `attr=value` parts."""
    attributes = list(survey.get("segments", []))
    chosen = {}
    for part in parts:
        attribute, sep, value = part.partition("=")
        if not sep or not attribute:
            raise ValidationError("Bad segment.", {field: [f"use <attribute>=<value>, got {part!r}"]})
        if attribute not in attributes:
            raise ValidationError("Unknown segment attribute.", {field: [
                f"unknown attribute {attribute!r}; attributes: {', '.join(attributes) or 'none'}"]})
        if attribute in chosen:
            raise ValidationError("Bad segment.", {field: [f"{attribute!r} given twice"]})
        chosen[attribute] = value
    return tuple((a, chosen[a]) for a in attributes if a in chosen)


def parse_selector(text: str | None, survey: Mapping, field: str) -> Selector:
    """Return the `Selector` written in `text` (empty: everyone, all time), or raise a 422."""
    period, segments = None, []
    for part in filter(None, (text or "").split(";")):
        kind, sep, rest = part.partition(":")
        if not sep or kind not in ("period", "segment") or not rest:
            raise ValidationError("Bad selector.", {field: [f"{SELECTOR_HELP}; got {part!r}"]})
        if kind == "segment":
            segments.append(rest)
        elif period is not None:
            raise ValidationError("Bad selector.", {field: ["at most one period: part"]})
        else:
            period = rest
    granularity = ALL_TIME
    if period is not None:
        granularity = check_period_label(period, survey, field)
    return Selector(period, granularity, parse_segment_filter(segments, survey, field))


def check_period_label(label: str, survey: Mapping, field: str) -> str:
    """Return the granularity of a period label the API accepts, or raise a 422."""
    try:
        granularity = granularity_of(label)
        if granularity == "day":
            raise PeriodError("day")
        if granularity != "wave":
            period_range(label)
    except PeriodError:
        raise ValidationError("Bad period.", {field: [
            f"unknown period {label!r}; use 2026-W40, 2026-09, 2026-Q3 or wave-<id>"]}) from None
    if granularity == "wave":
        waves = {f"wave-{w['id']}" for w in survey.get("waves", [])}
        if label not in waves:
            raise ValidationError("Bad period.", {field: [f"no such wave {label!r}"]})
    return granularity


def parse_segment_by(text: str | None, survey: Mapping, field: str = "segment_by") -> tuple:
    """Return the attributes of `segment_by` in the survey's order, or raise a 422."""
    attributes = list(survey.get("segments", []))
    wanted = [a.strip() for a in (text or "").split(",") if a.strip()]
    unknown = [a for a in wanted if a not in attributes]
    if unknown:
        raise ValidationError("Unknown segment attribute.", {field: [
            (f"unknown attribute {', '.join(map(repr, unknown))}; "
            f"attributes: {', '.join(attributes) or 'none'}")]})
    return tuple(a for a in attributes if a in wanted)


def widen_to_periods(start: date | None, end: date | None, granularity: str):
    """Return `from`/`to` widened to whole periods, so that no query isolates part of one."""
    if start and end and start > end:
        raise ValidationError("from is after to.", {"from": ["must not be after to"]})
    if granularity in ("wave", ALL_TIME):
        return start, end
    if start:
        start = period_range(period_label(start, granularity))[0]
    if end:
        end = period_range(period_label(end, granularity))[1]
    return start, end


def overlapped_months(week: str) -> tuple:
    """Return the months a week has days in (one, or two at a month boundary)."""
    first, last = period_range(week)
    return tuple(dict.fromkeys((period_label(first, "month"), period_label(last, "month"))))


def time_parents(label: str | None) -> tuple:
    """Return the periods whose totals are exact sums of `label` and its siblings."""
    if label is None or label == ALL_TIME:
        return ()
    granularity = granularity_of(label)
    if granularity == "week":
        # A month is an exact sum of its weeks only when aligned, but its visible weeks and
        # edge days come close; treating every month as a parent of the weeks it touches
        # keeps two hidden weeks, adding up to the threshold, in reach of each month.
        return overlapped_months(label) + (ALL_TIME,)
    if granularity == "month":
        return (period_label(period_range(label)[0], "quarter"), ALL_TIME)
    return (ALL_TIME,)


def period_dates(label: str, survey: Mapping) -> tuple[date | None, date | None, int | None]:
    """Return (from, to, wave id) restricting a query to one period."""
    if label.startswith("wave-"):
        return None, None, int(label[5:])
    first, last = period_range(label)
    return first, last, None

