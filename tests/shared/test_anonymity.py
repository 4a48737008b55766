"""The suppression rules: primary, complementary per line, and no derivable small cell."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest

import shared.anonymity
from shared.anonymity import (
    RowSpace,
    SuppressionUndecided,
    breakdown_lines,
    derivable_targets,
    incidence,
    primary_suppression,
    protecting_cells,
    shown_small_unions,
    small_derivable_union,
    suppress_over_atoms,
)


def _no_parents(period):
    return ()


def _suppress(counts, lines, threshold=5):
    """Suppress cells that are their own atoms, each line's parent known if shown."""
    cells = sorted(counts, key=repr)
    members = {c: [i] for i, c in enumerate(cells)}
    known = [[cells.index(c) for c in line] for line in lines
             if sum(counts[c] for c in line) >= threshold]
    return suppress_over_atoms(counts, members, lines, np.array([counts[c] for c in cells]),
                               threshold, known=known)


def _derivable(counts, hidden, lines, threshold=5) -> set:
    """Return the hidden cells a reader of the shown cells and parent totals can derive."""
    cells = sorted(counts, key=repr)
    rows = [[cells.index(c)] for c in cells if c not in hidden]
    rows += [[cells.index(c) for c in line] for line in lines
             if sum(counts[c] for c in line) >= threshold]
    secret = sorted(hidden, key=repr)
    found = derivable_targets(incidence(rows, len(cells)),
                              incidence([[cells.index(c)] for c in secret], len(cells)))
    return {c for c, yes in zip(secret, found) if yes}


def test_primary_suppression_hides_cells_under_the_threshold():
    assert primary_suppression({"a": 4, "b": 5, "c": 0}, 5) == {"a", "c"}


def test_a_lone_small_cell_takes_the_next_smallest_with_it():
    counts = {("p", ("A",)): 30, ("p", ("B",)): 2, ("p", ("C",)): 9, ("p", ("D",)): 12}
    lines = breakdown_lines(counts, _no_parents, 1)
    hidden = _suppress(counts, lines)
    assert hidden == {("p", ("B",)), ("p", ("C",))}


def test_hidden_cells_adding_up_under_the_threshold_take_more():
    counts = {("p", (v,)): n for v, n in zip("ABCDE", (1, 1, 1, 40, 41))}
    hidden = _suppress(counts, breakdown_lines(counts, _no_parents, 1))
    # 1 + 1 + 1 = 3 < 5: the next smallest (40) goes too.
    assert hidden == {("p", ("A",)), ("p", ("B",)), ("p", ("C",)), ("p", ("D",))}


def test_two_attribute_table_protects_rows_columns_and_total():
    # department x location: Sales/York is small; its row and its column both need a partner.
    counts = {
        ("p", ("Support", "Leeds")): 20, ("p", ("Support", "York")): 10,
        ("p", ("Sales", "Leeds")): 15, ("p", ("Sales", "York")): 3,
    }
    lines = breakdown_lines(counts, _no_parents, 2)
    hidden = _suppress(counts, lines)
    assert ("p", ("Sales", "York")) in hidden
    small = {c for c in hidden if counts[c] < 5}
    assert not _derivable(counts, hidden, lines) & small
    for line in lines:
        hidden_here = [c for c in line if c in hidden]
        if hidden_here:
            assert len(hidden_here) >= 2 or len(line) == 1
            assert sum(counts[c] for c in hidden_here) >= 5 or len(hidden_here) == len(line)


def test_time_parents_make_lines_across_periods():
    # Three months of one quarter: the quarter minus two visible months must not give the third.
    counts = {("2026-07", ()): 20, ("2026-08", ()): 18, ("2026-09", ()): 2}
    lines = breakdown_lines(counts, lambda p: ("2026-Q3",), 0)
    hidden = _suppress(counts, lines)
    assert hidden == {("2026-09", ()), ("2026-08", ())}


def test_random_tables_never_leave_a_small_cell_derivable_through_their_cells():
    rng = random.Random(7)
    for _ in range(200):
        counts = {("p", (r, c)): rng.choice((1, 2, 3, 6, 9, 15, 30))
                  for r in "xyz" for c in "ABC" if rng.random() < 0.8}
        lines = breakdown_lines(counts, _no_parents, 2)
        hidden = _suppress(counts, lines)
        small = {c for c in counts if counts[c] < 5}
        assert small <= hidden
        # Parent totals alone can give a cell away (a row holding one cell); hiding cells
        # cannot help that, and the coarser decisions that show those totals see to it.
        by_parents = _derivable(counts, set(counts), lines)
        assert not (_derivable(counts, hidden, lines) - by_parents) & small


