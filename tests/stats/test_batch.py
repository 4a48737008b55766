"""Vectorised batches, checked against the engine's scalar functions (themselves checked
against scipy in test_estimates and test_comparisons) cell by cell, degenerate cells
included."""

from __future__ import annotations

import numpy as np
from hypothesis import given
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

# Rows of likert histograms; small counts make empty, single and constant cells common.
cells = st.integers(1, 12).flatmap(lambda rows: st.lists(
    st.lists(st.integers(0, 4), min_size=5, max_size=5), min_size=rows, max_size=rows))


def as_hist(row) -> dict:
    return dict(zip(LIKERT, (int(c) for c in row)))


@PROPERTY
@given(cells)
def test_mean_batch_equals_scalar(rows):
    out = batch_mean_estimates(np.array(rows), LIKERT).to_dicts()
    for row, got in zip(rows, out):
        want = mean_estimate(as_hist(row)).to_dict()
        assert got["reason"] == want["reason"]
        assert all(close(got[k], want[k]) for k in ("value", "ci_low", "ci_high"))


@PROPERTY
@given(cells, st.data())
def test_welch_batch_equals_scalar(rows_a, data):
    rows_b = data.draw(st.lists(st.lists(st.integers(0, 4), min_size=5, max_size=5),
                                min_size=len(rows_a), max_size=len(rows_a)))
    out = batch_welch_t_tests(np.array(rows_a), np.array(rows_b), LIKERT).to_dicts()
    for a, b, got in zip(rows_a, rows_b, out):
        want = welch_t_test(as_hist(a), as_hist(b))
        assert got["reason"] == want.reason
        assert close(got["statistic"], want.statistic) and close(got["p_value"], want.p_value)
        assert close(got["df"], want.df) and close(got["effect_size"], want.effect_size)
        assert close(got["difference"], want.difference)


@PROPERTY
@given(cells, st.data())
def test_mann_whitney_batch_equals_scalar(rows_a, data):
    rows_b = data.draw(st.lists(st.lists(st.integers(0, 4), min_size=5, max_size=5),
                                min_size=len(rows_a), max_size=len(rows_a)))
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
    counts = np.array([[10 ** 9, 0, 0, 0, 1]])
    out = batch_mean_estimates(counts, LIKERT).to_dicts()[0]
    want = mean_estimate(as_hist(counts[0])).to_dict()
    assert close(out["ci_high"], want["ci_high"], tol=1e-12)
