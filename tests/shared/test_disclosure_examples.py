"""Disclosure control on published examples and against an exact rank test.

- The graph criterion for two-way tables (Gusfield 1988): a hidden cell of a table whose
  margins are equations is derivable exactly when its edge in the bipartite graph of
  hidden cells is a bridge. Checked against exact Gaussian elimination over the rationals
  (Python's fractions) on random tables and hidden patterns.
- sdcTable's worked example (its test of `protectTable`: four regions by two genders with
  totals, one primary cell (A, female)): the optimal protection hides four cells, the
  primary and three complements forming a rectangle. The rule here does the same.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from shared.anonymity import suppress_over_atoms, two_way_derivable

TOTAL = "total"


def _equations(rows: list, cols: list) -> tuple[list, list]:
    """Return the cells of a table with margins and its equations (each line sums to 0)."""
    cells = [(r, c) for r in rows + [TOTAL] for c in cols + [TOTAL]]
    index = {cell: i for i, cell in enumerate(cells)}
    equations = []
    for r in rows + [TOTAL]:
        equations.append({index[(r, c)]: 1 for c in cols} | {index[(r, TOTAL)]: -1})
    for c in cols + [TOTAL]:
        equations.append({index[(r, c)]: 1 for r in rows} | {index[(TOTAL, c)]: -1})
    return cells, equations


def _rank(rows: list[list[Fraction]]) -> int:
    """Rank by exact Gaussian elimination over the rationals."""
    rows = [list(r) for r in rows]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
    return rank


def _rational_derivable(rows: list, cols: list, hidden: set) -> set:
    """Hidden cells a reader can solve for exactly (rank over the rationals)."""
    cells, equations = _equations(rows, cols)
    unknown = [cell for cell in cells if cell in hidden]
    if not unknown:
        return set()
    # Shown cells are known numbers: each equation restricted to the hidden cells.
    matrix = [[Fraction(eq.get(cells.index(cell), 0)) for cell in unknown] for eq in equations]
    rank = _rank(matrix)
    derivable = set()
    for j, cell in enumerate(unknown):
        target = [Fraction(1 if k == j else 0) for k in range(len(unknown))]
        if _rank(matrix + [target]) == rank:
            derivable.add(cell)
    return derivable


@pytest.mark.parametrize("seed", range(40))
def test_the_bridge_criterion_finds_exactly_the_cells_linear_algebra_derives(seed):
    rng = random.Random(seed)
    rows = [f"r{i}" for i in range(rng.randint(2, 4))]
    cols = [f"c{j}" for j in range(rng.randint(2, 4))]
    cells = [(r, c) for r in rows + [TOTAL] for c in cols + [TOTAL]]
    hidden = {cell for cell in cells if rng.random() < 0.4}
    assert two_way_derivable(hidden) == _rational_derivable(rows, cols, hidden)


def _sdc_example():
    """Regions A-D by gender with totals; (A, female) is primary (2 respondents)."""
    counts = {("A", "female"): 2, ("A", "male"): 11, ("B", "female"): 14, ("B", "male"): 9,
              ("C", "female"): 8, ("C", "male"): 17, ("D", "female"): 21, ("D", "male"): 6}
    atoms = sorted(counts)
    members = {cell: [atoms.index(cell)] for cell in atoms}
    # The margins, decided first (all large), are known equations.
    known = [[i for i, a in enumerate(atoms) if a[0] == region] for region in "ABCD"]
    known += [[i for i, a in enumerate(atoms) if a[1] == g] for g in ("female", "male")]
    known.append(list(range(len(atoms))))
    lines = [[a for a in atoms if a[0] == region] for region in "ABCD"]
    lines += [[a for a in atoms if a[1] == g] for g in ("female", "male")]
    return counts, members, lines, [counts[a] for a in atoms], known


def test_one_primary_cell_is_protected_by_a_rectangle_of_four_like_sdctable_opt():
    counts, members, lines, atom_counts, known = _sdc_example()
    hidden = suppress_over_atoms(counts, members, lines, np.array(atom_counts), 5, known=known)
    assert ("A", "female") in hidden and len(hidden) == 4
    regions = {r for r, _ in hidden}
    assert len(regions) == 2 and all((r, g) in hidden for r in regions
                                     for g in ("female", "male"))
    # No hidden cell is a bridge: none can be solved for from the table and its margins.
    assert two_way_derivable(hidden) == set()


@pytest.mark.parametrize("seed", range(12))
def test_the_rule_never_leaves_a_small_cell_of_a_two_way_table_derivable(seed):
    rng = random.Random(seed)
    rows = [f"r{i}" for i in range(rng.randint(2, 5))]
    cols = [f"c{j}" for j in range(rng.randint(2, 5))]
    counts = {(r, c): rng.choice([0, 1, 2, 3, 6, 9, 14, 20]) for r in rows for c in cols}
    counts = {cell: n for cell, n in counts.items() if n}
    atoms = sorted(counts)
    members = {cell: [atoms.index(cell)] for cell in atoms}
    margins = [[i for i, a in enumerate(atoms) if a[0] == r] for r in rows]
    margins += [[i for i, a in enumerate(atoms) if a[1] == c] for c in cols]
    margins.append(list(range(len(atoms))))
    sizes = [sum(counts[atoms[i]] for i in m) for m in margins]
    if min(sizes, default=0) < 5:
        pytest.skip("a margin is small itself: decided (hidden) by the coarser level")
    lines = [[a for a in atoms if a[0] == r] for r in rows]
    lines += [[a for a in atoms if a[1] == c] for c in cols]
    hidden = suppress_over_atoms(counts, members, [line for line in lines if line],
                                 np.array([counts[a] for a in atoms]), 5, known=margins)
    # Empty cells are known zeros: they are not edges.
    derivable = two_way_derivable(hidden)
    assert not {cell for cell in derivable if counts[cell] < 5}
    assert all(counts[cell] >= 5 or cell in hidden for cell in counts)


def test_a_table_with_every_cell_shown_has_nothing_to_derive():
    assert two_way_derivable([]) == set()
    # A cell, its row's and column's totals and the grand total: a cycle of four.
    assert two_way_derivable([("r0", "c0"), ("r0", TOTAL), (TOTAL, "c0"),
                              (TOTAL, TOTAL)]) == set()
