"""Impact of an intervention: difference in differences, with a test of parallel pre-trends.

A treated group (say, the staff trained on AI) and a control group are measured before and
after; the four cells are independent samples, since respondents are anonymous and a
response cannot be followed from one period to the next. Every function works on the
cells' power sums ``(n, sum(x), sum(x**2))`` of one numeric answer per respondent, so it
applies to index scores, item means, shares (a 0/1 answer) and Net Promoter Scores (a
+1/0/-1 answer) alike, exactly from summaries.

The estimate and its standard error equal those of the saturated regression
``y ~ treated * after`` fitted by OLS on the raw answers with HC2 robust errors; the
interval and p-value are normal, as statsmodels reports them for robust covariances
(see ``tests/stats/test_impact.py``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np
from scipy import stats

from .estimates import DEFAULT_CONFIDENCE, normal_quantile, nps_sums
from .moments import HistogramLike, indicator_sums, power_sums, squared_standard_error
from .results_analyses import DiffInDiff, PreTrend


def pre_trend_test(differences: Sequence[float | None],
                   variances: Sequence[float | None]) -> PreTrend:
    """Weighted least squares slope of per-period differences on the period index.

    Period :math:`i = 0, 1, \\ldots` (oldest first) has the difference
    :math:`d_i = \\bar y_{T,i} - \\bar y_{C,i}` of the treated and control means, with the
    known variance :math:`v_i`; with weights :math:`w_i = 1 / v_i`,

    .. math::

        \\bar i = \\frac{\\sum w_i i}{\\sum w_i}, \\quad
        b = \\frac{\\sum w_i (i - \\bar i) d_i}{\\sum w_i (i - \\bar i)^2}, \\quad
        SE(b) = \\left(\\sum w_i (i - \\bar i)^2\\right)^{-1/2}, \\quad
        p = 2 \\left(1 - \\Phi(|b| / SE(b))\\right)

    The variances are the sampling variances of the differences, taken as known (as in a
    fixed-effect meta-regression and as the difference in differences' own standard error
    does), so the test is normal: statsmodels ``WLS(d, [1, i], weights=1/v)`` fitted with
    ``cov_type="fixed scale"``. A small p-value says the groups' difference was already
    drifting before the intervention, so the parallel-trends assumption behind the
    difference in differences is doubtful. Missing periods (``None``) are skipped and keep
    their position.

    Returns
    -------
    PreTrend
        Reasons ``too_few_periods`` (fewer than two differences) and ``zero_variance`` (a
        difference without a positive variance, which would weigh infinitely).

    References
    ----------
    Angrist, J. D. & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, sec. 5.2.
    Thompson, S. G. & Sharp, S. J. (1999). Explaining heterogeneity in meta-analysis.
    *Statistics in Medicine* 18, 2693-2708.

    Examples
    --------
    >>> pre_trend_test([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]).slope
    1.0
    """
    if len(differences) != len(variances):
        raise ValueError("pre_trend_test needs one variance per difference")
    present = [(i, float(d), v) for i, (d, v) in enumerate(zip(differences, variances))
               if d is not None and not math.isnan(d)]
    if len(present) < 2:
        return PreTrend(len(present), None, None, None, None, "too_few_periods")
    if not all(v is not None and math.isfinite(v) and v > 0 for _, _, v in present):
        return PreTrend(len(present), None, None, None, None, "zero_variance")
    index, d, v = (np.array(column, dtype=float) for column in zip(*present))
    w = 1.0 / v
    centred = index - (w * index).sum() / w.sum()
    sxx = (w * centred * centred).sum()
    slope = float((w * centred * d).sum() / sxx)
    se = float(1.0 / math.sqrt(sxx))
    z = slope / se
    return PreTrend(len(present), slope, se, z, float(2.0 * stats.norm.sf(abs(z))))


def period_difference(treated: tuple, control: tuple,
                      scale: float = 1.0) -> tuple[float | None, float | None]:
    """Return ``(difference, variance)`` of treated - control means in one period.

    From power sums, on the scale ``scale * x``; ``(None, None)`` when a group has fewer
    than two answers (no variance can be estimated).
    """
    (n_t, s1t, _), (n_c, s1c, _) = treated, control
    if n_t < 2 or n_c < 2:
        return None, None
    variance = scale * scale * (squared_standard_error(*treated)
                                + squared_standard_error(*control))
    return scale * (s1t / n_t - s1c / n_c), variance


def difference_in_differences_from_sums(
        treated_before: tuple, treated_after: tuple, control_before: tuple,
        control_after: tuple, *, scale: float = 1.0, shift: float = 0.0,
        pre_periods: Sequence[tuple | None] = (),
        confidence: float = DEFAULT_CONFIDENCE) -> DiffInDiff:
    """Difference in differences of four independent groups, from their power sums.

    With the four means :math:`\\bar y` and sample variances :math:`s^2` (on the reported
    scale ``scale * x + shift``),

    .. math::

        \\hat\\delta = (\\bar y_{T,1} - \\bar y_{T,0}) - (\\bar y_{C,1} - \\bar y_{C,0}),
        \\quad SE = \\sqrt{\\sum_{g} s_g^2 / n_g}, \\quad
        \\hat\\delta \\pm z_{1 - (1 - c)/2} SE, \\quad p = 2 (1 - \\Phi(|\\hat\\delta| / SE))

    This is the interaction coefficient of the saturated OLS regression
    :math:`y = \\beta_0 + \\beta_1 T + \\beta_2 A + \\delta \\, T A` on the raw answers, and
    :math:`SE` is its HC2 standard error (each cell's leverage is :math:`1/n_g`, so HC2's
    :math:`e_i^2 / (1 - h_{ii})` sums to :math:`s_g^2 / n_g` per cell).

    Parameters
    ----------
    treated_before, treated_after, control_before, control_after : tuple
        Power sums ``(n, sum(x), sum(x**2))`` of each cell.
    scale, shift : float
        Linear map from the summed variable to the reported scale (``scale > 0``).
    pre_periods : sequence of (treated sums, control sums) or None
        The periods before the intervention, oldest first, for `pre_trend_test`
        (``None`` for a period not shown).
    confidence : float
        Coverage of the interval.

    Returns
    -------
    DiffInDiff
        Reasons ``empty_group``, ``single_respondent`` (no standard error) and
        ``zero_variance`` (every cell constant).

    References
    ----------
    Card, D. & Krueger, A. B. (1994). Minimum wages and employment. *American Economic
    Review* 84(4), 772-793. Angrist & Pischke (2009), sec. 5.2. MacKinnon, J. G. & White,
    H. (1985). *Journal of Econometrics* 29, 305-325 (HC2).

    Examples
    --------
    >>> cells = [(4, 8, 20), (4, 16, 68), (4, 8, 20), (4, 12, 40)]
    >>> difference_in_differences_from_sums(*cells).estimate
    1.0
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    z_critical = normal_quantile(confidence)
    cells = (treated_before, treated_after, control_before, control_after)
    values = tuple(scale * s1 / n + shift if n else None for n, s1, _ in cells)
    shown = tuple((n, value) for (n, _, _), value in zip(cells, values))
    differences = [None if pair is None else period_difference(*pair, scale)
                   for pair in pre_periods]
    pre_trend = pre_trend_test([d[0] if d else None for d in differences],
                               [d[1] if d else None for d in differences])

    def result(estimate=None, se=None, low=None, high=None, z=None, p=None, reason=None):
        return DiffInDiff(shown, estimate, se, low, high, z, p, confidence, pre_trend,
                          reason)

    if any(n == 0 for n, _, _ in cells):
        return result(reason="empty_group")
    estimate = (values[1] - values[0]) - (values[3] - values[2])
    if any(n < 2 for n, _, _ in cells):
        return result(estimate, reason="single_respondent")
    variance = scale * scale * sum(squared_standard_error(*cell) for cell in cells)
    if not variance > 0:
        return result(estimate, reason="zero_variance")
    se = math.sqrt(variance)
    z = estimate / se
    return result(estimate, se, estimate - z_critical * se, estimate + z_critical * se, z,
                  float(2.0 * stats.norm.sf(abs(z))))


