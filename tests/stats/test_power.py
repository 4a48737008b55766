"""Minimum detectable effects, checked against statsmodels' power functions on raw answers.

References: statsmodels ``TTestIndPower`` (Welch: its ``power`` at the Welch degrees of
freedom, on the effect size ``mde / sigma``; equal groups: its ``solve_power``) and
``NormalIndPower`` (``power`` and ``solve_power``) for shares and NPS, each computed on
the raw answers with numpy. Published value: Cohen (1988), Table 2.4.1, n = 64 per group
detects d = 0.50 at alpha 0.05 with power 0.80.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from statsmodels.stats.power import NormalIndPower, TTestIndPower

from services.metrics.stats import (
    mann_whitney_test,
    normal_noncentrality,
    nps_difference_test,
    two_proportion_z_test,
    welch_mde,
    welch_t_test,
)

from .rawdata import PROPERTY, SCALE11, close, histogram, likert_answers, scale11_answers

POWER = 0.8
alphas = st.sampled_from([0.01, 0.05, 0.1])
counts = st.integers(2, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


def welch_sigma(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Return the standard deviation that turns Welch's SE into a TTestIndPower effect size,
    and the Welch degrees of freedom, from raw answers."""
    ea, eb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (ea + eb) ** 2 / (ea ** 2 / (a.size - 1) + eb ** 2 / (b.size - 1))
    return math.sqrt(ea + eb) * math.sqrt(a.size * b.size / (a.size + b.size)), df


def assert_welch_power(mde: float, a, b, alpha: float) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    sigma, df = welch_sigma(a, b)
    effect, ratio = mde / sigma, b.size / a.size
    power = TTestIndPower().power(effect, a.size, alpha, ratio=ratio, df=df)
    if math.isnan(power):
        # scipy's nctdtr answers NaN for a lower rejection tail far below 1e-16 (few df, a
        # large shift); the upper tail alone is then the two-sided power.
        power = TTestIndPower().power(effect, a.size, alpha / 2, ratio=ratio, df=df,
                                      alternative="larger")
    assert close(power, POWER)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@PROPERTY
@given(scale11_answers(min_size=2), scale11_answers(min_size=2), alphas)
def test_welch_mde_has_power_080_in_statsmodels(a, b, alpha):
    assume(np.std(a) > 0 or np.std(b) > 0)
    result = welch_t_test(histogram(a, SCALE11), histogram(b, SCALE11), alpha=alpha)
    assert_welch_power(result.mde, a, b, alpha)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@PROPERTY
@given(st.integers(3, 80), st.sampled_from([0.5, 1.0, 2.5]), alphas)
def test_welch_mde_of_equal_groups_is_statsmodels_solve_power(n, sd, alpha):
    """Equal sizes and variances: Welch's SE and df are Student's, so TTestIndPower's own
    ``solve_power`` (pooled df n_a + n_b - 2) gives the effect size, to its root finder's
    tolerance (xtol 1e-5). From n = 3: for two pairs at alpha 0.01 its search stops at an
    effect size of 10, short of the 12.68 that has power 0.8."""
    sums = (n, 0, sd * sd * (n - 1))  # mean 0, sample variance sd^2
    d = TTestIndPower().solve_power(nobs1=n, ratio=1.0, alpha=alpha, power=POWER)
    assert welch_mde(sums, sums, alpha=alpha) == pytest.approx(d * sd, rel=1e-5)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@PROPERTY
@given(likert_answers(min_size=2), likert_answers(min_size=2))
def test_likert_mde_is_welch_on_the_mean_scale(a, b):
    assume(np.std(a) > 0 or np.std(b) > 0)
    result = mann_whitney_test(histogram(a), histogram(b), alpha=0.05)
    assert result.mde == welch_t_test(histogram(a), histogram(b)).mde
    assert_welch_power(result.mde, a, b, 0.05)


