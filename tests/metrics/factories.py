"""Test data: survey definitions, raw responses, and an in-memory summaries source.

`MemorySource` answers like the survey service's internal endpoints, grouping raw responses
with `SummaryLayout.encode`, so the service layer can be tested on data whose raw rows the
reference libraries also see.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
import weakref
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from services.metrics.analytics.decisions import DecisionStore
from services.metrics.analytics.publication import Analytics
from services.metrics.survey_source import Summaries
from services.metrics.tables import metadata
from shared.errors import NotFound
from shared.periods import period_label
from shared.summaries import SummaryLayout

LIKERT_ITEMS = ("job_security", "training", "role_clarity", "control")


def pulse_survey(threshold: int = 5, comment_threshold: int = 10, segments=("department",),
                 waves=()) -> dict:
    """Return an employee pulse definition: four likert items, an index, eNPS, choice, text."""
    questions = [{"key": k, "text": k.replace("_", " "), "type": "likert5", "required": True,
                  "reverse": k == "control"} for k in LIKERT_ITEMS]
    questions += [
        {"key": "enps", "text": "Recommend?", "type": "scale11", "required": True},
        {"key": "preference", "text": "Next time?", "type": "choice", "required": True,
         "options": ["prefer_ai", "no_preference", "prefer_human", "avoid_ai"]},
        {"key": "comment", "text": "Anything else?", "type": "text", "required": False},
    ]
    return {"id": 1, "kind": "employee_pulse", "title": "Pulse", "segments": list(segments),
            "anonymity_threshold": threshold, "comment_threshold": comment_threshold,
            "questions": questions,
            "indices": [{"key": "ai_trust", "title": "AI trust", "items": list(LIKERT_ITEMS)}],
            "waves": list(waves)}


def customer_survey(survey_id: int = 2, segments=("team",), threshold: int = 5) -> dict:
    """Return a customer survey definition: CSAT (likert5), recommend (0-10), preference."""
    questions = [
        {"key": "csat", "text": "Satisfied?", "type": "likert5", "required": True},
        {"key": "recommend", "text": "Recommend?", "type": "scale11", "required": True},
        {"key": "preference", "text": "Next time?", "type": "choice", "required": True,
         "options": ["prefer_ai", "no_preference", "prefer_human", "avoid_ai"]},
    ]
    return {"id": survey_id, "kind": "customer_ai", "title": "Customers",
            "segments": list(segments), "anonymity_threshold": threshold,
            "comment_threshold": 10, "questions": questions, "indices": [], "waves": []}


def answers(rng: random.Random, shift: float = 0.0) -> dict:
    """Return one plausible set of answers; `shift` moves the likert answers up or down."""
    def likert():
        return max(1, min(5, round(rng.gauss(3.2 + shift, 1.0))))
    out = {k: likert() for k in LIKERT_ITEMS}
    out["enps"] = max(0, min(10, round(rng.gauss(7 + 2 * shift, 2.0))))
    out["preference"] = rng.choice(["prefer_ai", "no_preference", "prefer_human", "avoid_ai"])
    out["comment"] = f"comment {rng.randrange(10**6)}"
    return out


def response(day: date, segment: dict, answers: dict, wave: int | None = None) -> dict:
    """Return a raw response as the tests keep it."""
    return {"day": day, "segment": dict(segment), "answers": dict(answers), "wave": wave}


def weekly_responses(rng: random.Random, start: date, weeks: int, per_week: dict,
                     shifts: dict | None = None) -> list[dict]:
    """Return responses over `weeks` weeks; `per_week` maps a department to its weekly count."""
    rows = []
    for w in range(weeks):
        for department, count in per_week.items():
            shift = (shifts or {}).get(department, 0.0)
            for i in range(count):
                day = start + timedelta(days=7 * w + i % 5)
                rows.append(response(day, {"department": department}, answers(rng, shift)))
    return rows


class MemorySource:
    """The survey service's summaries and comments, computed in memory from raw responses."""

    def __init__(self, survey: dict, responses: list[dict]):
        self.survey = survey
        self.responses = responses
        # Participation counts as the survey service keeps them, by full segment:
        # [{"wave", "segment", "invited"}] and [{"day", "segment", "links"}].
        self.invited: list[dict] = []
        self.links: list[dict] = []
        self.layout = SummaryLayout(survey)
        self.calls = 0
        self.asked: list[tuple] = []  # (group_by, wave, parts) of every summaries read
        self.imports: int | None = None  # None: as many as responses (see `summaries`)
        for r in responses:
            self.day_of(r)

    def definition(self, survey_id: int) -> dict:
        return self.survey

    def surveys(self) -> list[dict]:
        return [self.survey]

    def day_of(self, r: dict) -> date:
        """Return the day a response counts on: its wave's opening day, or its own (kept
        on the row as `counted`, for the attacks' atoms)."""
        r["counted"] = counted_day(self.survey, r)
        return r["counted"]

    def _matching(self, filter, start, end, wave):
        wanted = dict(p.split("=", 1) for p in (filter or "").split(";") if p)
        for r in self.responses:
            day = self.day_of(r)
            if start and day < start or end and day > end:
                continue
            if wave is not None and r["wave"] != wave:
                continue
            if any(r["segment"].get(a) != v for a, v in wanted.items()):
                continue
            yield r

    def groups(self, survey_id, *, group_by, segment_by=(), filter=None, start=None, end=None,
               wave=None, parts=(), columns=False):
        # `columns` is a shape of the answer only: the groups answered are the same ones.
        self.calls += 1
        self.asked.append((group_by, wave, tuple(parts)))
        # Like the survey service: slots outside the parts asked for come back as 0.
        keep = np.zeros(self.layout.size, dtype=bool) if parts else np.ones(self.layout.size, bool)
        for part in parts:
            first, count = self.layout.part_slots(part)
            keep[first:first + count] = True
        groups: dict = {}
        for r in self._matching(filter, start, end, wave):
            if group_by == "wave":
                if r["wave"] is None:
                    continue
                period = f"wave-{r['wave']}"
            elif group_by == "bucket":
                period = (self.day_of(r).isoformat(), r["wave"])
            else:
                period = None if group_by == "all" else period_label(self.day_of(r), group_by)
            key = (period, tuple(r["segment"].get(a) for a in segment_by))
            n, vec = groups.get(key, (0, self.layout.empty()))
            groups[key] = (n + 1, vec + self.layout.encode(r["answers"]))
        out = [{"period": p, "segment": dict(zip(segment_by, values)), "n": n,
                "vector": [int(x) for x in vec * keep]}
               for (p, values), (n, vec) in groups.items()]
        if group_by == "bucket":
            for group in out:
                group["period"], group["wave"] = group["period"]
        return self.survey, out

    def summaries(self, survey_id, **query) -> Summaries:
        """Like the survey service: the groups, the response count after reading them, and
        the imports before: every response a test adds may be one (`imports` grows with
        them unless a test sets it), so kept closed periods are read again."""
        imports = len(self.responses) if self.imports is None else self.imports
        survey, groups = self.groups(survey_id, **query)
        return Summaries(survey, groups, len(self.responses), imports)

    def comments(self, survey_id, *, question, atom_min, filter=None, start=None, end=None,
                 wave=None):
        """Like the survey service: the texts of responses in atoms of `atom_min` or more."""
        sizes = Counter(map(self._atom, self.responses))
        rows = list(self._matching(filter, start, end, wave))
        texts = [r["answers"][question] for r in rows
                 if r["answers"].get(question) and sizes[self._atom(r)] >= atom_min]
        return {"n": len(rows), "comments": texts}

    def participation_counts(self, survey_id, *, segment_by=()) -> dict:
        """Like the survey service: invitations per wave and links per day, per segment."""
        def cut(rows, period_key, count_key):
            totals = Counter()
            for row in rows:
                values = tuple(row["segment"].get(a) for a in segment_by)
                totals[(row[period_key], values)] += row[count_key]
            return [{period_key: p, "segment": dict(zip(segment_by, v)), count_key: n}
                    for (p, v), n in totals.items()]
        return {"waves": cut(self.invited, "wave", "invited"),
                "links": cut(self.links, "day", "links")}

    def _atom(self, r: dict) -> tuple:
        """(day, or week and wave, value of the first segment attribute) of a raw response."""
        day = self.day_of(r)
        time = (day,) if self.survey.get("kind") == "customer_ai" else (
            period_label(day, "week"), r["wave"] or 0)
        first = (self.survey.get("segments") or [None])[0]
        return (time, r["segment"].get(first))

    def raw(self, **where) -> list[dict]:
        """Return the answers of responses matching segment values and an optional period."""
        period = where.pop("period", None)
        out = []
        for r in self.responses:
            if any(r["segment"].get(a) != v for a, v in where.items()):
                continue
            if period and not _in_period(r, period, self.day_of(r)):
                continue
            out.append(r["answers"])
        return out


