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

import numpy as np

from services.metrics.analytics.atoms import day_labels, decide, period_of
from services.metrics.analytics.selectors import ALL_TIME, Selector
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


@dataclass
class DayRows:
    """A survey's day buckets over some attributes, split by wave (0: no wave)."""

    pieces: list  # (ISO week, month, quarter) of each row's day
    waves: list
    values: list
    n: np.ndarray
    counts: np.ndarray  # what the threshold applies to
    vectors: np.ndarray


def _vectors(groups: list, size: int) -> np.ndarray:
    if not groups:
        return np.zeros((0, size), dtype=np.int64)
    return np.array([g["vector"] for g in groups], dtype=np.int64)


def fetch_days(source, survey_id: int, attributes: tuple, count: str | None,
               parts: tuple = ()) -> tuple:
    """Return (survey, layout, `DayRows`) of every day of a survey over `attributes`.

    Waves are fetched one by one so that each day's responses split into each wave's and
    those in no wave (the day's total minus the waves').
    """
    survey, groups = source.groups(survey_id, group_by="day", segment_by=attributes,
                                   parts=parts)
    layout = SummaryLayout(survey)
    chunks = [(0, groups, _vectors(groups, layout.size))]
    for wave in survey.get("waves", []):
        _, wave_groups = source.groups(survey_id, group_by="day", segment_by=attributes,
                                       wave=wave["id"], parts=parts)
        chunks.append((wave["id"], wave_groups, _vectors(wave_groups, layout.size)))
    position = {(g["period"], _values(g, attributes)): i for i, g in enumerate(groups)}
    outside_n = np.array([g["n"] for g in groups], dtype=np.int64)
    outside = chunks[0][2].copy()
    pieces, waves, values, ns, vectors = [], [], [], [], []
    for wave, wave_groups, matrix in chunks[1:]:
        for i, g in enumerate(wave_groups):
            key = (g["period"], _values(g, attributes))
            j = position[key]
            outside_n[j] -= g["n"]
            outside[j] -= matrix[i]
            pieces.append(day_labels(key[0]))
            waves.append(wave)
            values.append(key[1])
        ns.append(np.array([g["n"] for g in wave_groups], dtype=np.int64))
        vectors.append(matrix)
    kept = np.flatnonzero(outside_n > 0)
    for j in kept:
        pieces.append(day_labels(groups[j]["period"]))
        waves.append(0)
        values.append(_values(groups[j], attributes))
    ns.append(outside_n[kept])
    vectors.append(outside[kept])
    n = np.concatenate(ns)
    matrix = np.vstack(vectors) if vectors else np.zeros((0, layout.size), dtype=np.int64)
    if count is None:
        counts = n
    else:
        offset, options = layout.hist_slots[count]
        counts = matrix[:, offset:offset + len(options)].sum(axis=1)
    return survey, layout, DayRows(pieces, waves, values, n, counts, matrix)


def _values(group: dict, attributes: tuple) -> tuple:
    segment = group.get("segment") or {}
    return tuple(segment.get(a) for a in attributes)


def load_breakdown(source, survey_id: int, *, granularity: str, attributes: tuple,
                   count: str | None = None, threshold_key: str = "anonymity_threshold",
                   parts: tuple = ()) -> Breakdown:
    """Fetch a breakdown's whole history and decide which cells to hide.

    The threshold applies to respondents, or with `count` naming an optional question, to
    those who answered it. Suppression is decided for every granularity of the attribute
    set at once (`atoms.decide`), then the cells of `granularity` are summed from the days.
    `parts` names the slots of the summaries the caller reads (empty: all of them).
    """
    survey, layout, rows = fetch_days(source, survey_id, attributes, count, parts)
    threshold = int(survey[threshold_key])
    decision = decide(rows, attributes, attributes, threshold, (survey_id, count, threshold_key))
    index: dict = {}
    groups = np.empty(len(rows.n), dtype=np.int64)
    for i, (piece, wave, values) in enumerate(zip(rows.pieces, rows.waves, rows.values)):
        label = period_of(piece, wave, granularity)
        groups[i] = -1 if label is None else index.setdefault((label, values), len(index))
    chosen = groups >= 0
    n = np.bincount(groups[chosen], weights=rows.n[chosen], minlength=len(index))
    sums = np.zeros((len(index), layout.size), dtype=np.int64)
    np.add.at(sums, groups[chosen], rows.vectors[chosen])
    cells = {}
    for key, g in index.items():
        shown = key in decision.counts and key not in decision.hidden
        cells[key] = Cell(key[0], key[1], layout.decode(int(n[g]), sums[g]),
                          decision.counts.get(key, 0), not shown)
    return Breakdown(survey, granularity, attributes, cells, layout)


def selected_cell(source, survey_id: int, selector: Selector, *, count: str | None = None,
                  threshold_key: str = "anonymity_threshold", parts: tuple = ()) -> Cell:
    """Return the cell a selector picks, hidden as it is in its own breakdown."""
    breakdown = load_breakdown(source, survey_id, granularity=selector.granularity,
                               attributes=selector.attributes, count=count,
                               threshold_key=threshold_key, parts=parts)
    return breakdown.cell(selector.period, tuple(v for _, v in selector.segment))


def selected_cells(source, survey_id: int, *selectors: Selector, count: str | None = None,
                   threshold_key: str = "anonymity_threshold", parts: tuple = ()) -> list[Cell]:
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
        wave = next((w for w in survey.get("waves", []) if f"wave-{w['id']}" == period), None)
        if wave is None:
            return True
        first = date.fromisoformat(wave["opens_at"][:10])
        last = date.fromisoformat(wave["closes_at"][:10])
    else:
        first, last = period_range(period)
    return (start is None or first >= start) and (end is None or last <= end)
