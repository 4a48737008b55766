"""Benchmark: anonymity at organisation scale, through the gateway.

Starts survey, metrics and two gateways (gunicorn, the worker settings of `bench_survey`)
over a fresh PostgreSQL database. Loads the organisation of `bench.organisation` (waves
made and responses imported through the public API; the survey service puts an imported
response in the wave open at its time) and a customer survey of 1,000,000 responses (day
buckets written with the survey repository's `merge_into_buckets`, as an import does).
The data end with a closed week that is not the last of its month, so every period is
closed. For each breakdown `scores?metric=index:...&period=...&segment_by=...` prints its
cells, those under the threshold, those hidden as complements, the share of cells with
n >= 2x threshold shown and the most any protection could show (`bound`: a line with a
small cell whose total is published hides one more cell; `line_bound`), the first call's
latency, the seconds until no row is pending
(`decided`: the first call decides for a bounded time, the rest in the background) and
p50/p95 of repeated calls once decided. First
calls go through a gateway waiting up to PATIENT_TIMEOUT seconds (one over the default
10 s is a 503 at a default gateway); one not answered by then has its work stopped (the
metrics service is restarted) and the coarser periods of its attribute set, which rest on
it, are not asked. Repeated calls go through a gateway with the default settings. Then
(`bench.anonymity_probe`, in-process): the scheduler's time to decide the last week as it
closes, profiles of the slowest repeated calls, and why the breakdowns missing a target
hide what they hide and where their first calls' time goes. `python bench/bench_anonymity.py
team,location` asks only the attribute sets named. About 25 minutes on 2 shared cores.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import anonymity_probe as probe
from bench import organisation as org
from bench.bench_metrics import admin_session, random_answers, suite_database
from bench.http_load import Suite, describe_machine
from shared.db import make_engine, write_transaction
from shared.periods import period_label, period_range
from shared.settings import Settings
from shared.summaries import SummaryLayout

CALLS = 20
# Repeated calls stop after this many seconds (at least MIN_CALLS): a breakdown answering
# in seconds says so in two calls, and the whole run stays bounded (about 20-30 minutes on
# a shared 2-core machine). With fewer than 20 calls, p95 is the slowest call.
REPEAT_BUDGET, MIN_CALLS = 6.0, 2
PATIENT_TIMEOUT = 30
DECIDE_LIMIT = 300  # seconds a breakdown's background decisions may take before it is given up
DEFAULT_TIMEOUT = 10.0  # the gateway's default TRUSTPULSE_READ_TIMEOUT
EMPLOYEE_PERIODS = ("wave", "week", "month", "quarter")
CUSTOMER_PERIODS = ("day", "week", "month", "quarter")
EMPLOYEE_CROSSES = (("department", "location"), ("department", "tenure"), ("role", "age_band"),
                    ("team", "location"), ("department", "role", "age_band"))
CUSTOMER_CROSSES = (("channel", "handled_by"), ("region", "product"),
                    ("channel", "handled_by", "region"))
TARGET_SINGLE, TARGET_CROSS = 0.97, 0.90


def last_week(today: date) -> date:
    """Return the Monday of the last closed week that is not the last week of its month."""
    monday = today - timedelta(days=today.weekday() + 7)
    while period_label(monday + timedelta(days=7), "month") != period_label(monday, "month"):
        monday -= timedelta(days=7)
    return monday


def post(http, url: str, body: dict, timeout: float = 600) -> dict:
    """POST a JSON body and return the JSON answer, raising on any error status."""
    answer = http.post(url, json=body, timeout=timeout)
    answer.raise_for_status()
    return answer.json()


def load_employees(http, gateway: str, monday: date) -> tuple[dict, list, float]:
    """Make the pulse, its waves and its responses; return (survey, records, seconds)."""
    began = time.perf_counter()
    survey = post(http, f"{gateway}/api/v1/surveys", {
        "title": "Organisation pulse", "kind": "employee_pulse", "template": "ai-trust-pulse",
        "segments": list(org.EMPLOYEE_SEGMENTS)})
    windows = org.wave_windows(monday)
    waves = [post(http, f"{gateway}/api/v1/surveys/{survey['id']}/waves",
                  {"opens_at": f"{o.isoformat()}Z", "closes_at": f"{c.isoformat()}Z"})
             for o, c in windows]
    employees = org.organisation()
    rng = random.Random(3)
    records = []  # (opening day, wave id, segment values) of every response
    for start in range(0, len(waves), 4):
        rows = []
        for wave, window in zip(waves[start:start + 4], windows[start:start + 4]):
            made = org.wave_rows(rng, employees, window,
                                 lambda r: random_answers(r, survey["questions"]))
            rows.extend(made)
            records.extend((window[0].date(), wave["id"], tuple(row["segment"].values()))
                           for row in made)
        post(http, f"{gateway}/api/v1/surveys/{survey['id']}/responses/import",
             {"responses": rows})
    return survey, records, time.perf_counter() - began


def load_customers(http, gateway: str, env: dict, first_day: date) -> tuple[dict, np.ndarray, float]:
    """Make the customer survey and write its day buckets; return (survey, counts, seconds)."""
    from services.survey.responses.repository import combo_ids, merge_into_buckets, segment_key

    began = time.perf_counter()
    survey = post(http, f"{gateway}/api/v1/surveys", {
        "title": "Customer AI interactions", "kind": "customer_ai", "template": "ai-interaction",
        "segments": list(org.CUSTOMER_SEGMENTS)})
    combos, _ = org.customer_combos()
    counts = org.customer_day_counts(first_day, 364)
    engine = make_engine(*Settings.from_env(env).database_for("survey"))
    rng = np.random.default_rng(2)
    answers = random.Random(4)
    layout = SummaryLayout(survey)
    templates = np.array([layout.encode(random_answers(answers, survey["questions"]))
                          for _ in range(300)])
    keys = [segment_key(c) for c in combos]
    ids = combo_ids(engine, survey_id=survey["id"], keys=keys)
    try:
        for start in range(0, len(counts), 14):
            entries = {}
            for d in range(start, min(start + 14, len(counts))):
                filled = np.flatnonzero(counts[d])
                picks = rng.multinomial(counts[d, filled], np.full(300, 1 / 300))
                for c, vector in zip(filled, picks @ templates):
                    entries[(first_day + timedelta(days=d), 0, ids[keys[c]])] = (
                        int(counts[d, c]), vector)
            with write_transaction(engine) as conn:
                merge_into_buckets(conn, survey_id=survey["id"], entries=entries)
    finally:
        engine.dispose()
    return survey, counts, time.perf_counter() - began


def call(http, url: str, params: dict, timeout: float) -> tuple[float, int, dict | None]:
    """Return (ms, status, JSON body or None) of one GET."""
    began = time.perf_counter()
    try:
        answer = http.get(url, params=params, timeout=timeout)
    except requests.Timeout:
        return (time.perf_counter() - began) * 1000, 0, None
    elapsed = (time.perf_counter() - began) * 1000
    return elapsed, answer.status_code, answer.json() if answer.status_code == 200 else None


def measure(http, suite: Suite, survey: dict, attributes: tuple, granularity: str,
            truth: Counter) -> dict:
    """Return the figures of one breakdown: its cells, what it hides, and its latency."""
    index = survey["indices"][0]["key"]
    params = {"metric": f"index:{index}", "period": granularity,
              "segment_by": ",".join(attributes)}
    path = f"/api/v1/surveys/{survey['id']}/scores"
    first, status, body = call(http, suite.url("patient") + path, params, PATIENT_TIMEOUT + 30)
    figures = {"survey": survey["kind"], "attributes": attributes, "period": granularity,
               "first_ms": first, "first_status": status, "calls": 0, "failures": 0,
               "p50": None, "p95": None, "pending_first": _pending(body)}
    # The first call decides for a bounded time and answers the rest as pending: ask again
    # until everything is decided (the background work is part of the first call's cost).
    waited = first
    while body is not None and _pending(body) and waited < 1000 * DECIDE_LIMIT:
        time.sleep(1.0)
        ms, status, body = call(http, suite.url("patient") + path, params, PATIENT_TIMEOUT + 30)
        waited += 1000 + ms
    figures["decided_ms"] = waited
    if body is None or _pending(body):
        # Repeated calls would each start the same work again: stop it instead.
        suite.restart_metrics()
        return figures
    times, failures = [], Counter()
    while len(times) < CALLS and (len(times) < MIN_CALLS or sum(times) < 1000 * REPEAT_BUDGET):
        ms, code, _ = call(http, suite.url("gateway") + path, params, 60)
        times.append(ms)
        failures[code] += code != 200
    times.sort()
    figures.update(p50=statistics.median(times), p95=times[math.ceil(0.95 * len(times)) - 1],
                   calls=len(times), failures=sum(failures.values()), statuses=dict(failures))
    threshold = body["threshold"]
    truth = {k: n for k, n in truth.items() if k[0].startswith("wave-")
             or period_range(k[0])[1] < date.today()}  # what is open is not published
    series = {(r["period"], tuple(r["segment"][a] for a in attributes)): r
              for r in body["series"]}
    big = [k for k, n in truth.items() if n >= 2 * threshold]
    figures["bound"] = len(big) - line_bound(truth, len(attributes), threshold)
    figures.update(
        cells=len(series), threshold=threshold,
        mismatched=len(set(series) ^ set(truth)),
        under=sum(1 for n in truth.values() if n < threshold),
        complements=sum(1 for k, r in series.items() if r["suppressed"]
                        and truth.get(k, 0) >= threshold),
        big=len(big), big_shown=sum(1 for k in big if k in series
                                    and not series[k]["suppressed"]))
    return figures


def line_bound(truth: dict, width: int, threshold: int) -> int:
    """Return how many cells with n >= 2x threshold any protection must hide, at least.

    A line (the cells of one period sharing their values on all attributes but one) whose
    total is published and that holds a cell under the threshold hides at least two cells
    adding up to the threshold: one more besides its small ones, the smallest other cell,
    a large one when the line has no cell between the threshold and twice it. Lines of one
    family (one attribute left out) are disjoint, so the family forcing most is a floor.
    """
    floor = 0
    for left_out in range(width):
        lines: dict = defaultdict(list)
        for (period, values), n in truth.items():
            lines[(period, values[:left_out] + values[left_out + 1:])].append(n)
        forced = 0
        for cells in lines.values():
            rest = sorted(n for n in cells if n >= threshold)
            small = [n for n in cells if 0 < n < threshold]
            if small and rest and (len(small) < 2 or sum(small) < threshold):
                forced += rest[0] >= 2 * threshold
        floor = max(floor, forced)
    return floor


def _pending(body: dict | None) -> int:
    return sum(1 for row in (body or {}).get("series", []) if row.get("pending"))


def line(f: dict) -> str:
    """Return one breakdown's figures as a printed row."""
    name = f"{'+'.join(f['attributes'])} by {f['period']}"
    if "cells" not in f:
        return (f"  {name:38s} first call: status {f['first_status']} after "
                f"{f['first_ms'] / 1000:.0f} s, {f.get('pending_first', 0)} rows pending; not "
                f"decided after {f.get('decided_ms', 0) / 1000:.0f} s (metrics restarted; "
                "not repeated)")
    share = f["big_shown"] / f["big"] if f["big"] else 1.0
    bound = f["bound"] / f["big"] if f["big"] else 1.0
    return (f"  {name:38s} {f['cells']:6d} {f['under']:6d} {f['complements']:6d} "
            f"{100 * share:6.1f}% {100 * bound:6.1f}% {f['first_ms']:8.0f} "
            f"{f['decided_ms'] / 1000:7.1f} "
            f"{f['p50']:7.0f} {f['p95']:7.0f} {f['calls']:5d}"
            f"{'' if not f['failures'] else '  non-200: ' + str(f['statuses'])}"
            f"{'' if not f['mismatched'] else '  cells unlike the data: ' + str(f['mismatched'])}")