def _of_histograms(to_sums, cells: Sequence, pre_periods: Sequence, **options) -> DiffInDiff:
    """Run `difference_in_differences_from_sums` on histograms turned into power sums."""
    periods = [None if pair is None else tuple(to_sums(h) for h in pair)
               for pair in pre_periods]
    return difference_in_differences_from_sums(*(to_sums(h) for h in cells),
                                               pre_periods=periods, **options)


def mean_difference_in_differences(
        treated_before: HistogramLike, treated_after: HistogramLike,
        control_before: HistogramLike, control_after: HistogramLike, *,
        pre_periods: Sequence = (), confidence: float = DEFAULT_CONFIDENCE) -> DiffInDiff:
    """Difference in differences of a question's mean, from four answer histograms.

    ``pre_periods`` holds ``(treated histogram, control histogram)`` pairs; see
    `difference_in_differences_from_sums`.

    References
    ----------
    Angrist & Pischke (2009), sec. 5.2.
    """
    return _of_histograms(power_sums, (treated_before, treated_after, control_before,
                                       control_after), pre_periods, confidence=confidence)


def index_difference_in_differences(
        treated_before: HistogramLike, treated_after: HistogramLike,
        control_before: HistogramLike, control_after: HistogramLike, k: int, *,
        pre_periods: Sequence = (), confidence: float = DEFAULT_CONFIDENCE) -> DiffInDiff:
    """Difference in differences of an index score (0-100), from item-sum histograms.

    The score is ``25 * s / k - 25`` (see `estimates.index_estimate`), so the estimate and
    standard error are those of the item sums times ``25 / k``; see
    `difference_in_differences_from_sums`.

    References
    ----------
    Angrist & Pischke (2009), sec. 5.2.
    """
    if k < 1:
        raise ValueError("an index needs at least one item")
    return _of_histograms(power_sums, (treated_before, treated_after, control_before,
                                       control_after), pre_periods, scale=25.0 / k,
                          shift=-25.0, confidence=confidence)


