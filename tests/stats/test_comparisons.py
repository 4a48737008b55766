"""Two-group tests, checked against the reference libraries on raw answers.

References: ``scipy.stats.ttest_ind(equal_var=False)`` and ``pingouin.compute_effsize``
(Hedges' g); ``scipy.stats.mannwhitneyu(method="asymptotic", use_continuity=True)`` and a
direct pairwise count for the rank-biserial r; statsmodels ``proportions_ztest`` (pooled)
and ``proportion_effectsize`` (Cohen's h); ``scipy.stats.chi2_contingency(correction=False)``
and ``scipy.stats.contingency.association`` (Cramér's V); the NPS z against a direct
computation on per-respondent scores (+1, 0, -1). Published examples: R's ``t.test`` and
``wilcox.test`` on the sleep data, the statsmodels and scipy documentation.
"""

from __future__ import annotations

import numpy as np
import pingouin as pg
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.proportion import proportion_effectsize, proportions_ztest

from services.metrics.stats import (
    chi_square_test,
    index_welch_t_test,
    mann_whitney_test,
    nps_difference_test,
    share_test,
    two_proportion_z_test,
    welch_t_test,
    welch_t_test_from_sums,
)

from .rawdata import (
    LIKERT,
    PROPERTY,
    SCALE11,
    close,
    histogram,
    likert_answers,
    scale11_answers,
)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@PROPERTY
@given(scale11_answers(min_size=2), scale11_answers(min_size=2))
def test_welch_matches_scipy_and_pingouin(a, b):
    assume(np.std(a) > 0 or np.std(b) > 0)
    result = welch_t_test(histogram(a, SCALE11), histogram(b, SCALE11))
    reference = stats.ttest_ind(b, a, equal_var=False)
    assert close(result.statistic, reference.statistic)
    assert close(result.p_value, reference.pvalue)
    assert close(result.df, reference.df)
    assert close(result.difference, np.mean(b) - np.mean(a))
    if np.std(np.concatenate([a, b])) > 0 and (np.std(a) > 0 and np.std(b) > 0):
        assert close(result.effect_size, pg.compute_effsize(b, a, eftype="hedges"))


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@PROPERTY
@given(st.lists(st.integers(3, 15), min_size=2, max_size=40),
       st.lists(st.integers(3, 15), min_size=2, max_size=40))
def test_index_welch_reports_scores_and_keeps_the_test(sums_a, sums_b):
    assume(np.std(sums_a) > 0 or np.std(sums_b) > 0)
    k, support = 3, range(3, 16)
    result = index_welch_t_test(histogram(sums_a, support), histogram(sums_b, support), k)
    scores_a = 25 * np.array(sums_a) / k - 25
    scores_b = 25 * np.array(sums_b) / k - 25
    reference = stats.ttest_ind(scores_b, scores_a, equal_var=False)
    assert close(result.statistic, reference.statistic)
    assert close(result.p_value, reference.pvalue)
    assert close(result.value_a, scores_a.mean()) and close(result.value_b, scores_b.mean())


@PROPERTY
@given(likert_answers(min_size=1), likert_answers(min_size=1))
def test_mann_whitney_matches_scipy(a, b):
    assume(len(set(a + b)) > 1)
    result = mann_whitney_test(histogram(a), histogram(b))
    reference = stats.mannwhitneyu(b, a, method="asymptotic", use_continuity=True,
                                   alternative="two-sided")
    assert close(result.statistic, reference.statistic)
    assert close(result.p_value, reference.pvalue)
    pairs = np.sign(np.subtract.outer(np.array(b), np.array(a)))
    assert close(result.effect_size, pairs.mean())
    assert close(result.difference, np.mean(b) - np.mean(a))


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


def test_published_sleep_welch():
    """R ``t.test(extra ~ group, data = sleep)`` (Welch): t = -1.8608, df = 17.776,
    p = 0.07939, group means 0.75 and 2.33 (Cushny & Peebles 1905; R datasets::sleep).
    Our difference is group 2 - group 1, so t is +1.8608; data in tenths of an hour."""
    g1 = [7, -16, -2, -12, -1, 34, 37, 8, 0, 20]
    g2 = [19, 8, 11, 1, -1, 44, 55, 16, 46, 34]
    support = sorted(set(g1 + g2))
    result = welch_t_test(histogram(g1, support), histogram(g2, support))
    assert round(result.statistic, 4) == 1.8608
    assert round(result.df, 3) == 17.776
    assert round(result.p_value, 5) == 0.07939
    assert result.difference / 10 == pytest.approx(2.33 - 0.75)
    assert close(result.statistic, stats.ttest_ind(g2, g1, equal_var=False).statistic)


def test_published_sleep_wilcoxon():
    """R ``wilcox.test(extra ~ group, data = sleep)``: W = 25.5, p-value = 0.06933 (normal
    approximation with tie and continuity corrections). W is U of group 1, so U of
    group 2 is 10 * 10 - 25.5 = 74.5."""
    g1 = [7, -16, -2, -12, -1, 34, 37, 8, 0, 20]
    g2 = [19, 8, 11, 1, -1, 44, 55, 16, 46, 34]
    support = sorted(set(g1 + g2))
    result = mann_whitney_test(histogram(g1, support), histogram(g2, support))
    assert result.statistic == 74.5
    assert round(result.p_value, 5) == 0.06933
    assert close(result.p_value, stats.mannwhitneyu(g2, g1, method="asymptotic").pvalue)


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


def test_degenerate_tests_have_reasons():
    assert welch_t_test({}, {1: 3, 2: 1}).reason == "empty_group"
    single = welch_t_test({3: 1}, {1: 3, 2: 1})
    assert single.reason == "single_respondent" and single.difference == pytest.approx(-1.75)
    flat = welch_t_test({3: 4}, {4: 5})
    assert (flat.reason, flat.statistic, flat.difference) == ("zero_variance", None, 1.0)
    assert welch_t_test_from_sums((0, 0, 0), (0, 0, 0)).reason == "empty_group"
    assert mann_whitney_test(histogram([]), histogram([1, 2])).reason == "empty_group"
    tied = mann_whitney_test(histogram([3, 3]), histogram([3]))
    assert (tied.reason, tied.p_value, tied.effect_size) == ("all_tied", None, 0.0)
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


def test_mann_whitney_on_identical_groups_has_p_one():
    result = mann_whitney_test(histogram([1, 2, 3]), histogram([1, 2, 3]))
    assert result.p_value == 1.0 and result.effect_size == 0.0
    assert result.statistic == stats.mannwhitneyu([1, 2, 3], [1, 2, 3]).statistic


def test_histograms_with_missing_categories_align():
    a = {1: 2, 3: 1}
    b = {2: 1, 5: 4}
    full = mann_whitney_test(histogram([1, 1, 3], LIKERT), histogram([2, 5, 5, 5, 5], LIKERT))
    assert mann_whitney_test(a, b) == full
