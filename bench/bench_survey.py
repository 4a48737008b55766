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
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta

import psycopg2
import psycopg2.pool

# Imported here, before the load processes fork: importing it in each of them would eat
# into their measured seconds on a loaded machine.
from services.survey.respondents.tokens import make_link_token

ADMIN_URL = os.environ.get("TRUSTPULSE_BENCH_DATABASE_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENTS, PROCESSES, SECONDS = 16, 4, 5.0
# gunicorn settings of every server measured (see the README's Benchmarks for the choice).
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
IMPORT_ROWS = 100_000
TOKENS_PER_CLIENT = 800
INTERNAL_TOKEN, LINK_SECRET = "bench-internal-token", "bench-link-secret"
ADMIN_KEY = "tp_admin_" + "b" * 40
# Raised from the default 60 a minute per address: every bench client shares 127.0.0.1.
RATE_LIMIT = "1000000000"
ANSWERS = {"csat": 4, "ai_disclosure": 5, "empathy_sincere": 3, "answer_trust": 4,
           "human_access": 2, "resolved": 5, "next_preference": "prefer_human", "nps": 9}
SEGMENTS = [{"channel": c, "handled_by": h} for c in ("chat", "voice", "email", "sms", "web")
            for h in ("ai", "human", "hybrid", "ai_escalated")]


def minimal_app():
    """A bare Flask endpoint: one pooled psycopg2 INSERT per request (the baseline)."""
    from flask import Flask, jsonify, request

    app = Flask("minimal")
    pool = psycopg2.pool.ThreadedConnectionPool(4, 4, os.environ["BENCH_DSN"])

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(target: str, env: dict) -> tuple[subprocess.Popen, int]:
    """Start gunicorn with the bench's worker settings and wait until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-k", WORKER_CLASS, "-w", str(WORKERS),
         "--threads", str(THREADS), "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        env={**os.environ, **env}, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn {target} did not start")


def stop(process: subprocess.Popen) -> None:
    """Stop a gunicorn we started, and its workers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _client_loop(args) -> tuple[int, int, list[float]]:
    """One load process: `threads` keep-alive clients posting from `start` to `until`."""
    port, path, headers, survey_id, tag, threads, start, until = args
    results, late = [], []

    def body(thread: int, i: int) -> str:
        token = make_link_token(LINK_SECRET, survey_id=survey_id,
                                interaction_id=f"{tag}-{thread}-{i}",
                                segment=SEGMENTS[i % len(SEGMENTS)]) if survey_id else "x"
        return json.dumps({"token": token, "answers": ANSWERS})

    def run(thread: int):
        bodies = [body(thread, i) for i in range(TOKENS_PER_CLIENT)]
        if time.time() > start + 0.1:
            late.append(thread)  # its share would be measured over a shorter time
        time.sleep(max(0.0, start - time.time()))
        conn = http.client.HTTPConnection("127.0.0.1", port)
        ok = failed = 0
        latencies = []
        i = 0
        while time.time() < until:
            data = bodies[i] if i < len(bodies) else body(thread, i)
            i += 1
            began = time.perf_counter()
            try:
                conn.request("POST", path, data, headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                # A connection the server closed: counted as failed, then a new one.
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port)
                failed += 1
                continue
            latencies.append(time.perf_counter() - began)
            ok += response.status == 201
            failed += response.status != 201
        results.append((ok, failed, latencies))

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if late:
        raise RuntimeError("load clients were not ready in time: lengthen their head start")
    return (sum(r[0] for r in results), sum(r[1] for r in results),
            [x for r in results for x in r[2]])


def load(port: int, path: str, survey_id: int | None, tag: str, *, internal: bool,
         seconds: float = SECONDS) -> dict:
    """Run 16 clients for `seconds`; return the 201s, the others and every latency."""
    headers = {"Content-Type": "application/json"}
    if internal:  # straight to a service, as the gateway calls it; respondents carry no key
        headers["X-Internal-Token"] = INTERNAL_TOKEN
    start = time.time() + 1.0  # time to make every client's bodies first
    jobs = [(port, path, headers, survey_id, f"{tag}{w}", CLIENTS // PROCESSES, start,
             start + seconds) for w in range(PROCESSES)]
    with multiprocessing.Pool(PROCESSES) as pool:
        parts = pool.map(_client_loop, jobs)
    return {"ok": sum(p[0] for p in parts), "failed": sum(p[1] for p in parts),
            "latencies": [x for p in parts for x in p[2]]}


def report_load(label: str, unit: str, figures: dict) -> None:
    """Print one line of a load run."""
    print(f"  {label:16s} {figures['rps']:8.0f} {unit:11s} p50 {figures['p50_ms']:5.1f} ms  "
          f"p99 {figures['p99_ms']:5.1f} ms  non-201: {figures['failed']}", flush=True)


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
        answers = {**ANSWERS, "csat": rng.randint(1, 5), "nps": rng.randint(0, 10)}
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


def describe_machine() -> str:
    """Return the cores, CPU model and load average the figures were measured under."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    load_1, load_5, _ = os.getloadavg()
    return (f"{os.cpu_count()} cores, {cpu}; load average {load_1:.2f} (1 min), "
            f"{load_5:.2f} (5 min); gunicorn {WORKER_CLASS} {WORKERS}x{THREADS}")


def measure_responses(ports: dict, survey_id: int) -> None:
    """Single responses through the gateway, straight to survey, and the minimal endpoint.

    Each is warmed up, then measured in two halves, in opposite orders, so that a change
    in the machine's load during the run weighs on the three alike.
    """
    runs = {"minimal": (ports["minimal"], "/insert", None, False),
            "direct": (ports["survey"], "/api/v1/responses", survey_id, True),
            "gateway": (ports["gateway"], "/api/v1/responses", survey_id, False)}
    for name, (port, path, survey, internal) in runs.items():
        # Warm-up, not counted: pooled connections opened, caches and statements filled.
        load(port, path, survey, f"{name[0]}w", internal=internal, seconds=1.0)
    halves: dict[str, list[dict]] = {name: [] for name in runs}
    for half, order in enumerate((list(runs), list(runs)[::-1])):
        for name in order:
            port, path, survey, internal = runs[name]
            halves[name].append(load(port, path, survey, f"{name[0]}{half}", internal=internal))
    base, direct, gateway = (_joined(halves[name]) for name in ("minimal", "direct", "gateway"))
    print(f"single responses, {CLIENTS} clients, {2 * SECONDS:.0f} s each:")
    report_load("through gateway", "responses/s", gateway)
    report_load("survey service", "responses/s", direct)
    report_load("minimal endpoint", "inserts/s", base)
    print(f"  ratio direct   {direct['rps'] / base['rps']:8.0%} (target >= 50%)")
    print(f"  ratio gateway  {gateway['rps'] / base['rps']:8.0%}", flush=True)


def _joined(halves: list[dict]) -> dict:
    """Return the figures of two halves of a load run taken together."""
    latencies = sorted(x for half in halves for x in half["latencies"])
    return {"rps": sum(h["ok"] for h in halves) / (SECONDS * len(halves)),
            "failed": sum(h["failed"] for h in halves),
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)]}


def measure_import(port: int, dsn: str, survey_id: int) -> None:
    """Import rows over HTTP beside a plain COPY of the same rows."""
    rows = import_rows(IMPORT_ROWS)
    copy_rate = plain_copy(dsn, rows)
    status, result, seconds = call(port, "POST", f"/api/v1/surveys/{survey_id}/responses/import",
                                   json.dumps({"responses": rows}))
    assert status == 201, result
    print(f"import of {IMPORT_ROWS:,} rows (JSON over HTTP, validated, with summaries):")
    print(f"  survey service   {IMPORT_ROWS / seconds:8.0f} rows/s ({seconds:.2f} s)")
    print(f"  plain COPY       {copy_rate:8.0f} rows/s")
    print(f"  ratio            {IMPORT_ROWS / seconds / copy_rate:8.0%} (target >= 40%)", flush=True)


def measure_summaries(port: int, dsn: str, survey_id: int) -> None:
    """Read a year of buckets by week and segment: whole vectors, then one index's part."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("ANALYZE survey.summary_buckets")
        cur.execute("SELECT count(*) FROM survey.summary_buckets")
        buckets = cur.fetchone()[0]
    path = f"/internal/surveys/{survey_id}/summaries?group_by=week&segment_by=handled_by"
    print(f"summaries of {buckets:,} buckets by week and segment (median of 7):")
    for label, query in (("whole vectors", ""), ("index part", "&parts=index:customer_ai_trust"),
                         ("index + moments", "&parts=index:customer_ai_trust,moments")):
        timings = sorted(call(port, "GET", path + query)[2] for _ in range(7))
        print(f"  {label:16s} {1000 * timings[3]:8.0f} ms")


def main() -> int:
    """Run every measurement and print the figures."""
    print(f"machine: {describe_machine()}", flush=True)
    name = f"trustpulse_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    dsn = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
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
                ("survey", "services.survey:create_app()", {}),
                ("minimal", "bench.bench_survey:minimal_app()", {}),
                ("gateway", "services.gateway:create_app()", {
                    "TRUSTPULSE_ADMIN_KEY": ADMIN_KEY, "TRUSTPULSE_RESPONDENT_RATE_LIMIT": RATE_LIMIT,
                    "TRUSTPULSE_METRICS_URL": f"http://127.0.0.1:{free_port()}"})):
            if role == "gateway":
                extra["TRUSTPULSE_SURVEY_URL"] = f"http://127.0.0.1:{ports['survey']}"
            process, ports[role] = start_gunicorn(target, {**env, **extra})
            processes.append(process)
        survey = create_survey(ports["gateway"])
        measure_responses(ports, survey["id"])
        measure_import(ports["survey"], dsn, survey["id"])
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
