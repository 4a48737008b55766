"""Anonymity rules: which cells of a breakdown may be shown (pure functions, no I/O).

A cell is a group of respondents (one period, one combination of segment values). Cells
under the threshold are hidden (primary suppression). A reader who also sees a cell's
parents (the same period without one of the segment attributes, the whole period, the
enclosing quarter, all time...) could subtract the visible siblings from a parent and get
a hidden cell back, so every *line* (the children of one parent) that hides anything hides
at least two cells adding up to at least the threshold (complementary suppression).

Across period systems (weeks cut by months, waves cut by both) the finest groups any query
can tell apart are *atoms*; `suppress_over_atoms` treats them as the unknowns, every shown
cell of any granularity as one equation over them, and hides cells until no small atom, no
union of small atoms under the threshold and no cell hidden for being small lies in the row
space of the shown cells' equations (linear algebra with numpy, linear and 0/1 programmes
with scipy's HiGHS).

Residual risk accepted: bounds from non-negativity (interval inference) across many lines
may narrow a hidden cell to a range; they never pin it to one value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import scipy.linalg
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

MINIMUM_THRESHOLD = 3
DEFAULT_THRESHOLD = 5

Line = Sequence[Hashable]

# Work bounds, counted in solver nodes and rounds rather than seconds, so that every process
# reaches the same decision on the same counts whatever the load: a breakdown whose
# suppression cannot be settled within them is hidden whole.
MILP_NODE_LIMIT = 200
MAX_ROUNDS = 40
# And a bound in seconds on one 0/1 or linear programme, as a safety net against a search
# that would run on. A search cut by it keeps its best union found (a derivable small union
# all the same), or leaves the breakdown hidden; a linear programme cut by it hides every
# cell it could have kept shown. The cut depends on the load, which kept decisions make
# harmless (the first one stored is the one every query reads). Since SciPy 1.15 HiGHS
# leaves the interpreter to other threads while it searches (measured: a 7 s search in a
# thread, the main thread never held more than 25 ms; SciPy 1.13 held it for all 9.7 s),
# so a long one, in the background thread that decides, holds no query up: the bound is
# generous (the proof that no small union is left in a month of a three-attribute cross
# takes 3-8 s on 2 cores).
MILP_TIME_LIMIT = 30.0
# A preferred cell's weight as a complement, against 1 for any other (`suppress_over_atoms`):
# low enough that a cell hidden elsewhere in the month is taken before a smaller shown one.
PREFERRED_WEIGHT = 0.1


class SuppressionUndecided(Exception):
    """The safe suppression of a breakdown could not be settled within the work bounds, or
    its linear algebra failed (an SVD that does not converge): the caller hides more."""


def primary_suppression(counts: Mapping[Hashable, int], threshold: int) -> set:
    """Return the cells with fewer respondents than the threshold."""
    return {cell for cell, n in counts.items() if n < threshold}


def _order(counts: Mapping[Hashable, int], preferred=frozenset()) -> Callable:
    return lambda cell: (cell not in preferred, counts[cell], repr(cell))


def _complete_lines(counts, lines, hidden, threshold, preferred=frozenset()) -> bool:
    """Hide next-smallest cells until each line hiding anything hides >= 2 cells and >= threshold."""
    changed = False
    for line in lines:
        hidden_here = [cell for cell in line if cell in hidden]
        if not hidden_here:
            continue
        visible = sorted((c for c in line if c not in hidden), key=_order(counts, preferred))
        total = sum(counts[c] for c in hidden_here)
        count = len(hidden_here)
        while visible and (count < 2 or total < threshold):
            cell = visible.pop(0)
            hidden.add(cell)
            total += counts[cell]
            count += 1
            changed = True
    return changed


def breakdown_lines(cells: Iterable[tuple], time_parents: Callable[[str], Sequence[str]],
                    width: int) -> list[list[tuple]]:
    """Return the lines of a breakdown whose cells are `(period, (value, ...))`.

    A line is every cell sharing a parent: the same period (or one of its `time_parents`, e.g.
    the enclosing quarter or all time) and the same values on a subset of the attributes,
    leaving out the cell itself.
    """
    cells = list(cells)
    groupings = []
    for size in range(width + 1):
        groupings.extend(combinations(range(width), size))
    lines: dict = defaultdict(list)
    for cell in cells:
        period, values = cell
        times = [("own", period)] + [("up", p) for p in time_parents(period)]
        for time in times:
            for kept in groupings:
                if time[0] == "own" and len(kept) == width:
                    continue  # the cell itself, not a parent
                lines[(time, kept, tuple(values[i] for i in kept))].append(cell)
    return list(lines.values())


# Coefficients (or residuals) smaller than this are rounding of a 0/1 system, not a term.
_TOLERANCE = 1e-7
# A row whose residual against a basis stays under this lies in its span.
_SPANNED = 1e-8
# A change moving a group by more than this (t.z = 1 for the group it was found for) is a
# witness that the group is underivable.
_WITNESS = 1e-3


def incidence(rows: Sequence[Sequence[int]], width: int) -> np.ndarray:
    """Return the 0/1 matrix whose row i marks the atoms (column indices) of group i."""
    matrix = np.zeros((len(rows), width))
    for i, members in enumerate(rows):
        matrix[i, members] = 1.0
    return matrix


@dataclass(frozen=True)
class RowSpace:
    """What a set of equations over atoms pins down: the atoms they fix outright, and an
    orthonormal basis (thin SVD) of what they span over the others (and those equations)."""

    unknown: np.ndarray  # mask of the atoms not fixed by peeling
    basis: np.ndarray  # orthonormal rows, over the unknown atoms
    rows: np.ndarray  # the equations touching the unknown atoms, over those atoms

    @classmethod
    def of(cls, equations: np.ndarray) -> RowSpace:
        """Return the row space of `equations` (m x atoms).

        Rows with a single atom left unknown fix it, and so on until none does (most
        shown weeks are one atom each); only what remains goes through the SVD, a much
        smaller matrix. t lies in the row space iff its unknown part lies in theirs.
        """
        unknown = np.ones(equations.shape[1], dtype=bool)
        while len(equations):
            left = equations[:, unknown]
            single = left.sum(axis=1) == 1
            if not single.any():
                break
            fixed = np.flatnonzero(unknown)[left[single].argmax(axis=1)]
            unknown[fixed] = False
        rest = equations[:, unknown]
        rest = rest[rest.any(axis=1)]
        if not len(rest):
            return cls(unknown, np.zeros((0, int(unknown.sum()))), rest)
        return cls(unknown, orthonormal_rows(rest), rest)


def orthonormal_rows(matrix: np.ndarray) -> np.ndarray:
    """Return an orthonormal basis (as rows) of the row space of a matrix.

    A QR factorisation of its transpose with column pivoting (LAPACK's geqp3, several times
    faster than the thin SVD on these 0/1 systems: 2.8 s against 18.6 s on one of 1,256 x
    2,262) gives the basis; its rank is read off R's diagonal with the SVD's tolerance.
    Its rows are combinations of the matrix's own, so the basis spans no more than they
    do; that it spans all of them is checked (every row's residual), and where it does
    not, the thin SVD answers instead: a rank read too low would make a derivable group
    look underivable.
    """
    tolerance = max(matrix.shape) * np.finfo(float).eps * 16
    q, r, _ = scipy.linalg.qr(matrix.T, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    basis = q[:, :int((diagonal > diagonal[0] * tolerance).sum())].T
    residual = matrix - (matrix @ basis.T) @ basis
    if np.abs(residual).max(initial=0.0) < _SPANNED:
        return basis
    _, sigma, right = np.linalg.svd(matrix, full_matrices=False)
    return right[:int((sigma > sigma[0] * tolerance).sum())]


def derivable_targets(shown: np.ndarray, targets: np.ndarray,
                      space: RowSpace | None = None) -> np.ndarray:
    """Return which targets (k x atoms) lie in the row space of `shown` (m x atoms).

    `shown` holds the equations a reader has, `targets` the groups that must stay unknown;
    target i is derivable when projecting it on the row space leaves nothing.
    """
    if not len(targets) or not len(shown):
        return np.zeros(len(targets), dtype=bool)
    space = space or RowSpace.of(shown)
    part = targets[:, space.unknown]
    residual = part - (part @ space.basis.T) @ space.basis
    return np.abs(residual).max(axis=1, initial=0.0) < 1e-6


def protecting_cells(shown: np.ndarray, known: np.ndarray, target: np.ndarray,
                     weights: np.ndarray, region: np.ndarray | None = None) -> np.ndarray:
    """Return which shown rows to hide so that `target` is no longer derivable (cheapest first).

    Looks for a change z of the atoms that leaves every `known` equation unchanged and
    moves the target (t.z = 1) while touching shown rows of least total weight (a linear
    programme, |shown z| bounded by slacks); the rows it touches are the ones to hide, after
    which no combination of the rest gives the target. With `region` (a mask of atoms), z
    is first looked for among those atoms only: any such z is a valid answer, found in a
    much smaller programme; without one there, among all atoms.
    """
    return protecting_change(shown, known, target, weights, region)[0]


def protecting_change(shown: np.ndarray, known: np.ndarray, target: np.ndarray,
                      weights: np.ndarray, region: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """Return `protecting_cells`' rows and the change z found (None: none, every row hidden).

    z is a witness: once the rows it touches are hidden, it leaves every remaining equation
    unchanged, so any other group it moves (t'.z != 0) is underivable too.
    """
    m = len(shown)
    if not m:
        return np.zeros(0, dtype=bool), None
    if region is not None and not region.all():
        rows = np.flatnonzero(shown[:, region].any(axis=1))
        tied = np.flatnonzero(known[:, region].any(axis=1))
        found = _least_change(shown[np.ix_(rows, region)], known[np.ix_(tied, region)],
                              target[region], weights[rows])
        if found is not None:
            touched = np.zeros(m, dtype=bool)
            touched[rows[found[0]]] = True
            change = np.zeros(shown.shape[1])
            change[region] = found[1]
            return touched, change
    found = _least_change(shown, known, target, weights)
    return (np.ones(m, dtype=bool), None) if found is None else found


def _least_change(shown, known, target, weights) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the shown rows a least-weight atom change z (known z = 0, t.z = 1) touches,
    and z."""
    m, width = shown.shape
    identity = sparse.identity(m, format="csr")
    rows = sparse.csr_matrix(shown)
    upper = sparse.vstack([sparse.hstack([rows, -identity]), sparse.hstack([-rows, -identity])])
    equal = sparse.vstack([sparse.hstack([sparse.csr_matrix(known), sparse.csr_matrix(
        (len(known), m))]), sparse.hstack([sparse.csr_matrix(target), sparse.csr_matrix((1, m))])])
    rhs = np.zeros(len(known) + 1)
    rhs[-1] = 1.0
    answer = linprog(np.concatenate([np.zeros(width), weights]), A_ub=upper.tocsr(),
                     b_ub=np.zeros(2 * m), A_eq=equal.tocsr(), b_eq=rhs,
                     bounds=[(None, None)] * width + [(0, None)] * m, method="highs",
                     options={"time_limit": MILP_TIME_LIMIT})
    if answer.status != 0:
        return None
    return answer.x[width:] > _TOLERANCE, answer.x[:width]


def shown_small_unions(space: RowSpace, atom_counts: np.ndarray, threshold: int,
                       shown: np.ndarray, known: np.ndarray,
                       known_space: RowSpace | None = None) -> np.ndarray:
    """Return the small groups the equations leave unknown, one row each (k x atoms).

    The commonest derivable small union: a cell (`shown` here or `known` from another
    decision) whose atoms are all fixed by the equations but a few small ones (a month
    shown beside its weeks, all of them shown but two small ones hidden; or a cell of
    another decision whose last large atom a cell shown here fixes): the cell less the
    fixed atoms gives their sum. Found from the rows directly, in one product, every one
    at once, before the 0/1 programme of `small_derivable_union` looks for the others one
    by one. Unions the `known` equations give away alone are left out (no choice here can
    take them back); each union is listed once.
    """
    rows = np.vstack([shown, known]) if len(known) else shown
    width = len(space.unknown)
    if not len(rows):
        return np.zeros((0, width))
    part = rows[:, space.unknown] > 0
    sizes = part @ np.asarray(atom_counts)[space.unknown]
    found = np.flatnonzero(part.any(axis=1) & (sizes > 0) & (sizes < threshold))
    unions = np.zeros((found.size, width))
    unions[:, space.unknown] = part[found]
    unions = np.unique(unions, axis=0) if found.size else unions
    if len(known) and len(unions):
        unions = unions[~derivable_targets(known, unions, known_space)]
    return unions


def small_derivable_union(space: RowSpace, atom_counts: np.ndarray,
                          threshold: int) -> list[int] | None:
    """Return atoms whose union is under the threshold and derivable, if any (else None).

    Several small atoms can be apart underivable and together derivable (two stray answers
    outside a wave, one in each of its weeks: the weeks minus the wave give their sum).
    Their union is a small group too. A union x of small atoms is derivable when some
    combination y of the equations gives it: E'y = x over the unknown atoms (the pinned
    ones are derivable each). The smallest such union under the threshold is a 0/1
    programme (HiGHS) over x (binary) and y (free), whose constraints are the equations'
    own 0/1 entries: sparse and exact, where a projector onto their row space is dense
    and rounded, and a search over it took seconds where this takes a fraction of one.
    A union found is checked against the row space before it is returned.
    """
    # Small atoms fixed outright are derivable alone and protected before this is asked.
    counts = np.asarray(atom_counts)[space.unknown]
    small = np.flatnonzero((counts > 0) & (counts < threshold))
    if not small.size or not len(space.rows):
        return None  # no small atom left unknown, or no equation touches the unknown ones
    rows = sparse.csr_matrix(np.unique(space.rows, axis=0))
    m, k = rows.shape[0], small.size
    picks = sparse.csr_matrix((-np.ones(k), (small, np.arange(k))), shape=(rows.shape[1], k))
    sizes = counts[small].astype(float)
    cost = np.concatenate([np.zeros(m), sizes])
    constraints = [LinearConstraint(sparse.hstack([rows.T, picks]).tocsr(), 0, 0),
                   LinearConstraint(np.concatenate([np.zeros(m), np.ones(k)]), 1, np.inf),
                   LinearConstraint(cost, 0, threshold - 1)]
    answer = milp(cost, integrality=np.concatenate([np.zeros(m), np.ones(k)]),
                  bounds=Bounds(np.concatenate([np.full(m, -np.inf), np.zeros(k)]),
                                np.concatenate([np.full(m, np.inf), np.ones(k)])),
                  constraints=constraints,
                  options={"node_limit": MILP_NODE_LIMIT, "time_limit": MILP_TIME_LIMIT,
                           "presolve": True})
    if answer.status == 2:  # infeasible: no small union is derivable
        return None
    if answer.x is None:
        raise SuppressionUndecided("no answer within the node limit")
    picked = small[answer.x[m:] > 0.5]
    union = np.zeros(counts.size)
    union[picked] = 1.0
    if np.abs(union - (union @ space.basis.T) @ space.basis).max() >= 1e-6:
        raise SuppressionUndecided("the union found is not derivable (rounding)")
    return np.flatnonzero(space.unknown)[picked].tolist()


def suppress_over_atoms(counts: Mapping[Hashable, int], members: Mapping[Hashable, Sequence[int]],
                        lines: Iterable[Line], atom_counts: Sequence[int], threshold: int, *,
                        known: Sequence[Sequence[int]] = (),
                        protected: Sequence[Sequence[int]] = (),
                        regions: Sequence[int] | None = None,
                        also_hidden: Iterable[Hashable] = (),
                        preferred: Iterable[Hashable] = ()) -> set:
    """Return the cells to hide so that no small group is derivable from what is shown.

    `counts`/`members`: the cells this decision may hide and the atoms each sums; `lines`:
    their lines for complementary suppression; `atom_counts`: each atom's size. `known`:
    groups shown by other decisions (equations the reader also has); `protected`: groups
    (as atom lists) that must not become derivable besides every small atom, every union of
    small atoms under the threshold and every hidden small cell. `regions`: a label per atom
    (e.g. its quarter); a target is first protected by changing atoms of its own regions.
    `also_hidden`: cells hidden whatever their counts (those a decision on other counts of
    the same groups hides), so that this decision shows nothing that one does not.
    `preferred`: cells to hide first when a complement is needed, at a tenth of their
    weight (`PREFERRED_WEIGHT`; those hidden in the previous period and elsewhere in the
    period's month: the same partner every period keeps a group's hidden weeks together,
    a rectangle of hidden cells across the month, so that its month can be shown).
    Each round hides, for each derivable target, the lightest set of shown cells whose
    hiding leaves it underivable (`protecting_cells`); once none is derivable, the lines
    are completed; rounds repeat until no target is derivable and every line is complete.
    """
    try:
        return _suppress(counts, members, lines, atom_counts, threshold, known=known,
                         protected=protected, regions=regions, also_hidden=also_hidden,
                         preferred=preferred)
    except np.linalg.LinAlgError as error:  # e.g. an SVD that does not converge
        raise SuppressionUndecided(f"linear algebra failed: {error}") from error


def _suppress(counts, members, lines, atom_counts, threshold, *, known, protected, regions,
              also_hidden, preferred) -> set:
    """`suppress_over_atoms` itself, its linear algebra's errors left to the caller."""
    lines = [list(line) for line in lines]
    preferred = frozenset(preferred)
    width = len(atom_counts)
    order = sorted(counts, key=_order(counts))
    hidden = primary_suppression(counts, threshold) | set(also_hidden).intersection(counts)
    small_atoms = [[i] for i, n in enumerate(atom_counts) if 0 < n < threshold]
    fixed_targets = incidence(small_atoms + list(protected), width)
    known_rows = incidence(known, width)
    labels = None if regions is None else np.asarray(regions)
    if not len(fixed_targets) and not hidden:
        return hidden  # nothing small anywhere: nothing to protect
    known_space = RowSpace.of(known_rows)
    # What the other decisions' cells give away alone no choice here can take back.
    beyond_reach = derivable_targets(known_rows, fixed_targets, known_space)
    fixed_targets = fixed_targets[~beyond_reach]
    for _ in range(MAX_ROUNDS):
        shown = [c for c in order if c not in hidden]
        # A cell hidden only to protect another holds at least the threshold: deriving it
        # exposes no small group, and every small group is a target of its own.
        hidden_cells = [c for c in order if c in hidden and counts[c] < threshold]
        hidden_rows = incidence([members[c] for c in hidden_cells], width)
        if len(known_rows) and len(hidden_rows):
            reachable = ~derivable_targets(known_rows, hidden_rows, known_space)
            hidden_rows = hidden_rows[reachable]
        targets = np.vstack([fixed_targets, hidden_rows])
        if not len(targets):
            return hidden
        equations = np.vstack([incidence([members[c] for c in shown], width), known_rows])
        space = RowSpace.of(equations)
        derivable = derivable_targets(equations, targets, space)
        to_hide: set = set()
        shown_rows = incidence([members[c] for c in shown], width)
        weights = np.array([(counts[c] + 1.0) * (PREFERRED_WEIGHT if c in preferred else 1.0)
                            for c in shown])
        witnesses: list = []
        for i in np.flatnonzero(derivable):
            if any(abs(targets[i] @ z) > _WITNESS for z in witnesses):
                # A change found for an earlier target moves this one and leaves every
                # equation still shown alone: this one is underivable already. (Its own
                # programme would find the same change, at no cost, and hide nothing
                # more; the next round checks every target again all the same.)
                continue
            region = None if labels is None else np.isin(labels, labels[targets[i] > 0])
            touched, change = protecting_change(shown_rows, known_rows, targets[i], weights,
                                                region)
            to_hide.update(c for c, hit in zip(shown, touched) if hit)
            # Later targets are protected against what is still shown.
            weights[touched] = 0.0
            if change is not None:
                witnesses.append(change)
        if not to_hide:
            # Lines are completed once nothing is derivable: the cells hidden to stop the
            # derivations (a cycle, in a two-way table) usually complete them already.
            completed = False
            while _complete_lines(counts, lines, hidden, threshold, preferred):
                completed = True
            if completed:
                continue
            unions = shown_small_unions(space, np.asarray(atom_counts), threshold,
                                        shown_rows, known_rows, known_space)
            if not len(unions):
                union = small_derivable_union(space, np.asarray(atom_counts), threshold)
                if union is None:
                    return hidden
                unions = incidence([union], width)
                if derivable_targets(known_rows, unions, known_space).any():
                    return hidden  # given away by the other decisions alone
            fixed_targets = np.vstack([fixed_targets, unions])
            continue
        hidden |= to_hide
    raise SuppressionUndecided(f"not settled in {MAX_ROUNDS} rounds")


def two_way_derivable(hidden: Iterable[tuple]) -> set:
    """Return the hidden cells of a two-way table with margins that a reader can derive.

    The table's cells are (row, column) pairs, margins included under one label of their
    own, e.g. (row, "total") for a row's total and ("total", "total") for the grand
    total; every cell not listed is shown. With every total written as minus itself, each
    row and each column of the table (margins included) sums to zero, so a hidden cell is an edge between its row
    and its column in a bipartite graph, and it is derivable exactly when that edge is a
    bridge, i.e. lies on no cycle of hidden cells (Gusfield, "A graph theoretic approach
    to statistical data security", SIAM J. Computing 17(3), 1988; Kao, "Data security
    equals graph connectivity", SIAM J. Discrete Math. 9(1), 1996). Linear in the cells.

    >>> sorted(two_way_derivable([("A", "f"), ("A", "m"), ("B", "f"), ("B", "m")]))
    []
    >>> sorted(two_way_derivable([("A", "f"), ("A", "m")]))
    [('A', 'f'), ('A', 'm')]
    """
    hidden = [tuple(cell) for cell in hidden]
    edges = [(("row", r), ("col", c)) for r, c in hidden]
    adjacent: dict = defaultdict(list)
    for i, (a, b) in enumerate(edges):
        adjacent[a].append((b, i))
        adjacent[b].append((a, i))
    order: dict = {}
    low: dict = {}
    bridges = set()
    for root, first in adjacent.items():
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, -1, iter(first))]
        while stack:
            node, via, neighbours = stack[-1]
            for nxt, edge in neighbours:
                if edge == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, edge, iter(adjacent[nxt])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.add(via)
    return {hidden[i] for i in bridges}