def test_a_cell_pinned_by_two_lines_is_derivable():
    # x1 + x2 = r1 and x2 = r2 (a single-cell line) pin x1.
    counts = {"x1": 2, "x2": 9}
    assert _derivable(counts, {"x1", "x2"}, [["x1", "x2"], ["x2"]]) == {"x1", "x2"}
    assert _derivable(counts, {"x1", "x2"}, [["x1", "x2"]]) == set()


def test_nothing_hidden_when_every_cell_is_large():
    counts = {("p", (v,)): 10 for v in "ABC"}
    assert _suppress(counts, breakdown_lines(counts, _no_parents, 1)) == set()


def _rows(*groups, width):
    return incidence([list(g) for g in groups], width)


def test_a_target_in_the_span_of_shown_rows_is_derivable():
    # Atoms a0..a2; shown: a0+a1+a2 and a0+a1. a2 is their difference; a0 is not pinned.
    shown = _rows((0, 1, 2), (0, 1), width=3)
    targets = _rows((2,), (0,), width=3)
    assert derivable_targets(shown, targets).tolist() == [True, False]


def test_protecting_cells_hides_the_lightest_rows_that_break_every_derivation():
    # A month (atoms 0..4) and its weeks 0..3 shown; atom 4 (the month's part of a straddling
    # week) is the month minus the weeks. Hiding one week is cheaper than hiding the month.
    shown = _rows((0, 1, 2, 3, 4), (0,), (1,), (2,), (3,), width=5)
    weights = np.array([122.0, 30.0, 31.0, 29.0, 30.0])
    touched = protecting_cells(shown, np.zeros((0, 5)), _rows((4,), width=5)[0], weights)
    assert touched.tolist() == [False, False, False, True, False]
    rest = shown[~touched]
    assert not derivable_targets(rest, _rows((4,), width=5))[0]


def test_a_target_the_change_found_for_another_protects_takes_no_programme(monkeypatch):
    # Two small cells in one column of a 2 x 2 table with its margins: the change that
    # protects the first (+1 on it, -1 on its row's partner, -1 on its column's partner,
    # +1 on the opposite corner) moves the second too, which needs no programme of its own.
    programmes = []
    least_change = shared.anonymity._least_change

    def counted(*args, **kwargs):
        programmes.append(args[2])
        return least_change(*args, **kwargs)

    monkeypatch.setattr(shared.anonymity, "_least_change", counted)
    counts = {("p", ("r1", "c1")): 3, ("p", ("r1", "c2")): 30,
              ("p", ("r2", "c1")): 3, ("p", ("r2", "c2")): 30}
    lines = [[("p", ("r1", "c1")), ("p", ("r1", "c2"))], [("p", ("r2", "c1")), ("p", ("r2", "c2"))],
             [("p", ("r1", "c1")), ("p", ("r2", "c1"))], [("p", ("r1", "c2")), ("p", ("r2", "c2"))]]
    hidden = _suppress(counts, lines)
    assert hidden == set(counts)  # the whole rectangle, the cheapest cycle
    assert not _derivable(counts, hidden, lines)
    assert len(programmes) == 1


def test_small_atoms_underivable_apart_but_derivable_together_are_found():
    # Weeks w1 = s1 + a1, w2 = s2 + a2 and a wave = a1 + a2: w1 + w2 - wave = s1 + s2.
    shown = _rows((0, 1), (2, 3), (1, 3), width=4)
    counts = np.array([1, 30, 1, 30])
    assert not derivable_targets(shown, _rows((0,), (2,), width=4)).any()
    assert small_derivable_union(RowSpace.of(shown), counts, 5) == [0, 2]
    assert small_derivable_union(RowSpace.of(shown[:2]), counts, 5) is None


