"""Cronbach's alpha from moments, checked against ``pingouin.cronbach_alpha`` (value and
Feldt interval) on raw answers with reverse items scored 6 - x. Published example: the
pingouin documentation of ``cronbach_alpha`` (equal to R's ``psych::alpha``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from services.metrics.stats import Moments, cronbach_alpha

from .rawdata import PROPERTY, close, likert_matrix, moments_of


@PROPERTY
@given(likert_matrix(min_rows=3, max_rows=30), st.data())
def test_alpha_matches_pingouin(matrix, data):
    k = matrix.shape[1]
    reverse = data.draw(st.lists(st.booleans(), min_size=k, max_size=k))
    scored = np.where(reverse, 6 - matrix, matrix)
    assume(scored.sum(axis=1).std() > 0 and scored.std(axis=0).min() > 0)
    reference, (low, high) = pg.cronbach_alpha(pd.DataFrame(scored))
    names = [str(i) for i in range(k)]
    result = cronbach_alpha(moments_of(matrix), names, reverse=reverse)
    assert close(result.value, reference)
    # pingouin rounds its interval to three decimals
    assert abs(result.ci_low - low) <= 5e-4 + 1e-12
    assert abs(result.ci_high - high) <= 5e-4 + 1e-12


def test_alpha_takes_reverse_items_by_name():
    matrix = np.array([[5, 1, 4], [4, 2, 4], [2, 4, 1], [1, 5, 2], [3, 3, 3]])
    moments = Moments(**{k: v for k, v in vars(moments_of(matrix)).items() if k != "variables"},
                      variables=("a", "b", "c"))
    by_name = cronbach_alpha(moments, ["a", "b", "c"], reverse={"b"})
    by_flag = cronbach_alpha(moments, ["a", "b", "c"], reverse=[False, True, False])
    assert by_name == by_flag and by_name.value > 0.9


def test_published_alpha_listwise():
    """pingouin documentation of ``cronbach_alpha``: the ``cronbach_wide_missing`` data with
    ``nan_policy="listwise"`` give 0.8016949152542373, as R's
    ``psych::alpha(data, use="complete.obs")``. (Its printed interval, [0.581, 0.933], counts
    the 12 rows before the listwise drop; the Feldt interval of the 9 complete rows is
    checked against scipy's F quantiles instead.)"""
    data = pg.read_dataset("cronbach_wide_missing").dropna().astype(int)
    result = cronbach_alpha(moments_of(data.to_numpy()), list(range(data.shape[1])))
    assert result.value == pytest.approx(0.8016949152542373, abs=1e-12)
    f_high, f_low = stats.f.isf([0.025, 0.975], 8, 8 * 10)
    assert close(result.ci_low, 1 - (1 - result.value) * f_high)
    assert close(result.ci_high, 1 - (1 - result.value) * f_low)


def test_degenerate_alpha_has_reasons():
    moments = moments_of(np.array([[3, 3], [3, 3], [3, 3]]))
    assert cronbach_alpha(moments, [0, 1]).reason == "zero_variance"
    assert cronbach_alpha(moments, [0]).reason == "single_item"
    assert cronbach_alpha(moments_of(np.zeros((1, 2), int)), [0, 1]).reason \
        == "single_respondent"
    with pytest.raises(ValueError, match="unknown variable"):
        cronbach_alpha(Moments(2, (1, 2), ((1, 2), (2, 4))), ["x", "y"])
