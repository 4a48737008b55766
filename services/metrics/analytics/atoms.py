"""Atoms of a survey's history and the suppression decided over every period system at once.

Weeks, months, quarters, waves and all time cut the same responses differently: a week
straddling a month boundary is two pieces, and a wave takes some responses of each piece.
An *atom* is one piece (ISO week x month) of one wave (0: no wave) for one combination of
segment values; every cell of every breakdown is a sum of atoms. The suppression of one
attribute set is decided once for all its granularities, over the atoms, so that chaining
month, week, quarter, wave and all-time totals never isolates a small group.

Levels nest: the decision of an attribute set takes what the decisions of its subsets show
as known and keeps what they hide hidden. Every decision is a pure function of the counts,
so whichever endpoint asks first, the same cells are shown; it is kept in an in-process LRU
keyed by a digest of the counts it was computed from.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from itertools import combinations

import numpy as np

from services.metrics.analytics.selectors import ALL_TIME, time_parents
from shared.anonymity import SuppressionUndecided, breakdown_lines, suppress_over_atoms
from shared.periods import granularity_of, period_label, time_piece, wave_label

GRANULARITIES = ("week", "month", "quarter", "wave", ALL_TIME)
CACHE_SIZE = 512
# Beyond this many atoms the linear algebra takes seconds to minutes (dense SVDs of atoms
# squared): an attribute set that fine with any small group in it is hidden whole instead,
# which is safe (it adds no equation) and usually loses little (its cells are mostly small).
ATOM_LIMIT = 1500


@lru_cache(maxsize=8192)
def day_labels(day: str) -> tuple[str, str, str]:
    """Return the (ISO week, month, quarter) labels of a `YYYY-MM-DD` day."""
    when = date.fromisoformat(day[:10])
    return (*time_piece(when), period_label(when, "quarter"))


def period_of(piece: tuple, wave: int, granularity: str) -> str | None:
    """Return the label of the cell of `granularity` holding an atom (None: in no wave)."""
    if granularity == "wave":
        return wave_label(wave) if wave else None
    if granularity == ALL_TIME:
        return ALL_TIME
    return piece[GRANULARITIES.index(granularity)]


@dataclass(frozen=True)
class Decision:
    """The cells of one attribute set at every granularity, their counts and which are hidden."""

    level: tuple
    counts: dict  # (period, values) -> count
    hidden: frozenset


class DecisionCache:
    """Thread-safe LRU of decisions, each stored beside the digest of its counts."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, digest: str) -> Decision | None:
        """Return the decision stored for `key` if it was computed from the same counts."""
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != digest:
                return None
            self._items.move_to_end(key)
            return item[1]

    def clear(self) -> None:
        """Forget every decision."""
        with self._lock:
            self._items.clear()

    def put(self, key, digest: str, decision: Decision) -> None:
        """Store a decision, forgetting the least recently used beyond the size."""
        with self._lock:
            self._items[key] = (digest, decision)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


DECISIONS = DecisionCache()


def project_atoms(rows, positions: tuple):
    """Return (atom keys, counts, respondents) of day rows summed over the attributes not
    in `positions`.

    Every atom holding a respondent is kept, even one whose count (those who answered an
    optional question) is 0: its groups are listed, hidden, so that count is unknown to a
    reader and must not become derivable (a week's answers minus those of its shown
    departments would say that a small department skipped the question).
    """
    respondents: dict = defaultdict(int)
    totals: dict = defaultdict(int)
    for piece, wave, vals, n, count in zip(rows.pieces, rows.waves, rows.values, rows.n,
                                           rows.counts):
        key = (piece, wave, tuple(vals[i] for i in positions))
        respondents[key] += int(n)
        totals[key] += int(count)
    keys = sorted((k for k, n in respondents.items() if n), key=repr)
    return (keys, np.array([totals[k] for k in keys], dtype=np.int64),
            np.array([respondents[k] for k in keys], dtype=np.int64))


def counts_digest(keys: list, counts: np.ndarray, *thresholds: int) -> str:
    """Return a digest of cells (or atoms), their counts and the thresholds they are judged by."""
    text = repr((thresholds, keys, counts.tolist())).encode()
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _groups_of(keys: list, positions: tuple) -> dict:
    """Return every cell (period, values at `positions`) as the list of atoms it sums."""
    members: dict = defaultdict(list)
    for i, (piece, wave, vals) in enumerate(keys):
        projected = tuple(vals[p] for p in positions)
        for granularity in GRANULARITIES:
            label = period_of(piece, wave, granularity)
            if label is not None:
                members[(label, projected)].append(i)
    return members


