"""Vectorised estimates and tests over many cells at once.

The scalar functions of `estimates` and `comparisons` are the reference API; these do the
same arithmetic on arrays of histograms (one row per cell, one column per answer value)
so that a whole dashboard (thousands of cells) costs a few numpy passes. Results match
the scalar functions (see ``tests/stats/test_batch.py``); undefined values are NaN in the
arrays, ``None`` in ``to_dicts()``, with the scalar functions' reasons.

Counts are int64: ``n * sum(x**2)`` stays exact below about 3e8 respondents per cell on a
0-10 scale; larger cells fall back to Python integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .results import finite_or_none

EXACT_INT64_LIMIT = 3 * 10 ** 8


def _power_sums(counts: np.ndarray, values: np.ndarray):
    """Return n, sum(x), sum(x**2) per row, as int64 (or Python ints when too large)."""
    counts = np.asarray(counts)
    if counts.size and counts.sum(axis=-1).max(initial=0) * max(1, int(np.abs(values).max())) \
            > EXACT_INT64_LIMIT:
        counts, values = counts.astype(object), values.astype(object)
    else:
        counts = counts.astype(np.int64, copy=False)
    n = counts.sum(axis=-1)
    s1 = counts @ values
    s2 = counts @ (values * values)
    return n, s1, s2


def _t_quantile(p: float, df: np.ndarray) -> np.ndarray:
    """Student t quantile, evaluated once per distinct degrees of freedom."""
    unique, inverse = np.unique(df, return_inverse=True)
    return special.stdtrit(unique, p)[inverse].reshape(df.shape)


def _reasons(conditions: list[tuple[np.ndarray, str]], shape) -> np.ndarray:
    """Return an object array holding, per cell, the first reason whose condition holds."""
    reasons = np.full(shape, None, dtype=object)
    for condition, reason in reversed(conditions):
        reasons[condition] = reason
    return reasons


@dataclass(frozen=True)
class BatchArrays:
    """Named result arrays of one batch, plus a per-cell ``reason`` array."""

    fields: dict
    reason: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        return self.fields[name]

    def to_dicts(self) -> list[dict]:
        """Return one JSON-ready dict per cell (flattened in C order); counts stay integers."""
        names = [*self.fields, "reason"]
        columns = [_json_column(np.asarray(v).ravel()) for v in self.fields.values()]
        columns.append(self.reason.ravel().tolist())
        return [dict(zip(names, row)) for row in zip(*columns)]


def _json_column(values: np.ndarray) -> list:
    """Return counts as ints (like the scalar results' ``n``), anything else finite or None."""
    if values.dtype.kind in "iu":
        return values.tolist()
    if values.dtype.kind == "O":
        return [int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                else finite_or_none(v) for v in values.tolist()]
    floats = values.astype(float)
    finite = np.isfinite(floats).tolist()
    return [v if ok else None for v, ok in zip(floats.tolist(), finite)]


def batch_mean_estimates(counts, values, confidence: float = 0.95) -> BatchArrays:
    """Means with t intervals for every row of ``counts`` (see `estimates.mean_estimate`).

    References
    ----------
    Student (1908). *Biometrika* 6(1), 1-25.
    """
    values = np.asarray(values, dtype=np.int64)
    n, s1, s2 = _power_sums(counts, values)
    scatter = (n * s2 - s1 * s1).astype(float)
    nf = n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1.astype(float) / nf
        se = np.sqrt(scatter / (nf * nf * (nf - 1.0)))
        half = _t_quantile(0.5 + confidence / 2.0, np.maximum(nf - 1.0, 1.0)) * se
    defined = (n > 1) & (scatter > 0)
    low = np.where(defined, mean - half, np.nan)
    high = np.where(defined, mean + half, np.nan)
    reason = _reasons([(n == 0, "empty_group"), (n == 1, "single_respondent"),
                       (scatter <= 0, "zero_variance")], n.shape)
    return BatchArrays({"n": n, "value": mean, "ci_low": low, "ci_high": high}, reason)


def batch_welch_t_tests(counts_a, counts_b, values) -> BatchArrays:
    """Welch's t and Hedges' g for every pair of rows (see `comparisons.welch_t_test`).

    References
    ----------
    Welch, B. L. (1947). *Biometrika* 34, 28-35.
    """
    values = np.asarray(values, dtype=np.int64)
    na, s1a, s2a = _power_sums(counts_a, values)
    nb, s1b, s2b = _power_sums(counts_b, values)
    sca = (na * s2a - s1a * s1a).astype(float)
    scb = (nb * s2b - s1b * s1b).astype(float)
    naf, nbf = na.astype(float), nb.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = s1b / nbf - s1a / naf
        va = sca / (naf * naf * (naf - 1.0))
        vb = scb / (nbf * nbf * (nbf - 1.0))
        se2 = va + vb
        t = diff / np.sqrt(se2)
        df = se2 * se2 / (va * va / (naf - 1.0) + vb * vb / (nbf - 1.0))
        p = 2.0 * special.stdtr(df, -np.abs(t))
        pooled = (sca / naf + scb / nbf) / (naf + nbf - 2.0)
        g = diff / np.sqrt(pooled) * (1.0 - 3.0 / (4.0 * (naf + nbf) - 9.0))
    empty = (na == 0) | (nb == 0)
    single = (na < 2) | (nb < 2)
    flat = ~single & ~(se2 > 0)
    undefined = single | flat
    reason = _reasons([(empty, "empty_group"), (single, "single_respondent"),
                       (flat, "zero_variance")], na.shape)
    return BatchArrays({
        "n_a": na, "n_b": nb, "difference": np.where(empty, np.nan, diff),
        "statistic": np.where(undefined, np.nan, t), "df": np.where(undefined, np.nan, df),
        "p_value": np.where(undefined, np.nan, p), "effect_size": np.where(undefined, np.nan, g),
    }, reason)


def batch_mann_whitney_tests(counts_a, counts_b, values=None) -> BatchArrays:
    """Mann-Whitney U_b, p and rank-biserial r for every pair of rows.

    Columns are the ordered categories (see `comparisons.mann_whitney_test`).

    References
    ----------
    Mann, H. B. & Whitney, D. R. (1947). *Ann. Math. Statist.* 18(1), 50-60.
    """
    a = np.asarray(counts_a, dtype=np.int64)
    b = np.asarray(counts_b, dtype=np.int64)
    t = a + b
    na, nb = a.sum(axis=-1), b.sum(axis=-1)
    big_n = na + nb
    below = np.cumsum(t, axis=-1) - t
    twice_rank_b = (b * (2 * below + t + 1)).sum(axis=-1)
    twice_u = twice_rank_b - nb * (nb + 1)
    tf = t.astype(float)
    ties = (tf * tf * tf - tf).sum(axis=-1)
    nf = big_n.astype(float)
    var_num = na.astype(float) * nb * (nf * nf * nf - nf - ties)
    prod = (na * nb).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(var_num / (12.0 * nf * (nf - 1.0)))
        distance = np.abs(twice_u - na * nb) / 2.0 - 0.5
        p = np.minimum(1.0, special.erfc(distance / sigma / np.sqrt(2.0)))
        z = np.copysign(np.maximum(distance, 0.0) / sigma, twice_u - na * nb)
        r = (twice_u - na * nb) / prod
    empty = (na == 0) | (nb == 0)
    tied = ~empty & ~(var_num > 0)
    undefined = empty | tied
    fields = {
        "n_a": na, "n_b": nb,
        "statistic": np.where(empty, np.nan, twice_u / 2.0),
        "p_value": np.where(undefined, np.nan, p), "z": np.where(undefined, np.nan, z),
        "effect_size": np.where(empty, np.nan, r),
    }
    if values is not None:
        v = np.asarray(values, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            fields["difference"] = (b @ v) / nb - (a @ v) / na
    reason = _reasons([(empty, "empty_group"), (tied, "all_tied")], na.shape)
    return BatchArrays(fields, reason)
