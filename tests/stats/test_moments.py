"""Engine inputs from summaries: histograms and moments read from
``shared.summaries.Summary`` equal those of the raw answers (checked with ``numpy``), and
summaries split and merged in any order give identical engine results."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from services.metrics.stats import (
    Moments,
    cronbach_alpha,
    driver_analysis,
    histogram_items,
    index_estimate,
    index_histogram,
    mann_whitney_test,
    mean_estimate,
    moments_from_summary,
    nps_estimate,
    power_sums,
    question_histogram,
    welch_t_test,
)
from shared.summaries import SummaryLayout

from .rawdata import PROPERTY, close, definition, likert_matrix, rows_of, summary_of


def engine_answers(summary, other):
    """Every engine result that one pair of summaries gives."""
    moments = moments_from_summary(summary)
    return (
        mean_estimate(question_histogram(summary, "q0")),
        index_estimate(index_histogram(summary, "trust"), k=len(summary.variables) - 1),
        nps_estimate(question_histogram(summary, "enps")),
        cronbach_alpha(moments, ["q0", "q1"], reverse=["q1"]),
        driver_analysis(moments, ["q1"], "q0"),
        welch_t_test(question_histogram(other, "q0"), question_histogram(summary, "q0")),
        mann_whitney_test(question_histogram(other, "q1"), question_histogram(summary, "q1")),
    )


@PROPERTY
@given(likert_matrix(min_rows=1, max_rows=40, min_cols=2, max_cols=3), st.data())
def test_split_and_merged_in_any_order_gives_identical_results(matrix, data):
    p = matrix.shape[1]
    layout = SummaryLayout(definition(p, reverse=(1,)))
    enps = data.draw(st.lists(st.integers(0, 10), min_size=len(matrix), max_size=len(matrix)))
    rows = rows_of(matrix, enps)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=5)))
    chunks = [rows[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)])]
    parts = [summary_of(layout, chunk) for chunk in chunks]
    order = data.draw(st.permutations(range(len(parts))))
    left = functools.reduce(lambda x, y: x + y, (parts[i] for i in order))
    right = functools.reduce(lambda x, y: y.merge(x), reversed(parts))
    whole = summary_of(layout, rows)
    reference = summary_of(layout, rows[: len(rows) // 2 + 1])
    assert left == right == whole
    assert engine_answers(left, reference) == engine_answers(whole, reference)


@PROPERTY
@given(likert_matrix(min_rows=1, max_rows=30, min_cols=2, max_cols=4))
def test_summary_moments_equal_raw_moments(matrix):
    p = matrix.shape[1]
    summary = summary_of(SummaryLayout(definition(p)), rows_of(matrix))
    moments = moments_from_summary(summary)
    assert moments.variables[:p] == tuple(f"q{i}" for i in range(p))
    x = np.column_stack([matrix, np.full(len(matrix), 7)])
    assert list(moments.sums) == x.sum(axis=0).tolist()
    assert [list(r) for r in moments.cross] == (x.T @ x).tolist()
    n, s1, s2 = power_sums(question_histogram(summary, "q0"))
    assert (n, s1, s2) == (len(matrix), int(matrix[:, 0].sum()), int((matrix[:, 0] ** 2).sum()))
    scores = (matrix.mean(axis=1) - 1) / 4 * 100
    assert close(index_estimate(index_histogram(summary, "trust"), k=p).value, scores.mean())


def test_histogram_forms_and_order():
    assert histogram_items({3: 1, 1: 2}) == ((1, 3), (2, 1))
    assert histogram_items(([5, 4], [1, 0])) == ((4, 5), (0, 1))
    assert histogram_items({"b": 1, "a": 2}) == (("b", "a"), (1, 2))
    with pytest.raises(ValueError, match="as many counts"):
        histogram_items(([1, 2], [3]))


def test_moments_validate_their_shape():
    with pytest.raises(ValueError, match="p x p"):
        Moments(2, (1, 2), ((1, 2),))
    with pytest.raises(ValueError, match="name every column"):
        Moments(1, (1,), ((1,),), variables=("a", "b"))
    moments = Moments(2, (3, 4), ((5, 7), (7, 10)))
    assert moments.variables == ("0", "1")
    assert moments.position(1) == 1 and moments.position("0") == 0
    assert moments.scatter(0, 1) == 2 * 7 - 3 * 4
    with pytest.raises(ValueError, match="no variable"):
        moments.position(5)


def test_exact_for_ten_million_respondents():
    """n * sum(x^2) - sum(x)^2 is formed in integers: with 10^7 answers of 1 and one of 2,
    N S_2 - S_1^2 = (n + 1)(n + 4) - (n + 2)^2 = n exactly, so s^2 = 1 / (n + 1) and the
    standard error is 1 / (n + 1)."""
    n = 10 ** 7
    result = mean_estimate({1: n, 2: 1})
    assert result.reason is None
    half = stats.t.ppf(0.975, n) / (n + 1)
    assert result.ci_high - result.value == pytest.approx(half, rel=1e-6)
