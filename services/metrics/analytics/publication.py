"""Which decisions a query needs, and making the missing ones in order.

A query names closed periods of one attribute set; it needs the decisions of those periods
and, because a decision treats what is already published as known, of every period inside
them and of every coarser attribute set of all of these. The stored ones are read in one
query; only when one is missing, or the counts of a period asked no longer match its
decision (an import into a closed period), are the survey's units read (one summaries call
over the periods concerned) and the missing or changed decisions made, children and
coarser attribute sets first.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.exc import IntegrityError

from services.metrics.analytics.decisions import (
    Decision,
    DecisionStore,
    Units,
    decide_period,
    decision_order,
    subsets,
)
from services.metrics.analytics.history import Groups, History
from services.metrics.analytics.keeping import decide_keeping
from services.metrics.analytics.timeline import Timeline
from services.metrics.monitoring.repository import acquire_lease, release_lease
from shared.periods import granularity_of, period_label, period_sort_key
from shared.summaries import SummaryLayout, question_values

RESPONDENTS_THRESHOLD = "anonymity_threshold"
# How long a query may spend reading and deciding newly asked periods before it answers
# with the rest pending (decided meanwhile in the background): a first call answers in
# about this long, well inside the gateway's read timeout.
DECISION_BUDGET_SECONDS = 2.5
COMMENT_THRESHOLD = "comment_threshold"
# Participation's decisions of open waves (`reports.live`): a closing wave's
# respondents decision starts from what they showed.
LIVE_SCOPE = "participation"


@dataclass(frozen=True)
class Scope:
    """What a decision's threshold counts: respondents, or the answers to one question."""

    count: str | None = None
    threshold_key: str = RESPONDENTS_THRESHOLD

    @property
    def name(self) -> str:
        """Return the scope's stored name."""
        if self.threshold_key == COMMENT_THRESHOLD:
            return "comments"
        return "respondents" if self.count is None else f"answers:{self.count}"

    @property
    def refines(self) -> Scope | None:
        """Return the decision on respondents this one never shows more than (None: itself)."""
        if (self.count, self.threshold_key) == (None, RESPONDENTS_THRESHOLD):
            return None
        return Scope()

    def part(self, survey: dict) -> str:
        """Return the summary part to read the counts from (the smallest, for respondents)."""
        if self.count is not None:
            return f"hist:{self.count}"
        sizes = {q["key"]: len(question_values(q)) for q in survey["questions"]
                 if question_values(q)}
        return f"hist:{min(sizes, key=sizes.get)}"


@dataclass
class Analytics:
    """What the analytics answers read: the survey source, the kept decisions and the clock."""

    source: object
    store: DecisionStore
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    history: History = field(default_factory=History)

    def timeline(self, survey: dict) -> Timeline:
        """Return the survey's time tree as of now."""
        return Timeline(survey, self.clock())

    def definition(self, survey_id: int) -> dict:
        """Return a survey's definition (from the source)."""
        return self.source.definition(survey_id)

    def groups(self, survey_id: int, **query) -> tuple[dict, Groups]:
        """Return (survey, groups) of the source's summaries, settled periods kept (`history`)."""
        return self.history.read(self.source, survey_id, self.clock(), **query)

    def surveys(self) -> list[dict]:
        """Return every survey the source holds."""
        return self.source.surveys()


def counted(scope: Scope, layout: SummaryLayout, n: int, vector) -> int:
    """Return what the threshold counts in a group: respondents or answers to a question."""
    if scope.count is None:
        return int(n)
    offset, options = layout.hist_slots[scope.count]
    return int(sum(vector[offset:offset + len(options)]))


def counted_all(scope: Scope, layout: SummaryLayout, groups: Groups) -> np.ndarray:
    """Return `counted` of every group at once."""
    if scope.count is None:
        return groups.n
    offset, options = layout.hist_slots[scope.count]
    return groups.columns(offset, len(options)).sum(axis=1)


