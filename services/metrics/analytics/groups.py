"""Summaries groups as numpy arrays: their segment values and vectors."""

from __future__ import annotations

import numpy as np

from shared.summaries import SummaryLayout


def group_values(groups: list, attributes: tuple) -> list[tuple]:
    """Return each group's segment values over `attributes` (None where missing)."""
    return [tuple((g.get("segment") or {}).get(a) for a in attributes) for g in groups]


def group_vectors(groups: list, layout: SummaryLayout, parts: tuple = ()) -> np.ndarray:
    """Return the groups' vectors as an int64 matrix, converting only the slots of `parts`."""
    matrix = np.zeros((len(groups), layout.size), dtype=np.int64)
    if not groups:
        return matrix
    if not parts:
        return np.array([g["vector"] for g in groups], dtype=np.int64)
    # The other slots are 0: converting a few columns is much cheaper than whole lists.
    for part in parts:
        first, count = layout.part_slots(part)
        matrix[:, first:first + count] = np.array([g["vector"][first:first + count] for g in groups],
                                                  dtype=np.int64)
    return matrix


def threshold_counts(n: np.ndarray, vectors: np.ndarray, layout: SummaryLayout,
                     count: str | None) -> np.ndarray:
    """Return what the threshold applies to: respondents, or those who answered `count`."""
    if count is None:
        return n
    offset, options = layout.hist_slots[count]
    return vectors[:, offset:offset + len(options)].sum(axis=1)