class SurveysSource:
    """Several `MemorySource`s answering by survey id (an unknown id is a 404)."""

    def __init__(self, *sources: MemorySource):
        self.sources = {source.survey["id"]: source for source in sources}

    def of(self, survey_id: int) -> MemorySource:
        if survey_id not in self.sources:
            raise NotFound("No such survey.")
        return self.sources[survey_id]

    def definition(self, survey_id: int) -> dict:
        return self.of(survey_id).survey

    def surveys(self) -> list[dict]:
        return [source.survey for source in self.sources.values()]

    def groups(self, survey_id, **query):
        return self.of(survey_id).groups(survey_id, **query)

    def summaries(self, survey_id, **query) -> Summaries:
        return self.of(survey_id).summaries(survey_id, **query)


def counted_day(survey: dict, r: dict) -> date:
    """Return the day a raw response counts on: its wave's opening day, or its own."""
    for wave in survey.get("waves", []):
        if wave["id"] == r["wave"]:
            return date.fromisoformat(wave["opens_at"][:10])
    return r["day"]


def _in_period(r: dict, label: str, day: date) -> bool:
    if label.startswith("wave-"):
        return r["wave"] == int(label[5:])
    for granularity in ("day", "week", "month", "quarter"):
        try:
            if period_label(day, granularity) == label:
                return True
        except ValueError:
            pass
    return False


