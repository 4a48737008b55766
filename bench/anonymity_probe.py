"""In-process probes of the kept anonymity decisions, for the anonymity benchmark.

They run the metrics service's own code (`services.metrics.analytics`) in this process
against the benchmark's running survey service and metrics database: the scheduler job
deciding a week as it closes (with a clock set to just after it), and, for the breakdowns
that miss a target, which rule hid their cells and where the time went (cProfile).
"""

from __future__ import annotations

import cProfile
import pstats
import signal
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from unittest import mock

import sqlalchemy as sa

from bench.hide_reasons import HideReasons
from services.metrics.analytics import cells, service
from services.metrics.analytics.decisions import DecisionStore
from services.metrics.analytics.publication import (
    COMMENT_THRESHOLD,
    Analytics,
    Scope,
    decide_closed_periods,
    ensure_decisions,
)
from services.metrics.survey_source import SurveySource, make_survey_client
from services.metrics.tables import anonymity_decisions
from shared.db import make_engine
from shared.periods import parent_period
from shared.settings import Settings

DIAGNOSIS_LIMIT = 45  # seconds of in-process work per attribute set diagnosed
SCHEDULER_LIMIT = 30
PERIODS = {"employee_pulse": ("wave", "week", "month", "quarter"),
           "customer_ai": ("day", "week", "month", "quarter")}


@contextmanager
def analytics(env: dict, survey_port: int, clock: datetime | None = None, forget=None):
    """Yield (context, store) of the metrics code in-process; `forget` hides stored decisions."""
    settings = Settings.from_env({**env, "TRUSTPULSE_SURVEY_URL": f"http://127.0.0.1:{survey_port}"})
    engine = make_engine(*settings.database_for("metrics"))
    store = DecisionStore(engine) if forget is None else ForgetfulStore(DecisionStore(engine),
                                                                        forget)
    ctx = Analytics(SurveySource(make_survey_client(settings)), store)
    if clock is not None:
        ctx.clock = lambda: clock
    try:
        yield ctx, store
    finally:
        engine.dispose()


class ForgetfulStore:
    """The kept decisions less those `forget(key)` picks; decisions made again stay in memory."""

    def __init__(self, store: DecisionStore, forget):
        self.store, self.forget, self.saved = store, forget, {}

    def load(self, survey_id: int, scope: str, levels: list[tuple]) -> dict:
        """Return the kept decisions not forgotten, with those made since."""
        out = {k: d for k, d in self.store.load(survey_id, scope, levels).items()
               if not self.forget(k)}
        out.update({k: d for (s, c, k), d in self.saved.items()
                    if (s, c) == (survey_id, scope) and k[0] in levels})
        return out

    def save(self, survey_id: int, scope: str, made: list, replacing: set) -> dict:
        """Keep decisions in memory only."""
        out = {(d.attributes, d.period): d for d in made}
        self.saved.update({(survey_id, scope, key): d for key, d in out.items()})
        return out

    def attribute_sets(self, survey_id: int) -> list:
        """Return the attribute sets decided so far."""
        return self.store.attribute_sets(survey_id)


class OutOfTime(BaseException):
    """Profiled work stopped at its time limit (a BaseException: nothing on the way catches it)."""


def bounded(work, limit: int) -> tuple[float, bool]:
    """Run `work()`, stopped after `limit` seconds (0: none); return (seconds, finished)."""
    def stop_work(signum, frame):
        raise OutOfTime

    previous = signal.signal(signal.SIGALRM, stop_work)
    signal.alarm(limit)
    began, finished = time.perf_counter(), True
    try:
        work()
    except OutOfTime:
        finished = False
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return time.perf_counter() - began, finished


def profiled(work, limit: int = 0):
    """Run `work()` under cProfile, stopped after `limit` seconds (0: none); return
    (seconds, stats, whether it finished)."""
    profile = cProfile.Profile()
    seconds, finished = bounded(partial(profile.runcall, work), limit)
    return seconds, pstats.Stats(profile), finished


