"""Difference in differences and its pre-trend test, checked against statsmodels.

References: statsmodels ``OLS(y, [1, T, A, T*A]).fit(cov_type="HC2")`` on the raw answers of
the four groups (the saturated model: the interaction's estimate, HC2 standard error,
normal p-value and 95% interval equal ours exactly), for index scores built from item
answers by ``SummaryLayout`` as the survey service does, scale11 item means, top-2-box
shares and NPS; and statsmodels ``WLS(d, [1, i], weights=1/v).fit(cov_type="fixed scale")``
on the per-period differences of raw means and their variances for the pre-trend.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given
from hypothesis import strategies as st

from services.metrics.stats import (
    difference_in_differences_from_sums,
    index_difference_in_differences,
    mean_difference_in_differences,
    nps_difference_in_differences,
    pre_trend_test,
    share_difference_in_differences,
)
from shared.summaries import SummaryLayout

from .rawdata import (
    LIKERT,
    PROPERTY,
    SCALE11,
    close,
    definition,
    histogram,
    likert_answers,
    rows_of,
    scale11_answers,
    summary_of,
)


def assert_matches_ols_hc2(result, groups) -> None:
    """Compare a result with the interaction of OLS + HC2 on raw outcomes of four groups
    (treated before, treated after, control before, control after)."""
    y = np.concatenate([np.asarray(g, dtype=float) for g in groups])
    treated = np.concatenate([np.full(len(g), t) for g, t in zip(groups, (1, 1, 0, 0))])
    after = np.concatenate([np.full(len(g), a) for g, a in zip(groups, (0, 1, 0, 1))])
    design = np.column_stack([np.ones_like(y), treated, after, treated * after])
    fit = sm.OLS(y, design).fit(cov_type="HC2")
    assume(fit.bse[3] > 1e-9)
    assert close(result.estimate, fit.params[3])
    assert close(result.std_error, fit.bse[3])
    assert close(result.p_value, fit.pvalues[3])
    low, high = fit.conf_int(alpha=0.05)[3]
    assert close(result.ci_low, low) and close(result.ci_high, high)
    assert [n for n, _ in result.cells] == [len(g) for g in groups]


four = st.tuples(*[scale11_answers(min_size=2, max_size=40)] * 4)


@PROPERTY
@given(st.integers(2, 4).flatmap(lambda p: st.tuples(*[st.lists(
    st.lists(st.integers(1, 5), min_size=p, max_size=p), min_size=2, max_size=30)] * 4)))
def test_index_matches_ols_hc2_on_scores(cells):
    matrices = [np.array(rows) for rows in cells]
    k = matrices[0].shape[1]
    layout = SummaryLayout(definition(k))
    hists = [summary_of(layout, rows_of(m)).index_hist["trust"] for m in matrices]
    result = index_difference_in_differences(*hists, k)
    scores = [(m.mean(axis=1) - 1) / 4 * 100 for m in matrices]
    assert_matches_ols_hc2(result, scores)
    assert close(result.cells[1][1], scores[1].mean())


@PROPERTY
@given(four)
def test_item_mean_matches_ols_hc2(groups):
    result = mean_difference_in_differences(*(histogram(g, SCALE11) for g in groups))
    assert_matches_ols_hc2(result, groups)


@PROPERTY
@given(st.tuples(*[likert_answers(min_size=2, max_size=40)] * 4))
def test_top2_share_matches_ols_hc2_on_indicators(groups):
    result = share_difference_in_differences(*(histogram(g, LIKERT) for g in groups), (4, 5))
    assert_matches_ols_hc2(result, [[int(x >= 4) for x in g] for g in groups])


@PROPERTY
@given(four)
def test_nps_matches_ols_hc2_in_nps_points(groups):
    result = nps_difference_in_differences(*(histogram(g, SCALE11) for g in groups))
    assert_matches_ols_hc2(result, [[100 * ((x >= 9) - (x <= 6)) for x in g] for g in groups])


@PROPERTY
@given(st.lists(st.tuples(scale11_answers(min_size=2, max_size=30),
                          scale11_answers(min_size=2, max_size=30)), min_size=2, max_size=8))
def test_pre_trend_matches_statsmodels_wls_with_known_variances(periods):
    def sums(x):
        return len(x), sum(x), sum(v * v for v in x)

    def mean_variance(x):
        x = np.asarray(x, dtype=float)
        return x.mean(), x.var(ddof=1) / x.size

    cells = [sums([0, 10])] * 4
    result = difference_in_differences_from_sums(
        *cells, pre_periods=[(sums(t), sums(c)) for t, c in periods]).pre_trend
    d, v = [], []
    for t, c in periods:
        (mt, vt), (mc, vc) = mean_variance(t), mean_variance(c)
        d.append(mt - mc)
        v.append(vt + vc)
    assume(min(v) > 1e-9)
    index = np.arange(len(periods), dtype=float)
    fit = sm.WLS(np.array(d), sm.add_constant(index), weights=1 / np.array(v)).fit(
        cov_type="fixed scale")
    assert result.periods == len(periods)
    assert close(result.slope, fit.params[1])
    assert close(result.std_error, fit.bse[1])
    assert close(result.p_value, fit.pvalues[1])


def test_pre_trend_skips_missing_periods_and_keeps_their_positions():
    d, v = [1.0, None, 2.0, 4.5], [0.5, None, 1.0, 2.0]
    result = pre_trend_test(d, v)
    index = np.array([0.0, 2.0, 3.0])
    fit = sm.WLS(np.array([1.0, 2.0, 4.5]), sm.add_constant(index),
                 weights=1 / np.array([0.5, 1.0, 2.0])).fit(cov_type="fixed scale")
    assert result.periods == 3
    assert close(result.slope, fit.params[1]) and close(result.p_value, fit.pvalues[1])


def test_answer_is_shaped_like_the_api():
    result = mean_difference_in_differences(
        {2: 3, 3: 3}, {4: 3, 5: 3}, {2: 3, 3: 3}, {3: 3, 4: 3},
        pre_periods=[({1: 2, 2: 2}, {1: 2, 3: 2}), None, ({2: 3, 3: 3}, {2: 2, 3: 4})])
    out = result.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["treated"]["before"] == {"n": 6, "value": 2.5}
    assert out["control"]["after"] == {"n": 6, "value": 3.5}
    assert out["estimate"] == pytest.approx(1.0)
    assert out["ci_low"] < out["estimate"] < out["ci_high"]
    assert out["pre_trend"]["periods"] == 2 and out["pre_trend"]["slope"] is not None


def test_degenerate_cells_have_reasons():
    empty = mean_difference_in_differences({}, {1: 2}, {1: 2}, {1: 2})
    assert (empty.reason, empty.estimate) == ("empty_group", None)
    assert empty.to_dict()["treated"]["before"] == {"n": 0, "value": None}
    single = mean_difference_in_differences({3: 1}, {1: 2, 2: 1}, {1: 2}, {1: 2})
    assert (single.reason, single.std_error) == ("single_respondent", None)
    assert single.estimate == pytest.approx(4 / 3 - 3)
    flat = mean_difference_in_differences({3: 2}, {4: 2}, {3: 2}, {3: 2})
    assert (flat.reason, flat.estimate, flat.p_value) == ("zero_variance", 1.0, None)
    assert flat.pre_trend.reason == "too_few_periods"
    assert pre_trend_test([1.0, 2.0], [0.0, 1.0]).reason == "zero_variance"
    assert pre_trend_test([None, 2.0], [None, 1.0]).reason == "too_few_periods"
    with pytest.raises(ValueError, match="one variance per difference"):
        pre_trend_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="at least one item"):
        index_difference_in_differences({}, {}, {}, {}, 0)
