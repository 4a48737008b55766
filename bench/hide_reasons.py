"""Why the metrics code's anonymity decisions hid what they hid, and what they cost.

`HideReasons` wraps, while active, the decision steps of `services.metrics.analytics` and
`shared.anonymity` (by patching their module attributes) and records, per decision: the
atoms and those the known cells leave unknown, the solver path taken (within the unknown
atom budget or not, settled or not), the cells hidden by line completion, the MILPs run
for the smallest derivable union, and the time taken.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from unittest import mock

from services.metrics.analytics import decisions, publication
from shared import anonymity
from shared.periods import granularity_of


class HideReasons:
    """Records, while active, why each decision of the metrics code hid what it hid."""

    def __init__(self):
        self.current: dict = {}
        self.made: dict = {}  # (attributes, period) -> (decision, notes)

    def __enter__(self):
        originals = (publication.decide_period, decisions._hidden_cells,
                     decisions.suppress_over_atoms, anonymity._complete_lines, anonymity.milp)

        def decide(timeline, units, period, *args, **kwargs):
            self.current = {"lines": set(), "path": "solver", "also": set(), "milp": []}
            began = time.perf_counter()
            made = originals[0](timeline, units, period, *args, **kwargs)
            self.current["seconds"] = time.perf_counter() - began
            self.made[(units.attributes, period)] = (made, self.current)
            return made

        def milp(sizes, *args, **kwargs):
            began = time.perf_counter()
            answer = originals[4](sizes, *args, **kwargs)
            self.current["milp"].append((len(sizes), time.perf_counter() - began,
                                         answer.status))
            return answer

        def hidden_cells(width, atom_counts, cells, counts, known_rows, targets, threshold,
                         attributes, also_hidden, *args):
            unknown = int((~decisions._peel(width, known_rows)).sum())
            self.current.update(atoms=width, unknown=unknown, also=set(also_hidden))
            if unknown > decisions.MAX_UNKNOWN_ATOMS:
                self.current["path"] = "budget"
            return originals[1](width, atom_counts, cells, counts, known_rows, targets,
                                threshold, attributes, also_hidden, *args)

        def suppress(*args, **kwargs):
            try:
                return originals[2](*args, **kwargs)
            except anonymity.SuppressionUndecided as exc:
                self.current["path"] = f"undecided ({exc})"
                raise

        def complete_lines(counts, lines, hidden, *args, **kwargs):
            before = set(hidden)
            changed = originals[3](counts, lines, hidden, *args, **kwargs)
            self.current["lines"] |= set(hidden) - before
            return changed

        self._patches = [mock.patch.object(publication, "decide_period", decide),
                         mock.patch.object(decisions, "_hidden_cells", hidden_cells),
                         mock.patch.object(decisions, "suppress_over_atoms", suppress),
                         mock.patch.object(anonymity, "_complete_lines", complete_lines),
                         mock.patch.object(anonymity, "milp", milp)]
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in reversed(self._patches):
            patch.stop()

    def reasons(self, attributes: tuple, granularity: str, threshold: int) -> dict:
        """Return, per rule, the complement cells (n >= threshold, n >= 2x) it hid."""
        out: dict = defaultdict(lambda: [0, 0])
        for (level, period), (made, notes) in self.made.items():
            if level != attributes or granularity_of(period) != granularity:
                continue
            for values, (count, hidden) in made.cells.items():
                if not hidden or count < threshold:
                    continue
                if values in notes["also"]:
                    rule = "hidden by the respondents' decision"
                elif notes["path"] == "budget":
                    rule = (f"over MAX_UNKNOWN_ATOMS={decisions.MAX_UNKNOWN_ATOMS} "
                            "(only cells already sums of shown ones shown)")
                elif notes["path"] != "solver":
                    rule = f"suppression {notes['path']}: hidden whole"
                elif values in notes["lines"]:
                    rule = "line completion (>= 2 hidden and >= threshold in a line)"
                else:
                    rule = "protection LP (a small group otherwise derivable)"
                out[rule][0] += 1
                out[rule][1] += count >= 2 * threshold
        return dict(out)

    def work(self, attributes: tuple, granularity: str) -> str:
        """Return what the decisions of one granularity cost: atoms, solver paths, MILPs."""
        notes = {period: n for (level, period), (_, n) in self.made.items()
                 if level == attributes and granularity_of(period) == granularity}
        if not notes:
            return "none made"
        solved = [n for n in notes.values() if "atoms" in n]
        milps = [m for n in notes.values() for m in n["milp"]]
        slowest = max(notes, key=lambda p: notes[p]["seconds"])
        worst = notes[slowest]
        text = (f"{len(notes)} decisions in {sum(n['seconds'] for n in notes.values()):.1f} s; "
                f"MILPs (smallest derivable union) {len(milps)} in "
                f"{sum(m[1] for m in milps):.1f} s, up to {max((m[0] for m in milps), default=0)}"
                f" variables, statuses {dict(Counter(m[2] for m in milps))}")
        if solved:
            unknown = sorted(n["unknown"] for n in solved)
            text += (f"; atoms up to {max(n['atoms'] for n in solved)}, unknown after peeling "
                     f"median {unknown[len(unknown) // 2]} max {unknown[-1]}; paths "
                     f"{dict(Counter(n['path'].split(' (')[0] for n in solved))}")
        return text + (f"; slowest {slowest} {worst['seconds']:.1f} s ({worst.get('atoms')} atoms, "
                       f"{worst.get('unknown')} unknown, {len(worst['milp'])} MILPs)")