def print_profile(stats: pstats.Stats, total: float, limit: int = 12) -> None:
    """Print the project's functions by cumulative time and the heaviest by own time."""
    rows = [(where, tt, ct, nc) for where, (_, nc, tt, ct, _) in stats.stats.items()]

    def name(where):
        path, line_no, function = where
        short = path.split("/work/")[-1].split("site-packages/")[-1]
        return f"{short}:{line_no} {function}"

    ours = sorted((r for r in rows if "/services/" in r[0][0] or "/shared/" in r[0][0]),
                  key=lambda r: -r[2])
    print(f"    profile ({total:.1f} s under cProfile), project functions by cumulative time:")
    for where, tt, ct, nc in ours[:limit]:
        print(f"      {ct:7.2f} s cum {tt:6.2f} s own {nc:8d} calls  {name(where)}")
    print("    heaviest by own time:")
    for where, tt, ct, nc in sorted(rows, key=lambda r: -r[1])[:8]:
        print(f"      {tt:7.2f} s own {ct:6.2f} s cum {nc:8d} calls  {name(where)}")


def report_scheduler(env: dict, survey_port: int, survey: dict, week: str,
                     clock: datetime) -> None:
    """Time the scheduler job deciding `week` just after it closes, every set asked so far."""
    with analytics(env, survey_port, clock) as (ctx, store):
        definition = ctx.definition(survey["id"])
        timeline = ctx.timeline(definition)
        labels = [week, *timeline.descendants(week)]
        month = parent_period(week)
        parents = [month, parent_period(month)]
        table = anonymity_decisions
        where = (table.c.survey_id == survey["id"], table.c.period.in_(labels + parents))
        with store.engine.begin() as conn:
            before = {(r.scope, r.attributes, r.period): r.cells
                      for r in conn.execute(sa.select(table).where(*where))}
            # The state just before the week closed: nothing of it, nor of what holds it.
            conn.execute(sa.delete(table).where(*where))
        asked = store.attribute_sets(survey["id"])
        seconds, _ = bounded(partial(decide_week, ctx, definition, asked, week), 0)
        with store.engine.connect() as conn:
            after = {(r.scope, r.attributes, r.period): r.cells
                     for r in conn.execute(sa.select(table).where(*where))}
        backlog, finished = bounded(partial(decide_closed_periods, ctx, survey["id"]),
                                    SCHEDULER_LIMIT)
    same = sum(before.get(k) == cells for k, cells in after.items())
    print(f"\nscheduler, {survey['kind']}: {week} closes ({len(labels) - 1} "
          f"{'days' if timeline.customer else 'waves'} in it): deciding it for the "
          f"{len(asked)} attribute sets asked so far took {seconds:.2f} s; {len(after)} "
          f"decisions made, {same} the same as those the first requests made. The job "
          f"itself (decide_closed_periods: every closed period of those sets) then took "
          f"{backlog:.1f} s{'' if finished else f' and was stopped at {SCHEDULER_LIMIT} s'}",
          flush=True)
    if seconds > 3:
        forgotten = {(tuple(a for a in attributes.split(",") if a), period)
                     for _, attributes, period in after}
        with analytics(env, survey_port, clock, forget=forgotten.__contains__) as (ctx, _):
            total, stats, _ = profiled(partial(decide_week, ctx, definition, asked, week))
        print_profile(stats, total)


def decide_week(ctx: Analytics, survey: dict, asked: list, week: str) -> None:
    """Decide one closed week for every (scope, attributes) asked, as the scheduler job does."""
    scopes = {Scope().name: Scope(), "comments": Scope(None, COMMENT_THRESHOLD)}
    for name, attributes in asked:
        scope = scopes.get(name) or Scope(name.partition(":")[2])
        ensure_decisions(ctx, survey, scope, attributes, [week])


def _share(f: dict) -> float:
    return f["big_shown"] / f["big"] if f.get("big") else 1.0


def diagnosed(figures: list[dict], target_single: float, target_cross: float) -> list:
    """Return the attribute sets to diagnose: the single attribute and the two crosses
    hiding most, then the two slowest to answer the first time."""
    sets: dict = defaultdict(list)
    for f in figures:
        sets[(f["survey"], f["attributes"])].append(f)
    hiding = sorted((k for k, fs in sets.items() if any(
        "big" in f and _share(f) < (target_single if len(k[1]) == 1 else target_cross)
        for f in fs)), key=lambda k: min(_share(f) for f in sets[k] if "big" in f))
    slow = sorted((k for k, fs in sets.items() if any(f["first_ms"] > 3000 for f in fs)),
                  key=lambda k: -max(f["first_ms"] for f in sets[k]))
    chosen = [k for k in hiding if len(k[1]) == 1][:1] + [k for k in hiding if len(k[1]) > 1][:2]
    return chosen + [k for k in slow if k not in chosen][:2]