def test_suppression_over_atoms_protects_a_straddling_week_piece():
    # Atoms: four whole March weeks (30 each), Mar 30-31 (2), Apr 1-5 (18), a whole April week.
    sizes = [30, 30, 30, 30, 2, 18, 30]
    members = {"W10": [0], "W11": [1], "W12": [2], "W13": [3], "W14": [4, 5], "W15": [6],
               "2026-03": [0, 1, 2, 3, 4], "2026-04": [5, 6]}
    counts = {cell: sum(sizes[i] for i in atoms) for cell, atoms in members.items()}
    hidden = suppress_over_atoms(counts, members, [], np.array(sizes), 5)
    shown = incidence([members[c] for c in members if c not in hidden], len(sizes))
    assert hidden and not derivable_targets(shown, _rows((4,), width=len(sizes)))[0]
    assert {"2026-03", "2026-04"}.isdisjoint(hidden)  # weeks are cheaper to hide


def _smallest_union_by_enumeration(shown: np.ndarray, counts: np.ndarray, threshold: int):
    """Return the size of the smallest derivable union of small atoms, by trying every one
    (a union is derivable when adding it as a row leaves the rank unchanged)."""
    space = RowSpace.of(shown)
    small = [i for i in np.flatnonzero(space.unknown) if 0 < counts[i] < threshold]
    rank = np.linalg.matrix_rank(shown)
    best = None
    for size in range(1, len(small) + 1):
        for union in combinations(small, size):
            total = int(counts[list(union)].sum())
            if total >= threshold or (best is not None and total >= best):
                continue
            row = np.zeros((1, shown.shape[1]))
            row[0, list(union)] = 1
            if np.linalg.matrix_rank(np.vstack([shown, row])) == rank:
                best = total
    return best


def test_the_smallest_derivable_union_matches_an_enumeration_of_every_union():
    # The 0/1 programme over the equations' own entries (x = E'y) against trying every
    # union of small atoms, on random small systems of weeks, waves and months.
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(60):
        width = int(rng.integers(6, 11))
        shown = (rng.random((int(rng.integers(3, 9)), width)) < 0.35).astype(float)
        shown = shown[shown.any(axis=1)]
        counts = np.where(rng.random(width) < 0.6, rng.integers(1, 4, width),
                          rng.integers(5, 30, width))
        expected = _smallest_union_by_enumeration(shown, counts, 5)
        union = small_derivable_union(RowSpace.of(shown), counts, 5)
        if expected is None:
            assert union is None
            continue
        found += 1
        assert union is not None and int(counts[union].sum()) == expected
        assert derivable_targets(shown, incidence([union], width))[0]
    assert found >= 10  # the systems do hold derivable unions


def test_a_small_union_a_shown_cell_leaves_unknown_is_found_without_the_programme(monkeypatch):
    # A month shown beside its four weeks, two shown and two small ones hidden: the month
    # less the shown weeks is a group of 3. Found from the rows, with no 0/1 programme.
    def no_programme(*args, **kwargs):
        raise AssertionError("the 0/1 programme was run")

    monkeypatch.setattr(shared.anonymity, "milp", no_programme)
    counts = np.array([20, 1, 22, 2])
    weeks = _rows((0,), (2,), width=4)
    month = _rows((0, 1, 2, 3), width=4)
    shown = np.vstack([weeks, month])
    space = RowSpace.of(shown)
    pair = _rows((1, 3), width=4).tolist()
    assert shown_small_unions(space, counts, 5, month, weeks).tolist() == pair
    # Weeks shown here fix what the month, shown by another decision, leaves: found too.
    assert shown_small_unions(space, counts, 5, weeks, month).tolist() == pair
    # Both shown by other decisions give the pair away alone: nothing here takes it back.
    assert not len(shown_small_unions(space, counts, 5, np.zeros((0, 4)), shown))
    # Two months, each leaving a pair of its weeks: both found at once.
    two = np.vstack([_rows((0,), (2,), (4,), (6,), width=8), _rows((0, 1, 2, 3), (4, 5, 6, 7),
                                                                  width=8)])
    both = shown_small_unions(RowSpace.of(two), np.tile(counts, 2), 5, two, np.zeros((0, 8)))
    assert both.tolist() == _rows((5, 7), (1, 3), width=8).tolist()
    monkeypatch.undo()  # the programme shows, at the end, that no other union is derivable
    members = {"W1": [0], "W2": [1], "W3": [2], "W4": [3], "month": [0, 1, 2, 3]}
    cell_counts = {c: int(counts[m].sum()) for c, m in members.items()}
    hidden = suppress_over_atoms(cell_counts, members, [], counts, 5)
    rest = incidence([members[c] for c in members if c not in hidden], 4)
    assert not derivable_targets(rest, _rows((1, 3), (1,), (3,), width=4)).any()


