"""Selectors (`period:<label>;segment:<attr>=<value>`), periods and their parents in time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from shared.errors import ValidationError
from shared.periods import PeriodError, granularity_of, period_label, period_range

PERIODS = ("day", "week", "month", "quarter", "wave")
EMPLOYEE_PERIODS = ("week", "month", "quarter", "wave")
CUSTOMER_PERIODS = ("day", "week", "month", "quarter")
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


def periods_of(survey: Mapping) -> tuple:
    """Return the granularities a survey reports by (days: customers; waves: employees)."""
    return CUSTOMER_PERIODS if survey.get("kind") == "customer_ai" else EMPLOYEE_PERIODS


def check_period_label(label: str, survey: Mapping, field: str) -> str:
    """Return the granularity of a period label the API accepts, or raise a 422."""
    examples = {"day": "2026-09-28", "week": "2026-W40", "month": "2026-09",
                "quarter": "2026-Q3", "wave": "wave-<id>"}
    allowed = periods_of(survey)
    try:
        granularity = granularity_of(label)
        if granularity not in allowed:
            raise PeriodError(granularity)
        if granularity != "wave":
            period_range(label)
    except PeriodError:
        raise ValidationError("Bad period.", {field: [
            f"unknown period {label!r}; use {', '.join(examples[g] for g in allowed)}"]}) from None
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


def closed_until(timeline) -> date | None:
    """Return the last day up to which every period is closed (None: none is yet)."""
    day = timeline.today - timedelta(days=1)
    open_days = [w["day"] for w in timeline.waves.values() if not w["closed"]]
    if open_days:
        day = min(day, min(open_days) - timedelta(days=1))
    if not timeline.customer:
        # Employee pulses publish whole weeks: end on the Sunday of the last closed one.
        day = day - timedelta(days=(day.weekday() + 1) % 7)
    return day


def period_dates(label: str, survey: Mapping) -> tuple[date | None, date | None, int | None]:
    """Return (from, to, wave id) restricting a query to one period."""
    if label.startswith("wave-"):
        return None, None, int(label[5:])
    first, last = period_range(label)
    return first, last, None

