"""Breakdowns: the cells of one granularity and attribute set, with their suppression.

Suppression is always decided on the whole history of a breakdown (every period, every
combination of the attributes), never on the slice a request asks for, so that the same
cell is shown or hidden whatever query reaches it; `from`/`to` only choose which rows are
returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np

from services.metrics.analytics.atoms import (
    Decision,
    DecisionCache,
    counts_digest,
    decide,
    granularity_of_label,
    period_of,
)
from services.metrics.analytics.days import (
    fetch_days,
    group_values,
    group_vectors,
    threshold_counts,
)
from services.metrics.analytics.selectors import ALL_TIME, Selector
from shared.periods import period_range, wave_label
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
    """Every cell of one survey at one granularity over some attributes."""

    survey: dict
    granularity: str
    attributes: tuple
    cells: dict  # (period, values) -> Cell
    layout: SummaryLayout
    decision: Decision  # of every granularity of these attributes, all time included

    def hidden_all_time(self, values: tuple) -> bool:
        """Return whether the all-time cell of these segment values is hidden (or empty)."""
        key = (ALL_TIME, tuple(values))
        return key not in self.decision.counts or key in self.decision.hidden

    def cell(self, period: str | None, values: tuple) -> Cell:
        """Return a cell, or a hidden empty one when nobody is in it."""
        key = (period or ALL_TIME, tuple(values))
        if key in self.cells:
            return self.cells[key]
        return Cell(key[0], key[1], self.layout.empty(), 0, 0, True, self.layout)

    def periods(self) -> list[str]:
        """Return the periods holding any cell, oldest first."""
        return sorted({p for p, _ in self.cells}, key=_period_key)


def _period_key(label: str) -> tuple:
    if label.startswith("wave-"):
        return (int(label[5:]),)
    if label == ALL_TIME:
        return (0,)
    return (period_range(label)[0].toordinal(),)


# Decisions by a digest of the asked breakdown's own counts. Responses are append-only, so
# a calendar breakdown (week, month, quarter, all time) whose (period, segment, n) are
# unchanged holds exactly the responses its decision was made on: the days need not be
# read again. A wave breakdown leaves out responses in no wave, so it always reads them.
SHORTCUTS = DecisionCache()

# The threshold of the decision on respondents, which every other decision (the answers to
# an optional question, comments at `comment_threshold`) refines: what it hides, they hide.
RESPONDENTS_THRESHOLD = "anonymity_threshold"


def _cells_from_days(rows, layout: SummaryLayout, granularity: str) -> tuple:
    """Return (keys, n, vectors) of the cells of `granularity` summed from day rows."""
    index: dict = {}
    groups = np.empty(len(rows.n), dtype=np.int64)
    for i, (piece, wave, values) in enumerate(zip(rows.pieces, rows.waves, rows.values)):
        label = period_of(piece, wave, granularity)
        groups[i] = -1 if label is None else index.setdefault((label, values), len(index))
    chosen = groups >= 0
    n = np.bincount(groups[chosen], weights=rows.n[chosen], minlength=len(index)).astype(int)
    sums = np.zeros((len(index), layout.size), dtype=np.int64)
    np.add.at(sums, groups[chosen], rows.vectors[chosen])
    return list(index), n, sums


def _matches(decision, granularity: str, keys: list, counts: np.ndarray) -> bool:
    """Return whether a decision was made on exactly these cells of `granularity`."""
    mine = sum(1 for label, _ in decision.counts if granularity_of_label(label) == granularity)
    return mine == len(keys) and all(decision.counts.get(k) == int(c)
                                     for k, c in zip(keys, counts))


def load_breakdown(source, survey_id: int, *, granularity: str, attributes: tuple,
                   count: str | None = None, threshold_key: str = RESPONDENTS_THRESHOLD,
                   parts: tuple = ()) -> Breakdown:
    """Fetch a breakdown's whole history and decide which cells to hide.

    The threshold applies to respondents, or with `count` naming an optional question, to
    those who answered it; a decision other than respondents at the anonymity threshold
    also hides every cell that one hides. Suppression is decided for every granularity of
    the attribute set at once, over the day buckets (`atoms.decide`); `parts` names the
    slots of the summaries the caller reads (empty: all of them).
    """
    decision = None
    if granularity != "wave":
        group_by = "all" if granularity == ALL_TIME else granularity
        survey, groups = source.groups(survey_id, group_by=group_by, segment_by=attributes,
                                       parts=parts)
        layout = SummaryLayout(survey)
        keys = [(g["period"] or ALL_TIME, v)
                for g, v in zip(groups, group_values(groups, attributes))]
        n = np.array([g["n"] for g in groups], dtype=np.int64)
        sums = group_vectors(groups, layout, parts)
        threshold = int(survey[threshold_key])
        cache_key = (survey_id, count, threshold_key, attributes, granularity)
        digest = counts_digest(keys, n, threshold)
        decision = SHORTCUTS.get(cache_key, digest)
    if decision is None:
        survey, layout, rows = fetch_days(source, survey_id, attributes, count, parts)
        threshold = int(survey[threshold_key])
        respondents = None  # the decision on respondents at the anonymity threshold itself
        if (count, threshold_key) != (None, RESPONDENTS_THRESHOLD):
            respondents = (int(survey[RESPONDENTS_THRESHOLD]),
                           (survey_id, None, RESPONDENTS_THRESHOLD))
        decision = decide(rows, attributes, attributes, threshold,
                          (survey_id, count, threshold_key), respondents)
        if granularity == "wave" or not _matches(
                decision, granularity, keys, threshold_counts(n, sums, layout, count)):
            # Waves, or responses arrived between the two reads: use the days throughout.
            keys, n, sums = _cells_from_days(rows, layout, granularity)
        else:
            SHORTCUTS.put(cache_key, digest, decision)
    cells = {}
    for key, cell_n, vector in zip(keys, n.tolist(), sums):
        shown = key in decision.counts and key not in decision.hidden
        cells[key] = Cell(key[0], key[1], vector, cell_n, decision.counts.get(key, 0),
                          not shown, layout)
    return Breakdown(survey, granularity, attributes, cells, layout, decision)


def selected_cell(source, survey_id: int, selector: Selector, *, count: str | None = None,
                  threshold_key: str = RESPONDENTS_THRESHOLD, parts: tuple = ()) -> Cell:
    """Return the cell a selector picks, hidden as it is in its own breakdown."""
    breakdown = load_breakdown(source, survey_id, granularity=selector.granularity,
                               attributes=selector.attributes, count=count,
                               threshold_key=threshold_key, parts=parts)
    return breakdown.cell(selector.period, tuple(v for _, v in selector.segment))


def selected_cells(source, survey_id: int, *selectors: Selector, count: str | None = None,
                   threshold_key: str = RESPONDENTS_THRESHOLD, parts: tuple = ()) -> list[Cell]:
    """Return the cells of several selectors, loading each distinct breakdown once."""
    loaded: dict = {}
    cells = []
    for selector in selectors:
        key = (selector.granularity, selector.attributes)
        if key not in loaded:
            loaded[key] = load_breakdown(source, survey_id, granularity=selector.granularity,
                                         attributes=selector.attributes, count=count,
                                         threshold_key=threshold_key, parts=parts)
        cells.append(loaded[key].cell(selector.period, tuple(v for _, v in selector.segment)))
    return cells


def in_range(period: str, start: date | None, end: date | None, survey: Mapping) -> bool:
    """Return whether a period lies within `from`..`to` (already widened to whole periods)."""
    if period == ALL_TIME or (start is None and end is None):
        return True
    if period.startswith("wave-"):
        wave = next((w for w in survey.get("waves", []) if wave_label(w["id"]) == period), None)
        if wave is None:
            return True
        first = date.fromisoformat(wave["opens_at"][:10])
        last = date.fromisoformat(wave["closes_at"][:10])
    else:
        first, last = period_range(period)
    return (start is None or first >= start) and (end is None or last <= end)
