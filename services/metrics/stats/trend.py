"""Trend across periods: Mann-Kendall test with tie correction, and Sen's slope."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from .results import Trend


def _as_series(values: Sequence[float | None]) -> np.ndarray:
    """Return the values as floats, missing ones (``None``, NaN) as NaN."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def sen_slope(values: Sequence[float | None]) -> tuple[float | None, float | None]:
    """Return Sen's slope per period and the Conover intercept of a period series.

    .. math::

        \\beta = \\operatorname{median}_{i < j} \\frac{x_j - x_i}{j - i}, \\quad
        a = \\operatorname{median}(x) - \\beta \\operatorname{median}(i)

    over pairs of present values; missing values keep their period's position. Returns
    ``(None, None)`` with fewer than two present values.

    References
    ----------
    Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's tau.
    *JASA* 63(324), 1379-1389. Conover, W. J. (1980). *Practical Nonparametric
    Statistics*, 2nd ed.

    Examples
    --------
    >>> sen_slope([1.0, 2.0, 3.0, 4.0])
    (1.0, 1.0)
    """
    x = _as_series(values)
    present = np.flatnonzero(~np.isnan(x))
    if present.size < 2:
        return None, None
    i, j = np.triu_indices(present.size, k=1)
    pos_i, pos_j = present[i], present[j]
    slope = float(np.median((x[pos_j] - x[pos_i]) / (pos_j - pos_i)))
    intercept = float(np.median(x[present]) - np.median(present) * slope)
    return slope, intercept


def mann_kendall_test(values: Sequence[float | None], alpha: float = 0.05) -> Trend:
    """Mann-Kendall trend test with tie correction, Sen's slope and direction.

    .. math::

        S = \\sum_{i < j} \\operatorname{sgn}(x_j - x_i), \\quad
        \\operatorname{Var}(S) = \\frac{n (n - 1)(2n + 5) - \\sum_g t_g (t_g - 1)(2 t_g + 5)}{18}

        \\tau = \\frac{S}{n (n - 1) / 2}, \\quad
        z = \\frac{S - \\operatorname{sgn}(S)}{\\sqrt{\\operatorname{Var}(S)}}, \\quad
        p = 2 (1 - \\Phi(|z|))

    where :math:`t_g` is the size of the g-th group of tied values. The direction is
    ``increasing`` or ``decreasing`` when :math:`|z| > z_{1 - \\alpha/2}`, else ``no trend``.
    Missing values (``None``, NaN) are skipped.

    Parameters
    ----------
    values : sequence of float or None
        One value per period, oldest first.
    alpha : float
        Significance level of the direction.

    Returns
    -------
    Trend
        Reasons ``too_few_periods`` (fewer than two values) and ``all_tied`` (every value
        equal: S is 0 and has no variance).

    References
    ----------
    Mann, H. B. (1945). Nonparametric tests against trend. *Econometrica* 13, 245-259.
    Kendall, M. G. (1975). *Rank Correlation Methods*, 4th ed. Gilbert, R. O. (1987).
    *Statistical Methods for Environmental Pollution Monitoring*, sec. 16.4.

    Examples
    --------
    >>> mann_kendall_test([1, 2, 3, 4, 5]).s
    10
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must be between 0 and 1")
    x = _as_series(values)
    slope, intercept = sen_slope(values)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n < 2:
        return Trend(n, None, None, None, None, None, slope, intercept, "no trend", alpha,
                     "too_few_periods")
    i, j = np.triu_indices(n, k=1)
    s = int(np.sign(x[j] - x[i]).sum())
    _, ties = np.unique(x, return_counts=True)
    ties = [int(t) for t in ties]
    var_num = n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)
    var_s = var_num / 18.0
    tau = s / (n * (n - 1) / 2.0)
    if var_num == 0:
        return Trend(n, s, 0.0, tau, None, None, slope, intercept, "no trend", alpha,
                     "all_tied")
    z = (s - math.copysign(1, s)) / math.sqrt(var_s) if s else 0.0
    p = float(2.0 * stats.norm.sf(abs(z)))
    significant = abs(z) > float(stats.norm.ppf(1.0 - alpha / 2.0))
    direction = "no trend"
    if significant:
        direction = "increasing" if z > 0 else "decreasing"
    return Trend(n, s, var_s, tau, z, p, slope, intercept, direction, alpha)
