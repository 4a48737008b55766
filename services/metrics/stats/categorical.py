"""Tests on counts: two proportions, two Net Promoter Scores, and a 2 x c table.

Like `comparisons`, every test returns a `GroupTest` whose ``difference``, statistic and
effect size are signed ``b - a``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from fractions import Fraction

from scipy import stats

from .comparisons import aligned_counts, empty_group_reason
from .estimates import nps_counts, nps_wald_variance
from .moments import HistogramLike, option_counts
from .power import DEFAULT_ALPHA, nps_mde, proportion_mde
from .results import GroupTest


def two_proportion_z_test(successes_a: int, n_a: int, successes_b: int, n_b: int, *,
                          alpha: float = DEFAULT_ALPHA) -> GroupTest:
    """Pooled two-proportion z test with Cohen's h.

    .. math::

        \\hat p = \\frac{x_a + x_b}{n_a + n_b}, \\quad
        z = \\frac{x_b / n_b - x_a / n_a}{\\sqrt{\\hat p (1 - \\hat p) (1/n_a + 1/n_b)}},
        \\quad h = 2 \\arcsin\\sqrt{p_b} - 2 \\arcsin\\sqrt{p_a}

    ``mde`` is the minimum detectable difference of shares at ``alpha``, at the pooled
    share's variance (`power.proportion_mde`).

    Returns
    -------
    GroupTest
        ``test="two_proportion_z"``, ``effect_size_name="cohens_h"``, values as shares
        (0..1); reasons ``empty_group`` and ``zero_variance`` (no success, or only).

    References
    ----------
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). *Statistical Methods for Rates and
    Proportions*, 3rd ed., ch. 3. Cohen, J. (1988). *Statistical Power Analysis for the
    Behavioral Sciences*, 2nd ed., ch. 6.
    """
    xa, n_a, xb, n_b = int(successes_a), int(n_a), int(successes_b), int(n_b)
    if not (0 <= xa <= n_a and 0 <= xb <= n_b):
        raise ValueError("successes must be between 0 and n")
    share_a = xa / n_a if n_a else None
    share_b = xb / n_b if n_b else None
    if empty_group_reason(n_a, n_b):
        return GroupTest("two_proportion_z", n_a, n_b, share_a, share_b, None, None, None,
                         "cohens_h", None, reason="empty_group")
    diff = share_b - share_a
    h = 2.0 * math.asin(math.sqrt(share_b)) - 2.0 * math.asin(math.sqrt(share_a))
    total, successes = n_a + n_b, xa + xb
    var_num = successes * (total - successes) * n_a * n_b
    if var_num == 0:
        return GroupTest("two_proportion_z", n_a, n_b, share_a, share_b, diff, None, None,
                         "cohens_h", h, reason="zero_variance")
    z = (xb * n_a - xa * n_b) * math.sqrt(total) / math.sqrt(var_num)
    p = float(2.0 * stats.norm.sf(abs(z)))
    return GroupTest("two_proportion_z", n_a, n_b, share_a, share_b, diff, z, p,
                     "cohens_h", h, z=z, mde=proportion_mde(xa, n_a, xb, n_b, alpha))


def share_test(hist_a: HistogramLike, hist_b: HistogramLike, options: Collection, *,
               alpha: float = DEFAULT_ALPHA) -> GroupTest:
    """Pooled two-proportion z test of the share answering one of ``options``.

    See `two_proportion_z_test`. Top-2-box is ``share_test(a, b, (4, 5))``.

    References
    ----------
    Fleiss, Levin & Paik (2003), ch. 3.
    """
    return two_proportion_z_test(*option_counts(hist_a, options),
                                 *option_counts(hist_b, options), alpha=alpha)


def nps_difference_test(hist_a: HistogramLike, hist_b: HistogramLike, *,
                        alpha: float = DEFAULT_ALPHA) -> GroupTest:
    """z test of the difference of two Net Promoter Scores.

    With :math:`p = P/n`, :math:`d = D/n` per group, the per-respondent score (+1, 0, -1)
    has variance :math:`v = p + d - (p - d)^2`, so

    .. math::

        z = \\frac{NPS_b - NPS_a}{\\sqrt{v_a / n_a + v_b / n_b}}

    on the -1..1 scale; ``difference``, the ``nps_difference`` effect size and ``mde``
    (the minimum detectable difference at ``alpha``, `power.nps_mde`) are in NPS points
    (-200..200).

    Returns
    -------
    GroupTest
        ``test="nps_z"``; reasons ``empty_group``, ``single_respondent`` and
        ``zero_variance``.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American
    Statistician* 70(4), 365-372 (Wald variance of the trinomial difference).
    """
    pa, da, n_a = nps_counts(hist_a)
    pb, db, n_b = nps_counts(hist_b)
    nps_a = 100.0 * (pa - da) / n_a if n_a else None
    nps_b = 100.0 * (pb - db) / n_b if n_b else None
    diff = nps_b - nps_a if n_a and n_b else None

    mde = nps_mde((pa, da, n_a), (pb, db, n_b), alpha)

    def result(z=None, p=None, reason=None):
        return GroupTest("nps_z", n_a, n_b, nps_a, nps_b, diff, z, p, "nps_difference",
                         diff, z=z, reason=reason, mde=mde)

    if empty_group_reason(n_a, n_b):
        return result(reason="empty_group")
    if n_a < 2 or n_b < 2:
        return result(reason="single_respondent")
    var = nps_wald_variance(pa, da, n_a) + nps_wald_variance(pb, db, n_b)
    if var <= 0:
        return result(reason="zero_variance")
    z = ((pb - db) / n_b - (pa - da) / n_a) / math.sqrt(var)
    return result(z, float(2.0 * stats.norm.sf(abs(z))))


def chi_square_test(hist_a: HistogramLike, hist_b: HistogramLike) -> GroupTest:
    """Chi-square test of independence of a 2 x c table (no Yates correction), Cramér's V.

    Categories empty in both groups are dropped. With row totals :math:`R_i`, column
    totals :math:`C_j` and :math:`N` answers,

    .. math::

        \\chi^2 = \\sum_{i,j} \\frac{(N O_{ij} - R_i C_j)^2}{N R_i C_j}, \\quad
        \\nu = c - 1, \\quad V = \\sqrt{\\chi^2 / N}

    summed exactly as fractions of integers.

    Returns
    -------
    GroupTest
        ``test="chi_square"``, ``effect_size_name="cramers_v"``, ``df``; reasons
        ``empty_group`` and ``single_category``.

    References
    ----------
    Pearson, K. (1900). *Philosophical Magazine* 50, 157-175. Cramér, H. (1946).
    *Mathematical Methods of Statistics*, p. 282. Agresti, A. (2002). *Categorical Data
    Analysis*, 2nd ed., sec. 3.2.
    """
    _, counts_a, counts_b = aligned_counts(hist_a, hist_b)
    n_a, n_b = sum(counts_a), sum(counts_b)

    def result(statistic=None, p=None, v=None, df=None, reason=None):
        return GroupTest("chi_square", n_a, n_b, None, None, None, statistic, p,
                         "cramers_v", v, df=df, reason=reason)

    if empty_group_reason(n_a, n_b):
        return result(reason="empty_group")
    columns = [(ca, cb) for ca, cb in zip(counts_a, counts_b) if ca + cb > 0]
    if len(columns) < 2:
        return result(reason="single_category")
    big_n = n_a + n_b
    chi2 = Fraction(0)
    for ca, cb in columns:
        col = ca + cb
        for observed, row in ((ca, n_a), (cb, n_b)):
            chi2 += Fraction((big_n * observed - row * col) ** 2, big_n * row * col)
    statistic = float(chi2)
    df = len(columns) - 1
    p = float(stats.chi2.sf(statistic, df))
    return result(statistic, p, math.sqrt(statistic / big_n), float(df))
