"""Benchmark: `scores` (weekly, by one attribute, a year of data) through the gateway.

Starts survey, metrics and gateway as gunicorn servers on loopback ports (the worker
settings of `bench_survey`, as production runs them) over a fresh PostgreSQL database,
loads a year of responses for 10,000 / 100,000 / 1,000,000 respondents, and prints p50
and p95 of repeated `GET /api/v1/surveys/{id}/scores` calls, with the machine's load.
10,000 and 100,000 are loaded through the public import endpoint; 1,000,000 by writing the
survey service's day buckets directly with its repository function `add_to_bucket` (the
summaries analytics read are the same; raw response rows are not written for that case).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_load import (  # the same gunicorn settings as the survey bench
    THREADS,
    WORKER_CLASS,
    WORKERS,
    start_suite,
    stop,
)
from shared.db import make_engine, write_transaction
from shared.settings import Settings
from shared.summaries import SummaryLayout

ADMIN_KEY = "tp_admin_" + "b" * 40
DEPARTMENTS = ("Support", "Sales", "Operations", "Engineering", "Legal")
SIZES = (10_000, 100_000, 1_000_000)
CALLS, WARMUP = 60, 5
START = date(2025, 10, 6)
DAYS = 364
PG_ADMIN = os.environ.get("TRUSTPULSE_BENCH_DATABASE_URL",
                          "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def random_answers(rng: random.Random, questions: list[dict]) -> dict:
    """One respondent's answers to every non-text question."""
    out = {}
    for q in questions:
        if q["type"] == "likert5":
            out[q["key"]] = rng.randint(1, 5)
        elif q["type"] == "scale11":
            out[q["key"]] = rng.randint(0, 10)
        elif q["type"] == "choice":
            out[q["key"]] = rng.choice(q["options"])
    return out


def create_survey(http: requests.Session, gateway: str) -> dict:
    body = {"title": "Bench pulse", "template": "ai-trust-pulse", "segments": ["department"]}
    answer = http.post(f"{gateway}/api/v1/surveys", json=body)
    answer.raise_for_status()
    return answer.json()


def load_by_import(http, gateway, survey, size, rng) -> float:
    """Import `size` responses spread over a year; return the seconds it took."""
    began = time.perf_counter()
    chunk = 20_000
    for offset in range(0, size, chunk):
        rows = []
        for _ in range(min(chunk, size - offset)):
            day = START + timedelta(days=rng.randrange(DAYS))
            rows.append({"submitted_at": f"{day.isoformat()}T09:00:00Z",
                         "segment": {"department": rng.choice(DEPARTMENTS)},
                         "answers": random_answers(rng, survey["questions"])})
        answer = http.post(f"{gateway}/api/v1/surveys/{survey['id']}/responses/import",
                           json={"responses": rows}, timeout=600)
        answer.raise_for_status()
    return time.perf_counter() - began


def load_buckets(survey_engine, survey, size, rng) -> float:
    """Write one bucket per (day, department) holding `size` respondents in all."""
    from services.survey.responses.repository import add_to_bucket, combo_ids, segment_key

    began = time.perf_counter()
    layout = SummaryLayout(survey)
    templates = np.array([layout.encode(random_answers(rng, survey["questions"]))
                          for _ in range(300)])
    keys = {d: segment_key({"department": d}) for d in DEPARTMENTS}
    ids = combo_ids(survey_engine, survey_id=survey["id"], keys=list(keys.values()))
    cells = DAYS * len(DEPARTMENTS)
    np_rng = np.random.default_rng(1)
    per_cell = np_rng.multinomial(size, np.full(cells, 1.0 / cells))
    with write_transaction(survey_engine) as conn:
        for cell, n in enumerate(per_cell):
            day, department = START + timedelta(days=cell // len(DEPARTMENTS)), \
                DEPARTMENTS[cell % len(DEPARTMENTS)]
            counts = np_rng.multinomial(int(n), np.full(len(templates), 1.0 / len(templates)))
            add_to_bucket(conn, survey_id=survey["id"], day=day, wave_id=0,
                          combo_id=ids[keys[department]], n=int(n), vector=counts @ templates)
    return time.perf_counter() - began


def measure(http, gateway, survey) -> tuple[float, float, str]:
    """Return p50 and p95 (ms) of the weekly scores by department, and the rows answered."""
    index = survey["indices"][0]["key"]
    url = f"{gateway}/api/v1/surveys/{survey['id']}/scores"
    params = {"metric": f"index:{index}", "period": "week", "segment_by": "department"}
    times = []
    rows = ""
    for i in range(WARMUP + CALLS):
        began = time.perf_counter()
        answer = http.get(url, params=params)
        elapsed = (time.perf_counter() - began) * 1000
        answer.raise_for_status()
        series = answer.json()["series"]
        rows = f"{len(series)} rows, {sum(r['suppressed'] for r in series)} hidden"
        if i >= WARMUP:
            times.append(elapsed)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], rows


def load_average() -> str:
    """Return the 1- and 5-minute load averages, to read beside the figures."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def fresh_database() -> tuple[sa.Engine, str, str]:
    """Create a database for one bench run; return the admin engine, its name and URL."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"trustpulse_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    return admin, name, url


def suite_environment(url: str, admin_key: str) -> dict:
    """Return the environment of the bench's suite on the database at `url`."""
    return {"TRUSTPULSE_DATABASE_URL": url, "TRUSTPULSE_INTERNAL_TOKEN": "bench-internal-token",
            "TRUSTPULSE_LINK_SECRET": "bench-link-secret", "TRUSTPULSE_SCHEDULER": "false",
            "TRUSTPULSE_LOG_LEVEL": "WARNING", "TRUSTPULSE_ADMIN_KEY": admin_key,
            "TRUSTPULSE_READ_TIMEOUT": "60"}


@contextmanager
def suite_database():
    """Create a PostgreSQL database for one run, yield the suite's environment over it, drop it."""
    admin, name, url = fresh_database()
    try:
        yield suite_environment(url, ADMIN_KEY)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def admin_session() -> requests.Session:
    """Return an HTTP session carrying the bench's admin key."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
    return http


def main() -> int:
    """Run the benchmark over a fresh database."""
    with suite_database() as env:
        return run(env)


def run(env: dict) -> int:
    """Measure every size over the suite started on `env`."""
    processes, ports = start_suite(env)
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    http = admin_session()
    rng = random.Random(7)
    print("scores?period=week&segment_by=department (5 departments, 52 weeks), PostgreSQL, "
          f"gunicorn {WORKER_CLASS} {WORKERS}x{THREADS} per service, {CALLS} calls after "
          f"{WARMUP} warm-up; {load_average()}")
    figures = {}
    # The survey service's own schema, as its app sees it (for writing buckets directly).
    survey_engine = make_engine(*Settings.from_env(env).database_for("survey"))
    try:
        for size in SIZES:
            survey = create_survey(http, gateway)
            if size <= 100_000:
                how, seconds = "import endpoint", load_by_import(http, gateway, survey, size, rng)
            else:
                how, seconds = "add_to_bucket", load_buckets(survey_engine, survey, size, rng)
            p50, p95, rows = measure(http, gateway, survey)
            figures[size] = p50
            print(f"{size:>9,} responses  loaded by {how:<16} in {seconds:6.1f} s   "
                  f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({rows})   {load_average()}",
                  flush=True)
        print(f"1,000,000 / 10,000 p50 ratio: {figures[SIZES[-1]] / figures[SIZES[0]]:.2f} "
              "(target: under 2; p50 target under 50 ms)")
    finally:
        for process in processes:
            stop(process)
        survey_engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