def read_units(ctx: Analytics, survey: dict, scope: Scope, attributes: tuple, timeline,
               labels: list[str]) -> Units:
    """Return the units of the periods `labels` span over `attributes`, with their counts."""
    starts, ends = zip(*(timeline.range_of(label) for label in labels))
    first, last = min(starts).isoformat(), max(ends).isoformat()
    part = scope.part(survey)
    # The whole history is asked, whatever the periods: it is kept between queries
    # (`History`), so the decisions of another period or granularity read no more of it.
    survey, groups = ctx.groups(survey["id"], group_by="bucket", attributes=attributes,
                                parts=(part,))
    layout = SummaryLayout(survey)
    counts: dict = {}
    for day, wave, values, n, count in zip(groups.periods, groups.waves, groups.values,
                                           groups.n.tolist(),
                                           counted_all(scope, layout, groups).tolist()):
        if not first <= day <= last:
            continue  # a bucket's day is the day it counts on: outside the periods asked
        key = (timeline.unit_of(day, wave), values)
        was_n, was_count = counts.get(key, (0, 0))
        counts[key] = (was_n + n, was_count + count)
    return Units(attributes, counts)


def ensure_decisions(ctx: Analytics, survey: dict, scope: Scope, attributes: tuple,
                     labels: list[str], current: dict | None = None,
                     budget: float | None = None, save_every: float | None = None,
                     on_save: Callable[[], None] | None = None) -> dict:
    """Return the decisions of closed periods `labels` and all they rest on.

    `current` (period -> {values: count}) holds the counts a query just read for its
    periods: a stored decision that disagrees was made before an import, and is made again.
    Returns (attributes, period) -> `Decision` for every subset of `attributes`. With a
    `budget` (seconds), the decisions to make are made by a background thread (one per
    attribute set and process) which the queries that start it together wait for at most
    that long (a query arriving while it has been at work longer, not at all): those not
    stored by then are missing from the answer (their cells answer as pending), and no
    single long decision holds a query past its budget. `save_every` (seconds): store
    the decisions made so far whenever that long has passed, so that a waiting query sees
    them (each decision rests only on ones stored before it); `on_save` is called after
    each such store.
    """
    started = time.monotonic()
    timeline = ctx.timeline(survey)
    labels = [label for label in labels if timeline.is_closed(label)]
    levels = subsets(attributes)
    under = {label: [label, *timeline.descendants(label)] for label in labels}
    needed = {(level, q) for label in labels for q in under[label] for level in levels}
    stored = ctx.store.load(survey["id"], scope.name, levels)
    current = current or {}
    undecided = {period for level, period in needed if (level, period) not in stored}
    todo = [label for label in labels
            if not undecided.isdisjoint(under[label])
            or (label in current and (attributes, label) in stored
                and stored[(attributes, label)].counts() != current[label])]
    if not todo:
        return {key: stored[key] for key in needed}
    if budget is not None:
        done, begun_at = finish_later(ctx, survey, scope, attributes, todo, current)
        # Queries arriving together wait for their thread alike; one arriving while a long
        # thread is at work (begun more than a budget ago) answers what it has stored.
        left = min(started, begun_at) + budget - time.monotonic()
        if left > 0:
            done.wait(left)
        stored = ctx.store.load(survey["id"], scope.name, levels)
        return {key: stored[key] for key in needed if key in stored}
    respondents = {}
    if scope.refines is not None:
        respondents = ensure_decisions(ctx, survey, scope.refines, attributes, todo)
    units = read_units(ctx, survey, scope, attributes, timeline, todo)
    projected = {level: units.project(level) for level in levels}
    threshold = int(survey[scope.threshold_key])
    live = ctx.store.load(survey["id"], LIVE_SCOPE, levels) if scope.refines is None else {}
    work = {(level, q) for label in todo for q in under[label] for level in levels}
    parents = _Parents(timeline, stored)
    made, replacing = [], set()
    saved_at = time.monotonic()
    for key in sorted(work, key=decision_order):
        if made and save_every is not None and time.monotonic() - saved_at >= save_every:
            stored.update(ctx.store.save(survey["id"], scope.name, made, replacing))
            made, replacing, saved_at = [], set(), time.monotonic()
            if on_save is not None:
                on_save()
        level, period = key
        previous = stored.get(key)
        decision_units = projected[level]
        if previous is not None and previous.counts() == _period_counts(
                timeline, decision_units, period):
            continue
        known = {(sub, q): stored[(sub, q)] for sub in subsets(level)
                 for q in [period, *timeline.descendants(period)] if (sub, q) != key}
        also = frozenset()
        if key in respondents:
            also = frozenset(v for v, (_, hidden) in respondents[key].cells.items() if hidden)
        preferred = (_hidden_before(stored, level, period)
                     | parents.hidden_inside(stored, level, period))
        partners = parents.unpartnered(stored, level, period, threshold)
        if previous is None and key in live:
            # Shown live while the wave was open: kept shown, unless that now gives a
            # small group away (`keeping`).
            stored[key] = decide_keeping(timeline, decision_units, period, threshold, known,
                                         live[key], also, preferred)
        else:
            stored[key] = decide_period(timeline, decision_units, period, threshold, known,
                                        previous=previous, also_hidden=also,
                                        preferred=preferred, partners=partners)
        made.append(stored[key])
        parents.add(key)
        if previous is not None:
            replacing.add(key)
    if made:
        stored.update(ctx.store.save(survey["id"], scope.name, made, replacing))
    return {key: stored[key] for key in needed if key in stored}