HEADER = (f"  {'breakdown':38s} {'cells':>6s} {'<thr':>6s} {'compl':>6s} {'>=2thr':>7s} "
          f"{'bound':>7s} {'first ms':>8s} {'decided':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'calls':>5s}")


def plan(only: list[str]) -> list[tuple[str, tuple, str]]:
    """Return the breakdowns asked, in order: single attributes first, finest period first.

    `only`: attribute sets (`team,location`) to ask alone, to look at some closely.
    """
    out = []
    for kind, segments, crosses, periods in (
            ("employee", org.EMPLOYEE_SEGMENTS, EMPLOYEE_CROSSES, EMPLOYEE_PERIODS),
            ("customer", org.CUSTOMER_SEGMENTS, CUSTOMER_CROSSES, CUSTOMER_PERIODS)):
        for attributes in [(a,) for a in segments] + list(crosses):
            if not only or ",".join(attributes) in only:
                out.extend((kind, attributes, p) for p in periods)
    return out


def shares(figures: list[dict]) -> str:
    """Return the share of cells with n >= 2x threshold shown, over some breakdowns."""
    big = sum(f.get("big", 0) for f in figures)
    shown = sum(f.get("big_shown", 0) for f in figures)
    worst = min((f["big_shown"] / f["big"] for f in figures if f.get("big")), default=1.0)
    return f"{100 * shown / max(big, 1):.1f}% of {big:,} (worst breakdown {100 * worst:.1f}%)"


