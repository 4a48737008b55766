"""Mann-Kendall and Sen's slope, checked against ``pymannkendall.original_test`` (s, var_s,
tau, z, p, trend, slope, intercept) on random period series with ties and missing periods.
Published example: Little, "A Mann-Kendall example (by hand)", College of the Holy Cross.
"""

from __future__ import annotations

import numpy as np
import pymannkendall as mk
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.metrics.stats import mann_kendall_test, sen_slope

from .rawdata import PROPERTY, close

# Period values such as weekly means: a coarse grid makes ties common.
period_values = st.lists(st.integers(0, 12).map(lambda v: v / 4), min_size=3, max_size=52)


@PROPERTY
@given(period_values, st.sampled_from([0.01, 0.05, 0.1]))
def test_matches_pymannkendall(values, alpha):
    assume(len(set(values)) > 1)
    ours = mann_kendall_test(values, alpha)
    ref = mk.original_test(np.array(values), alpha)
    assert ours.s == ref.s
    assert close(ours.var_s, ref.var_s)
    assert close(ours.tau, ref.Tau)
    assert close(ours.z, ref.z)
    assert close(ours.p_value, ref.p)
    assert ours.direction == ref.trend
    assert close(ours.sen_slope, ref.slope)
    assert close(ours.intercept, ref.intercept)


@PROPERTY
@given(st.lists(st.one_of(st.none(), st.integers(0, 20).map(float)), min_size=4, max_size=30))
def test_missing_periods_match_pymannkendall_nan_handling(values):
    present = [v for v in values if v is not None]
    assume(len(present) >= 2 and len(set(present)) > 1)
    ours = mann_kendall_test(values)
    ref = mk.original_test(np.array([np.nan if v is None else v for v in values]))
    assert ours.periods == len(present)
    assert ours.s == ref.s and close(ours.z, ref.z) and close(ours.p_value, ref.p)
    assert close(ours.sen_slope, ref.slope) and close(ours.intercept, ref.intercept)


def test_published_by_hand_example():
    """Little, D., "A Mann-Kendall Example (By Hand)", College of the Holy Cross
    (mathcs.holycross.edu/~little/Montserrat/MannKendallByHand.txt): S = 54,
    V = (14)(13)(33)/18 - (2)(1)(9)/18, Z = 2.9058, one-sided p about .0018."""
    x = [12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7]
    result = mann_kendall_test(x)
    assert result.s == 54
    assert result.var_s == pytest.approx((14 * 13 * 33 - 2 * 1 * 9) / 18)
    assert round(result.z, 4) == 2.9058
    assert round(result.p_value / 2, 4) == 0.0018
    assert result.direction == "increasing"
    ref = mk.original_test(x)
    assert close(result.p_value, ref.p) and close(result.sen_slope, ref.slope)


def test_directions():
    assert mann_kendall_test(list(range(10))).direction == "increasing"
    assert mann_kendall_test(list(range(10, 0, -1))).direction == "decreasing"
    assert mann_kendall_test([1, 3, 2, 3, 1, 2]).direction == "no trend"


def test_degenerate_series_have_reasons():
    assert mann_kendall_test([]).reason == "too_few_periods"
    assert mann_kendall_test([None, 3.0]).reason == "too_few_periods"
    flat = mann_kendall_test([2.0, 2.0, 2.0, 2.0])
    assert (flat.reason, flat.s, flat.z, flat.p_value, flat.sen_slope) == \
        ("all_tied", 0, None, None, 0.0)
    assert flat.direction == "no trend"
    assert sen_slope([1.0]) == (None, None)
    with pytest.raises(ValueError, match="alpha"):
        mann_kendall_test([1, 2, 3], alpha=0)
