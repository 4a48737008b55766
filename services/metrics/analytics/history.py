"""Summaries of settled closed periods, kept between queries (per process, and shared).

Every analytics answer reads groups of closed periods, and a closed period's groups change
only through an import: single responses land in open periods (today, or an open wave's
opening day). The survey service counts a survey's imports (`imports` in every summaries
answer, read before its groups), so the groups of the periods that closed a while ago are
read once and kept, and each later query asks the survey service only for the days after
them. A new import or a changed wave (a wave counts its responses on its opening day)
makes them be read again.

*Settled* periods are those already closed `SETTLE` ago: a response accepted just before
its wave closed may still be committing when the period closes, and the periods that
closed since are read afresh on every query until they settle. Day buckets settle with
whole weeks (decisions are made from them as weeks close).

Each process keeps what it read in memory (`History`); the groups of whole-history queries
are also kept in the metrics database (`SharedGroups`), so that the service's other
processes read them from there instead of from the survey service.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.metrics.analytics.groups import group_values, group_vectors
from services.metrics.analytics.timeline import Timeline
from services.metrics.tables import kept_groups
from shared.errors import Unavailable
from shared.memory import keep_long_lived
from shared.periods import period_label, period_range
from shared.summaries import SummaryLayout

SETTLE = timedelta(minutes=10)
log = logging.getLogger("trustpulse.metrics.history")
CALENDAR = ("day", "week", "month", "quarter")
# Kept groups per process, least recently read dropped first: a year of a 250-team
# pulse by week and wave is some hundreds of kB with one index's slots.
MAX_BYTES = 256 * 2**20
_GROUP_BYTES = 200  # a group's labels and segment values, roughly


@dataclass(frozen=True)
class Groups:
    """Summaries groups as arrays: their periods, waves, segment values, sizes and vectors.

    `vectors` holds only the columns `slots` of each summary vector (all of them when no
    parts were asked); `matrix` gives whole vectors with the other slots 0.
    """

    periods: list
    waves: list
    values: list
    n: np.ndarray
    vectors: np.ndarray
    slots: np.ndarray
    width: int

    @classmethod
    def of(cls, groups: list[dict], attributes: tuple, layout: SummaryLayout,
           parts: tuple) -> Groups:
        """Return the groups of a summaries answer."""
        slots = _slots(layout, parts)
        vectors = group_vectors(groups, layout, parts)[:, slots]
        return cls([g["period"] for g in groups], [g.get("wave") for g in groups],
                   group_values(groups, attributes),
                   np.array([g["n"] for g in groups], dtype=np.int64).reshape(-1),
                   vectors, slots, layout.size)

    @classmethod
    def of_columns(cls, columns: dict, layout: SummaryLayout, parts: tuple) -> Groups:
        """Return the groups of a summaries answer of `shape=columns` (vectors of `parts`)."""
        slots = _slots(layout, parts)
        if list(columns["slots"]) != slots.tolist():
            # Only a survey service of another version answers so: a 503, never a 500.
            raise Unavailable("The survey service answered other summary slots than asked.",
                              {"service": "survey"})
        count = len(columns["n"])
        waves = columns["waves"] if columns["waves"] is not None else [None] * count
        return cls(columns["periods"], waves, [tuple(v) for v in columns["segments"]],
                   np.array(columns["n"], dtype=np.int64).reshape(-1),
                   np.array(columns["vectors"], dtype=np.int64).reshape(count, slots.size),
                   slots, layout.size)

    def __len__(self) -> int:
        return len(self.periods)

    def matrix(self) -> np.ndarray:
        """Return the groups' whole vectors (int64), slots outside the parts 0."""
        out = np.zeros((len(self), self.width), dtype=np.int64)
        out[:, self.slots] = self.vectors
        return out

    def columns(self, first: int, count: int) -> np.ndarray:
        """Return the slots `first`..`first + count - 1` of every group (read with its parts)."""
        wanted = np.arange(first, first + count)
        index = np.searchsorted(self.slots, wanted)
        if index.size and (index[-1] >= self.slots.size or (self.slots[index] != wanted).any()):
            raise ValueError(f"slots {first}..{first + count - 1} were not read")
        return self.vectors[:, index]

    def take(self, mask: np.ndarray) -> Groups:
        """Return the groups where `mask` is true."""
        picked = np.flatnonzero(mask).tolist()
        return Groups([self.periods[i] for i in picked], [self.waves[i] for i in picked],
                      [self.values[i] for i in picked], self.n[mask], self.vectors[mask],
                      self.slots, self.width)

    def __add__(self, other: Groups) -> Groups:
        return Groups(self.periods + other.periods, self.waves + other.waves,
                      self.values + other.values, np.concatenate([self.n, other.n]),
                      np.concatenate([self.vectors, other.vectors]), self.slots, self.width)

    @property
    def nbytes(self) -> int:
        """Return roughly what the groups take in memory."""
        return int(self.n.nbytes + self.vectors.nbytes + _GROUP_BYTES * len(self))