def share_difference_in_differences(
        treated_before: HistogramLike, treated_after: HistogramLike,
        control_before: HistogramLike, control_after: HistogramLike, options: Collection,
        *, pre_periods: Sequence = (),
        confidence: float = DEFAULT_CONFIDENCE) -> DiffInDiff:
    """Difference in differences of the share answering one of ``options`` (0..1).

    The share is the mean of a 0/1 answer, whose sample variance is
    :math:`n p (1 - p) / (n - 1)`; top-2-box is ``options=(4, 5)``. See
    `difference_in_differences_from_sums`.

    References
    ----------
    Angrist & Pischke (2009), sec. 5.2.
    """
    return _of_histograms(lambda h: indicator_sums(h, options),
                          (treated_before, treated_after, control_before, control_after),
                          pre_periods, confidence=confidence)


def nps_difference_in_differences(
        treated_before: HistogramLike, treated_after: HistogramLike,
        control_before: HistogramLike, control_after: HistogramLike, *,
        pre_periods: Sequence = (), confidence: float = DEFAULT_CONFIDENCE) -> DiffInDiff:
    """Difference in differences of a Net Promoter Score, in NPS points.

    NPS is 100 times the mean of the per-respondent score +1 (9-10), 0 (7-8), -1 (0-6);
    see `difference_in_differences_from_sums`.

    References
    ----------
    Angrist & Pischke (2009), sec. 5.2. Rocks, B. (2016). *The American Statistician*
    70(4), 365-372.
    """
    return _of_histograms(nps_sums, (treated_before, treated_after, control_before,
                                     control_after), pre_periods, scale=100.0,
                          confidence=confidence)