def _hidden_before(stored: dict, level: tuple, period: str) -> frozenset:
    """Return the cells hidden in the latest decided period before `period` (same kind)."""
    granularity = granularity_of(period)
    earlier = [p for (lvl, p) in stored if lvl == level and granularity_of(p) == granularity
               and period_sort_key(p) < period_sort_key(period)]
    if not earlier:
        return frozenset()
    return hidden_cells(stored[(level, max(earlier, key=period_sort_key))])


class _Parents:
    """The decided periods inside each month (and each week, for days), by attribute set
    and granularity."""

    PARTNERED = ("wave", "day", "week")

    def __init__(self, timeline, stored: dict):
        self.timeline = timeline
        self.inside: dict = defaultdict(set)
        for key in stored:
            self.add(key)

    def _keys(self, level: tuple, period: str) -> list[tuple]:
        granularity = granularity_of(period)
        first = self.timeline.range_of(period)[0]
        parents = ("month", "week") if granularity == "day" else ("month",)
        return [(level, granularity, parent, period_label(first, parent)) for parent in parents]

    def add(self, key: tuple) -> None:
        """Count a decided (attributes, period) in its month (and week)."""
        level, period = key
        if granularity_of(period) in self.PARTNERED:
            for parent in self._keys(level, period):
                self.inside[parent].add(period)

    def unpartnered(self, stored: dict, level: tuple, period: str, threshold: int) -> dict:
        """Return the cells whose unknown part in the rest of `period`'s month, or of a
        day's week, is a small group, each with whether `period` is that parent's last.

        The unknown part is what the hidden cells of the parent's other periods hold that
        their shown children do not (`_unknown_part`). A month (or week) that showed such a
        cell would give that small group away (the month less the shown periods of it), so
        it would stay hidden, and the periods
        above it with it. Hiding the cell in one more period of the month (`decide_period`'s
        `partners`) keeps its hidden part at the threshold or more, so it can be shown.
        The week of a day is asked apart from its month: the month's hidden part may
        already reach the threshold through earlier weeks while the week's does not. Only
        the periods inside months (waves, days, weeks) have partners. In the parent's last
        period no later one can partner the cell: hiding it there, whatever its size, costs
        one cell of the finer breakdown where showing the parent would cost the parent's
        cell and those above it (`decide_period`).
        """
        if granularity_of(period) not in self.PARTNERED:
            return {}
        out: dict = {}
        for parent in self._keys(level, period):
            hidden: dict = defaultdict(int)
            for other in self.inside.get(parent, ()):
                if other != period:
                    for values, count in self._unknown_part(stored, level, other).items():
                        hidden[values] += count
            last = self._is_last(period, parent[3])
            for values, count in hidden.items():
                if 0 < count < threshold:
                    out[values] = out.get(values, False) or last
        return out

    def hidden_inside(self, stored: dict, level: tuple, period: str) -> frozenset:
        """Return the cells hidden in the other decided periods of `period`'s parents: the
        complements to take first, so that a partner's complement is the same cell's
        (a rectangle of hidden cells across the parent, which gives none of them away)."""
        if granularity_of(period) not in self.PARTNERED:
            return frozenset()
        return frozenset(values for parent in self._keys(level, period)
                         for other in self.inside.get(parent, ()) if other != period
                         for values in hidden_cells(stored[(level, other)]))

    def _unknown_part(self, stored: dict, level: tuple, period: str) -> dict:
        """Return, per hidden cell of a decided period, what a reader cannot count of it:
        its count less its shown children's (a hidden week whose days are all shown is
        known from them; one hiding a small day hides that day's count, however large)."""
        children = [stored[(level, c)] for c in self.timeline.children(period)
                    if (level, c) in stored]
        out = {}
        for values, (count, is_hidden) in stored[(level, period)].cells.items():
            if is_hidden:
                out[values] = count - sum(c.cells[values][0] for c in children
                                          if values in c.cells and not c.hidden(values))
        return out

    def _is_last(self, period: str, parent: str) -> bool:
        """Return whether no period of `period`'s granularity follows it in `parent`."""
        if granularity_of(period) != "wave":
            return self.timeline.range_of(period)[1] == self.timeline.range_of(parent)[1]
        day = self.timeline.range_of(period)[0]
        last = self.timeline.range_of(parent)[1]
        return not any(day < w["day"] <= last for w in self.timeline.waves.values())


