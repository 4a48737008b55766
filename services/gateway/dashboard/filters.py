"""The one filter state of a survey page: period, segment, group, index and date range.

It lives in the query string, so a view can be shared by its URL; every panel of the page
reads it. A value that does not fit the survey is dropped with a note saying so, and the
page shows what it then shows, never silently something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import marshmallow as ma
from marshmallow import fields, validate

from services.gateway.dashboard.labels import Vocabulary, day_text, period_word
from shared.periods import GRANULARITIES, PeriodError, granularity_of
from shared.schemas import BaseSchema

PULSE_PERIODS = ("week", "month", "quarter", "wave")
CUSTOMER_PERIODS = ("day", "week", "month", "quarter")
# Daily columns are many: without a start date, a daily view shows these last days.
DAILY_DEFAULT_DAYS = 28


class FilterQuerySchema(BaseSchema):
    """The page's query string (other parameters are ignored, as a bookmark may hold some)."""

    class Meta:
        unknown = ma.EXCLUDE

    period = fields.String(validate=validate.OneOf(GRANULARITIES))
    by = fields.String(validate=validate.Length(max=64))
    group = fields.String(validate=validate.Length(max=200))
    compare = fields.String(validate=validate.Length(max=200))
    index = fields.String(validate=validate.Length(max=64))
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    before = fields.String(validate=validate.Length(max=20))
    after = fields.String(validate=validate.Length(max=20))


@dataclass(frozen=True)
class Filters:
    """What the page shows: every panel takes its selection from here."""

    period: str
    by: str | None = None
    group: str | None = None
    compare: str | None = None
    index: str | None = None
    start: date | None = None
    end: date | None = None
    first_day: date | None = None  # the start the API is asked for (a daily view has one)
    before: str | None = None  # the periods of an impact: before and after a change
    after: str | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    def query(self, **changes) -> dict:
        """Return the query string of this state with `changes` (None drops a value)."""
        state = {"period": self.period, "by": self.by, "group": self.group,
                 "compare": self.compare, "index": self.index,
                 "from": self.start.isoformat() if self.start else None,
                 "to": self.end.isoformat() if self.end else None,
                 "before": self.before, "after": self.after}
        state.update({("from" if k == "start" else "to" if k == "end" else k): v
                      for k, v in changes.items()})
        if changes.get("by", self.by) != self.by:  # groups belong to their segment
            state["group"] = changes.get("group")
            state["compare"] = changes.get("compare")
        if changes.get("period", self.period) != self.period:  # periods of their kind
            state["before"] = state["after"] = None
        return {k: v for k, v in state.items() if v not in (None, "")}

    @property
    def segment(self) -> dict:
        """The chosen group as a segment ({} for everyone)."""
        return {self.by: self.group} if self.by and self.group else {}

    def selector(self, period: str | None = None, group: str | None = None) -> str:
        """Return the API selector of the chosen group (or `group`) in `period`."""
        value = group if group is not None else self.group
        parts = [f"period:{period}"] if period else []
        if self.by and value:
            parts.append(f"segment:{self.by}={value}")
        return ";".join(parts)

    def range_params(self) -> dict:
        """The `from`/`to` parameters of the date range."""
        return {"from": self.first_day.isoformat() if self.first_day else None,
                "to": self.end.isoformat() if self.end else None}

    def without_group(self, note: str) -> Filters:
        """Return this state showing everyone, saying why."""
        return replace(self, group=None, compare=None, notes=self.notes + (note,))

    def without_compare(self, note: str) -> Filters:
        """Return this state comparing with no one, saying why."""
        return replace(self, compare=None, notes=self.notes + (note,))


def periods_of(survey: dict) -> tuple[str, ...]:
    """Return the periods a survey reports by (waves for pulses, days for customers)."""
    return CUSTOMER_PERIODS if survey.get("kind") == "customer_ai" else PULSE_PERIODS


def _loaded(args) -> tuple[dict, list[str]]:
    """Return the query's valid values, and a note per value that is not."""
    raw = {k: v for k, v in args.items() if v != ""}
    try:
        return FilterQuerySchema().load(raw), []
    except ma.ValidationError as error:
        bad = {name.split(".")[0] for name in error.messages}
        notes = [f"“{raw.get(name)}” is not a valid {'date' if name in ('from', 'to') else name}"
                 f"; it is ignored." for name in sorted(bad)]
        return FilterQuerySchema().load({k: v for k, v in raw.items() if k not in bad}), notes


def read_filters(survey: dict, args, today: date) -> Filters:
    """Return the page's filter state from the query string, checked against the survey."""
    values, notes = _loaded(args)
    words = Vocabulary(survey)
    allowed = periods_of(survey)
    period = values.get("period") or "week"
    if period not in allowed:
        notes.append(f"This survey is not reported by {period_word(period)}: it is reported by "
                     f"{', '.join(allowed)}. Showing weeks.")
        period = "week"
    segments = survey.get("segments") or []
    by = values.get("by")
    if by is not None and by not in segments:
        notes.append(f"This survey has no segment “{by}”.")
        by = None
    by = by or (segments[0] if segments else None)
    indices = list(words.indices)
    index = values.get("index")
    if index is not None and index not in indices:
        notes.append(f"This survey has no index “{index}”.")
        index = None
    index = index or (indices[0] if indices else None)
    start, end = values.get("from_"), values.get("to")
    if start and end and start > end:
        notes.append(f"The range from {day_text(start)} to {day_text(end)} ends before it "
                     "starts; showing all time.")
        start = end = None
    first_day = start
    if period == "day" and start is None:
        first_day = (end or today) - timedelta(days=DAILY_DEFAULT_DAYS - 1)
    group = values.get("group") if by else None
    compare = values.get("compare") if by else None
    if compare and not group:
        notes.append("Pick a group first: “compare with” compares it with a second group.")
        compare = None
    if compare and compare == group:
        compare = None
    before, after = _impact_periods(values, period, notes)
    return Filters(period, by, group, compare, index, start, end, first_day, before, after,
                   tuple(notes))


def _impact_periods(values: dict, period: str, notes: list[str]) -> tuple:
    """Return the before and after periods of an impact, if both are periods of `period`."""
    chosen = []
    for name in ("before", "after"):
        label = values.get(name)
        try:
            ok = label is None or granularity_of(label) == period
        except PeriodError:
            ok = False
        if not ok:
            notes.append(f"“{label}” is not a {period_word(period)}; it is ignored.")
        chosen.append(label if ok else None)
    return tuple(chosen) if all(chosen) else (None, None)
