"""Breakdowns: the cells of one granularity and attribute set, with their suppression.

Suppression is always decided on the whole history of a breakdown (every period, every
combination of the attributes), never on the slice a request asks for, so that the same
cell is shown or hidden whatever query reaches it; `from`/`to` only choose which rows are
returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from services.metrics.analytics.selectors import ALL_TIME, Selector, time_parents
from shared.anonymity import breakdown_lines, suppress_small_groups
from shared.periods import period_range
from shared.summaries import SummaryLayout


@dataclass(frozen=True)
class Cell:
    """One group of a breakdown: its period, segment values, summary and visibility."""

    period: str
    values: tuple
    summary: object
    count: int
    hidden: bool

    def segment(self, attributes: tuple) -> dict:
        """Return the cell's segment as {attribute: value}."""
        return dict(zip(attributes, self.values))


@dataclass
class Breakdown:
    """Every cell of one survey at one granularity over some attributes."""

    survey: dict
    granularity: str
    attributes: tuple
    cells: dict  # (period, values) -> Cell
    layout: SummaryLayout

    def cell(self, period: str | None, values: tuple) -> Cell:
        """Return a cell, or a hidden empty one when nobody is in it."""
        key = (period or ALL_TIME, tuple(values))
        if key in self.cells:
            return self.cells[key]
        return Cell(key[0], key[1], self.layout.empty_summary(), 0, True)

    def periods(self) -> list[str]:
        """Return the periods holding any cell, oldest first."""
        return sorted({p for p, _ in self.cells}, key=_period_key)


def _period_key(label: str) -> tuple:
    if label.startswith("wave-"):
        return (int(label[5:]),)
    if label == ALL_TIME:
        return (0,)
    return (period_range(label)[0].toordinal(),)


def load_breakdown(source, survey_id: int, *, granularity: str, attributes: tuple,
                   count: Callable | None = None, threshold_key: str = "anonymity_threshold"
                   ) -> Breakdown:
    """Fetch a breakdown's whole history and decide which cells to hide.

    `count(summary)` is what the threshold applies to (default: respondents); for a metric on
    an optional question it is the number who answered it.
    """
    group_by = "all" if granularity == ALL_TIME else granularity
    survey, groups = source.groups(survey_id, group_by=group_by, segment_by=attributes)
    layout = SummaryLayout(survey)
    count = count or (lambda summary: summary.n)
    summaries, counts = {}, {}
    for group in groups:
        segment = group.get("segment") or {}
        key = (group.get("period") or ALL_TIME, tuple(segment.get(a) for a in attributes))
        summary = layout.decode(group["n"], group["vector"])
        summaries[key] = summaries[key] + summary if key in summaries else summary
    for key, summary in summaries.items():
        counts[key] = count(summary)
    threshold = int(survey[threshold_key])
    lines = breakdown_lines(counts, time_parents, len(attributes))
    hidden = suppress_small_groups(counts, lines, threshold)
    cells = {key: Cell(key[0], key[1], summaries[key], counts[key], key in hidden)
             for key in summaries}
    return Breakdown(survey, granularity, attributes, cells, layout)


def selected_cell(source, survey_id: int, selector: Selector, *, count: Callable | None = None,
                  threshold_key: str = "anonymity_threshold") -> Cell:
    """Return the cell a selector picks, hidden as it is in its own breakdown."""
    breakdown = load_breakdown(source, survey_id, granularity=selector.granularity,
                               attributes=selector.attributes, count=count,
                               threshold_key=threshold_key)
    return breakdown.cell(selector.period, tuple(v for _, v in selector.segment))


def selected_cells(source, survey_id: int, *selectors: Selector, count: Callable | None = None,
                   threshold_key: str = "anonymity_threshold") -> list[Cell]:
    """Return the cells of several selectors, loading each distinct breakdown once."""
    loaded: dict = {}
    cells = []
    for selector in selectors:
        key = (selector.granularity, selector.attributes)
        if key not in loaded:
            loaded[key] = load_breakdown(source, survey_id, granularity=selector.granularity,
                                         attributes=selector.attributes, count=count,
                                         threshold_key=threshold_key)
        cells.append(loaded[key].cell(selector.period, tuple(v for _, v in selector.segment)))
    return cells


def in_range(period: str, start: date | None, end: date | None, survey: Mapping) -> bool:
    """Return whether a period lies within `from`..`to` (already widened to whole periods)."""
    if period == ALL_TIME or (start is None and end is None):
        return True
    if period.startswith("wave-"):
        wave = next((w for w in survey.get("waves", []) if f"wave-{w['id']}" == period), None)
        if wave is None:
            return True
        first = date.fromisoformat(wave["opens_at"][:10])
        last = date.fromisoformat(wave["closes_at"][:10])
    else:
        first, last = period_range(period)
    return (start is None or first >= start) and (end is None or last <= end)
