"""Minimum detectable effects: the smallest difference two groups could have shown.

Given two groups' sizes and spread, the minimum detectable effect (MDE) is the smallest
true difference that a two-sided test at level :math:`\\alpha` would find with
probability ``power`` (0.8 by default). It is reported beside every comparison, so that
"no significant change" also says how large a change could have been seen.

Each test has its own MDE, on the metric's own scale:

* means and indices (``welch_t``, and ``mann_whitney`` through the Welch approximation on
  the mean scale): the noncentral t power of Welch's test, `welch_mde`;
* shares (``two_proportion_z``): the normal power of the pooled z test, `proportion_mde`;
* Net Promoter Scores (``nps_z``): the normal power of the NPS z test, `nps_mde`.

They match statsmodels' ``TTestIndPower`` and ``NormalIndPower`` (two-sided power,
both tails counted) on the effect size ``mde / sigma`` (see ``tests/stats/test_power.py``).
"""

from __future__ import annotations

import functools
import math

from scipy import optimize, special

from .estimates import nps_wald_variance
from .moments import squared_standard_error

DEFAULT_ALPHA = 0.05
DEFAULT_POWER = 0.8


def check_alpha_power(alpha: float, power: float) -> None:
    """Raise ``ValueError`` unless ``0 < alpha < power < 1``."""
    if not 0.0 < alpha < 1.0:
        raise ValueError("alpha must be between 0 and 1")
    if not alpha < power < 1.0:
        raise ValueError("power must be between alpha and 1")


def detectable(alpha: float, power: float) -> bool:
    """Whether a minimum detectable effect exists at ``alpha`` and ``power``.

    A two-sided test rejects a true null with probability ``alpha``, so when ``alpha`` is
    not below ``power`` even no difference at all is "detected" with that power: no
    effect is the smallest, and the MDE says nothing. The MDE functions answer ``None``
    then; ``ValueError`` when ``alpha`` or ``power`` is not inside (0, 1).
    """
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError("alpha and power must be between 0 and 1")
    return alpha < power


def _solve_noncentrality(power_at, critical: float, power: float) -> float:
    """Return the noncentrality ``nc >= 0`` at which ``power_at(nc) == power``."""
    high = critical + float(special.ndtri(power)) + 1.0
    while power_at(high) < power:  # small df: heavy tails need a larger shift
        high *= 2.0
    return float(optimize.brentq(lambda nc: power_at(nc) - power, 0.0, high,
                                 xtol=1e-14, rtol=1e-15))


@functools.lru_cache(maxsize=64)
def normal_noncentrality(alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER) -> float:
    """Return the shift of a standard normal statistic a two-sided test detects with ``power``.

    Solves :math:`\\Phi(\\lambda - z) + \\Phi(-\\lambda - z) = 1 - \\beta`,
    :math:`z = z_{1 - \\alpha/2}`, both rejection tails counted as statsmodels'
    ``normal_power`` does (about :math:`z_{1-\\alpha/2} + z_{1-\\beta}`: 2.8016 at 0.05, 0.8).

    References
    ----------
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.,
    ch. 12.

    Examples
    --------
    >>> round(normal_noncentrality(0.05, 0.8), 4)
    2.8016
    """
    check_alpha_power(alpha, power)
    critical = float(-special.ndtri(alpha / 2.0))
    return _solve_noncentrality(
        lambda nc: float(special.ndtr(nc - critical) + special.ndtr(-critical - nc)),
        critical, power)


def t_noncentrality(df: float, alpha: float = DEFAULT_ALPHA,
                    power: float = DEFAULT_POWER) -> float:
    """Return the noncentrality a two-sided t test on ``df`` degrees of freedom detects.

    Solves :math:`1 - F_{\\nu,\\lambda}(t) + F_{\\nu,\\lambda}(-t) = 1 - \\beta` for
    :math:`\\lambda`, with :math:`t = t_{1-\\alpha/2,\\nu}` and :math:`F_{\\nu,\\lambda}` the
    noncentral t distribution function, as statsmodels' ``ttest_power``.

    References
    ----------
    Cohen (1988), ch. 2. Owen, D. B. (1965). A special case of a bivariate non-central
    t-distribution. *Biometrika* 52, 437-446.

    Examples
    --------
    >>> round(t_noncentrality(38.0), 4)
    2.8749
    """
    check_alpha_power(alpha, power)
    if not df > 0:
        raise ValueError("degrees of freedom must be positive")
    critical = float(special.stdtrit(df, 1.0 - alpha / 2.0))

    def power_at(nc: float) -> float:
        lower = float(special.nctdtr(df, nc, -critical))
        # Far in the left tail nctdtr can return NaN instead of a number below 1e-16.
        return float(1.0 - special.nctdtr(df, nc, critical)) + (0.0 if math.isnan(lower)
                                                                else lower)

    return _solve_noncentrality(power_at, critical, power)


def welch_df(se2_a: float, n_a: int, se2_b: float, n_b: int) -> float:
    """Return the Welch-Satterthwaite degrees of freedom from the squared standard errors.

    .. math::

        \\nu = \\frac{(e_a + e_b)^2}{e_a^2 / (n_a - 1) + e_b^2 / (n_b - 1)}, \\quad
        e = s^2 / n

    References
    ----------
    Satterthwaite, F. E. (1946). *Biometrics Bulletin* 2(6), 110-114. Welch (1947).
    """
    se2 = se2_a + se2_b
    return se2 * se2 / (se2_a * se2_a / (n_a - 1) + se2_b * se2_b / (n_b - 1))