def every_period(ctx: Analytics, survey: dict, attributes: tuple) -> None:
    """Ask `scores` of one attribute set at every granularity the survey publishes, each
    query making its decisions itself (no budget: a query with one answers them pending
    and leaves them to a background thread, which the diagnosis would not see)."""
    for granularity in PERIODS[survey["kind"]]:
        with mock.patch.object(cells, "_left", lambda began: None):
            service.scores(ctx, survey_id=survey["id"], period=granularity,
                           metric=f"index:{survey['indices'][0]['key']}",
                           segment_by=",".join(attributes))


def report_misses(env: dict, survey_port: int, figures: list[dict], surveys: dict,
                  target_single: float, target_cross: float) -> None:
    """Diagnose the attribute sets that over-hide or answer slowly the first time."""
    for kind, attributes in diagnosed(figures, target_single, target_cross):
        survey = surveys[kind]
        with analytics(env, survey_port, forget=lambda k, a=attributes: k[0] == a) as (ctx, store):
            with HideReasons() as probe:
                total, stats, finished = profiled(partial(every_period, ctx, survey, attributes),
                                                  DIAGNOSIS_LIMIT)
            kept = store.store.load(survey["id"], "respondents", [attributes])
            differ = sum(k in kept and kept[k] != d for (_, _, k), d in store.saved.items())
        print(f"\n{kind} {'+'.join(attributes)}: every period decided again in-process "
              f"({len(store.saved)} decisions; of those kept, {differ} decided otherwise)"
              f"{'' if finished else f', stopped after {DIAGNOSIS_LIMIT} s'}", flush=True)
        for granularity in PERIODS[kind]:
            print(f"  {granularity}: {probe.work(attributes, granularity)}")
            reasons = probe.reasons(attributes, granularity, survey["anonymity_threshold"])
            for rule, (n, big) in sorted(reasons.items()):
                print(f"    {n:6d} complement cells ({big} with n >= 2x threshold): {rule}")
        print_profile(stats, total)


def bucket_count(env: dict, survey_id: int) -> int:
    """Return how many day buckets (day, wave, segment combination) a survey's summaries hold."""
    from services.survey.tables import buckets

    engine = make_engine(*Settings.from_env(env).database_for("survey"))
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(buckets).where(
                buckets.c.survey_id == survey_id)).scalar_one())
    finally:
        engine.dispose()


def report_slow_repeats(env: dict, survey_port: int, figures: list[dict], surveys: dict) -> None:
    """Profile a repeated call of each survey's slowest breakdown: metrics, then the survey read."""
    from services.metrics.analytics.metrics import parse_metric
    from services.survey.summaries.service import summaries

    for kind, survey in surveys.items():
        answered = [f for f in figures if f["survey"] == kind and f["p50"] is not None]
        worst = max(answered, key=lambda f: f["p50"], default=None)
        if worst is None or worst["p50"] <= 300:
            continue
        metric = f"index:{survey['indices'][0]['key']}"
        attributes = ",".join(worst["attributes"])
        with analytics(env, survey_port) as (ctx, _):
            total, stats, _ = profiled(partial(service.scores, ctx, survey_id=survey["id"],
                                            metric=metric, period=worst["period"],
                                            segment_by=attributes))
            parts = list(parse_metric(metric, ctx.definition(survey["id"])).parts)
        print(f"\n{kind} {attributes} by {worst['period']}, repeated (p50 {worst['p50']:.0f} ms "
              f"through the gateway): metrics in-process, decisions kept")
        print_profile(stats, total, limit=8)
        engine = make_engine(*Settings.from_env(env).database_for("survey"))
        try:
            total, stats, _ = profiled(partial(
                summaries, engine=engine, survey_id=survey["id"], from_=None, to=None,
                group_by=worst["period"], segment_by=list(worst["attributes"]), filter={},
                wave=None, parts=parts))
        finally:
            engine.dispose()
        print(f"  the survey service's summaries read it makes (group_by={worst['period']}, "
              f"parts={','.join(parts)}), in-process over "
              f"{bucket_count(env, survey['id']):,} buckets:")
        print_profile(stats, total, limit=8)
