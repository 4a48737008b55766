"""Reliability of an index: Cronbach's alpha from moments, with Feldt's interval."""

from __future__ import annotations

from collections.abc import Sequence

from scipy import stats

from .estimates import DEFAULT_CONFIDENCE, check_confidence
from .moments import Moments, reverse_flags
from .results import Estimate


def cronbach_alpha(moments: Moments, items: Sequence, reverse=(),
                   confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Cronbach's alpha of an index from moments, with Feldt's F interval.

    With :math:`C_{ij} = n \\sum x_i x_j - \\sum x_i \\sum x_j` (:math:`n (n-1)` times the
    covariance, exact) and :math:`d_i = -1` for reverse items (:math:`6 - x` flips the sign of
    a covariance, not a variance), else :math:`+1`:

    .. math::

        \\alpha = \\frac{k}{k - 1}\\left(1 - \\frac{\\sum_i C_{ii}}
        {\\sum_{i,j} d_i d_j C_{ij}}\\right), \\qquad
        1 - (1 - \\alpha) F_{1 - (1 - c)/2 \\text{ resp. } (1 - c)/2}(n - 1, (n - 1)(k - 1))

    Parameters
    ----------
    moments : Moments
        Moments of the survey's numeric variables.
    items : sequence of str or int
        The index's items (names or positions in ``moments``).
    reverse : sequence of bool, or collection of item names
        Which items are reverse-scored.
    confidence : float
        Interval coverage.

    Returns
    -------
    Estimate
        ``metric="alpha"``; reasons ``single_item``, ``empty_group``, ``single_respondent``
        and ``zero_variance`` (the total score does not vary).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika* 16(3), 297-334. Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987).
    Statistical inference for coefficient alpha. *Applied Psychological Measurement* 11(1).
    """
    check_confidence(confidence)
    positions = [moments.position(item) for item in items]
    signs = [-1 if r else 1 for r in reverse_flags(items, reverse)]
    k, n = len(positions), moments.n
    if k < 2:
        return Estimate("alpha", n, None, None, None, confidence, "feldt", "single_item")
    if n < 2:
        reason = "empty_group" if n == 0 else "single_respondent"
        return Estimate("alpha", n, None, None, None, confidence, "feldt", reason)
    item_scatter = sum(moments.scatter(i, i) for i in positions)
    total_scatter = sum(
        si * sj * moments.scatter(i, j)
        for i, si in zip(positions, signs) for j, sj in zip(positions, signs)
    )
    if total_scatter <= 0:
        return Estimate("alpha", n, None, None, None, confidence, "feldt", "zero_variance")
    value = k / (k - 1) * (1.0 - item_scatter / total_scatter)
    tail = (1.0 - confidence) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - value) * float(stats.f.isf(tail, df1, df2))
    high = 1.0 - (1.0 - value) * float(stats.f.isf(1.0 - tail, df1, df2))
    return Estimate("alpha", n, value, low, high, confidence, "feldt")
