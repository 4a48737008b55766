"""Benjamini-Hochberg adjustment, checked against statsmodels
``multipletests(method="fdr_bh")``. Published example: Benjamini & Hochberg (1995),
JRSS B 57(1), 289-300, section 4 (15 p-values; four rejected at q = 0.05)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from services.metrics.stats import benjamini_hochberg
from services.metrics.stats.multiple import adjust_array

from .rawdata import PROPERTY, close

p_values = st.floats(0.0, 1.0, allow_nan=False)


@PROPERTY
@given(st.lists(st.one_of(st.none(), p_values), max_size=60))
def test_matches_statsmodels_with_missing_passed_through(ps):
    adjusted = benjamini_hochberg(ps)
    present = [p for p in ps if p is not None]
    assert [a is None for a in adjusted] == [p is None for p in ps]
    if present:
        reference = multipletests(present, method="fdr_bh")[1]
        ours = [a for a in adjusted if a is not None]
        assert all(close(o, r) for o, r in zip(ours, reference))


@PROPERTY
@given(st.lists(st.sampled_from([0.01, 0.02, 0.04, 0.5]), min_size=1, max_size=20))
def test_ties_match_statsmodels(ps):
    assert np.allclose(adjust_array(np.array(ps)), multipletests(ps, method="fdr_bh")[1],
                       rtol=0, atol=1e-12)


def test_published_example():
    """Benjamini & Hochberg (1995), section 4: of these 15 p-values the four smallest are
    rejected at FDR 0.05 (Bonferroni rejects three)."""
    ps = [0.0201, 0.0001, 0.0004, 0.0019, 0.0095, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
          0.4262, 0.5719, 0.6528, 0.7590, 1.000]
    adjusted = benjamini_hochberg(ps)
    rejected = sorted(p for p, a in zip(ps, adjusted) if a <= 0.05)
    assert rejected == [0.0001, 0.0004, 0.0019, 0.0095]
    assert np.allclose(adjusted, multipletests(ps, method="fdr_bh")[1], rtol=0, atol=1e-12)


def test_nan_counts_as_missing_and_bad_p_values_raise():
    assert benjamini_hochberg([float("nan"), 0.2]) == [None, 0.2]
    assert benjamini_hochberg([]) == []
    with pytest.raises(ValueError, match="between 0 and 1"):
        benjamini_hochberg([1.5])
