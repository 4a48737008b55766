"""Welch's t and Mann-Whitney U, checked against the reference libraries on raw answers.

References: ``scipy.stats.ttest_ind(equal_var=False)`` and ``pingouin.compute_effsize``
(Hedges' g); ``scipy.stats.mannwhitneyu(method="asymptotic", use_continuity=True)`` and a
direct pairwise count for the rank-biserial r. Published examples: R's ``t.test`` and
``wilcox.test`` on the sleep data.
"""

from __future__ import annotations

import numpy as np
import pingouin as pg
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from services.metrics.stats import (
    index_welch_t_test,
    mann_whitney_test,
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
    # The MDE is on the score scale: the item sums' (checked in test_power) times 25 / k.
    raw = welch_t_test(histogram(sums_a, support), histogram(sums_b, support))
    assert close(result.mde, 25 / k * raw.mde)


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



def test_mann_whitney_on_identical_groups_has_p_one():
    result = mann_whitney_test(histogram([1, 2, 3]), histogram([1, 2, 3]))
    assert result.p_value == 1.0 and result.effect_size == 0.0
    assert result.statistic == stats.mannwhitneyu([1, 2, 3], [1, 2, 3]).statistic


def test_histograms_with_missing_categories_align():
    a = {1: 2, 3: 1}
    b = {2: 1, 5: 4}
    full = mann_whitney_test(histogram([1, 1, 3], LIKERT), histogram([2, 5, 5, 5, 5], LIKERT))
    assert mann_whitney_test(a, b) == full