# A process's claim on deciding an attribute set (a `job_leases` row) lapses this long
# after its last renewal, so a process that died leaves the work to the others.
CLAIM_SECONDS = 60.0
CLAIM_POLL_SECONDS = 1.0
_PROCESS = uuid.uuid4().hex


class _Claim:
    """One process's claim on deciding an attribute set of a survey, across the processes
    of every metrics replica: the others wait for it rather than make the same decisions
    beside it (each would store the same ones; the claim only spares the work). A store
    without a database (`engine`) claims nothing."""

    def __init__(self, store, key: tuple):
        self.engine = getattr(store, "engine", None)
        survey_id, scope, attributes = key
        digest = hashlib.sha256(repr((scope.name, attributes)).encode()).hexdigest()[:24]
        self.name = f"decide:{survey_id}:{digest}"
        self.renewed = -CLAIM_SECONDS

    @staticmethod
    def holder() -> str:
        """Return this process's name as a holder (the pid: workers forked alike differ)."""
        return f"{_PROCESS}:{os.getpid()}"

    def _take(self) -> bool:
        try:
            held = acquire_lease(self.engine, self.name, self.holder(),
                                 datetime.now(UTC).replace(tzinfo=None), CLAIM_SECONDS)
        except IntegrityError:  # another process created the row at the same moment
            held = False
        if held:
            self.renewed = time.monotonic()
        return held

    def wait(self) -> None:
        """Return once this process holds the claim (at once if it claims nothing)."""
        while self.engine is not None and not self._take():
            time.sleep(CLAIM_POLL_SECONDS)

    def renew(self) -> None:
        """Keep the claim from lapsing while the work goes on."""
        if self.engine is not None and time.monotonic() - self.renewed >= CLAIM_SECONDS / 6:
            self._take()

    def release(self) -> None:
        """Give the claim back, so a waiting process takes it at once."""
        if self.engine is not None:
            release_lease(self.engine, self.name, self.holder())


# (survey, scope, attributes) -> (event set once its background thread is done, its start).
_IN_FLIGHT: dict = {}
# (survey, scope, attributes) -> (labels, current counts) that queries asked while its
# thread was at work: the thread decides them too before it ends.
_QUEUED: dict = {}
_IN_FLIGHT_LOCK = threading.Lock()
# How often a background thread stores what it has decided, for the queries waiting on it.
SAVE_EVERY_SECONDS = 0.5
log = logging.getLogger("trustpulse.metrics.decisions")


