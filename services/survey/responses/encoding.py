"""Summary vectors of many responses at once, grouped by bucket, with numpy.

The result equals summing `SummaryLayout.encode` over each bucket's responses (the
property tests check this); it is only faster, for imports of many rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shared.summaries import VECTOR_DTYPE, SummaryLayout


def _value_positions(column: list, values: tuple) -> np.ndarray:
    """Return each response's position of its answer among `values`, or -1 if unanswered."""
    if type(values[0]) is int and values == tuple(range(values[0], values[0] + len(values))) \
            and None not in column:
        # A numeric scale answered by everyone: the position is the value less the lowest.
        return np.array(column, dtype=np.int64) - values[0]
    position = {value: i for i, value in enumerate(values)}
    return np.fromiter((position.get(v, -1) for v in column), dtype=np.int64, count=len(column))


def bucket_vectors(layout: SummaryLayout, answers: Sequence[dict], groups: np.ndarray,
                   n_groups: int, columns: dict[str, list] | None = None) -> np.ndarray:
    """Return an (n_groups, layout.size) matrix: the summed vectors of each group's answers.

    `columns` may give the answers by question already (None where unanswered).
    """
    if columns is None:
        columns = {key: [a.get(key) for a in answers] for key in layout.hist_slots}
    size = layout.size
    groups = np.asarray(groups, dtype=np.int64)
    counted = []  # flat (group, slot) positions that each add one
    for key, (offset, values) in layout.hist_slots.items():
        pos = _value_positions(columns[key], values)
        answered = pos >= 0
        counted.append(groups[answered] * size + offset + pos[answered])
    numbers = {key: np.array(columns[key], dtype=np.int64)
               for key in set(layout.variables).union(
                   *(items for _, items, _ in layout.indices.values()))}
    for offset, items, reverse in layout.indices.values():
        item_sum = sum(6 - numbers[i] if rev else numbers[i] for i, rev in zip(items, reverse))
        counted.append(groups * size + offset + item_sum - len(items))
    flat = np.concatenate(counted) if counted else np.zeros(0, dtype=np.int64)
    out = np.bincount(flat, minlength=n_groups * size).astype(VECTOR_DTYPE)
    out = out.reshape(n_groups, size)
    x = [numbers[v] for v in layout.variables]
    for j, column in enumerate(x):
        out[:, layout.sums_offset + j] = _group_sum(groups, column, n_groups)
    slot = layout.cross_offset
    for i in range(len(x)):
        for j in range(i, len(x)):
            out[:, slot] = _group_sum(groups, x[i] * x[j], n_groups)
            slot += 1
    return out


def _group_sum(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    # Float weights are exact here: every partial sum stays far below 2**53.
    return np.rint(np.bincount(groups, weights=values, minlength=n_groups)).astype(VECTOR_DTYPE)
