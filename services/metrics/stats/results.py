"""Result values of the statistics engine.

Every public function of the engine returns one of these small frozen dataclasses. Their
``to_dict()`` gives JSON-ready values: finite floats or ``None``, never NaN or infinity,
and a machine-readable ``reason`` whenever a value could not be computed.

Reasons used across the engine:

``empty_group``
    a group has no respondents.
``single_respondent``
    a group has one respondent, so no variance can be estimated.
``zero_variance``
    every answer (or every group) has the same value, so a standard error is zero.
``all_tied``
    a rank test whose observations are all tied.
``single_category``
    a contingency table with fewer than two non-empty categories.
``single_item``
    a reliability coefficient over fewer than two items.
``too_few_periods``
    a trend over fewer than two periods.
``too_few_points``
    a correlation over fewer points than it needs (`linkage.LINKAGE_MIN_POINTS`).

The results of a difference in differences and of a linkage are in `results_analyses`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def finite_or_none(value) -> float | None:
    """Return ``value`` as a float, or ``None`` when it is missing, NaN or infinite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval.

    Attributes
    ----------
    metric : str
        ``mean``, ``index``, ``share``, ``top2``, ``nps`` or ``alpha``.
    n : int
        Respondents the estimate is computed from.
    value, ci_low, ci_high : float or None
        The estimate and its interval, on the metric's reporting scale.
    confidence : float
        Coverage of the interval (0.95 by default).
    method : str
        How the interval was formed (``t``, ``wilson``, ``adjusted_wald``, ``feldt``).
    reason : str or None
        Why a value is ``None``.
    """

    metric: str
    n: int
    value: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    method: str
    reason: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "metric": self.metric,
            "n": self.n,
            "value": finite_or_none(self.value),
            "ci_low": finite_or_none(self.ci_low),
            "ci_high": finite_or_none(self.ci_high),
            "confidence": self.confidence,
            "method": self.method,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class GroupTest:
    """A two-group comparison (or a 2 x c independence test) with its effect size.

    Attributes
    ----------
    test : str
        ``welch_t``, ``mann_whitney``, ``two_proportion_z``, ``nps_z`` or ``chi_square``.
    n_a, n_b : int
        Group sizes.
    value_a, value_b : float or None
        The compared metric in each group (``None`` for ``chi_square``).
    difference : float or None
        ``value_b - value_a``.
    statistic : float or None
        The test statistic, signed so that a positive value means b above a
        (``chi_square``: the chi-square statistic; ``mann_whitney``: U of group b).
    p_value : float or None
        Two-sided p-value.
    effect_size_name : str
        ``hedges_g``, ``rank_biserial``, ``cohens_h``, ``nps_difference`` or ``cramers_v``.
    effect_size : float or None
        Its value, signed like ``difference`` where a sign exists.
    df : float or None
        Degrees of freedom where the reference distribution has them.
    z : float or None
        The standard normal deviate of normal-approximation tests.
    reason : str or None
        Why a value is ``None``.
    mde : float or None
        Minimum detectable effect: the smallest difference, on the scale of ``difference``,
        that the test would find with power 0.8 at its ``alpha`` (see `power`).
    """

    test: str
    n_a: int
    n_b: int
    value_a: float | None
    value_b: float | None
    difference: float | None
    statistic: float | None
    p_value: float | None
    effect_size_name: str
    effect_size: float | None
    df: float | None = None
    z: float | None = None
    reason: str | None = None
    mde: float | None = None

    def is_significant(self, alpha: float = 0.05) -> bool | None:
        """Return whether ``p_value < alpha`` (``None`` when there is no p-value)."""
        p = finite_or_none(self.p_value)
        return None if p is None else p < alpha

    def to_dict(self) -> dict:
        """Return a JSON-ready dict shaped like the ``compare`` answer of the API."""
        return {
            "test": self.test,
            "a": {"n": self.n_a, "value": finite_or_none(self.value_a)},
            "b": {"n": self.n_b, "value": finite_or_none(self.value_b)},
            "difference": finite_or_none(self.difference),
            "statistic": finite_or_none(self.statistic),
            "p_value": finite_or_none(self.p_value),
            "effect_size": {
                "name": self.effect_size_name,
                "value": finite_or_none(self.effect_size),
            },
            "df": finite_or_none(self.df),
            "z": finite_or_none(self.z),
            "mde": finite_or_none(self.mde),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Trend:
    """A Mann-Kendall trend test with Sen's slope.

    Attributes
    ----------
    periods : int
        Number of period values used.
    s : int or None
        Mann-Kendall S.
    var_s : float or None
        Variance of S with tie correction.
    tau : float or None
        Kendall's tau (S over the number of pairs).
    z, p_value : float or None
        Continuity-corrected normal deviate and two-sided p-value.
    sen_slope, intercept : float or None
        Median pairwise slope per period, and the Conover intercept.
    direction : str
        ``increasing``, ``decreasing`` or ``no trend`` at ``alpha``.
    alpha : float
        Significance level of ``direction``.
    reason : str or None
        Why a value is ``None``.
    """

    periods: int
    s: int | None
    var_s: float | None
    tau: float | None
    z: float | None
    p_value: float | None
    sen_slope: float | None
    intercept: float | None
    direction: str
    alpha: float
    reason: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict shaped like the ``trend`` answer of the API."""
        return {
            "periods": self.periods,
            "mann_kendall": {
                "s": self.s,
                "var_s": finite_or_none(self.var_s),
                "tau": finite_or_none(self.tau),
                "z": finite_or_none(self.z),
                "p_value": finite_or_none(self.p_value),
            },
            "sen_slope": finite_or_none(self.sen_slope),
            "intercept": finite_or_none(self.intercept),
            "direction": self.direction,
            "alpha": self.alpha,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Driver:
    """One predictor of a driver analysis."""

    question: str
    correlation: float | None
    weight: float | None
    reason: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return {
            "question": self.question,
            "correlation": finite_or_none(self.correlation),
            "weight": finite_or_none(self.weight),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Drivers:
    """Correlations and Johnson's relative weights of predictors with an outcome.

    ``items`` are ranked by weight, largest first (predictors without a weight last); the
    weights add up to ``r_squared``.
    """

    n: int
    r_squared: float | None
    items: tuple[Driver, ...] = field(default_factory=tuple)
    reason: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict shaped like the ``drivers`` answer of the API."""
        return {
            "n": self.n,
            "r_squared": finite_or_none(self.r_squared),
            "items": [item.to_dict() for item in self.items],
            "reason": self.reason,
        }

