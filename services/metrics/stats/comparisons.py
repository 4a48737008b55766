"""Two-group tests of location with effect sizes: Welch's t and Mann-Whitney U.

Every test returns a `GroupTest` whose ``difference`` is ``b - a`` and whose statistic and
effect size are signed the same way, so a positive value always means "b above a".
"""

from __future__ import annotations

import math

from scipy import stats

from .moments import HistogramLike, histogram_items, is_numeric, power_sums
from .power import DEFAULT_ALPHA, welch_df, welch_mde
from .results import GroupTest


def empty_group_reason(n_a: int, n_b: int) -> str | None:
    """Return ``"empty_group"`` when either group has no respondents, else ``None``."""
    return "empty_group" if n_a == 0 or n_b == 0 else None


def welch_t_test_from_sums(a: tuple, b: tuple, scale: float = 1.0, shift: float = 0.0, *,
                           alpha: float = DEFAULT_ALPHA) -> GroupTest:
    """Welch's unequal-variance t test with Hedges' g, from ``(n, sum(x), sum(x**2))``.

    .. math::

        t = \\frac{\\bar x_b - \\bar x_a}{\\sqrt{s_a^2/n_a + s_b^2/n_b}}, \\quad
        \\nu = \\frac{(s_a^2/n_a + s_b^2/n_b)^2}{\\frac{(s_a^2/n_a)^2}{n_a - 1} +
        \\frac{(s_b^2/n_b)^2}{n_b - 1}}, \\quad p = 2\\,P(T_\\nu > |t|)

        g = \\left(1 - \\frac{3}{4 (n_a + n_b) - 9}\\right)
        \\frac{\\bar x_b - \\bar x_a}{s_p}, \\quad
        s_p^2 = \\frac{(n_a - 1) s_a^2 + (n_b - 1) s_b^2}{n_a + n_b - 2}

    with :math:`s^2 = (n S_2 - S_1^2) / (n (n - 1))` formed from exact integers. The values
    and difference are reported for ``scale * x + shift`` (t, p and g do not change), and
    so is ``mde``, the minimum detectable difference at ``alpha`` (`power.welch_mde`).

    Parameters
    ----------
    a, b : tuple (n, sum, sum of squares)
        Power sums of each group.
    scale, shift : float
        Linear map from the summed variable to the reported scale (``scale > 0``).
    alpha : float
        Level of the two-sided test the ``mde`` is computed for.

    Returns
    -------
    GroupTest
        ``test="welch_t"``, ``effect_size_name="hedges_g"``; reasons ``empty_group``,
        ``single_respondent`` and ``zero_variance`` (both groups constant).

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. *Biometrika* 34, 28-35. Hedges, L. V. & Olkin, I.
    (1985). *Statistical Methods for Meta-Analysis*, p. 81.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    (n_a, s1a, s2a), (n_b, s1b, s2b) = a, b
    mean_a = scale * s1a / n_a + shift if n_a else None
    mean_b = scale * s1b / n_b + shift if n_b else None
    diff = mean_b - mean_a if n_a and n_b else None

    mde = welch_mde(a, b, scale, alpha)

    def result(statistic=None, p=None, g=None, df=None, reason=None):
        return GroupTest("welch_t", n_a, n_b, mean_a, mean_b, diff, statistic, p,
                         "hedges_g", g, df=df, reason=reason, mde=mde)

    if empty_group_reason(n_a, n_b):
        return result(reason="empty_group")
    if n_a < 2 or n_b < 2:
        return result(reason="single_respondent")
    scatter_a, scatter_b = n_a * s2a - s1a * s1a, n_b * s2b - s1b * s1b
    var_a = scatter_a / (n_a * n_a * (n_a - 1))  # s_a^2 / n_a
    var_b = scatter_b / (n_b * n_b * (n_b - 1))
    se2 = var_a + var_b
    if se2 <= 0:
        return result(reason="zero_variance")
    raw_diff = s1b / n_b - s1a / n_a
    t = raw_diff / math.sqrt(se2)
    df = welch_df(var_a, n_a, var_b, n_b)
    p = float(2.0 * stats.t.sf(abs(t), df))
    pooled = (scatter_a / n_a + scatter_b / n_b) / (n_a + n_b - 2)
    g = raw_diff / math.sqrt(pooled) * (1.0 - 3.0 / (4.0 * (n_a + n_b) - 9.0))
    return result(t, p, g, df)


def welch_t_test(hist_a: HistogramLike, hist_b: HistogramLike, *,
                 alpha: float = DEFAULT_ALPHA) -> GroupTest:
    """Welch's t test with Hedges' g from two histograms; see `welch_t_test_from_sums`.

    References
    ----------
    Welch, B. L. (1947). *Biometrika* 34, 28-35.
    """
    return welch_t_test_from_sums(power_sums(hist_a), power_sums(hist_b), alpha=alpha)


def index_welch_t_test(index_hist_a: HistogramLike, index_hist_b: HistogramLike,
                       k: int, *, alpha: float = DEFAULT_ALPHA) -> GroupTest:
    """Welch's t test of an index score (0-100) from two item-sum histograms of ``k`` items.

    The score is ``25 * s / k - 25`` (see `estimates.index_estimate`); see
    `welch_t_test_from_sums` for the test.

    References
    ----------
    Welch, B. L. (1947). *Biometrika* 34, 28-35.
    """
    return welch_t_test_from_sums(power_sums(index_hist_a), power_sums(index_hist_b),
                                  scale=25.0 / k, shift=-25.0, alpha=alpha)


def aligned_counts(hist_a: HistogramLike, hist_b: HistogramLike):
    """Return the union of categories (sorted when numeric) and both groups' counts."""
    values_a, counts_a = histogram_items(hist_a)
    values_b, counts_b = histogram_items(hist_b)
    merged = dict.fromkeys(values_a + values_b)
    values = tuple(merged)
    if is_numeric(values):
        values = tuple(sorted(values))
    a, b = dict(zip(values_a, counts_a)), dict(zip(values_b, counts_b))
    return values, [a.get(v, 0) for v in values], [b.get(v, 0) for v in values]


