"""Tests on counts, checked against the reference libraries on raw answers.

References: statsmodels ``proportions_ztest`` (pooled) and ``proportion_effectsize``
(Cohen's h); ``scipy.stats.chi2_contingency(correction=False)`` and
``scipy.stats.contingency.association`` (Cramér's V); the NPS z against a direct
computation on per-respondent scores (+1, 0, -1). Published examples: the statsmodels
documentation of ``proportions_ztest`` and the scipy documentation of ``chi2_contingency``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

from services.metrics.stats import (
    chi_square_test,
    nps_difference_test,
    share_test,
    two_proportion_z_test,
)

from .rawdata import PROPERTY, SCALE11, close, histogram, likert_answers, scale11_answers


@PROPERTY
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_two_proportion_matches_statsmodels(a, b):
    (xa, na), (xb, nb) = a, b
    assume(0 < xa + xb < na + nb)
    result = two_proportion_z_test(xa, na, xb, nb)
    z, p = proportions_ztest([xb, xa], [nb, na])
    assert close(result.statistic, z) and close(result.p_value, p)
    assert close(result.effect_size, proportion_effectsize(xb / nb, xa / na))
    assert close(result.difference, xb / nb - xa / na)


@PROPERTY
@given(likert_answers(min_size=1), likert_answers(min_size=1))
def test_top2_share_test_counts_four_and_five(a, b):
    result = share_test(histogram(a), histogram(b), (4, 5))
    direct = two_proportion_z_test(sum(x >= 4 for x in a), len(a), sum(x >= 4 for x in b),
                                   len(b))
    assert result == direct


@PROPERTY
@given(scale11_answers(min_size=2), scale11_answers(min_size=2))
def test_nps_difference_matches_direct_score_computation(a, b):
    def scores(x):
        x = np.array(x)
        return (x >= 9).astype(float) - (x <= 6)

    sa, sb = scores(a), scores(b)
    se = np.sqrt(sa.var() / len(sa) + sb.var() / len(sb))  # ddof 0: p + d - (p - d)^2
    assume(se > 0)
    result = nps_difference_test(histogram(a, SCALE11), histogram(b, SCALE11))
    z = (sb.mean() - sa.mean()) / se
    assert close(result.statistic, z)
    assert close(result.p_value, 2 * stats.norm.sf(abs(z)))
    assert close(result.difference, 100 * (sb.mean() - sa.mean()))


@PROPERTY
@given(st.integers(2, 6).flatmap(lambda c: st.tuples(
    st.lists(st.integers(0, 30), min_size=c, max_size=c),
    st.lists(st.integers(0, 30), min_size=c, max_size=c))))
def test_chi_square_matches_scipy(table):
    a, b = table
    result = chi_square_test(dict(enumerate(a)), dict(enumerate(b)))
    observed = np.array([a, b])
    observed = observed[:, observed.sum(axis=0) > 0]
    assume(sum(a) > 0 and sum(b) > 0 and observed.shape[1] > 1)
    chi2, p, dof, _ = stats.chi2_contingency(observed, correction=False)
    assert close(result.statistic, chi2) and close(result.p_value, p)
    assert result.df == dof
    assert close(result.effect_size, association(observed, method="cramer"))


def test_published_two_proportion_z():
    """statsmodels documentation of ``proportions_ztest``: counts 5 of 83 and 12 of 99,
    two-sided p-value 0.159."""
    result = two_proportion_z_test(12, 99, 5, 83)
    assert round(result.p_value, 3) == 0.159
    z, p = proportions_ztest([5, 12], [83, 99])
    assert close(result.statistic, z) and close(result.p_value, p)


def test_published_chi_square():
    """scipy documentation of ``chi2_contingency``: the table [[10, 10, 20], [20, 20, 20]]
    gives chi2 = 2.7777777777777777, p = 0.24935220877729619, 2 degrees of freedom."""
    result = chi_square_test({"x": 10, "y": 10, "z": 20}, {"x": 20, "y": 20, "z": 20})
    assert result.statistic == pytest.approx(2.7777777777777777, abs=1e-14)
    assert result.p_value == pytest.approx(0.24935220877729619, abs=1e-14)
    assert result.df == 2


def test_degenerate_count_tests_have_reasons():
    assert two_proportion_z_test(0, 0, 1, 3).reason == "empty_group"
    none_yet = two_proportion_z_test(0, 5, 0, 7)
    assert (none_yet.reason, none_yet.difference, none_yet.effect_size) == \
        ("zero_variance", 0.0, 0.0)
    assert nps_difference_test({}, {10: 2}).reason == "empty_group"
    assert nps_difference_test({10: 1}, {10: 2, 0: 1}).reason == "single_respondent"
    assert nps_difference_test({8: 3}, {7: 2}).reason == "zero_variance"
    assert chi_square_test({"a": 0, "b": 0}, {"a": 1, "b": 2}).reason == "empty_group"
    one = chi_square_test({"a": 3, "b": 0}, {"a": 2, "b": 0})
    assert (one.reason, one.statistic) == ("single_category", None)