def welch_mde(a: tuple, b: tuple, scale: float = 1.0, alpha: float = DEFAULT_ALPHA,
              power: float = DEFAULT_POWER) -> float | None:
    """Minimum detectable difference of two means under Welch's t test, from power sums.

    With each group's power sums ``(n, sum(x), sum(x**2))``, sample variance
    :math:`s^2` and :math:`e = s^2 / n`,

    .. math::

        SE = \\sqrt{e_a + e_b}, \\quad
        MDE = |c| \\, \\lambda_{\\nu}(\\alpha, 1 - \\beta) \\cdot SE

    on the reported scale :math:`c x` (``scale``), with :math:`\\nu` from `welch_df` and
    :math:`\\lambda_\\nu` from `t_noncentrality`. This is statsmodels'
    ``TTestIndPower`` effect size at ``df`` :math:`= \\nu` times the standard deviation
    :math:`\\sigma = SE \\sqrt{n_a n_b / (n_a + n_b)}` (the pooled standard deviation when
    the variances are equal). ``None`` when either group has fewer than two answers,
    both variances are zero, or ``alpha`` is not below ``power`` (`detectable`).

    References
    ----------
    Welch, B. L. (1947). *Biometrika* 34, 28-35. Cohen, J. (1988). *Statistical Power
    Analysis for the Behavioral Sciences*, 2nd ed., ch. 2.

    Examples
    --------
    Two groups of 20 whose answers have standard deviation 1 could detect 0.909:

    >>> round(welch_mde((20, 0, 19), (20, 0, 19)), 3)
    0.909
    """
    if not detectable(alpha, power):
        return None
    (n_a, *_), (n_b, *_) = a, b
    if n_a < 2 or n_b < 2:
        return None
    se2_a, se2_b = squared_standard_error(*a), squared_standard_error(*b)
    if not se2_a + se2_b > 0:
        return None
    df = welch_df(se2_a, n_a, se2_b, n_b)
    return abs(scale) * t_noncentrality(df, alpha, power) * math.sqrt(se2_a + se2_b)


def proportion_mde(successes_a: int, n_a: int, successes_b: int, n_b: int,
                   alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER) -> float | None:
    """Minimum detectable difference of two shares under the pooled two-proportion z test.

    The variance is the one the pooled test uses: :math:`\\bar p (1 - \\bar p)` at the
    pooled share :math:`\\bar p = (x_a + x_b)/(n_a + n_b)`, the common baseline under the
    null hypothesis. Then

    .. math::

        MDE = \\lambda(\\alpha, 1 - \\beta)
        \\sqrt{\\bar p (1 - \\bar p) \\left(\\frac{1}{n_a} + \\frac{1}{n_b}\\right)}

    with :math:`\\lambda` from `normal_noncentrality`: statsmodels ``NormalIndPower``'s
    effect size times :math:`\\sqrt{\\bar p (1 - \\bar p)}`, in share units (0..1).
    ``None`` when a group is empty, :math:`\\bar p` is 0 or 1, or ``alpha`` is not below
    ``power``.

    References
    ----------
    Fleiss, J. L., Levin, B. & Paik, M. C. (2003). *Statistical Methods for Rates and
    Proportions*, 3rd ed., sec. 4.2. Cohen (1988), ch. 6.

    Examples
    --------
    >>> round(proportion_mde(50, 100, 50, 100), 4)
    0.1981
    """
    if not detectable(alpha, power):
        return None
    total, successes = n_a + n_b, successes_a + successes_b
    if n_a == 0 or n_b == 0 or successes in (0, total):
        return None
    pooled = successes / total
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    return normal_noncentrality(alpha, power) * se


def nps_mde(counts_a: tuple, counts_b: tuple, alpha: float = DEFAULT_ALPHA,
            power: float = DEFAULT_POWER) -> float | None:
    """Minimum detectable difference of two Net Promoter Scores, in NPS points.

    With ``(promoters, detractors, n)`` per group, :math:`p = P/n`, :math:`d = D/n` and the
    per-respondent variance :math:`v = p + d - (p - d)^2` of the +1/0/-1 score (the NPS z
    test's variance),

    .. math::

        MDE = 100 \\, \\lambda(\\alpha, 1 - \\beta) \\sqrt{v_a / n_a + v_b / n_b}

    with :math:`\\lambda` from `normal_noncentrality`: statsmodels ``NormalIndPower``'s
    effect size times :math:`\\sigma = \\sqrt{(n_b v_a + n_a v_b)/(n_a + n_b)}`. ``None``
    when a group has fewer than two answers, both variances are zero, or ``alpha`` is
    not below ``power``.

    References
    ----------
    Rocks, B. (2016). *The American Statistician* 70(4), 365-372.

    Examples
    --------
    >>> round(nps_mde((40, 20, 100), (40, 20, 100)), 2)
    29.65
    """
    if not detectable(alpha, power):
        return None
    if counts_a[2] < 2 or counts_b[2] < 2:
        return None
    var = nps_wald_variance(*counts_a) + nps_wald_variance(*counts_b)
    if not var > 0:
        return None
    return 100.0 * normal_noncentrality(alpha, power) * math.sqrt(var)