def mann_whitney_test(hist_a: HistogramLike, hist_b: HistogramLike, *,
                      alpha: float = DEFAULT_ALPHA) -> GroupTest:
    """Two-sided Mann-Whitney U test with rank-biserial r, from two ordered histograms.

    Category :math:`c` with :math:`t_c` answers in both groups and :math:`T_c` answers
    below it has mid-rank :math:`T_c + (t_c + 1)/2`. Then

    .. math::

        U_b = R_b - \\frac{n_b (n_b + 1)}{2}, \\quad \\mu = \\frac{n_a n_b}{2}, \\quad
        \\sigma^2 = \\frac{n_a n_b}{12}\\left(N + 1 - \\frac{\\sum_c (t_c^3 - t_c)}
        {N (N - 1)}\\right)

        z = \\frac{|U_b - \\mu| - 1/2}{\\sigma}, \\quad p = \\min(1, 2 (1 - \\Phi(z))), \\quad
        r = \\frac{2 U_b}{n_a n_b} - 1

    (normal approximation with tie and continuity corrections; ``statistic`` is
    :math:`U_b`, ``z`` is signed like :math:`U_b - \\mu`, ``r`` is
    :math:`P(b > a) - P(b < a)`). ``difference`` is the difference of means when the
    categories are numbers, and ``mde`` is then the minimum detectable difference of means
    at ``alpha`` by the Welch approximation on the mean scale (`power.welch_mde`): the
    rank test has no closed-form power, and the mean is the scale the difference is read on.

    Returns
    -------
    GroupTest
        ``test="mann_whitney"``, ``effect_size_name="rank_biserial"``; reasons
        ``empty_group`` and ``all_tied`` (every answer in one category).

    References
    ----------
    Mann, H. B. & Whitney, D. R. (1947). *Ann. Math. Statist.* 18(1), 50-60. Kerby, D. S.
    (2014). The simple difference formula. *Comprehensive Psychology* 3, 11.IT.3.1.
    """
    values, counts_a, counts_b = aligned_counts(hist_a, hist_b)
    n_a, n_b = sum(counts_a), sum(counts_b)
    numeric = is_numeric(values)
    mean_a = sum(v * c for v, c in zip(values, counts_a)) / n_a if numeric and n_a else None
    mean_b = sum(v * c for v, c in zip(values, counts_b)) / n_b if numeric and n_b else None
    diff = mean_b - mean_a if mean_a is not None and mean_b is not None else None
    mde = welch_mde(power_sums(hist_a), power_sums(hist_b), alpha=alpha) if numeric else None

    def result(u=None, p=None, r=None, z=None, reason=None):
        return GroupTest("mann_whitney", n_a, n_b, mean_a, mean_b, diff, u, p,
                         "rank_biserial", r, z=z, reason=reason, mde=mde)

    if empty_group_reason(n_a, n_b):
        return result(reason="empty_group")
    big_n = n_a + n_b
    below, twice_rank_sum_b, ties = 0, 0, 0
    for ca, cb in zip(counts_a, counts_b):
        t = ca + cb
        twice_rank_sum_b += cb * (2 * below + t + 1)
        ties += t * t * t - t
        below += t
    twice_u = twice_rank_sum_b - n_b * (n_b + 1)  # exact 2 * U_b
    u = twice_u / 2.0
    r = (twice_u - n_a * n_b) / (n_a * n_b)
    var_num = n_a * n_b * (big_n * big_n * big_n - big_n - ties)
    if var_num <= 0:
        return result(u=u, r=r, reason="all_tied")
    sigma = math.sqrt(var_num / (12 * big_n * (big_n - 1)))
    distance = abs(twice_u - n_a * n_b) / 2.0 - 0.5
    p = min(1.0, float(2.0 * stats.norm.sf(distance / sigma)))
    z = math.copysign(max(distance, 0.0) / sigma, twice_u - n_a * n_b)
    return result(u, p, r, z)
