"""Anonymity rules: which cells of a breakdown may be shown (pure functions, no I/O).

A cell is a group of respondents (one period, one combination of segment values). Cells
under the threshold are hidden (primary suppression). A reader who also sees a cell's
parents (the same period without one of the segment attributes, the whole period, the
enclosing quarter, all time...) could subtract the visible siblings from a parent and get
a hidden cell back, so every *line* (the children of one parent) that hides anything hides
at least two cells adding up to at least the threshold (complementary suppression), and
then no hidden cell may be an exact linear combination of the lines' known totals (checked
with the rank of the line equations; the next-smallest cell of a line is hidden until none
is). Parents are assumed known even when hidden elsewhere, which only hides more.

Residual risk accepted: bounds from non-negativity (interval inference) across many lines
may narrow a hidden cell to a range; they never pin it to one value through a single line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from itertools import combinations

import numpy as np

MINIMUM_THRESHOLD = 3
DEFAULT_THRESHOLD = 5
# Above this many hidden cells in one connected block, the rank check is skipped: every line
# already hides at least two cells adding up to the threshold.
RANK_CHECK_LIMIT = 600

Line = Sequence[Hashable]


def primary_suppression(counts: Mapping[Hashable, int], threshold: int) -> set:
    """Return the cells with fewer respondents than the threshold."""
    return {cell for cell, n in counts.items() if n < threshold}


def _order(counts: Mapping[Hashable, int]) -> Callable:
    return lambda cell: (counts[cell], repr(cell))


def _complete_lines(counts, lines, hidden, threshold) -> bool:
    """Hide next-smallest cells until each line hiding anything hides >= 2 cells and >= threshold."""
    changed = False
    for line in lines:
        hidden_here = [cell for cell in line if cell in hidden]
        if not hidden_here:
            continue
        visible = sorted((c for c in line if c not in hidden), key=_order(counts))
        total = sum(counts[c] for c in hidden_here)
        count = len(hidden_here)
        while visible and (count < 2 or total < threshold):
            cell = visible.pop(0)
            hidden.add(cell)
            total += counts[cell]
            count += 1
            changed = True
    return changed


def derivable_cells(counts: Mapping[Hashable, int], hidden: set, lines: Iterable[Line],
                    threshold: int) -> set:
    """Return the hidden cells whose value is an exact linear combination of line totals.

    Each line whose parent can be shown (a total of at least the threshold) gives one
    equation over its hidden cells; a hidden cell is derivable when its unit vector lies in
    the row space of those equations.
    """
    rows = [[c for c in line if c in hidden] for line in lines
            if sum(counts[c] for c in line) >= threshold]
    rows = [r for r in rows if r]
    # Cells linked by shared lines form independent blocks; check each on its own.
    parent: dict = {c: c for r in rows for c in r}

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for r in rows:
        root = find(r[0])
        for c in r[1:]:
            parent[find(c)] = root
    blocks: dict = defaultdict(list)
    for r in rows:
        blocks[find(r[0])].append(r)
    derivable = set()
    for block_rows in blocks.values():
        cells = sorted({c for r in block_rows for c in r}, key=repr)
        if len(cells) > RANK_CHECK_LIMIT:
            continue
        index = {c: i for i, c in enumerate(cells)}
        matrix = np.zeros((len(block_rows), len(cells)))
        for i, r in enumerate(block_rows):
            matrix[i, [index[c] for c in r]] = 1.0
        projector = np.linalg.pinv(matrix) @ matrix
        for c, i in index.items():
            if projector[i, i] > 1.0 - 1e-9:
                derivable.add(c)
    return derivable


def suppress_small_groups(counts: Mapping[Hashable, int], lines: Iterable[Line],
                          threshold: int) -> set:
    """Return every cell to hide: primary, complementary per line, and until none is derivable."""
    lines = [list(line) for line in lines]
    hidden = primary_suppression(counts, threshold)
    while True:
        while _complete_lines(counts, lines, hidden, threshold):
            pass
        # Deriving a hidden cell of at least the threshold is no harm in itself; the rank
        # check still makes sure it does not lead to a small one.
        derivable = {c for c in derivable_cells(counts, hidden, lines, threshold)
                     if counts[c] < threshold}
        if not derivable:
            return hidden
        candidates = {c for line in lines if any(d in derivable for d in line)
                      for c in line if c not in hidden}
        if not candidates:
            return hidden
        hidden.add(min(candidates, key=_order(counts)))


def breakdown_lines(cells: Iterable[tuple], time_parents: Callable[[str], Sequence[str]],
                    width: int) -> list[list[tuple]]:
    """Return the lines of a breakdown whose cells are `(period, (value, ...))`.

    A line is every cell sharing a parent: the same period (or one of its `time_parents`, e.g.
    the enclosing quarter or all time) and the same values on a subset of the attributes,
    leaving out the cell itself.
    """
    cells = list(cells)
    groupings = []
    for size in range(width + 1):
        groupings.extend(combinations(range(width), size))
    lines: dict = defaultdict(list)
    for cell in cells:
        period, values = cell
        times = [("own", period)] + [("up", p) for p in time_parents(period)]
        for time in times:
            for kept in groupings:
                if time[0] == "own" and len(kept) == width:
                    continue  # the cell itself, not a parent
                lines[(time, kept, tuple(values[i] for i in kept))].append(cell)
    return list(lines.values())
