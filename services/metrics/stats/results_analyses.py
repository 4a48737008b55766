"""Result values of the impact and linkage analyses (see `results` for the conventions).

Like every result of the engine, these are frozen dataclasses whose ``to_dict()`` gives
finite floats or ``None``, never NaN or infinity, with a machine-readable ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .results import finite_or_none


@dataclass(frozen=True)
class PreTrend:
    """A test of parallel pre-trends: the weighted slope of a difference over periods.

    ``periods`` counts the periods used; ``slope`` is per period, with its ``std_error``,
    normal deviate ``z`` and two-sided ``p_value``.
    """

    periods: int
    slope: float | None
    std_error: float | None
    z: float | None
    p_value: float | None
    reason: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict shaped like ``pre_trend`` of the ``impact`` answer."""
        return {"periods": self.periods, "slope": finite_or_none(self.slope),
                "std_error": finite_or_none(self.std_error), "z": finite_or_none(self.z),
                "p_value": finite_or_none(self.p_value), "reason": self.reason}


def _group(n: int, value) -> dict:
    return {"n": n, "value": finite_or_none(value)}


@dataclass(frozen=True)
class DiffInDiff:
    """A difference in differences of four independent groups, with its pre-trend test.

    Attributes
    ----------
    cells : tuple of (int, float or None)
        ``(n, value)`` of treated before, treated after, control before, control after.
    estimate : float or None
        (treated after - treated before) - (control after - control before).
    std_error, ci_low, ci_high, z, p_value : float or None
        Its standard error, interval at ``confidence``, normal deviate and two-sided p.
    pre_trend : PreTrend
        Whether the treated - control difference drifted before (`impact.pre_trend_test`).
    reason : str or None
        Why a value is ``None``.
    """

    cells: tuple
    estimate: float | None
    std_error: float | None
    ci_low: float | None
    ci_high: float | None
    z: float | None
    p_value: float | None
    confidence: float
    pre_trend: PreTrend
    reason: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict shaped like the ``impact`` answer of the API."""
        (tb, ta, cb, ca) = self.cells
        return {
            "treated": {"before": _group(*tb), "after": _group(*ta)},
            "control": {"before": _group(*cb), "after": _group(*ca)},
            "estimate": finite_or_none(self.estimate),
            "std_error": finite_or_none(self.std_error),
            "ci_low": finite_or_none(self.ci_low), "ci_high": finite_or_none(self.ci_high),
            "z": finite_or_none(self.z), "p_value": finite_or_none(self.p_value),
            "confidence": self.confidence, "pre_trend": self.pre_trend.to_dict(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Linkage:
    """Pearson's r (Fisher-z interval) and Spearman's rho over ``groups`` points."""

    groups: int
    pearson_r: float | None
    pearson_ci_low: float | None
    pearson_ci_high: float | None
    pearson_p_value: float | None
    spearman_rho: float | None
    spearman_p_value: float | None
    confidence: float
    reason: str | None = None

    def to_dict(self) -> dict:
        """Return a JSON-ready dict shaped like the ``linkage`` answer of the API."""
        return {
            "groups": self.groups,
            "pearson": {"r": finite_or_none(self.pearson_r),
                        "ci_low": finite_or_none(self.pearson_ci_low),
                        "ci_high": finite_or_none(self.pearson_ci_high),
                        "p_value": finite_or_none(self.pearson_p_value)},
            "spearman": {"rho": finite_or_none(self.spearman_rho),
                         "p_value": finite_or_none(self.spearman_p_value)},
            "confidence": self.confidence,
            "reason": self.reason,
        }