def _slots(layout: SummaryLayout, parts: tuple) -> np.ndarray:
    if not parts:
        return np.arange(layout.size)
    slots = set()
    for part in parts:
        first, count = layout.part_slots(part)
        slots.update(range(first, first + count))
    return np.array(sorted(slots), dtype=np.int64)


@dataclass(frozen=True)
class _Kept:
    imports: int
    waves: tuple
    through: date  # the last day the groups cover
    groups: Groups


class SharedGroups:
    """Kept groups in the metrics database, shared by the service's processes (`kept_groups`).

    Only whole-history queries (no `start`/`end`) are shared: they are the few every
    breakdown and decision asks, while spans a reader chooses are many and kept per process
    only. Failing to read or write a row costs a survey read, never an answer.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    def load(self, survey_id: int, query: str) -> _Kept | None:
        """Return the kept groups of a query, or None."""
        table = kept_groups
        try:
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(table.c.imports, table.c.waves, table.c.through,
                                             table.c.groups).where(
                    table.c.survey_id == survey_id, table.c.query == query)).first()
        except sa.exc.SQLAlchemyError:
            log.warning("kept groups of survey %s not read", survey_id, exc_info=True)
            return None
        if row is None:
            return None
        waves = tuple(tuple(w) for w in orjson.loads(row.waves))
        return _Kept(row.imports, waves, row.through, _unpacked(row.groups))

    def save(self, survey_id: int, query: str, kept: _Kept) -> None:
        """Store (or replace) the kept groups of a query."""
        table = kept_groups
        row = {"survey_id": survey_id, "query": query, "imports": kept.imports,
               "waves": orjson.dumps(kept.waves).decode(), "through": kept.through,
               "groups": _packed(kept.groups),
               "kept_at": datetime.now(UTC).replace(tzinfo=None)}
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.delete(table).where(table.c.survey_id == survey_id,
                                                    table.c.query == query))
                conn.execute(sa.insert(table), [row])
        except sa.exc.SQLAlchemyError:  # another process stored the same groups meanwhile
            log.debug("kept groups of survey %s not stored", survey_id, exc_info=True)


def _packed(groups: Groups) -> bytes:
    return zlib.compress(orjson.dumps({
        "periods": groups.periods, "waves": groups.waves, "values": groups.values,
        "n": groups.n, "vectors": groups.vectors, "slots": groups.slots, "width": groups.width},
        option=orjson.OPT_SERIALIZE_NUMPY), 1)


def _unpacked(data: bytes) -> Groups:
    document = orjson.loads(zlib.decompress(data))
    slots = np.array(document["slots"], dtype=np.int64)
    count = len(document["n"])
    return Groups(document["periods"], document["waves"],
                  [tuple(v) for v in document["values"]],
                  np.array(document["n"], dtype=np.int64).reshape(-1),
                  np.array(document["vectors"], dtype=np.int64).reshape(count, slots.size),
                  slots, document["width"])


def _query_text(group_by: str, attributes: tuple, parts: tuple, past_only: bool) -> str:
    return orjson.dumps([group_by, list(attributes), list(parts), past_only]).decode()


class History:
    """The settled groups of the summaries asked so far, per (survey, query).

    With `shared` (`SharedGroups`), a whole-history query's groups are also kept in the
    database, so that each process does not read them from the survey service once more.
    """

    def __init__(self, max_bytes: int = MAX_BYTES, shared: SharedGroups | None = None):
        self.max_bytes = max_bytes
        self.shared = shared
        self._kept: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def read(self, source, survey_id: int, now: datetime, *, group_by: str,
             attributes: tuple = (), parts: tuple = (), start: date | None = None,
             end: date | None = None, past_only: bool = False) -> tuple[dict, Groups]:
        """Return (survey definition, groups) as `source.summaries` would, settled ones kept.

        `group_by` is a period granularity or `bucket`; `start`/`end` bound the counted days;
        `past_only` leaves out the calendar periods not over yet (only closed ones are
        published; a wave, and so its units, can close on its opening day).
        One summaries call: of the days after the kept ones, or of all when nothing is kept
        or an import or a wave changed them.
        """
        key = (survey_id, group_by, attributes, parts, start, end, past_only)
        query = _query_text(group_by, attributes, parts, past_only)
        shared = self.shared if start is None and end is None and len(query) <= 500 else None
        survey = source.definition(survey_id)
        if past_only and group_by in CALENDAR:
            over = whole_periods_through(Timeline(survey, now).today - timedelta(days=1),
                                         group_by)
            end = over if end is None else min(end, over)
        # Buckets are the units decisions are made from, a week's when it closes: they
        # settle with whole weeks, so a response still committing as its week closed is
        # read by the decisions made afresh once it shows.
        through = settled_through(Timeline(survey, now - SETTLE),
                                  "week" if group_by == "bucket" else group_by)
        if end is not None:
            through = min(through, end)
        with self._lock:
            kept = self._kept.get(key)
        loaded = kept is None and shared is not None
        if loaded:
            kept = shared.load(survey_id, query)
        if kept is not None and kept.through <= through:
            after = kept.through + timedelta(days=1)
            answer = _summaries(source, survey_id, group_by, attributes, parts,
                                after if start is None else max(start, after), end)
            if answer.imports == kept.imports and _waves(answer.survey) == kept.waves:
                settled, rest = self._split(answer, attributes, parts, through)
                later = kept.through != through
                kept = _Kept(kept.imports, kept.waves, through, kept.groups + settled)
                self._keep(key, kept, None if loaded else len(settled))
                if shared is not None and later:
                    shared.save(survey_id, query, kept)
                return answer.survey, kept.groups + rest
        answer = _summaries(source, survey_id, group_by, attributes, parts, start, end)
        settled, rest = self._split(answer, attributes, parts, through)
        if answer.imports is not None:  # a survey service that counts its imports
            kept = _Kept(answer.imports, _waves(answer.survey), through, settled)
            self._keep(key, kept)
            if shared is not None:
                shared.save(survey_id, query, kept)
        return answer.survey, settled + rest

    @staticmethod
    def _split(answer, attributes: tuple, parts: tuple, through: date) -> tuple[Groups, Groups]:
        """Return the answer's groups of periods ending by `through`, and the others."""
        layout = SummaryLayout(answer.survey)
        groups = Groups.of(answer.groups, attributes, layout, parts) if answer.columns is None \
            else Groups.of_columns(answer.columns, layout, parts)
        openings = {f"wave-{w['id']}": w["opens_at"][:10] for w in answer.survey.get("waves", [])}
        last = through.isoformat()
        ends = {period: _last_day(period, openings) for period in set(groups.periods)}
        settled = np.array([ends[period] <= last for period in groups.periods], dtype=bool)
        return groups.take(settled), groups.take(~settled)

    def _keep(self, key: tuple, kept: _Kept, grown: int | None = None) -> None:
        """Keep a query's groups (`grown`: how many of them this process did not keep;
        None: all)."""
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self._bytes -= old.groups.nbytes
            self._kept[key] = kept
            self._bytes += kept.groups.nbytes
            while self._bytes > self.max_bytes and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._bytes -= dropped.groups.nbytes
        keep_long_lived(len(kept.groups) if grown is None else grown)


