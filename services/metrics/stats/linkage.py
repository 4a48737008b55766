"""Employee-customer linkage: the correlation of two metrics over groups (teams, sites).

Each point is one group shown in both an employee survey and a customer survey: the
group's value of an employee metric (say, AI trust) and of a customer metric (say,
satisfaction). The points are group means, computed exactly from summaries like every
other value; this module correlates them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special, stats

from .estimates import DEFAULT_CONFIDENCE, normal_quantile
from .results_analyses import Linkage

# Fisher's z needs n > 3; five points is the least that says anything about a link.
LINKAGE_MIN_POINTS = 5


def correlation_p_value(r: float, n: int) -> float:
    """Return the two-sided p-value of a correlation ``r`` over ``n`` points.

    Under no correlation (bivariate normal), :math:`(r + 1)/2` follows
    :math:`\\mathrm{Beta}(n/2 - 1, n/2 - 1)`, which is the t test
    :math:`t = r \\sqrt{(n - 2)/(1 - r^2)}` on :math:`n - 2` degrees of freedom:

    .. math::

        p = 2 I_{(1 - |r|)/2}(n/2 - 1, n/2 - 1)

    with :math:`I` the regularised incomplete beta function (as ``scipy.stats.pearsonr``).
    """
    a = n / 2.0 - 1.0
    return float(min(1.0, 2.0 * special.betainc(a, a, (1.0 - min(abs(r), 1.0)) / 2.0)))


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Return Pearson's r of two arrays (``None`` when either is constant)."""
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx == 0.0 or syy == 0.0:
        return None
    return float(np.clip((dx @ dy) / math.sqrt(sxx * syy), -1.0, 1.0))


def linkage_correlation(employee: Sequence[float], customer: Sequence[float],
                        confidence: float = DEFAULT_CONFIDENCE) -> Linkage:
    """Pearson's r with a Fisher-z interval, and Spearman's rho, over paired group values.

    .. math::

        r = \\frac{\\sum (x_i - \\bar x)(y_i - \\bar y)}
        {\\sqrt{\\sum (x_i - \\bar x)^2 \\sum (y_i - \\bar y)^2}}, \\quad
        \\tanh\\left(\\operatorname{artanh} r \\pm \\frac{z_{1 - (1 - c)/2}}{\\sqrt{k - 3}}
        \\right)

    over :math:`k` points, with the p-value of `correlation_p_value`. Spearman's
    :math:`\\rho` is Pearson's r of the mid-ranks (ties averaged), with the same t-based
    p-value (as ``scipy.stats.spearmanr``). The points are unweighted: each group counts
    once, whatever its size, because the question is about groups.

    Parameters
    ----------
    employee, customer : sequence of float
        One value per group, in the same order.
    confidence : float
        Coverage of the interval of r.

    Returns
    -------
    Linkage
        Reasons ``too_few_points`` (fewer than `LINKAGE_MIN_POINTS`; nothing computed) and
        ``zero_variance`` (every group has the same value of a metric).

    References
    ----------
    Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced
    from a small sample. *Metron* 1, 3-32. Spearman, C. (1904). *American Journal of
    Psychology* 15(1), 72-101. Heskett, J. L., Jones, T. O., Loveman, G. W., Sasser, W. E.
    & Schlesinger, L. A. (1994). Putting the service-profit chain to work. *Harvard
    Business Review* 72(2), 164-174.

    Examples
    --------
    >>> result = linkage_correlation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    >>> round(result.pearson_r, 2), round(result.spearman_rho, 2)
    (0.8, 0.8)
    """
    z_critical = normal_quantile(confidence)
    if len(employee) != len(customer):
        raise ValueError("linkage needs one customer value per employee value")
    x, y = np.asarray(employee, dtype=float), np.asarray(customer, dtype=float)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("linkage values must be finite numbers")
    k = int(x.size)
    if k < LINKAGE_MIN_POINTS:
        return Linkage(k, None, None, None, None, None, None, confidence, "too_few_points")
    r = _pearson(x, y)
    if r is None:
        return Linkage(k, None, None, None, None, None, None, confidence, "zero_variance")
    rho = _pearson(stats.rankdata(x), stats.rankdata(y))
    half = z_critical / math.sqrt(k - 3)
    with np.errstate(divide="ignore"):
        centre = float(np.arctanh(r))  # infinite at |r| = 1: the interval is that point
    return Linkage(k, r, math.tanh(centre - half), math.tanh(centre + half),
                   correlation_p_value(r, k), rho, correlation_p_value(rho, k), confidence)
