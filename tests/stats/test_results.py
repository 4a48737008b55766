"""Result values: JSON-ready output, never NaN or infinity (checked with ``json.dumps``
``allow_nan=False``, the strict JSON of RFC 8259)."""

from __future__ import annotations

import json
import math

from services.metrics.stats import (
    chi_square_test,
    mann_kendall_test,
    mann_whitney_test,
    mean_estimate,
    welch_t_test,
)
from services.metrics.stats.results import (
    Driver,
    Drivers,
    Estimate,
    GroupTest,
    Trend,
    finite_or_none,
)
from services.metrics.stats.results_analyses import DiffInDiff, Linkage, PreTrend


def test_finite_or_none_drops_nan_and_infinity():
    assert finite_or_none(float("nan")) is None
    assert finite_or_none(math.inf) is None
    assert finite_or_none(-math.inf) is None
    assert finite_or_none(None) is None
    assert finite_or_none(2) == 2.0


def test_to_dict_never_carries_nan():
    estimate = Estimate("mean", 3, float("nan"), math.inf, None, 0.95, "t", "zero_variance")
    trend = Trend(3, 1, math.nan, math.inf, math.nan, math.nan, -math.inf, math.nan,
                  "no trend", 0.05)
    drivers = Drivers(4, math.nan, (Driver("q1", math.nan, math.inf),))
    test = GroupTest("welch_t", 1, 2, 1.0, math.nan, None, math.inf, None, "hedges_g", math.nan,
                     df=math.inf, z=-math.inf, mde=math.nan)
    pre_trend = PreTrend(3, math.nan, math.inf, math.nan, math.nan)
    impact = DiffInDiff(((3, math.nan), (3, 1.0), (0, None), (4, math.inf)), math.nan,
                        math.inf, -math.inf, math.nan, math.nan, math.nan, 0.95, pre_trend)
    linkage = Linkage(5, math.nan, -math.inf, math.inf, math.nan, math.nan, math.nan, 0.95)
    for result in (estimate, test, trend, drivers, impact, linkage):
        json.dumps(result.to_dict(), allow_nan=False)


def test_degenerate_results_are_json_with_reasons():
    results = [
        mean_estimate({}),
        welch_t_test({3: 4}, {3: 5}),
        mann_whitney_test({2: 4}, {2: 1}),
        chi_square_test({"a": 3}, {"a": 2}),
        mann_kendall_test([1.0]),
    ]
    for result in results:
        out = result.to_dict()
        json.dumps(out, allow_nan=False)
        assert out["reason"]


def test_compare_shape_matches_the_api():
    out = welch_t_test({1: 2, 5: 2}, {2: 1, 4: 3}).to_dict()
    assert set(out) >= {"test", "a", "b", "difference", "statistic", "p_value", "effect_size"}
    assert set(out["effect_size"]) == {"name", "value"}
    assert out["b"]["value"] - out["a"]["value"] == out["difference"]
    assert GroupTest("welch_t", 5, 5, 1.0, 2.0, 1.0, 2.0, 0.01, "hedges_g", 1.0) \
        .is_significant(0.05)