# Tests read the data as of a day well after it: every period of it is closed.
LATER = datetime(2031, 1, 1, tzinfo=UTC)


class MemoryAnalytics(Analytics):
    """The analytics context over a `MemorySource`, with decisions kept in a real SQLite
    database (a file of its own, as decisions finished in the background use their own
    connection); the source's helpers (`raw`, `asked`, ...) are reachable on it."""

    def __init__(self, source: MemorySource, now: datetime = LATER):
        folder = tempfile.mkdtemp(prefix="trustpulse-decisions-")
        engine = sa.create_engine(f"sqlite:///{folder}/metrics.db")
        weakref.finalize(self, _remove, engine, folder)
        metadata.create_all(engine)
        super().__init__(source, DecisionStore(engine), lambda: self.now)
        self.now = now

    def __getattr__(self, name):
        return getattr(self.source, name)


def _remove(engine, folder: str) -> None:
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def analytics(survey: dict, responses: list[dict], now: datetime = LATER) -> MemoryAnalytics:
    """Return the analytics context over raw responses kept in memory."""
    return MemoryAnalytics(MemorySource(survey, responses), now)


def analytics_of(*surveys: tuple[dict, list[dict]], now: datetime = LATER) -> MemoryAnalytics:
    """Return the analytics context over several surveys: (definition, responses) pairs."""
    return MemoryAnalytics(SurveysSource(*(MemorySource(s, r) for s, r in surveys)), now)


def until_decided(ask, seconds: float = 60.0):
    """Return `ask()`'s answer (a dict or a test client's response) once nothing in it is
    pending: decisions a query leaves to the background are made within moments. Bounded."""
    deadline = time.monotonic() + seconds
    while True:
        answer = ask()
        body = answer if isinstance(answer, dict) else answer.json
        if not (isinstance(body, dict) and body.get("pending")) or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)