def test_many_interdependent_small_atoms_still_give_their_smallest_derivable_union():
    # Pairs of small atoms with each pair's sum shown (a week made of two pieces): no atom
    # is derivable alone, but every pair is a derivable small union; among fifteen such
    # pairs the 0/1 programme still finds one (two atoms of one, summing to 2).
    pairs = 15
    width = 2 * pairs + 1
    shown = _rows(*[(2 * k, 2 * k + 1) for k in range(pairs)], width=width)
    counts = np.ones(width, dtype=np.int64)
    union = small_derivable_union(RowSpace.of(shown), counts, 5)
    assert union is not None and len(union) == 2 and union[0] // 2 == union[1] // 2


def _dependent_rows(rng, rows: int, width: int) -> np.ndarray:
    """Return 0/1 rows over `width` atoms, some of them sums of others (a rank below both)."""
    base = (rng.random((rows, width)) < 0.1).astype(float)
    base[rows // 2:] = np.minimum(base[:rows - rows // 2] + base[1:rows - rows // 2 + 1], 1)
    return base[base.any(axis=1)]


def _projector(basis: np.ndarray) -> np.ndarray:
    return basis.T @ basis


def test_the_row_space_basis_is_the_svds_to_rounding():
    # Checked against numpy's thin SVD (LAPACK gesdd) on the same matrices.
    rng = np.random.default_rng(5)
    for rows, width in ((40, 60), (80, 50), (120, 200)):
        matrix = _dependent_rows(rng, rows, width)
        basis = shared.anonymity.orthonormal_rows(matrix)
        right = np.linalg.svd(matrix, full_matrices=False)[2]
        reference = right[:np.linalg.matrix_rank(matrix)]
        assert basis.shape == reference.shape
        assert np.allclose(basis @ basis.T, np.eye(len(basis)), atol=1e-10)
        assert np.allclose(_projector(basis), _projector(reference), atol=1e-9)


def test_a_rank_read_too_low_by_the_factorisation_is_answered_by_the_svd(monkeypatch):
    # A basis missing a direction would make a derivable group look underivable.
    matrix = _dependent_rows(np.random.default_rng(6), 60, 80)
    qr = shared.anonymity.scipy.linalg.qr

    def short(*args, **kwargs):
        q, r, pivots = qr(*args, **kwargs)
        r = r.copy()
        r[np.linalg.matrix_rank(matrix) - 1:, :] = 0.0  # one dimension lost
        return q, r, pivots

    monkeypatch.setattr(shared.anonymity.scipy.linalg, "qr", short)
    basis = shared.anonymity.orthonormal_rows(matrix)
    assert len(basis) == np.linalg.matrix_rank(matrix)
    assert np.allclose(matrix @ _projector(basis), matrix, atol=1e-9)


def test_linear_algebra_that_fails_leaves_the_suppression_undecided(monkeypatch):
    # Seen at organisation scale: "SVD did not converge" in the small-union search was a 500.
    def no_convergence(*args, **kwargs):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(shared.anonymity, "orthonormal_rows", no_convergence)
    sizes = [30, 30, 30, 30, 2, 18, 30]
    members = {"W10": [0], "W11": [1], "W12": [2], "W13": [3], "W14": [4, 5], "W15": [6],
               "2026-03": [0, 1, 2, 3, 4], "2026-04": [5, 6]}
    counts = {cell: sum(sizes[i] for i in atoms) for cell, atoms in members.items()}
    with pytest.raises(SuppressionUndecided, match="linear algebra"):
        suppress_over_atoms(counts, members, [], np.array(sizes), 5)


def test_a_protection_programme_cut_by_its_time_bound_hides_every_shown_cell(monkeypatch):
    """An unbounded linear programme held a metrics worker past gunicorn's timeout (HiGHS
    held the interpreter before SciPy 1.15). One cut by the bound protects by hiding all."""
    anonymity = shared.anonymity
    rng = np.random.default_rng(1)
    shown = (rng.random((60, 80)) < 0.1).astype(float)
    known = (rng.random((20, 80)) < 0.1).astype(float)
    target = np.zeros(80)
    target[[3, 7]] = 1
    weights = rng.random(60) + 1
    assert anonymity.protecting_cells(shown, known, target, weights).sum() < len(shown)
    monkeypatch.setattr(anonymity, "MILP_TIME_LIMIT", 1e-9)
    assert anonymity.protecting_cells(shown, known, target, weights).all()
