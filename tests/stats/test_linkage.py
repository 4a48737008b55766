"""Employee-customer linkage, checked against scipy on per-group means of raw answers.

References: ``scipy.stats.pearsonr`` (r, p-value, and ``confidence_interval``, which uses
Fisher's z) and ``scipy.stats.spearmanr`` (rho, p-value) on the groups' means computed
with numpy from the raw answers; ours take the points from the engine's estimates on the
groups' histograms. Published example: the scipy documentation of ``pearsonr``.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from services.metrics.stats import (
    LINKAGE_MIN_POINTS,
    index_estimate,
    linkage_correlation,
    mean_estimate,
)

from .rawdata import PROPERTY, SCALE11, close, histogram, likert_matrix, scale11_answers

# One group (a team): its employees' answers to a 3-item index and its customers' 0-10 ratings.
team = st.tuples(likert_matrix(min_rows=1, max_rows=15, min_cols=3, max_cols=3),
                 scale11_answers(min_size=1, max_size=20))


@PROPERTY
@given(st.lists(team, min_size=LINKAGE_MIN_POINTS, max_size=15),
       st.sampled_from([0.9, 0.95]))
def test_matches_scipy_on_group_means_of_raw_answers(teams, confidence):
    assume(all(len(employees) for employees, _ in teams))
    employee = [index_estimate(histogram(m.sum(axis=1).tolist(), range(3, 16)), 3).value
                for m, _ in teams]
    customer = [mean_estimate(histogram(ratings, SCALE11)).value for _, ratings in teams]
    # Exact rational means, rounded once, so that equal means stay tied for the ranks
    # (numpy's float sums can break a tie in the last digit).
    x = np.array([float(Fraction(25 * int(m.sum()), 3 * len(m)) - 25) for m, _ in teams])
    y = np.array([float(Fraction(sum(ratings), len(ratings))) for _, ratings in teams])
    assume(np.ptp(x) > 1e-9 and np.ptp(y) > 1e-9)
    result = linkage_correlation(employee, customer, confidence)
    pearson, spearman = stats.pearsonr(x, y), stats.spearmanr(x, y)
    interval = pearson.confidence_interval(confidence)
    assert result.groups == len(teams)
    assert close(result.pearson_r, pearson.statistic)
    assert close(result.pearson_p_value, pearson.pvalue)
    assert close(result.pearson_ci_low, interval.low)
    assert close(result.pearson_ci_high, interval.high)
    assert close(result.spearman_rho, spearman.statistic)
    assert close(result.spearman_p_value, spearman.pvalue)


def test_published_scipy_pearsonr_example():
    """scipy documentation of ``pearsonr``: x = [1, 2, 3, 4, 5], y = [10, 9, 2.5, 6, 4]
    give r = -0.7426106572325056, p = 0.1505558088534455, and the 95% interval
    (-0.9816918044786463, 0.4050111676903099)."""
    result = linkage_correlation([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4])
    assert result.pearson_r == pytest.approx(-0.7426106572325056, abs=1e-14)
    assert result.pearson_p_value == pytest.approx(0.1505558088534455, abs=1e-14)
    assert result.pearson_ci_low == pytest.approx(-0.9816918044786463, abs=1e-14)
    assert result.pearson_ci_high == pytest.approx(0.4050111676903099, abs=1e-14)
    assert result.spearman_rho == pytest.approx(-0.7)


def test_perfect_link_has_a_point_interval():
    out = linkage_correlation([1, 2, 3, 4, 5], [3, 5, 7, 9, 11]).to_dict()
    json.dumps(out, allow_nan=False)
    assert out["pearson"] == {"r": 1.0, "ci_low": 1.0, "ci_high": 1.0, "p_value": 0.0}
    assert out["spearman"] == {"rho": 1.0, "p_value": 0.0}


def test_too_few_points_and_flat_metrics_have_reasons():
    few = linkage_correlation([1, 2, 3, 4], [4, 3, 2, 1])
    assert (few.reason, few.groups, few.pearson_r) == ("too_few_points", 4, None)
    json.dumps(few.to_dict(), allow_nan=False)
    flat = linkage_correlation([2, 2, 2, 2, 2], [1, 2, 3, 4, 5])
    assert (flat.reason, flat.pearson_r, flat.spearman_rho) == ("zero_variance", None, None)
    with pytest.raises(ValueError, match="one customer value per employee value"):
        linkage_correlation([1, 2, 3, 4, 5], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="finite"):
        linkage_correlation([1, 2, 3, 4, float("nan")], [1, 2, 3, 4, 5])
