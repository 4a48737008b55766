"""Drivers: correlations of items with an outcome and Johnson's relative weights.

Everything is computed from moments (n, sums, cross-product sums). An outcome is one
variable or an index: the sum of its items with reverse items scored ``6 - x``, a linear
combination of variables whose covariances follow exactly from the moments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .moments import Moments, reverse_flags
from .results import Driver, Drivers

# Eigenvalues below this fraction of the largest are treated as zero (collinear items).
EIGEN_TOLERANCE = 1e-10


def relative_weights(corr_xx: np.ndarray, corr_xy: np.ndarray) -> np.ndarray:
    """Return Johnson's relative weights of predictors from correlations.

    With the eigendecomposition :math:`R_{xx} = Q \\Lambda Q^T`, the orthogonal
    counterparts :math:`Z` of the predictors have loadings
    :math:`\\Lambda^* = Q \\Lambda^{1/2} Q^T` and regression weights
    :math:`\\beta = Q \\Lambda^{-1/2} Q^T r_{xy}`; then

    .. math::

        \\varepsilon_j = \\sum_k (\\Lambda^*_{jk})^2 \\beta_k^2, \\qquad
        \\sum_j \\varepsilon_j = R^2 = r_{xy}^T R_{xx}^{-1} r_{xy}

    Near-zero eigenvalues (collinear predictors) are dropped, as in a pseudo-inverse.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. *Multivariate Behavioral Research* 35(1),
    1-19.
    """
    corr_xx = np.asarray(corr_xx, dtype=float)
    corr_xy = np.asarray(corr_xy, dtype=float)
    if corr_xy.size == 0:
        return np.zeros(0)
    evals, evecs = np.linalg.eigh(corr_xx)
    keep = evals > EIGEN_TOLERANCE * max(evals.max(), 0.0)
    root = np.where(keep, np.sqrt(np.clip(evals, 0.0, None)), 0.0)
    inv_root = np.where(keep, 1.0 / np.where(keep, root, 1.0), 0.0)
    loadings = (evecs * root) @ evecs.T
    beta = (evecs * inv_root) @ evecs.T @ corr_xy
    return (loadings ** 2) @ (beta ** 2)


def driver_analysis(moments: Moments, predictors: Sequence, outcome, reverse=()) -> Drivers:
    """Pearson correlation and Johnson's relative weight of each predictor with an outcome.

    With :math:`C_{ij} = n \\sum x_i x_j - \\sum x_i \\sum x_j` (exact integers) and the
    outcome :math:`y = \\sum_i w_i x_i` (:math:`w_i = \\pm 1`, minus for reverse items;
    constants do not change correlations):

    .. math::

        r_{jy} = \\frac{\\sum_i w_i C_{ji}}{\\sqrt{C_{jj} \\sum_{i,k} w_i w_k C_{ik}}}, \\quad
        (R_{xx})_{jk} = \\frac{C_{jk}}{\\sqrt{C_{jj} C_{kk}}}

    and the weights of `relative_weights`, which add up to the :math:`R^2` of the
    regression of the outcome on the predictors.

    Parameters
    ----------
    moments : Moments
        Moments of the survey's numeric variables.
    predictors : sequence of str or int
        Predictor variables; leave out the outcome's own items.
    outcome : str, int, or sequence of them
        One variable, or the items of an index.
    reverse : sequence of bool, or collection of item names
        Reverse-scored items of an index outcome.

    Returns
    -------
    Drivers
        Items ranked by weight. Reasons: ``empty_group``, ``single_respondent``,
        ``zero_variance`` (the outcome does not vary; or, on one item, that item does not
        and it gets no correlation and no weight).

    References
    ----------
    Pearson, K. (1896). *Phil. Trans. R. Soc. A* 187, 253-318. Johnson, J. W. (2000).
    *Multivariate Behavioral Research* 35(1), 1-19.
    """
    items = [outcome] if isinstance(outcome, (str, int)) else list(outcome)
    signs = [-1 if r else 1 for r in reverse_flags(items, reverse)]
    out_pos = [moments.position(item) for item in items]
    pred_pos = [moments.position(p) for p in predictors]
    names = [moments.variables[j] for j in pred_pos]
    n = moments.n

    def empty(reason):
        return Drivers(n, None, tuple(Driver(q, None, None, reason) for q in names), reason)

    if n < 2:
        return empty("empty_group" if n == 0 else "single_respondent")
    c = moments.scatter
    var_y = sum(si * sk * c(i, k) for i, si in zip(out_pos, signs)
                for k, sk in zip(out_pos, signs))
    if var_y <= 0:
        return empty("zero_variance")
    cov_y = [sum(si * c(j, i) for i, si in zip(out_pos, signs)) for j in pred_pos]
    var_x = [c(j, j) for j in pred_pos]
    varying = [idx for idx, v in enumerate(var_x) if v > 0]
    corr = [None] * len(pred_pos)
    for idx in varying:
        corr[idx] = cov_y[idx] / math.sqrt(var_x[idx] * var_y)
    corr_xx = np.array([
        [c(pred_pos[a], pred_pos[b]) / math.sqrt(var_x[a] * var_x[b]) for b in varying]
        for a in varying
    ]).reshape(len(varying), len(varying))
    weights = relative_weights(corr_xx, np.array([corr[idx] for idx in varying]))
    weight = [None] * len(pred_pos)
    for idx, w in zip(varying, weights):
        weight[idx] = float(w)
    rows = [
        Driver(q, corr[idx], weight[idx], None if weight[idx] is not None else "zero_variance")
        for idx, q in enumerate(names)
    ]
    rows.sort(key=lambda d: (d.weight is None, -(d.weight or 0.0)))
    return Drivers(n, float(weights.sum()), tuple(rows))
