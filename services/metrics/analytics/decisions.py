"""Kept anonymity decisions: what each closed period of an attribute set shows or hides.

A decision covers one (survey, scope, attribute set, closed period). It is made once, from
the units of that period (`timeline`), with everything already decided treated as known:
the period's children (a month's weeks, a week's waves or days) and the coarser attribute
sets of the same period and children. It is stored and read back by every later query, so
history never changes when responses arrive in open periods; only a count that changed
under it (an import into a closed period) makes it be decided again, keeping every cell it
showed.

Scopes: respondents at the anonymity threshold; the answers to one optional question
(they never show what the respondents' decision hides); respondents at the comment
threshold (likewise).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations

import numpy as np
import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.metrics.tables import anonymity_decisions
from shared.anonymity import SuppressionUndecided, suppress_over_atoms
from shared.memory import keep_long_lived
from shared.periods import granularity_of

# Above this many unknown units (after those the known cells pin are set aside), a
# decision shows only the cells that are already sums of shown ones: safe, and such
# sparse tables have few cells that could be shown anyway.
MAX_UNKNOWN_ATOMS = 2500
ORDER = {"wave": 0, "day": 0, "week": 1, "month": 2, "quarter": 3}
# Decisions kept in memory per process, in cells (a cell is some hundred bytes there).
MAX_KEPT_CELLS = 2_000_000


@dataclass(frozen=True)
class Decision:
    """The cells of one attribute set in one closed period: values -> (count, hidden)."""

    attributes: tuple
    period: str
    threshold: int
    cells: dict

    def hidden(self, values: tuple) -> bool:
        """Return whether a cell is hidden (a cell nobody is in counts as hidden)."""
        cell = self.cells.get(tuple(values))
        return cell is None or cell[1]

    def shown(self) -> list[tuple]:
        """Return the values of the shown cells."""
        return [v for v, (_, hidden) in self.cells.items() if not hidden]

    def counts(self) -> dict:
        """Return each cell's count."""
        return {v: c for v, (c, _) in self.cells.items()}


@dataclass
class Units:
    """Counts of a survey's units over some attributes: (unit, values) -> (n, count)."""

    attributes: tuple
    counts: dict

    def project(self, attributes: tuple) -> Units:
        """Return the counts summed over the attributes not in `attributes`."""
        positions = [self.attributes.index(a) for a in attributes]
        out: dict = defaultdict(lambda: [0, 0])
        for (unit, values), (n, count) in self.counts.items():
            cell = out[(unit, tuple(values[p] for p in positions))]
            cell[0] += n
            cell[1] += count
        return Units(attributes, {k: tuple(v) for k, v in out.items()})


def subsets(attributes: tuple) -> list[tuple]:
    """Return every subset of an attribute set, smallest first, in the set's order."""
    out = []
    for size in range(len(attributes) + 1):
        out.extend(combinations(attributes, size))
    return out


class _System:
    """The local equations of one decision: units of one period as atoms."""

    def __init__(self, timeline, units: Units, period: str):
        self.timeline = timeline
        granularity = granularity_of(period)
        keys = [k for k in units.counts if timeline.unit_period(k[0], granularity) == period]
        keys.sort(key=repr)
        self.keys = keys
        self.counts = np.array([units.counts[k][1] for k in keys], dtype=np.int64)
        self.attributes = units.attributes
        self._periods: dict = {}
        self._projections: dict = {}

    def _labels(self, granularity: str) -> np.ndarray:
        if granularity not in self._periods:
            self._periods[granularity] = np.array(
                [self.timeline.unit_period(unit, granularity) for unit, _ in self.keys],
                dtype=object)
        return self._periods[granularity]

    def _projection(self, attributes: tuple) -> tuple[np.ndarray, list]:
        """Return each atom's code of its values on `attributes`, and the values by code."""
        if attributes not in self._projections:
            positions = [self.attributes.index(a) for a in attributes]
            number: dict = {}
            codes = np.array([number.setdefault(tuple(values[p] for p in positions), len(number))
                              for _, values in self.keys], dtype=np.int64)
            self._projections[attributes] = (codes, list(number))
        return self._projections[attributes]

    def groups(self, attributes: tuple, period: str) -> dict:
        """Return the atoms of each cell of (attributes, period): values -> [atom, ...]."""
        inside = np.flatnonzero(self._labels(granularity_of(period)) == period)
        codes, values = self._projection(attributes)
        if not inside.size:
            return {}
        order = inside[np.argsort(codes[inside], kind="stable")]
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        return {values[sorted_codes[start]]: part.tolist()
                for start, part in zip(starts, np.split(order, starts[1:]))}

    def unit_groups(self, attributes: tuple) -> list[list[int]]:
        """Return the atoms of each (unit, values of `attributes`) group."""
        positions = [self.attributes.index(a) for a in attributes]
        out: dict = defaultdict(list)
        for i, (unit, values) in enumerate(self.keys):
            out[(unit, tuple(values[p] for p in positions))].append(i)
        return list(out.values())


