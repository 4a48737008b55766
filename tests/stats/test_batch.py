"""Vectorised batches, checked against the engine's scalar functions (themselves checked
against scipy in test_estimates and test_comparisons) cell by cell, degenerate cells
included."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from services.metrics.stats import (
    batch_mann_whitney_tests,
    batch_mean_estimates,
    batch_welch_t_tests,
    mann_whitney_test,
    mean_estimate,
    welch_t_test,
)

from .rawdata import LIKERT, PROPERTY, close

# A likert histogram row: general, or all answers in one category (0 answers: empty, 1:
# single, more: constant), so every reason of the scalar functions comes up.
row = st.one_of(
    st.lists(st.integers(0, 4), min_size=5, max_size=5),
    st.tuples(st.integers(0, 4), st.integers(0, 3))
    .map(lambda cell: [cell[1] if i == cell[0] else 0 for i in range(5)]),
)
cells = st.lists(row, min_size=1, max_size=12)
# Pairs of equally many rows (groups a and b of each cell).
paired_cells = st.lists(st.tuples(row, row), min_size=1, max_size=12).map(
    lambda pairs: tuple(list(side) for side in zip(*pairs)))
# One cell per reason: all tied / both constant, empty, single, and defined.
DEGENERATE_PAIR = ([[0, 0, 3, 0, 0], [0, 0, 0, 0, 0], [0, 1, 0, 0, 0], [1, 2, 0, 1, 0]],
                   [[0, 0, 2, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 4, 0], [0, 1, 3, 0, 2]])


def as_hist(row) -> dict:
    return dict(zip(LIKERT, (int(c) for c in row)))


@PROPERTY
@given(cells)
def test_mean_batch_equals_scalar(rows):
    out = batch_mean_estimates(np.array(rows), LIKERT).to_dicts()
    for row, got in zip(rows, out):
        want = mean_estimate(as_hist(row)).to_dict()
        assert got["reason"] == want["reason"] and got["n"] == want["n"]
        assert all(close(got[k], want[k]) for k in ("value", "ci_low", "ci_high"))


@PROPERTY
@given(paired_cells)
@example(DEGENERATE_PAIR)
def test_welch_batch_equals_scalar(pair):
    rows_a, rows_b = pair
    out = batch_welch_t_tests(np.array(rows_a), np.array(rows_b), LIKERT).to_dicts()
    for a, b, got in zip(rows_a, rows_b, out):
        want = welch_t_test(as_hist(a), as_hist(b))
        assert got["reason"] == want.reason
        assert close(got["statistic"], want.statistic) and close(got["p_value"], want.p_value)
        assert close(got["df"], want.df) and close(got["effect_size"], want.effect_size)
        assert close(got["difference"], want.difference)


@PROPERTY
@given(paired_cells)
@example(DEGENERATE_PAIR)
def test_mann_whitney_batch_equals_scalar(pair):
    rows_a, rows_b = pair
    out = batch_mann_whitney_tests(np.array(rows_a), np.array(rows_b), LIKERT).to_dicts()
    for a, b, got in zip(rows_a, rows_b, out):
        want = mann_whitney_test(as_hist(a), as_hist(b))
        assert got["reason"] == want.reason
        assert close(got["statistic"], want.statistic) and close(got["p_value"], want.p_value)
        assert close(got["z"], want.z) and close(got["effect_size"], want.effect_size)
        assert close(got["difference"], want.difference)


def test_batches_keep_cell_shape():
    counts = np.random.default_rng(1).integers(0, 5, size=(4, 3, 5))
    result = batch_mean_estimates(counts, LIKERT)
    assert result["value"].shape == (4, 3) and result.reason.shape == (4, 3)
    assert len(result.to_dicts()) == 12


def test_huge_cells_fall_back_to_exact_integers():
    """n * sum(x**2) - sum(x)**2 = 1.6e19 here, above the int64 range (wrapped int64
    arithmetic would give a negative scatter and a ``zero_variance`` reason)."""
    counts = np.array([[10 ** 9, 0, 0, 0, 10 ** 9]])
    out = batch_mean_estimates(counts, LIKERT).to_dicts()[0]
    want = mean_estimate(as_hist(counts[0])).to_dict()
    assert out["reason"] is None and out["n"] == want["n"]
    assert all(close(out[k], want[k], tol=1e-12) for k in ("value", "ci_low", "ci_high"))
