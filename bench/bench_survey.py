"""Survey service throughput on PostgreSQL, each figure beside its bare baseline, same run.

- single responses/s: 16 concurrent keep-alive clients posting `POST /api/v1/responses`
  through the gateway (which rate limits respondents per address: the bench raises
  `TRUSTPULSE_RESPONDENT_RATE_LIMIT` so that 16 clients on one address are not refused),
  and straight to the survey service, beside a minimal Flask endpoint doing one pooled
  psycopg2 INSERT per request; every server is gunicorn with the same worker settings;
- import rows/s: 100,000 rows in one JSON `POST .../responses/import`, beside a plain
  `COPY` of the same rows into a bare table;
- summaries: a year of daily buckets x 20 segment combinations read and merged, whole
  vectors and only the parts a score needs.

Needs PostgreSQL at `TRUSTPULSE_BENCH_DATABASE_URL` (default: local, user postgres); makes
and drops its own database; starts gunicorn on loopback ports and stops it. Clients make
their link tokens before the clock starts, so that they spend what the baseline's spend.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import random
import sys
import time
import uuid
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import psycopg2
import psycopg2.pool
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_load import (
    CLIENTS,
    THREADS,
    describe_machine,
    free_port,
    joined,
    load,
    report_load,
    start_gunicorn,
    stop,
)

# Imported here, before the load processes fork: importing it in each of them would eat
# into their measured seconds on a loaded machine.
from services.survey.respondents.tokens import make_link_token

ADMIN_URL = os.environ.get("TRUSTPULSE_BENCH_DATABASE_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
SECONDS = 5.0  # of each half of a load run
IMPORT_ROWS = 100_000
INTERNAL_TOKEN, LINK_SECRET = "bench-internal-token", "bench-link-secret"
ADMIN_KEY = "tp_admin_" + "b" * 40
# Raised from the default 60 a minute per address: every bench client shares 127.0.0.1.
RATE_LIMIT = "1000000000"
ANSWERS = {"csat": 4, "effort": 4, "answer_trust": 4, "understood": 3, "empathy_sincere": 3,
           "human_access": 2, "ai_disclosure": 5, "next_preference": "prefer_human",
           "recommend": 9}
SEGMENTS = [{"channel": c, "handled_by": h} for c in ("chat", "voice", "email", "sms", "web")
            for h in ("ai", "human", "hybrid", "ai_escalated")]


def minimal_app():
    """A bare Flask endpoint: one pooled psycopg2 INSERT per request (the baseline)."""
    from flask import Flask, jsonify, request

    app = Flask("minimal")
    # As many pooled connections, kept open, as the worker has threads (see DESIGN.md).
    pool = psycopg2.pool.ThreadedConnectionPool(THREADS, THREADS, os.environ["BENCH_DSN"])

    @app.post("/insert")
    def insert():
        body = request.get_json()
        conn = pool.getconn()
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO bare (answers) VALUES (%s) RETURNING id",
                            (json.dumps(body["answers"]),))
                new_id = cur.fetchone()[0]
            conn.commit()
        finally:
            pool.putconn(conn)
        return jsonify(id=new_id), 201

    return app


def call(port: int, method: str, path: str, body=None, content_type="application/json"):
    """One request to the survey service; return (status, JSON body, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    began = time.perf_counter()
    conn.request(method, path, data, {"Content-Type": content_type,
                                      "X-Internal-Token": INTERNAL_TOKEN})
    response = conn.getresponse()
    payload = json.loads(response.read() or b"null")
    return response.status, payload, time.perf_counter() - began


def import_rows(n: int) -> list[dict]:
    """Return `n` rows over a year of days and 20 segment combinations."""
    rng = random.Random(7)
    start = date.today() - timedelta(days=366)
    rows = []
    for i in range(n):
        answers = {**ANSWERS, "csat": rng.randint(1, 5), "recommend": rng.randint(0, 10)}
        day = start + timedelta(days=i % 365)
        rows.append({"submitted_at": f"{day.isoformat()}T10:00:00Z",
                     "segment": SEGMENTS[(i // 365) % len(SEGMENTS)], "answers": answers})
    return rows


def plain_copy(dsn: str, rows: list[dict]) -> float:
    """COPY the same rows into a bare table; return rows/s (commit included)."""
    conn = psycopg2.connect(dsn)
    try:
        began = time.perf_counter()
        buffer = io.StringIO()
        for row in rows:
            buffer.write(f"{row['submitted_at']}\t{json.dumps(row['answers'])}\n")
        buffer.seek(0)
        with conn.cursor() as cur:
            cur.copy_expert("COPY bare_copy (submitted_at, answers) FROM STDIN", buffer)
        conn.commit()
        return len(rows) / (time.perf_counter() - began)
    finally:
        conn.close()


def response_body(survey_id: int | None, client: str, i: int) -> str:
    """Return a respondent's body: a fresh customer link each time (none for the baseline)."""
    token = make_link_token(LINK_SECRET, survey_id=survey_id, interaction_id=f"{client}-{i}",
                            segment=SEGMENTS[i % len(SEGMENTS)]) if survey_id else "x"
    return json.dumps({"token": token, "answers": ANSWERS})


def response_runs(ports: dict, survey_id: int) -> dict:
    """Return the three single-response loads: (port, path, headers, body maker) each."""
    plain = {"Content-Type": "application/json"}
    # Straight to a service, as the gateway calls it; respondents carry no key.
    internal = {**plain, "X-Internal-Token": INTERNAL_TOKEN}
    return {"minimal": (ports["minimal"], "/insert", plain, partial(response_body, None)),
            "direct": (ports["survey"], "/api/v1/responses", internal,
                       partial(response_body, survey_id)),
            "gateway": (ports["gateway"], "/api/v1/responses", plain,
                        partial(response_body, survey_id))}


def warm_up(runs: dict) -> None:
    """Load every server briefly, not counted: every worker started, pooled connections
    opened, caches and statements filled, so that no later figure pays for it."""
    for name, run in runs.items():
        load(*run, tag=f"{name[0]}w", seconds=1.5)


def settle(dsn: str) -> None:
    """Vacuum the warm-up's rows now, so that autovacuum does not run beside a measurement."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        conn.cursor().execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


def measure_responses(runs: dict) -> None:
    """Single responses through the gateway, straight to survey, and the minimal endpoint.

    Each is measured in two halves, in opposite orders, so that a change in the machine's
    load during the run weighs on the three alike.
    """
    halves: dict[str, list[dict]] = {name: [] for name in runs}
    for half, order in enumerate((list(runs), list(runs)[::-1])):
        for name in order:
            halves[name].append(load(*runs[name], tag=f"{name[0]}{half}", seconds=SECONDS))
    base, direct, gateway = (joined(halves[name]) for name in ("minimal", "direct", "gateway"))
    print(f"single responses, {CLIENTS} clients, {2 * SECONDS:.0f} s each:")
    report_load("through gateway", "responses/s", gateway)
    report_load("survey service", "responses/s", direct)
    report_load("minimal endpoint", "inserts/s", base)
    print(f"  ratio direct   {direct['rps'] / base['rps']:8.0%} (target >= 50%)")
    print(f"  ratio gateway  {gateway['rps'] / base['rps']:8.0%}", flush=True)


def measure_import(port: int, dsn: str, survey_ids: list[int]) -> None:
    """Import rows over HTTP beside a plain COPY of the same rows, alternately, best of each.

    Each import goes to a survey of its own, so that every one starts from no buckets.
    """
    rows = import_rows(IMPORT_ROWS)
    body = json.dumps({"responses": rows})
    copies, imports = [], []
    for survey_id in survey_ids:
        copies.append(IMPORT_ROWS / plain_copy(dsn, rows))
        status, result, seconds = call(port, "POST",
                                       f"/api/v1/surveys/{survey_id}/responses/import", body)
        assert status == 201, result
        imports.append(seconds)
    ours, copy = IMPORT_ROWS / min(imports), IMPORT_ROWS / min(copies)
    print(f"import of {IMPORT_ROWS:,} rows (JSON over HTTP, validated, with summaries), "
          f"best of {len(survey_ids)}:")
    print(f"  survey service   {ours:8.0f} rows/s "
          f"({', '.join(f'{s:.2f}' for s in imports)} s)")
    print(f"  plain COPY       {copy:8.0f} rows/s "
          f"({', '.join(f'{s:.2f}' for s in copies)} s)")
    print(f"  ratio            {ours / copy:8.0%} (target >= 40%)", flush=True)


def measure_summaries(port: int, dsn: str, survey_id: int) -> None:
    """Read a year of buckets by week and segment: whole vectors, then one index's part."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("ANALYZE survey.summary_buckets")
        cur.execute("SELECT count(*) FROM survey.summary_buckets WHERE survey_id = %s",
                    (survey_id,))
        buckets = cur.fetchone()[0]
    path = f"/internal/surveys/{survey_id}/summaries?group_by=week&segment_by=handled_by"
    print(f"summaries of {buckets:,} buckets by week and segment (median of 15):")
    for label, query in (("whole vectors", ""), ("index part", "&parts=index:customer_ai_trust"),
                         ("index + moments", "&parts=index:customer_ai_trust,moments")):
        timings = sorted(call(port, "GET", path + query)[2] for _ in range(15))
        print(f"  {label:16s} {1000 * timings[7]:8.0f} ms")


def main() -> int:
    """Run every measurement and print the figures."""
    print(f"machine: {describe_machine()}", flush=True)
    name = f"trustpulse_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    dsn = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    env = {"TRUSTPULSE_DATABASE_URL": dsn, "TRUSTPULSE_INTERNAL_TOKEN": INTERNAL_TOKEN,
           "TRUSTPULSE_LINK_SECRET": LINK_SECRET, "TRUSTPULSE_SCHEDULER": "false",
           "TRUSTPULSE_LOG_LEVEL": "WARNING", "BENCH_DSN": dsn}
    processes, ports = [], {}
    try:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE bare (id bigserial PRIMARY KEY, answers text NOT NULL)")
            cur.execute("CREATE TABLE bare_copy (id bigserial PRIMARY KEY, "
                        "submitted_at timestamptz, answers text NOT NULL)")
        for role, target, extra in (
                # The survey service's scheduler folds responses' summary deltas into
                # their buckets as in production: its cost is part of the figures.
                ("survey", "services.survey:create_app()", {"TRUSTPULSE_SCHEDULER": "true"}),
                ("minimal", "bench.bench_survey:minimal_app()", {}),
                ("gateway", "services.gateway:create_app()", {
                    "TRUSTPULSE_ADMIN_KEY": ADMIN_KEY, "TRUSTPULSE_RESPONDENT_RATE_LIMIT": RATE_LIMIT,
                    "TRUSTPULSE_METRICS_URL": f"http://127.0.0.1:{free_port()}"})):
            if role == "gateway":
                extra["TRUSTPULSE_SURVEY_URL"] = f"http://127.0.0.1:{ports['survey']}"
            process, ports[role] = start_gunicorn(target, {**env, **extra})
            processes.append(process)
        survey = create_survey(ports["gateway"])
        # The import before the measured response runs (as a historical import comes
        # first): after them, PostgreSQL's autovacuum would share the two cores with it.
        runs = response_runs(ports, survey["id"])
        warm_up(runs)
        settle(dsn)
        measure_import(ports["survey"], dsn,
                       [survey["id"], *(create_survey(ports["gateway"])["id"] for _ in range(2))])
        measure_responses(runs)
        measure_summaries(ports["survey"], dsn, survey["id"])
        print(f"machine after: {describe_machine()}")
    finally:
        for process in processes:
            stop(process)
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return 0


def create_survey(gateway_port: int) -> dict:
    """Create the bench's survey through the gateway with the bootstrap admin key."""
    conn = http.client.HTTPConnection("127.0.0.1", gateway_port, timeout=30)
    conn.request("POST", "/api/v1/surveys", json.dumps({
        "title": "Bench", "template": "ai-interaction",
        "segments": ["channel", "handled_by", "region"]}),
        {"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_KEY}"})
    response = conn.getresponse()
    survey = json.loads(response.read())
    assert response.status == 201, survey
    return survey


if __name__ == "__main__":
    sys.exit(main())