def _peel(width: int, rows: list[list[int]]) -> np.ndarray:
    """Return which atoms the known rows pin: a row with one atom left unknown fixes it."""
    fixed = np.zeros(width, dtype=bool)
    remaining = [len(r) for r in rows]
    by_atom: dict = defaultdict(list)
    for r, members in enumerate(rows):
        for atom in members:
            by_atom[atom].append(r)
    queue = [r for r, left in enumerate(remaining) if left == 1]
    while queue:
        r = queue.pop()
        if remaining[r] != 1:
            continue
        atom = next((a for a in rows[r] if not fixed[a]), None)
        if atom is None:
            continue
        fixed[atom] = True
        for other in by_atom[atom]:
            remaining[other] -= 1
            if remaining[other] == 1:
                queue.append(other)
    return fixed


def decide_period(timeline, units: Units, period: str, threshold: int, known: dict,
                  previous: Decision | None = None, also_hidden=frozenset(),
                  preferred=frozenset(), partners=None) -> Decision:
    """Return the decision of `units.attributes` in one closed period.

    `known` maps (attributes, period) to the decisions already made for the coarser
    attribute sets of this period and for every attribute set (this one included) of the
    periods inside it. Their shown cells are equations a reader has; their small hidden
    cells, every small unit group and every small union of a cell's hidden children must
    stay underivable (`shared.anonymity.suppress_over_atoms`). `previous`: the decision
    this one replaces (its shown cells stay shown); `also_hidden`: cells hidden whatever
    their counts; `preferred`: cells to take first as complements (the previous period's
    hidden ones); `partners`: cells whose hidden part of the month (or of a day's week) is
    small so far, each mapped to whether this period is that parent's last: each is kept
    underivable here too when it holds fewer than twice the threshold (a cell of that size
    costs little; a larger one stays shown, and a later period may partner it), or, in the
    parent's last period, whatever its size (else the parent stays hidden), provided every
    such group has a cell here.
    """
    attributes = units.attributes
    system = _System(timeline, units, period)
    width = len(system.keys)
    own = system.groups(attributes, period)
    counts = {v: int(system.counts[m].sum()) for v, m in own.items()}
    known_rows, targets = [], []
    for (level, label), decision in known.items():
        for values, atoms in system.groups(level, label).items():
            if not decision.hidden(values):
                known_rows.append(atoms)
            elif decision.cells.get(values, (0, True))[0] < threshold:
                targets.append(atoms)
    forced = set(previous.shown()) if previous else set()
    known_rows.extend(own[v] for v in forced if v in own)
    for level in subsets(attributes):
        targets.extend(g for g in system.unit_groups(level)
                       if 0 < int(system.counts[g].sum()) < threshold)
    for values in own:
        # A shown cell gives away the sum of its hidden children: that union is a group.
        hidden_children = [a for child in timeline.children(period)
                           if known.get((attributes, child)) is not None
                           and known[(attributes, child)].hidden(values)
                           for a in system.groups(attributes, child).get(values, [])]
        if 0 < int(system.counts[hidden_children].sum()) < threshold:
            targets.append(hidden_children)
    partners = partners or {}
    # A group with no cell here cannot be partnered: its month stays hidden and takes a
    # complement in its lines anyway, which a large partner would most often pay twice.
    any_size = all(v in own for v, last in partners.items() if last)
    targets.extend(own[v] for v, last in partners.items()
                   if v in own and v not in forced and counts[v] >= threshold
                   and ((last and any_size) or counts[v] < 2 * threshold))
    open_cells = {v: own[v] for v in own if v not in forced}
    hidden = _hidden_cells(width, system.counts, open_cells, counts, known_rows, targets,
                           threshold, attributes, set(also_hidden), frozenset(preferred))
    cells = {v: (counts[v], v in hidden) for v in own}
    return Decision(attributes, period, threshold, cells)