def summary(figures: list[dict], load_seconds: dict) -> None:
    """Print the totals and how the figures stand against the targets."""
    singles = [f for f in figures if len(f["attributes"]) == 1]
    crosses = [f for f in figures if len(f["attributes"]) > 1]
    slow_first = [f for f in figures if f["first_ms"] > 3000]
    over_timeout = [f for f in figures if f["first_ms"] > 1000 * DEFAULT_TIMEOUT
                    or f["first_status"] != 200]
    print(f"\nloading: {', '.join(f'{k} {v:.0f} s' for k, v in load_seconds.items())}")
    print(f"n >= 2x threshold shown, single attributes: {shares(singles)} "
          f"(target >= {100 * TARGET_SINGLE:.0f}%)")
    print(f"n >= 2x threshold shown, crosses: {shares(crosses)} "
          f"(target >= {100 * TARGET_CROSS:.0f}%)")
    print(f"first calls over 3 s: {len(slow_first)} of {len(figures)}; over the default "
          f"gateway timeout ({DEFAULT_TIMEOUT:.0f} s, a 503 there): {len(over_timeout)}")
    print(f"repeated calls: {sum(f['calls'] for f in figures)}, non-200: "
          f"{sum(f['failures'] for f in figures)}; p95 over 300 ms: "
          f"{sum(f['p95'] is None or f['p95'] > 300 for f in figures)} of {len(figures)} "
          "breakdowns (or not answered)")
    print(f"cells: {sum(f.get('cells', 0) for f in figures):,}, under the threshold "
          f"{sum(f.get('under', 0) for f in figures):,}, hidden as complements "
          f"{sum(f.get('complements', 0) for f in figures):,}")


