"""Point estimates with confidence intervals: means, indices, shares, top-2-box, NPS.

All inputs are histograms or moments (see `moments`); variances are formed from exact
integers as ``n * sum(x**2) - sum(x)**2`` before any division.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from scipy import stats

from .moments import HistogramLike, histogram_items, option_counts, power_sums
from .results import Estimate

DEFAULT_CONFIDENCE = 0.95
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def check_confidence(confidence: float) -> None:
    """Raise ``ValueError`` unless ``0 < confidence < 1``."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")


def normal_quantile(confidence: float) -> float:
    """Return the two-sided standard normal critical value ``z_{1 - (1 - c) / 2}``."""
    check_confidence(confidence)
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _t_estimate(metric: str, n: int, s1, s2, confidence: float, scale: float = 1.0,
                shift: float = 0.0) -> Estimate:
    """Mean of ``scale * x + shift`` with a t interval, from ``n``, ``sum(x)``, ``sum(x**2)``."""
    check_confidence(confidence)
    if n == 0:
        return Estimate(metric, 0, None, None, None, confidence, "t", "empty_group")
    value = scale * (s1 / n) + shift
    if n == 1:
        return Estimate(metric, 1, value, None, None, confidence, "t", "single_respondent")
    scatter = n * s2 - s1 * s1  # exact for integer answers
    if scatter <= 0:
        return Estimate(metric, n, value, None, None, confidence, "t", "zero_variance")
    se = abs(scale) * math.sqrt(scatter / (n * n * (n - 1)))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * se
    return Estimate(metric, n, value, value - half, value + half, confidence, "t")


