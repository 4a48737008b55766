"""Breakdowns: the cells of closed periods of one granularity and attribute set.

Only closed periods are published, each shown or hidden as its kept decision says
(`publication`). All time (a selector without a period) is the sum of every closed
period; it is shown only when that sum is a sum of shown cells (each closed quarter, or
failing that its months, weeks, waves or days), so it adds nothing to what the periods
already publish, however often it is read while new periods close.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from services.metrics.analytics.publication import (
    DECISION_BUDGET_SECONDS,
    Analytics,
    Scope,
    counted_all,
    ensure_decisions,
)
from services.metrics.analytics.selectors import ALL_TIME, Selector, widen_to_periods
from services.metrics.analytics.timeline import Timeline
from shared.periods import granularity_of, period_sort_key
from shared.summaries import Summary, SummaryLayout


@dataclass(frozen=True, eq=False)
class Cell:
    """One group of a breakdown: its period, segment values, summary vector and visibility."""

    period: str
    values: tuple
    vector: np.ndarray
    n: int
    count: int
    hidden: bool
    layout: SummaryLayout

    @cached_property
    def summary(self) -> Summary:
        """Return the decoded summary (only the parts fetched are non-zero)."""
        return self.layout.decode(self.n, self.vector)

    def segment(self, attributes: tuple) -> dict:
        """Return the cell's segment as {attribute: value}."""
        return dict(zip(attributes, self.values))


@dataclass
class Breakdown:
    """Every cell of the closed periods of one survey at one granularity over some attributes."""

    survey: dict
    granularity: str
    attributes: tuple
    cells: dict  # (period, values) -> Cell
    layout: SummaryLayout
    timeline: Timeline
    pending: set = field(default_factory=set)  # closed periods whose decision is being made

    def cell(self, period: str | None, values: tuple) -> Cell:
        """Return a cell, or a hidden empty one when nobody is in it (or it is open)."""
        key = (period or ALL_TIME, tuple(values))
        if key in self.cells:
            return self.cells[key]
        return Cell(key[0], key[1], self.layout.empty(), 0, 0, True, self.layout)

    def periods(self) -> list[str]:
        """Return the closed periods holding any cell, oldest first."""
        return sorted({p for p, _ in self.cells if p != ALL_TIME}, key=period_sort_key)


def _left(began: float) -> float:
    """Return what is left of a query's time for deciding, its reads counted."""
    return DECISION_BUDGET_SECONDS - (time.monotonic() - began)


def _scope(count: str | None, threshold_key: str) -> Scope:
    return Scope(count, threshold_key)


def load_breakdown(ctx: Analytics, survey_id: int, *, granularity: str, attributes: tuple,
                   count: str | None = None, threshold_key: str = "anonymity_threshold",
                   parts: tuple = ()) -> Breakdown:
    """Return the cells of every closed period of `granularity` (or all time), decided.

    The threshold applies to respondents, or with `count` naming an optional question, to
    those who answered it; `parts` names the slots of the summaries the caller reads.
    """
    began = time.monotonic()
    scope = _scope(count, threshold_key)
    survey = ctx.source.definition(survey_id)
    timeline = ctx.timeline(survey)
    if granularity == ALL_TIME:
        return _all_time(ctx, survey, timeline, scope, attributes, parts)
    survey, groups = ctx.groups(survey_id, group_by=granularity, attributes=attributes,
                                parts=parts, past_only=True)
    layout = SummaryLayout(survey)
    timeline = ctx.timeline(survey)
    keys = list(zip(groups.periods, groups.values))
    sums = groups.matrix()
    ns, counted_now = groups.n.tolist(), counted_all(scope, layout, groups).tolist()
    closed = sorted({p for p in set(groups.periods) if timeline.is_closed(p)},
                    key=period_sort_key)
    current: dict = {label: {} for label in closed}
    for (period, values), number in zip(keys, counted_now):
        if period in current:
            current[period][values] = number
    decisions = ensure_decisions(ctx, survey, scope, attributes, closed, current,
                                 budget=_left(began))
    cells, pending = {}, set()
    for (period, values), n, vector in zip(keys, ns, sums):
        if period not in current:
            continue  # open: nothing of it is published
        decision = decisions.get((attributes, period))
        count_now = current[period][values]
        if decision is None:
            pending.add(period)
        # A count that moved between the two reads (an import) is hidden until read again.
        hidden = (decision is None or decision.hidden(values)
                  or decision.cells[values][0] != count_now)
        cells[(period, values)] = Cell(period, values, vector, n, count_now, hidden, layout)
    return Breakdown(survey, granularity, attributes, cells, layout, timeline, pending)


def closed_tops(timeline: Timeline, quarters: list[str], start: date | None = None,
                end: date | None = None) -> list[str]:
    """Return the largest closed periods covering the closed part of these quarters.

    With `start`/`end` (whole weeks), only the periods inside that span count.
    """
    tops = []

    def visit(label: str) -> None:
        first, last = timeline.range_of(label)
        if (start and last < start) or (end and first > end):
            return
        inside = (start is None or first >= start) and (end is None or last <= end)
        if inside and timeline.is_closed(label):
            tops.append(label)
            return
        for child in timeline.children(label):
            visit(child)

    for quarter in quarters:
        visit(quarter)
    return tops