def _hidden_cells(width, atom_counts, cells, counts, known_rows, targets, threshold,
                  attributes, also_hidden, preferred) -> set:
    """Return which of `cells` to hide, over the atoms the known rows leave unknown."""
    fixed = _peel(width, known_rows)
    unknown = np.flatnonzero(~fixed)
    column = -np.ones(width, dtype=np.int64)
    column[unknown] = np.arange(unknown.size)

    def reduce(members):
        return sorted({int(column[a]) for a in members if column[a] >= 0})

    members = {v: reduce(m) for v, m in cells.items()}
    primary = {v for v in cells if counts[v] < threshold} | (also_hidden & set(cells))
    # A cell whose atoms are all pinned is already known: showing it adds nothing.
    undecided = {v for v, m in members.items() if m}
    if unknown.size > MAX_UNKNOWN_ATOMS:
        return primary | undecided
    rows = {tuple(r) for r in map(reduce, known_rows) if r}
    protect = {tuple(t) for t in map(reduce, targets) if t}
    lines = _segment_lines(list(cells), len(attributes))
    try:
        return suppress_over_atoms(
            {v: counts[v] for v in cells}, members, lines, atom_counts[unknown], threshold,
            known=[list(r) for r in rows], protected=[list(t) for t in protect],
            also_hidden=primary, preferred=preferred)
    except SuppressionUndecided:
        return primary | undecided


def _segment_lines(cells: list[tuple], width: int) -> list[list[tuple]]:
    """Return the lines of one period's cells: those sharing values on a proper subset."""
    lines = []
    for size in range(width):
        for kept in combinations(range(width), size):
            groups: dict = defaultdict(list)
            for values in cells:
                groups[tuple(values[i] for i in kept)].append(values)
            lines.extend(groups.values())
    return lines