def _small_groups(keys: list, counts: np.ndarray, positions: tuple, threshold: int) -> list:
    """Return the atoms and pieces (summed over waves) of a coarser level under the threshold."""
    groups: dict = defaultdict(list)
    for i, (piece, wave, vals) in enumerate(keys):
        projected = tuple(vals[p] for p in positions)
        groups[(piece, wave, projected)].append(i)
        groups[(piece, None, projected)].append(i)
    return [m for m in groups.values() if 0 < int(counts[m].sum()) < threshold]


def decide(rows, attributes: tuple, level: tuple, threshold: int, cache_key: tuple,
           respondents: tuple | None = None) -> Decision:
    """Return the suppression of attribute set `level` (a subset of `attributes`, in order).

    `rows` holds day-level counts: parallel lists `pieces`, `waves`, `values` (over
    `attributes`), `n` (respondents) and `counts` (what the threshold applies to). Subsets
    of `level` are decided first (and cached), then this level hides its own cells until
    nothing small or hidden is derivable from everything the levels show together.

    With `respondents` (the threshold and cache key of the decision on respondents at the
    anonymity threshold), every cell that decision hides is hidden here too, so that this
    one shows nothing that one does not: it adds no equation on respondents, nor a bound on
    a hidden group of them. Two decisions need it: `counts` the answers to an optional
    question (answers never outnumber respondents, so those of a complementary cell would
    bound its respondents, and so the small group beside it), and respondents at the higher
    comment threshold (whose own complementary cells differ, so the `n` of a comment group
    would give away a cell `scores` hides, and by differencing the small group beside it).
    """
    if (respondents is not None and respondents[0] == threshold
            and np.array_equal(rows.counts, rows.n)):
        # The same counts at the same threshold: the decision on respondents itself.
        return decide(rows, attributes, level, *respondents)
    positions = tuple(attributes.index(a) for a in level)
    keys, counts, respondent_counts = project_atoms(rows, positions)
    if respondents is None:
        digest = counts_digest(keys, counts, threshold)
    else:
        # Also resting on the respondents' decision (a response skipping the question
        # changes that one alone).
        digest = counts_digest(keys, np.stack([counts, respondent_counts]), threshold,
                               respondents[0])
    key = cache_key + (level,)
    cached = DECISIONS.get(key, digest)
    if cached is not None:
        return cached
    also_hidden: frozenset = frozenset()
    if respondents is not None:
        also_hidden = decide(replace(rows, counts=rows.n), attributes, level,
                             *respondents).hidden
    members = _groups_of(keys, tuple(range(len(level))))
    cell_counts = {cell: int(counts[m].sum()) for cell, m in members.items()}
    known, protected = [], []
    for size in range(len(level)):
        for subset in combinations(range(len(level)), size):
            sub = decide(rows, attributes, tuple(level[i] for i in subset), threshold, cache_key,
                         respondents)
            for cell, atoms in _groups_of(keys, subset).items():
                if cell not in sub.hidden:
                    known.append(atoms)
                elif sub.counts[cell] < threshold:
                    protected.append(atoms)
            protected.extend(_small_groups(keys, counts, subset, threshold))
    if any(w for _, w, _ in keys):
        protected.extend(_small_groups(keys, counts, tuple(range(len(level))), threshold))
    if len(keys) > ATOM_LIMIT and counts.min(initial=threshold) < threshold:
        decision = Decision(level, cell_counts, frozenset(cell_counts))
        DECISIONS.put(key, digest, decision)
        return decision
    lines = []
    for granularity in GRANULARITIES:
        cells = [c for c in cell_counts if granularity_of_label(c[0]) == granularity]
        lines.extend(breakdown_lines(cells, time_parents, len(level)))
    try:
        hidden = suppress_over_atoms(cell_counts, members, lines, counts, threshold,
                                     known=known, protected=protected,
                                     regions=_quarters(keys), also_hidden=also_hidden)
    except SuppressionUndecided:
        hidden = set(cell_counts)  # hiding every cell of this level gives nothing away
    decision = Decision(level, cell_counts, frozenset(hidden))
    DECISIONS.put(key, digest, decision)
    return decision


def _quarters(keys: list) -> list[int]:
    """Return a number per atom telling its quarter (atoms of one quarter change together)."""
    numbers: dict = {}
    return [numbers.setdefault(piece[2], len(numbers)) for piece, _, _ in keys]


def granularity_of_label(label: str) -> str:
    """Return the granularity of a cell's period label (`all` for all time)."""
    return ALL_TIME if label == ALL_TIME else granularity_of(label)