def _all_time(ctx: Analytics, survey: dict, timeline: Timeline, scope: Scope,
              attributes: tuple, parts: tuple, start: date | None = None,
              end: date | None = None) -> Breakdown:
    """Return the all-time cells: every closed period summed, shown only when covered.

    With `start`/`end` (whole weeks), the closed periods inside that span instead.
    """
    began = time.monotonic()
    survey, groups = ctx.groups(survey["id"], group_by="bucket", attributes=attributes,
                                start=start, end=end, parts=parts, past_only=True)
    layout = SummaryLayout(survey)
    timeline = ctx.timeline(survey)
    units = [timeline.unit_of(day, wave) for day, wave in zip(groups.periods, groups.waves)]
    quarters = timeline.labels_holding(units, "quarter")
    tops = closed_tops(timeline, quarters, start, end)
    decisions = ensure_decisions(ctx, survey, scope, attributes, tops, budget=_left(began))
    top_set = set(tops)
    inside = {unit: _in_tops(timeline, unit, top_set) for unit in set(units)}
    number: dict = {}
    codes = np.array([number.setdefault(values, len(number)) if inside[unit] else -1
                      for unit, values in zip(units, groups.values)], dtype=np.int64)
    keep = codes >= 0
    codes = codes[keep]
    n = np.bincount(codes, weights=groups.n[keep], minlength=len(number))
    counts = np.bincount(codes, weights=counted_all(scope, layout, groups)[keep],
                         minlength=len(number))
    narrow = np.zeros((len(number), groups.slots.size), dtype=np.int64)
    np.add.at(narrow, codes, groups.vectors[keep])
    vectors = np.zeros((len(number), layout.size), dtype=np.int64)
    vectors[:, groups.slots] = narrow
    rest = {values for unit, values in zip(units, groups.values)
            if not timeline.customer and unit[1] == 0}
    cells = {}
    for values, code in number.items():
        covered = all(_covered(timeline, decisions, attributes, values, top, rest)
                      for top in tops)
        cells[(ALL_TIME, values)] = Cell(ALL_TIME, values, vectors[code], int(n[code]),
                                         int(counts[code]), not covered, layout)
    # Decisions are made finest first: a top decided rests on decided periods only.
    pending = {top for top in tops if (attributes, top) not in decisions}
    return Breakdown(survey, ALL_TIME, attributes, cells, layout, timeline, pending)


def _in_tops(timeline: Timeline, unit: tuple, tops: set) -> bool:
    for granularity in ("quarter", "month", "week", "wave", "day"):
        label = timeline.unit_period(unit, granularity)
        if label is not None and label in tops:
            return True
    return False


def _covered(timeline: Timeline, decisions: dict, attributes: tuple, values: tuple,
             label: str, rest: set) -> bool:
    """Return whether a cell is a sum of shown cells of its own period or those inside it."""
    decision = decisions.get((attributes, label))
    if decision is None:
        return False  # still being decided
    if values not in decision.cells or not decision.hidden(values):
        return True
    granularity = granularity_of(label)
    if granularity in ("wave", "day"):
        return False
    if granularity == "week" and not timeline.customer and values in rest:
        return False  # responses in no wave are never published on their own
    children = timeline.children(label)
    return bool(children) and all(
        _covered(timeline, decisions, attributes, values, child, rest) for child in children)


def span_breakdown(ctx: Analytics, survey_id: int, *, start: date | None, end: date | None,
                   attributes: tuple, count: str | None = None, parts: tuple = ()) -> Breakdown:
    """Return each group's cell over the closed periods from `start` to `end`.

    The span is widened to whole weeks, the finest period every survey publishes, so that
    it is a union of periods; a cell is shown only when it is a sum of shown cells of
    those periods (as all time is), and so adds nothing to what they publish.
    """
    scope = _scope(count, "anonymity_threshold")
    survey = ctx.source.definition(survey_id)
    start, end = widen_to_periods(start, end, "week")
    return _all_time(ctx, survey, ctx.timeline(survey), scope, attributes, parts, start, end)


def selected_cell(ctx: Analytics, survey_id: int, selector: Selector, *,
                  count: str | None = None, threshold_key: str = "anonymity_threshold",
                  parts: tuple = ()) -> Cell:
    """Return the cell a selector picks, hidden as its kept decision says."""
    return selected_cells(ctx, survey_id, selector, count=count, threshold_key=threshold_key,
                          parts=parts)[0]


def selected_cells(ctx: Analytics, survey_id: int, *selectors: Selector,
                   count: str | None = None, threshold_key: str = "anonymity_threshold",
                   parts: tuple = ()) -> list[Cell]:
    """Return the cells of several selectors, loading each distinct breakdown once."""
    loaded: dict = {}
    cells = []
    for selector in selectors:
        key = (selector.granularity, selector.attributes)
        if key not in loaded:
            loaded[key] = load_breakdown(ctx, survey_id, granularity=selector.granularity,
                                         attributes=selector.attributes, count=count,
                                         threshold_key=threshold_key, parts=parts)
        cells.append(loaded[key].cell(selector.period, tuple(v for _, v in selector.segment)))
    return cells


def in_range(period: str, start: date | None, end: date | None, timeline: Timeline) -> bool:
    """Return whether a period lies within `from`..`to` (already widened to whole periods)."""
    if period == ALL_TIME or (start is None and end is None):
        return True
    first, last = timeline.range_of(period)
    return (start is None or first >= start) and (end is None or last <= end)
