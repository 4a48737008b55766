"""Drivers from moments, checked on raw answers: correlations against ``numpy.corrcoef``
with the outcome index built from raw items (reverse items as 6 - x); Johnson's relative
weights against a direct computation on the raw data with Johnson's (2000) singular value
procedure, and their sum against the R^2 of ``numpy.linalg.lstsq``. Published example:
Anscombe (1973), data set I."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.metrics.stats import Moments, driver_analysis, moments_from_summary
from services.metrics.stats.drivers import relative_weights
from shared.summaries import SummaryLayout

from .rawdata import PROPERTY, close, definition, likert_matrix, rows_of, summary_of


def johnson_weights_raw(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) on raw data: orthogonalise X by SVD, regress, apportion."""
    xs = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1) / np.sqrt(len(x) - 1)
    ys = (y - y.mean()) / y.std(ddof=1) / np.sqrt(len(y) - 1)
    p, _, qt = np.linalg.svd(xs, full_matrices=False)
    z = p @ qt
    loadings = z.T @ xs
    beta = z.T @ ys
    return (loadings ** 2).T @ (beta ** 2)


def r_squared_raw(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


@PROPERTY
@given(likert_matrix(min_rows=8, max_rows=40, min_cols=4, max_cols=6), st.data())
def test_index_outcome_matches_raw_computation(matrix, data):
    p = matrix.shape[1]
    outcome_size = data.draw(st.integers(1, p - 2))
    reverse = tuple(data.draw(st.sets(st.integers(0, outcome_size - 1))))
    layout = SummaryLayout(definition(p, reverse))
    moments = moments_from_summary(summary_of(layout, rows_of(matrix)))
    outcome = [f"q{i}" for i in range(outcome_size)]
    predictors = [f"q{i}" for i in range(outcome_size, p)]
    scored = matrix[:, :outcome_size].astype(float)
    scored[:, list(reverse)] = 6 - scored[:, list(reverse)]
    y = scored.sum(axis=1)
    x = matrix[:, outcome_size:].astype(float)
    assume(y.std() > 0 and x.std(axis=0).min() > 0)
    assume(np.linalg.svd(x - x.mean(axis=0), compute_uv=False).min() > 1e-6)
    result = driver_analysis(moments, predictors, outcome, reverse=[f"q{i}" for i in reverse])
    by_name = {d.question: d for d in result.items}
    weights = johnson_weights_raw(x, y)
    for j, name in enumerate(predictors):
        assert close(by_name[name].correlation, np.corrcoef(x[:, j], y)[0, 1])
        assert close(by_name[name].weight, weights[j])
    assert close(result.r_squared, r_squared_raw(x, y))
    assert [d.weight for d in result.items] == sorted((d.weight for d in result.items),
                                                      reverse=True)


@PROPERTY
@given(likert_matrix(min_rows=5, max_rows=30, min_cols=2, max_cols=4))
def test_single_variable_outcome_matches_corrcoef(matrix):
    assume(matrix.std(axis=0).min() > 0)
    p = matrix.shape[1]
    moments = moments_from_summary(summary_of(SummaryLayout(definition(p)), rows_of(matrix)))
    result = driver_analysis(moments, [f"q{i}" for i in range(1, p)], "q0")
    corr = np.corrcoef(matrix.T.astype(float))
    for d in result.items:
        assert close(d.correlation, corr[0, int(d.question[1:])])
    assert sum(d.weight for d in result.items) == pytest.approx(result.r_squared, abs=1e-12)


def test_orthogonal_predictors_weigh_their_squared_correlation():
    """Johnson (2000): with uncorrelated predictors each weight is r^2 of that predictor."""
    r = np.array([0.5, -0.3, 0.1])
    assert np.allclose(relative_weights(np.eye(3), r), r ** 2, atol=1e-15)


def test_published_anscombe_correlation():
    """Anscombe, F. J. (1973), Graphs in statistical analysis, The American Statistician
    27(1), 17-21: data set I has correlation 0.816 (printed 0.82), regression y = 3 + 0.5x
    and R^2 = 0.667. y is scaled by 100 to integers (correlation does not change)."""
    x = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]
    y = [804, 695, 758, 881, 833, 996, 724, 426, 1084, 482, 568]
    data = np.array([x, y])
    moments = Moments(
        n=11, sums=tuple(int(v) for v in data.sum(axis=1)),
        cross=tuple(tuple(int(v) for v in row) for row in data @ data.T),
        variables=("x", "y"))
    result = driver_analysis(moments, ["x"], "y")
    assert round(result.items[0].correlation, 3) == 0.816
    assert round(result.r_squared, 3) == 0.667
    assert result.items[0].weight == pytest.approx(result.r_squared)
    assert close(result.items[0].correlation, np.corrcoef(x, y)[0, 1])


def test_degenerate_drivers_have_reasons():
    layout = SummaryLayout(definition(3))
    empty = driver_analysis(moments_from_summary(layout.empty_summary()), ["q1", "q2"], "q0")
    assert empty.reason == "empty_group" and all(d.weight is None for d in empty.items)
    flat_outcome = np.array([[3, 1, 2], [3, 2, 1], [3, 5, 4]])
    moments = moments_from_summary(summary_of(layout, rows_of(flat_outcome)))
    assert driver_analysis(moments, ["q1", "q2"], "q0").reason == "zero_variance"
    flat_item = np.array([[1, 3, 2], [2, 3, 1], [5, 3, 4], [4, 3, 5]])
    moments = moments_from_summary(summary_of(layout, rows_of(flat_item)))
    result = driver_analysis(moments, ["q1", "q2"], "q0")
    by_name = {d.question: d for d in result.items}
    assert by_name["q1"].reason == "zero_variance" and by_name["q1"].weight is None
    assert by_name["q2"].weight == pytest.approx(result.r_squared)
    assert result.items[-1].question == "q1"


def test_collinear_predictors_still_share_r_squared():
    rows = np.array([[1, 1, 2], [2, 2, 4], [3, 3, 1], [5, 5, 5], [4, 4, 2]])
    moments = moments_from_summary(
        summary_of(SummaryLayout(definition(3)), rows_of(rows)))
    result = driver_analysis(moments, ["q0", "q1"], "q2")
    weights = [d.weight for d in result.items]
    assert weights[0] == pytest.approx(weights[1])
    assert sum(weights) == pytest.approx(result.r_squared)
    assert result.r_squared == pytest.approx(np.corrcoef(rows[:, 0], rows[:, 2])[0, 1] ** 2)