def mean_estimate(hist: HistogramLike, confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Mean of a numeric question with a Student t interval.

    .. math::

        \\bar x = S_1 / n, \\quad s^2 = \\frac{n S_2 - S_1^2}{n (n - 1)}, \\quad
        \\bar x \\pm t_{1 - (1 - c)/2,\\, n - 1} \\, s / \\sqrt{n}

    with :math:`S_1 = \\sum x`, :math:`S_2 = \\sum x^2` from the histogram.

    Parameters
    ----------
    hist : mapping value -> count, or (values, counts)
        Histogram of the answers.
    confidence : float
        Interval coverage.

    Returns
    -------
    Estimate
        ``metric="mean"``; reasons ``empty_group``, ``single_respondent`` (no interval) and
        ``zero_variance`` (no interval).

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika* 6(1), 1-25.

    Examples
    --------
    >>> mean_estimate({1: 0, 2: 1, 3: 2, 4: 1, 5: 0}).value
    3.0
    """
    n, s1, s2 = power_sums(hist)
    return _t_estimate("mean", n, s1, s2, confidence)


def index_estimate(index_hist: HistogramLike, k: int,
                   confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Index score 0-100 with a t interval, from the histogram of item sums.

    A respondent with item sum :math:`s` over :math:`k` likert5 items (reverse items already
    scored :math:`6 - x`) has score :math:`(s / k - 1) / 4 \\cdot 100 = 25 s / k - 25`. The
    score is linear in :math:`s`, so its mean and t interval are those of :math:`s` scaled by
    :math:`25 / k` and shifted by :math:`-25` (see `mean_estimate`).

    Parameters
    ----------
    index_hist : mapping item_sum -> count, or (sums, counts)
        Histogram of respondents' item sums (k..5k).
    k : int
        Number of items in the index.
    confidence : float
        Interval coverage.

    Returns
    -------
    Estimate
        ``metric="index"`` on 0-100, reasons as in `mean_estimate`.

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika* 6(1), 1-25.

    Examples
    --------
    >>> index_estimate({3: 1, 9: 1, 15: 1}, k=3).value
    50.0
    """
    if k < 1:
        raise ValueError("an index needs at least one item")
    n, s1, s2 = power_sums(index_hist)
    return _t_estimate("index", n, s1, s2, confidence, scale=25.0 / k, shift=-25.0)


def wilson_interval(successes: int, n: int,
                    confidence: float = DEFAULT_CONFIDENCE) -> tuple[float, float]:
    """Return the Wilson score interval of a binomial proportion (``n > 0``).

    .. math::

        \\frac{x + z^2/2}{n + z^2} \\pm \\frac{z}{n + z^2}
        \\sqrt{\\frac{x (n - x)}{n} + \\frac{z^2}{4}}

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22(158), 209-212. Newcombe, R. G. (1998). *Statistics in Medicine*
    17, 857-872 (method 3).
    """
    if n <= 0:
        raise ValueError("a Wilson interval needs n > 0")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    z = normal_quantile(confidence)
    z2 = z * z
    centre = (successes + z2 / 2.0) / (n + z2)
    half = z / (n + z2) * math.sqrt(successes * (n - successes) / n + z2 / 4.0)
    # The bounds at x = 0 and x = n are exactly 0 and 1; say so rather than round off.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def share_estimate(successes: int, n: int,
                   confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Share ``successes / n`` (0..1) with a Wilson score interval.

    See `wilson_interval` for the formula. ``n == 0`` gives reason ``empty_group``.

    References
    ----------
    Wilson, E. B. (1927). *JASA* 22(158), 209-212.

    Examples
    --------
    >>> round(share_estimate(81, 263).ci_low, 4)
    0.2553
    """
    check_confidence(confidence)
    successes, n = int(successes), int(n)
    if n == 0:
        return Estimate("share", 0, None, None, None, confidence, "wilson", "empty_group")
    low, high = wilson_interval(successes, n, confidence)
    return Estimate("share", n, successes / n, low, high, confidence, "wilson")


def option_share_estimate(hist: HistogramLike, options: Collection,
                          confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Share of respondents whose answer is in ``options``, with a Wilson interval."""
    return share_estimate(*option_counts(hist, options), confidence)


def top2_estimate(hist: HistogramLike, confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Top-2-box: the share answering 4 or 5 on a likert5 question, with a Wilson interval.

    References
    ----------
    Wilson, E. B. (1927). *JASA* 22(158), 209-212.

    Examples
    --------
    >>> top2_estimate({1: 1, 2: 1, 3: 0, 4: 1, 5: 1}).value
    0.5
    """
    estimate = option_share_estimate(hist, (4, 5), confidence)
    return Estimate("top2", estimate.n, estimate.value, estimate.ci_low, estimate.ci_high,
                    confidence, "wilson", estimate.reason)


def nps_counts(hist: HistogramLike) -> tuple[int, int, int]:
    """Return ``(promoters, detractors, n)`` of a 0-10 histogram (9-10 and 0-6)."""
    values, counts = histogram_items(hist)
    promoters = sum(c for v, c in zip(values, counts) if v >= PROMOTER_MIN)
    detractors = sum(c for v, c in zip(values, counts) if v <= DETRACTOR_MAX)
    return promoters, detractors, sum(counts)


def nps_wald_variance(promoters: int, detractors: int, n: int) -> float:
    """Return the Wald variance ``(p + d - (p - d)**2) / n`` of an NPS on the -1..1 scale.

    Formed as ``(n (P + D) - (P - D)**2) / n**3``, an exact numerator (``n > 0``).
    """
    return (n * (promoters + detractors) - (promoters - detractors) ** 2) / n ** 3


def nps_sums(hist: HistogramLike) -> tuple[int, int, int]:
    """Return the power sums ``(n, P - D, P + D)`` of the per-respondent score +1/0/-1."""
    promoters, detractors, n = nps_counts(hist)
    return n, promoters - detractors, promoters + detractors


def nps_estimate(hist: HistogramLike, confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Net Promoter Score (-100..100) with an adjusted-Wald interval.

    .. math::

        NPS = 100 (P - D) / n; \\quad
        \\tilde n = n + 3,\\ \\tilde p = (P + 3/4) / \\tilde n,\\ \\tilde d = (D + 3/4) / \\tilde n

        100 \\left[(\\tilde p - \\tilde d) \\pm z \\sqrt{\\frac{\\tilde p + \\tilde d -
        (\\tilde p - \\tilde d)^2}{\\tilde n}}\\right]

    clipped to [-100, 100]. The point value is the plain NPS; the interval is centred on the
    adjusted one, as the method prescribes.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American
    Statistician* 70(4), 365-372. Sauro, J. & Lewis, J. R., MeasuringU (2021),
    "Confidence intervals for Net Promoter Scores".

    Examples
    --------
    >>> nps_estimate({10: 5, 8: 3, 3: 2}).value
    30.0
    """
    z = normal_quantile(confidence)
    promoters, detractors, n = nps_counts(hist)
    if n == 0:
        return Estimate("nps", 0, None, None, None, confidence, "adjusted_wald", "empty_group")
    value = 100.0 * (promoters - detractors) / n
    n_adj = n + 3.0
    p_adj, d_adj = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    centre = p_adj - d_adj
    half = z * math.sqrt((p_adj + d_adj - centre * centre) / n_adj)
    low, high = max(-1.0, centre - half), min(1.0, centre + half)
    return Estimate("nps", n, value, 100.0 * low, 100.0 * high, confidence, "adjusted_wald")
