"""Survey service throughput on PostgreSQL, each figure beside its bare baseline, same run.

- single responses/s: 16 concurrent keep-alive clients posting `POST /api/v1/responses`
  straight to the survey service (gunicorn gthread 2x4), beside a minimal Flask endpoint
  doing one pooled psycopg2 INSERT per request under the same gunicorn settings;
- import rows/s: 100,000 rows in one JSON `POST .../responses/import`, beside a plain
  `COPY` of the same rows into a bare table;
- summaries: a year of daily buckets x 20 segment combinations read and merged.

Needs PostgreSQL at `TRUSTPULSE_BENCH_DATABASE_URL` (default: local, user postgres); makes
and drops its own database; starts gunicorn on loopback ports and stops it.
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
import time
import uuid
from datetime import date, timedelta

import psycopg2
import psycopg2.pool

ADMIN_URL = os.environ.get("TRUSTPULSE_BENCH_DATABASE_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENTS, PROCESSES, SECONDS = 16, 4, 8.0
IMPORT_ROWS = 100_000
INTERNAL_TOKEN, LINK_SECRET = "bench-internal-token", "bench-link-secret"
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
    """Start gunicorn (gthread, 2 workers x 4 threads) and wait until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
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
    """One load process: `threads` keep-alive clients posting until the deadline."""
    import threading

    from services.survey.respondents.tokens import make_link_token

    port, path, survey_id, worker, threads, until = args
    results = []

    def run(thread: int):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        ok = failed = 0
        latencies = []
        i = 0
        while time.time() < until:
            i += 1
            token = make_link_token(LINK_SECRET, survey_id=survey_id,
                                    interaction_id=f"{worker}-{thread}-{i}",
                                    segment=SEGMENTS[i % len(SEGMENTS)]) if survey_id else "x"
            body = json.dumps({"token": token, "answers": ANSWERS})
            began = time.perf_counter()
            conn.request("POST", path, body, {"Content-Type": "application/json",
                                              "X-Internal-Token": INTERNAL_TOKEN})
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - began)
            ok += response.status == 201
            failed += response.status != 201
        results.append((ok, failed, latencies))

    pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return (sum(r[0] for r in results), sum(r[1] for r in results),
            [x for r in results for x in r[2]])


def load(port: int, path: str, survey_id: int | None) -> dict:
    """Run 16 clients for SECONDS; return requests/s and latency percentiles."""
    until = time.time() + SECONDS
    jobs = [(port, path, survey_id, w, CLIENTS // PROCESSES, until) for w in range(PROCESSES)]
    with multiprocessing.Pool(PROCESSES) as pool:
        parts = pool.map(_client_loop, jobs)
    ok, failed = sum(p[0] for p in parts), sum(p[1] for p in parts)
    latencies = sorted(x for p in parts for x in p[2])
    return {"rps": ok / SECONDS, "failed": failed,
            "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)]}


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


def main() -> int:
    """Run every measurement and print the figures."""
    name = f"trustpulse_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    dsn = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {"TRUSTPULSE_DATABASE_URL": dsn, "TRUSTPULSE_INTERNAL_TOKEN": INTERNAL_TOKEN,
           "TRUSTPULSE_LINK_SECRET": LINK_SECRET, "TRUSTPULSE_SCHEDULER": "false",
           "TRUSTPULSE_LOG_LEVEL": "WARNING", "BENCH_DSN": dsn}
    processes = []
    try:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE bare (id bigserial PRIMARY KEY, answers text NOT NULL)")
            cur.execute("CREATE TABLE bare_copy (id bigserial PRIMARY KEY, "
                        "submitted_at timestamptz, answers text NOT NULL)")
        survey_proc, survey_port = start_gunicorn("services.survey:create_app()", env)
        processes.append(survey_proc)
        status, survey, _ = call(survey_port, "POST", "/api/v1/surveys", {
            "title": "Bench", "template": "ai-interaction",
            "segments": ["channel", "handled_by", "region"]})
        assert status == 201, survey
        minimal_proc, minimal_port = start_gunicorn("bench.bench_survey:minimal_app()", env)
        processes.append(minimal_proc)
        base = load(minimal_port, "/insert", None)
        ours = load(survey_port, "/api/v1/responses", survey["id"])
        print(f"single responses, {CLIENTS} clients, {SECONDS:.0f} s, gunicorn gthread 2x4:")
        print(f"  survey service   {ours['rps']:8.0f} responses/s  p50 {ours['p50_ms']:.1f} ms  "
              f"p99 {ours['p99_ms']:.1f} ms  non-201: {ours['failed']}")
        print(f"  minimal endpoint {base['rps']:8.0f} inserts/s    p50 {base['p50_ms']:.1f} ms  "
              f"p99 {base['p99_ms']:.1f} ms")
        print(f"  ratio            {ours['rps'] / base['rps']:8.0%} (target >= 50%)")
        rows = import_rows(IMPORT_ROWS)
        copy_rate = plain_copy(dsn, rows)
        status, result, seconds = call(survey_port, "POST",
                                       f"/api/v1/surveys/{survey['id']}/responses/import",
                                       json.dumps({"responses": rows}))
        assert status == 201, result
        print(f"import of {IMPORT_ROWS:,} rows (JSON over HTTP, validated, with summaries):")
        print(f"  survey service   {IMPORT_ROWS / seconds:8.0f} rows/s ({seconds:.2f} s)")
        print(f"  plain COPY       {copy_rate:8.0f} rows/s")
        print(f"  ratio            {IMPORT_ROWS / seconds / copy_rate:8.0%} (target >= 40%)")
        path = (f"/internal/surveys/{survey['id']}/summaries?group_by=week"
                "&segment_by=handled_by")
        timings = sorted(call(survey_port, "GET", path)[2] for _ in range(7))
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM survey.summary_buckets")
            buckets = cur.fetchone()[0]
        print(f"summaries of {buckets:,} buckets by week and segment: "
              f"median {1000 * timings[3]:.0f} ms")
    finally:
        for process in processes:
            stop(process)
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