class DecisionStore:
    """Decisions kept in the metrics database, and the ones read so far kept in memory.

    A decision is stored once and replaced only when an import re-decides it, with a new
    `decided_at`: a query reads the keys and `decided_at` of the decisions it needs (a few
    bytes each) and the cells only of those it has not read before at that `decided_at`.
    """

    def __init__(self, engine: Engine, max_cells: int = MAX_KEPT_CELLS):
        self.engine = engine
        self.max_cells = max_cells
        self._kept: OrderedDict = OrderedDict()  # (survey, scope, attributes) -> {period: ...}
        self._cells = 0
        self._lock = threading.Lock()

    def load(self, survey_id: int, scope: str, levels: list[tuple]) -> dict:
        """Return the stored decisions of some attribute sets: (attributes, period) -> Decision."""
        names = {",".join(level): level for level in levels}
        table = anonymity_decisions
        where = (table.c.survey_id == survey_id, table.c.scope == scope,
                 table.c.attributes.in_(list(names)))
        with self.engine.connect() as conn:
            stamps = conn.execute(sa.select(table.c.attributes, table.c.period,
                                            table.c.decided_at).where(*where)).all()
            with self._lock:
                kept = {name: dict(self._kept.get((survey_id, scope, name), {}))
                        for name in names}
            out, missing = {}, set()
            for attributes, period, decided_at in stamps:
                known = kept[attributes].get(period)
                if known is not None and known[0] == decided_at:
                    out[(names[attributes], period)] = known[1]
                else:
                    missing.add((attributes, period))
            if missing:
                rows = conn.execute(sa.select(
                    table.c.attributes, table.c.period, table.c.threshold, table.c.cells,
                    table.c.decided_at).where(
                    *where, table.c.attributes.in_(sorted({a for a, _ in missing})),
                    table.c.period.in_(sorted({p for _, p in missing})))).all()
        if not missing:
            with self._lock:
                for name in names:
                    if (survey_id, scope, name) in self._kept:
                        self._kept.move_to_end((survey_id, scope, name))
            return out
        read: dict = {}
        for attributes, period, threshold, cells, decided_at in rows:
            if (attributes, period) not in missing:
                continue
            level = names[attributes]
            decision = Decision(level, period, threshold, {
                tuple(values): (count, bool(hidden))
                for values, count, hidden in orjson.loads(cells)})
            out[(level, period)] = decision
            read.setdefault(attributes, {})[period] = (decided_at, decision)
        self._keep(survey_id, scope, read)
        return out

    def _keep(self, survey_id: int, scope: str, read: dict) -> None:
        """Keep decisions read, least recently read attribute sets dropped past `max_cells`."""
        with self._lock:
            for attributes, periods in read.items():
                key = (survey_id, scope, attributes)
                kept = self._kept.pop(key, {})
                for period, entry in periods.items():
                    old = kept.get(period)
                    self._cells += len(entry[1].cells) - (len(old[1].cells) if old else 0)
                    kept[period] = entry
                self._kept[key] = kept
            while self._cells > self.max_cells and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._cells -= sum(len(d.cells) for _, d in dropped.values())
        keep_long_lived(sum(len(d.cells) for periods in read.values()
                            for _, d in periods.values()))

    def save(self, survey_id: int, scope: str, decisions: list[Decision],
             replacing: set) -> dict:
        """Store decisions in one transaction (those keyed in `replacing` replace a stored one).

        Returns (attributes, period) -> the decision now stored: when another process
        stored the same first decisions meanwhile, its ones win (they are the same
        decisions, made on the same counts, unless an import came in between).
        """
        table = anonymity_decisions
        now = datetime.now(UTC).replace(tzinfo=None)
        inserts, updates = [], []
        for decision in decisions:
            row = {"survey_id": survey_id, "scope": scope,
                   "attributes": ",".join(decision.attributes), "period": decision.period,
                   "threshold": decision.threshold, "cells": _cells_json(decision),
                   "decided_at": now}
            key = (decision.attributes, decision.period)
            (updates if key in replacing else inserts).append(row)
        out = {(d.attributes, d.period): d for d in decisions}
        try:
            with self.engine.begin() as conn:
                for row in updates:
                    conn.execute(sa.update(table).where(
                        table.c.survey_id == survey_id, table.c.scope == scope,
                        table.c.attributes == row["attributes"],
                        table.c.period == row["period"]).values(
                        cells=row["cells"], threshold=row["threshold"], decided_at=now))
                if inserts:
                    conn.execute(sa.insert(table), inserts)
        except sa.exc.IntegrityError:
            stored = self.load(survey_id, scope, list({d.attributes for d in decisions}))
            out = {key: stored.get(key, decision) for key, decision in out.items()}
        return out

    def attribute_sets(self, survey_id: int) -> list[tuple[str, tuple]]:
        """Return the (scope, attributes) pairs decided so far for a survey."""
        table = anonymity_decisions
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.scope, table.c.attributes).where(
                table.c.survey_id == survey_id).distinct()).all()
        return [(scope, tuple(a for a in attributes.split(",") if a)) for scope, attributes in rows]


def _cells_json(decision: Decision) -> str:
    return json.dumps([[list(v), c, h] for v, (c, h) in sorted(
        decision.cells.items(), key=lambda item: repr(item[0]))])


def decision_order(key: tuple) -> tuple:
    """Order (attributes, period) pairs so that children and coarser sets come first."""
    level, period = key
    return (ORDER[granularity_of(period)], len(level), period)