@PROPERTY
@given(counts, counts, alphas)
def test_share_mde_is_normal_ind_power_at_the_pooled_variance(a, b, alpha):
    (xa, na), (xb, nb) = a, b
    assume(0 < xa + xb < na + nb)
    result = two_proportion_z_test(xa, na, xb, nb, alpha=alpha)
    pooled = (xa + xb) / (na + nb)
    sigma = math.sqrt(pooled * (1 - pooled))
    assert close(NormalIndPower().power(result.mde / sigma, na, alpha, ratio=nb / na), POWER)
    d = NormalIndPower().solve_power(nobs1=na, ratio=nb / na, alpha=alpha, power=POWER)
    assert result.mde / sigma == pytest.approx(d, abs=1e-5)  # its root finder's xtol


@PROPERTY
@given(scale11_answers(min_size=2), scale11_answers(min_size=2), alphas)
def test_nps_mde_is_normal_ind_power_in_nps_points(a, b, alpha):
    def scores(x):
        x = np.array(x)
        return (x >= 9).astype(float) - (x <= 6)

    sa, sb = scores(a), scores(b)
    assume(sa.var() > 0 or sb.var() > 0)
    result = nps_difference_test(histogram(a, SCALE11), histogram(b, SCALE11), alpha=alpha)
    # The z test's variance (ddof 0) as one standard deviation for NormalIndPower.
    sigma = math.sqrt((sb.size * sa.var() + sa.size * sb.var()) / (sa.size + sb.size))
    power = NormalIndPower().power(result.mde / 100 / sigma, sa.size, alpha,
                                   ratio=sb.size / sa.size)
    assert close(power, POWER)


def test_published_cohen_sample_size():
    """Cohen (1988), Table 2.4.1: 64 per group detect d = 0.50 (alpha 0.05, power 0.80)."""
    sums = (64, 0, 63)  # standard deviation 1
    assert round(welch_mde(sums, sums), 2) == 0.50
    assert normal_noncentrality(0.05, 0.8) == pytest.approx(1.959964 + 0.841621, abs=1e-5)


def test_mde_is_reported_and_falls_with_larger_groups():
    small = welch_t_test({1: 3, 5: 3}, {2: 3, 4: 3}).to_dict()
    large = welch_t_test({1: 30, 5: 30}, {2: 30, 4: 30}).to_dict()
    assert 0 < large["mde"] < small["mde"]
    strict = welch_t_test({1: 30, 5: 30}, {2: 30, 4: 30}, alpha=0.01).mde
    assert strict > large["mde"]
    json.dumps(small, allow_nan=False)


def test_degenerate_mdes_are_none():
    assert welch_t_test({}, {1: 3, 2: 1}).mde is None
    assert welch_t_test({3: 1}, {1: 3, 2: 1}).mde is None
    assert welch_t_test({3: 4}, {4: 5}).mde is None
    assert mann_whitney_test({"x": 3}, {"y": 2}).mde is None
    assert two_proportion_z_test(0, 5, 0, 7).mde is None
    assert two_proportion_z_test(0, 0, 1, 3).mde is None
    assert nps_difference_test({8: 3}, {7: 2}).mde is None
    with pytest.raises(ValueError, match="alpha"):
        welch_t_test({1: 2, 2: 2}, {1: 2, 3: 1}, alpha=1.5)
    with pytest.raises(ValueError, match="power"):
        welch_mde((5, 10, 30), (5, 10, 30), power=1.5)


def test_no_mde_when_alpha_is_not_below_the_power():
    # A level-0.9 test rejects a true null 90% of the time: power 0.8 needs no effect at all.
    assert welch_mde((5, 10, 30), (5, 10, 30), power=0.01) is None
    assert welch_t_test({1: 2, 2: 2}, {1: 2, 3: 1}, alpha=0.89).mde is None
    assert two_proportion_z_test(3, 10, 5, 10, alpha=0.8).mde is None
    assert nps_difference_test({9: 3, 5: 2}, {10: 1, 3: 4}, alpha=0.95).mde is None
    assert welch_t_test({1: 2, 2: 2}, {1: 2, 3: 1}, alpha=0.79).mde > 0