def finish_later(ctx: Analytics, survey: dict, scope: Scope, attributes: tuple,
                 labels: list[str], current: dict | None = None) -> tuple[threading.Event, float]:
    """Make a query's decisions in a background thread, one per attribute set and process;
    return the event set when that thread is done and when it began (`time.monotonic`; if
    one is running, its own: nothing is decided beside it, and it takes this query's
    periods over once it has made those it began with)."""
    key = (survey["id"], scope, attributes)
    with _IN_FLIGHT_LOCK:
        if key in _IN_FLIGHT:
            queued, counts = _QUEUED.setdefault(key, ([], {}))
            queued.extend(label for label in labels if label not in queued)
            counts.update(current or {})
            return _IN_FLIGHT[key]
        done, begun = threading.Event(), time.monotonic()
        _IN_FLIGHT[key] = (done, begun)
        asked, counts = _QUEUED.pop(key, ([], {}))
        labels = [*labels, *(label for label in asked if label not in labels)]
        current = {**counts, **(current or {})}

    def work() -> None:
        todo, counts = labels, current
        claim = _Claim(ctx.store, key)
        try:
            while todo:
                claim.wait()  # another process deciding them stores them meanwhile
                ensure_decisions(ctx, survey, scope, attributes, todo, counts,
                                 save_every=SAVE_EVERY_SECONDS, on_save=claim.renew)
                claim.release()  # before a thread of this process may start and take it
                with _IN_FLIGHT_LOCK:  # ends the thread only with nothing left queued
                    todo, counts = _QUEUED.pop(key, ([], {}))
                    if not todo:
                        _IN_FLIGHT.pop(key, None)
        except Exception:  # the next query or the scheduler tries again
            log.exception("decisions of survey %s %s left undone", survey["id"], attributes)
        finally:
            try:
                claim.release()
            except Exception:  # it lapses by itself
                log.exception("claim on survey %s %s not released", survey["id"], attributes)
            with _IN_FLIGHT_LOCK:
                if _IN_FLIGHT.get(key, (None,))[0] is done:
                    _IN_FLIGHT.pop(key)
            done.set()

    threading.Thread(target=work, name="decide", daemon=True).start()
    return done, begun


def _period_counts(timeline, units: Units, period: str) -> dict:
    """Return each cell's count in one period, summed from the units."""
    granularity = granularity_of(period)
    out: dict = {}
    for (unit, values), (_, count) in units.counts.items():
        if timeline.unit_period(unit, granularity) == period:
            out[values] = out.get(values, 0) + count
    return out


def hidden_cells(decision: Decision) -> frozenset:
    """Return the values of a decision's hidden cells."""
    return frozenset(v for v, (_, hidden) in decision.cells.items() if hidden)


def decide_closed_periods(ctx: Analytics, survey_id: int) -> int:
    """Decide every closed period of the attribute sets asked so far; return how many sets.

    Run by the scheduler, so that a period's decision is made soon after it closes rather
    than by the first query that reaches it (both make the same one).
    """
    from services.metrics.analytics.cells import closed_tops

    survey = ctx.definition(survey_id)
    timeline = ctx.timeline(survey)
    quarters = sorted({_quarter(w["day"]) for w in timeline.waves.values()})
    asked = ctx.store.attribute_sets(survey_id)
    if not asked:
        return 0
    answer = ctx.source.summaries(survey_id, group_by="quarter", parts=(Scope().part(survey),))
    quarters = sorted({g["period"] for g in answer.groups} | set(quarters))
    tops = closed_tops(timeline, quarters)
    # Participation's attribute sets have respondents decisions once their waves close.
    by_name = {Scope().name: Scope(), LIVE_SCOPE: Scope(),
               "comments": Scope(None, COMMENT_THRESHOLD)}
    for scope_name, attributes in asked:
        scope = by_name.get(scope_name) or Scope(scope_name.partition(":")[2])
        ensure_decisions(ctx, survey, scope, attributes, tops)
    return len(asked)


def _quarter(day) -> str:
    return period_label(day, "quarter")