def _last_day(period: str | None, openings: dict) -> str:
    """Return the last day (ISO) a group's period counts responses on ("~": not known)."""
    if period is None:
        return "~"
    if period.startswith("wave-"):
        return openings.get(period, "~")
    if len(period) == 10 and period[4] == "-" and period[7] == "-":  # a day (buckets)
        return period
    return period_range(period)[1].isoformat()


def _summaries(source, survey_id, group_by, attributes, parts, start, end):
    if start is not None and end is not None and start > end:
        answer = source.summaries(survey_id, group_by="all", start=date(1970, 1, 1),
                                  end=date(1970, 1, 1), parts=parts)
        return answer._replace(groups=[])
    return source.summaries(survey_id, group_by=group_by, segment_by=attributes,
                            start=start, end=end, parts=parts, columns=True)


def _waves(survey: dict) -> tuple:
    return tuple((w["id"], w["opens_at"], w["closes_at"]) for w in survey.get("waves", []))


def settled_through(timeline: Timeline, group_by: str) -> date:
    """Return the last day such that every period of `group_by` up to it is closed.

    Days count as responses do (a wave's on its opening day); the day is the end of a
    whole period of `group_by` (any day for waves, days and buckets).
    """
    last = timeline.today - timedelta(days=1)
    for wave in timeline.waves.values():
        if not wave["closed"]:
            last = min(last, wave["day"] - timedelta(days=1))
    return whole_periods_through(last, group_by)


def whole_periods_through(last: date, group_by: str) -> date:
    """Return the last day, not after `last`, that ends a whole period of `group_by`."""
    if group_by in ("week", "month", "quarter"):
        return period_range(period_label(last + timedelta(days=1), group_by))[0] \
            - timedelta(days=1)
    return last
