"""Multiple testing: Benjamini-Hochberg false discovery rate adjustment."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Return Benjamini-Hochberg adjusted p-values, ``None`` where the input has none.

    For the :math:`m` present p-values sorted ascending,

    .. math::

        \\tilde p_{(i)} = \\min\\left(1, \\min_{j \\ge i} \\frac{m}{j} p_{(j)}\\right)

    returned in the input's order. ``None`` and NaN entries do not count in :math:`m`
    and come back as ``None``.

    References
    ----------
    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
    and powerful approach to multiple testing. *JRSS B* 57(1), 289-300.

    Examples
    --------
    >>> benjamini_hochberg([0.01, None, 0.04, 0.03])
    [0.03, None, 0.04, 0.04]
    """
    present = [i for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    adjusted: list[float | None] = [None] * len(p_values)
    if not present:
        return adjusted
    p = np.array([float(p_values[i]) for i in present])
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must be between 0 and 1")
    for i, value in zip(present, adjust_array(p)):
        adjusted[i] = float(value)
    return adjusted


def adjust_array(p: np.ndarray) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values of a float array with no missing values.

    The vectorised core of `benjamini_hochberg`, for batches of many tests.
    """
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="mergesort")
    scaled = p[order] * m / np.arange(1, m + 1)
    monotone = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(monotone, 1.0)
    return out