def main(only: list[str]) -> int:
    """Run the benchmark over a fresh database (`only`: some attribute sets alone)."""
    began = time.perf_counter()
    with suite_database() as env:
        suite = Suite(env, PATIENT_TIMEOUT)
        try:
            return run(suite, began, only)
        finally:
            suite.stop()


def run(suite: Suite, began: float, only: list[str]) -> int:
    """Load both surveys, measure every breakdown, the scheduler and the profiles."""
    http = admin_session()
    env, ports, gateway = suite.env, suite.ports, suite.url("gateway")
    monday = last_week(date.today())
    first_day = monday - timedelta(weeks=51)
    print(f"machine: {describe_machine()} per service; PostgreSQL; data to "
          f"{monday + timedelta(days=6)} (the last closed week {period_label(monday, 'week')})",
          flush=True)
    employee, records, employee_s = load_employees(http, gateway, monday)
    customer, counts, customer_s = load_customers(http, gateway, env, first_day)
    print(f"employee pulse: {len(records):,} responses in {org.WAVES} waves, "
          f"{probe.bucket_count(env, employee['id']):,} day buckets; customer survey: "
          f"{int(counts.sum()):,} responses in {probe.bucket_count(env, customer['id']):,} "
          "day buckets", flush=True)
    figures, shown_kind, given_up = [], None, set()
    for kind, attributes, granularity in plan(only):
        if kind != shown_kind:
            shown_kind = kind
            print(f"\n{kind}:\n{HEADER}", flush=True)
        if (kind, attributes) in given_up:
            # Its coarser periods rest on the finer ones' decisions: they would time out too.
            print(f"  {'+'.join(attributes) + ' by ' + granularity:38s} not asked (a finer "
                  "period of this attribute set was not answered)", flush=True)
            continue
        if kind == "employee":
            survey, truth = employee, org.employee_truth(records, attributes, granularity)
        else:
            survey, truth = customer, org.customer_truth(counts, first_day, attributes, granularity)
        figures.append(measure(http, suite, survey, attributes, granularity, truth))
        print(line(figures[-1]), flush=True)
        if "cells" not in figures[-1]:
            given_up.add((kind, attributes))
    summary(figures, {"employee pulse (API)": employee_s, "customer buckets": customer_s})
    clock = datetime.combine(monday + timedelta(days=7), datetime.min.time()).replace(
        hour=1, tzinfo=UTC)
    for survey in (employee, customer):
        probe.report_scheduler(env, ports["survey"], survey, period_label(monday, "week"), clock)
    surveys = {"employee_pulse": employee, "customer_ai": customer}
    probe.report_slow_repeats(env, ports["survey"], figures, surveys)
    probe.report_misses(env, ports["survey"], figures, surveys, TARGET_SINGLE, TARGET_CROSS)
    print(f"\nbench time: {(time.perf_counter() - began) / 60:.1f} min; "
          f"{describe_machine()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
