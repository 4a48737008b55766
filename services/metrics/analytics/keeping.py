"""Keeping what was shown: a decision that starts from cells shown before, where that is safe.

`decide_period` with `previous` shows every cell `previous` showed. When the counts have
grown since (responses arriving in an open wave), cells kept shown can give a group away
that no choice of the new decision can take back: a small group that joined a line whose
other cells and total are kept. `decide_keeping` attacks the decision it made (every small
group of the period and every small union of them, against the equations of the shown
cells, as sdcTable's `attack` does) and, when keeping gave one away, decides afresh: a
cell shown before is withdrawn rather than a small group exposed.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from services.metrics.analytics.decisions import Decision, Units, decide_period, subsets
from shared.anonymity import (
    RowSpace,
    SuppressionUndecided,
    derivable_targets,
    small_derivable_union,
)
from shared.periods import granularity_of


def decide_keeping(timeline, units: Units, period: str, threshold: int, known: dict,
                   previous: Decision | None, also_hidden=frozenset(),
                   preferred=frozenset()) -> Decision:
    """Return the decision of one period keeping `previous`'s shown cells where that is safe.

    Arguments as `decide_period`'s. Without `previous`, or when keeping its cells gives
    away no small group beyond what `known` gives alone, the kept decision; otherwise a
    fresh one.
    """
    decision = decide_period(timeline, units, period, threshold, known, previous=previous,
                             also_hidden=also_hidden, preferred=preferred)
    if previous is None or not gives_away(timeline, units, period, threshold, known, decision):
        return decision
    return decide_period(timeline, units, period, threshold, known, also_hidden=also_hidden,
                         preferred=preferred)


class _Atoms:
    """The units of one period over some attributes, and the atoms of any cell of them."""

    def __init__(self, timeline, units: Units, period: str):
        granularity = granularity_of(period)
        self.timeline = timeline
        self.attributes = units.attributes
        self.keys = sorted((k for k in units.counts
                            if timeline.unit_period(k[0], granularity) == period), key=repr)
        self.counts = np.array([units.counts[k][1] for k in self.keys], dtype=np.int64)

    def cell(self, level: tuple, label: str, values: tuple) -> np.ndarray:
        """Return the 0/1 row of the atoms in one cell (attributes `level`, period `label`)."""
        positions = [self.attributes.index(a) for a in level]
        granularity = granularity_of(label)
        return np.array([float(self.timeline.unit_period(unit, granularity) == label
                               and tuple(v[p] for p in positions) == tuple(values))
                         for unit, v in self.keys])

    def small_unit_groups(self, threshold: int) -> list[np.ndarray]:
        """Return the rows of every (unit, values of a subset) group of 1..threshold-1."""
        rows = []
        for level in subsets(self.attributes):
            positions = [self.attributes.index(a) for a in level]
            groups: dict = defaultdict(list)
            for i, (unit, values) in enumerate(self.keys):
                groups[(unit, tuple(values[p] for p in positions))].append(i)
            for members in groups.values():
                if 0 < self.counts[members].sum() < threshold:
                    row = np.zeros(len(self.keys))
                    row[members] = 1.0
                    rows.append(row)
        return rows


def _matrix(rows: list[np.ndarray], width: int) -> np.ndarray:
    return np.array(rows, dtype=float) if rows else np.zeros((0, width))


def gives_away(timeline, units: Units, period: str, threshold: int, known: dict,
               decision: Decision) -> bool:
    """Return whether `decision`'s shown cells, with `known`'s, pin a small group of the
    period (or a small union of groups) that `known`'s shown cells alone do not."""
    atoms = _Atoms(timeline, units, period)
    width = len(atoms.keys)
    if not width:
        return False  # nobody in the period: nothing to give away
    decisions = [*known.items(), ((decision.attributes, period), decision)]
    shown, targets = [], atoms.small_unit_groups(threshold)
    for (level, label), made in decisions:
        for values, (count, hidden) in made.cells.items():
            row = atoms.cell(level, label, values)
            if not hidden:
                shown.append(row)
            elif 0 < count < threshold:
                targets.append(row)
    equations = _matrix(shown, width)
    before = equations[:len(equations) - len(decision.shown())]
    targets = _matrix(targets, width)
    if (derivable_targets(equations, targets) & ~derivable_targets(before, targets)).any():
        return True
    try:
        # Conservative: any derivable small union counts, even one `known` gives alone.
        return small_derivable_union(RowSpace.of(equations), atoms.counts, threshold) is not None
    except SuppressionUndecided:
        return True
