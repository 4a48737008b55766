"""Estimates with intervals, checked against the reference libraries on raw answers.

References: ``scipy.stats.t.interval`` (means and index scores), statsmodels
``proportion_confint(method="wilson")`` (shares, top-2-box), and a direct adjusted-Wald
computation on the raw 0-10 answers for NPS (Rocks 2016). Published examples: R's ``t.test`` on the sleep data, Newcombe (1998).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from services.metrics.stats import (
    index_estimate,
    mean_estimate,
    nps_estimate,
    option_share_estimate,
    share_estimate,
    top2_estimate,
)

from .rawdata import (
    PROPERTY,
    SCALE11,
    close,
    histogram,
    likert_answers,
    likert_matrix,
    scale11_answers,
)


@PROPERTY
@given(likert_answers(min_size=2), st.sampled_from([0.9, 0.95, 0.99]))
def test_mean_matches_scipy_t_interval(answers, confidence):
    x = np.array(answers, dtype=float)
    assume(x.std() > 0)
    result = mean_estimate(histogram(answers), confidence)
    low, high = stats.t.interval(confidence, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert close(result.value, x.mean())
    assert close(result.ci_low, low) and close(result.ci_high, high)


@PROPERTY
@given(likert_matrix(min_rows=2), st.data())
def test_index_matches_scipy_t_interval_on_scores(matrix, data):
    k = matrix.shape[1]
    reverse = data.draw(st.lists(st.booleans(), min_size=k, max_size=k))
    scored = np.where(reverse, 6 - matrix, matrix)
    scores = (scored.mean(axis=1) - 1) / 4 * 100
    assume(scores.std() > 1e-9)
    item_sums = scored.sum(axis=1).tolist()
    result = index_estimate(histogram(item_sums, range(k, 5 * k + 1)), k)
    low, high = stats.t.interval(0.95, len(scores) - 1, loc=scores.mean(),
                                 scale=stats.sem(scores))
    assert close(result.value, scores.mean())
    assert close(result.ci_low, low) and close(result.ci_high, high)


@PROPERTY
@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.9, 0.95, 0.99]))
def test_share_matches_statsmodels_wilson(counts, confidence):
    successes, n = counts
    result = share_estimate(successes, n, confidence)
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    assert close(result.value, successes / n)
    assert close(result.ci_low, low) and close(result.ci_high, high)


@PROPERTY
@given(likert_answers(min_size=1))
def test_top2_matches_statsmodels_wilson(answers):
    top = sum(a >= 4 for a in answers)
    result = top2_estimate(histogram(answers))
    low, high = proportion_confint(top, len(answers), method="wilson")
    assert result.metric == "top2"
    assert close(result.value, top / len(answers))
    assert close(result.ci_low, low) and close(result.ci_high, high)


def test_choice_share_counts_the_chosen_options():
    hist = {"prefer_ai": 3, "no_preference": 5, "prefer_human": 2, "avoid_ai": 0}
    result = option_share_estimate(hist, {"prefer_human", "avoid_ai"})
    assert result.value == 0.2 and result.n == 10


@PROPERTY
@given(scale11_answers(min_size=1))
def test_nps_matches_direct_adjusted_wald(answers):
    x = np.array(answers)
    promoters, detractors, n = (x >= 9).sum(), (x <= 6).sum(), len(x)
    n_adj = n + 3
    p, d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    half = stats.norm.ppf(0.975) * np.sqrt((p + d - (p - d) ** 2) / n_adj)
    result = nps_estimate(histogram(answers, SCALE11))
    assert close(result.value, 100 * np.mean(np.sign(x - 6.5) * (x != 7) * (x != 8)))
    assert close(result.ci_low, 100 * max(-1, p - d - half))
    assert close(result.ci_high, 100 * min(1, p - d + half))


def test_published_sleep_mean_interval():
    """R ``t.test(extra ~ 1, data = sleep, subset = group == 1)``: mean 0.75, 95% CI
    -0.5297804 to 2.0297804 (Cushny & Peebles 1905 via Student 1908; R datasets::sleep).
    Answers are in tenths of an hour, scaled to integers."""
    group1 = [7, -16, -2, -12, -1, 34, 37, 8, 0, 20]
    result = mean_estimate(histogram(group1, sorted(set(group1))))
    assert result.value / 10 == pytest.approx(0.75)
    assert result.ci_low / 10 == pytest.approx(-0.5297804, abs=1e-7)
    assert result.ci_high / 10 == pytest.approx(2.0297804, abs=1e-7)
    low, high = stats.t.interval(0.95, 9, loc=np.mean(group1), scale=stats.sem(group1))
    assert close(result.ci_low, low) and close(result.ci_high, high)


@pytest.mark.parametrize("successes, n, low, high", [
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_published_wilson_intervals(successes, n, low, high):
    """Newcombe, R. G. (1998), Two-sided confidence intervals for the single proportion,
    Statistics in Medicine 17, 857-872, Table II, method 3 (Wilson score, no correction)."""
    result = share_estimate(successes, n)
    assert round(result.ci_low, 4) == low and round(result.ci_high, 4) == high
    ref_low, ref_high = proportion_confint(successes, n, method="wilson")
    assert close(result.ci_low, ref_low) and close(result.ci_high, ref_high)


def test_degenerate_estimates_have_reasons():
    assert mean_estimate({1: 0, 2: 0}).reason == "empty_group"
    single = mean_estimate({4: 1})
    assert (single.value, single.ci_low, single.reason) == (4.0, None, "single_respondent")
    flat = mean_estimate({3: 7})
    assert (flat.value, flat.ci_high, flat.reason) == (3.0, None, "zero_variance")
    assert index_estimate({}, k=3).reason == "empty_group"
    assert share_estimate(0, 0).reason == "empty_group"
    assert top2_estimate({1: 0, 5: 0}).reason == "empty_group"
    assert nps_estimate({}).reason == "empty_group"
    one = nps_estimate({10: 1})
    assert one.value == 100.0 and -100.0 <= one.ci_low < one.ci_high <= 100.0



def test_invalid_input_raises_clear_errors():
    with pytest.raises(ValueError, match="confidence"):
        mean_estimate({1: 3, 2: 1}, confidence=1.5)
    with pytest.raises(ValueError, match="negative"):
        mean_estimate({1: -1})
