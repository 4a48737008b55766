"""Prometheus metrics of every service: requests, backend calls, responses, jobs; `/metrics`.

Under gunicorn each worker is a process of its own: with `PROMETHEUS_MULTIPROC_DIR` set
(`trustpulse up` and `trustpulse serve` set it, one directory per service, emptied at
start), prometheus-client keeps every process's values in files there and `/metrics` sums
them. Without it (tests, a single process) the values live in this process's memory.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from shared.errors import NotFound

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Requests no rule matched share one label value: unknown paths are unbounded.
UNMATCHED = "(unmatched)"
# Seconds: most answers take milliseconds, imports and first-time analytics seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)

HTTP_REQUESTS = Counter(
    "trustpulse_http_requests", "HTTP requests answered, by route template and status.",
    ("service", "method", "route", "status"))
HTTP_DURATION = Histogram(
    "trustpulse_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status.",
    ("service", "method", "route", "status"), buckets=LATENCY_BUCKETS)
BACKEND_DURATION = Histogram(
    "trustpulse_backend_request_duration_seconds",
    "Time of a call to another TrustPulse service, by backend and answer status.",
    ("backend", "method", "status"), buckets=LATENCY_BUCKETS)
BACKEND_FAILURES = Counter(
    "trustpulse_backend_failures",
    "Calls to another TrustPulse service that got no answer (connect, timeout) or a 5xx.",
    ("backend", "reason"))
RESPONSES_STORED = Counter(
    "trustpulse_responses_stored", "Survey responses stored, by how they came (token, import).",
    ("source",))
FOLD_PENDING = Gauge(
    "trustpulse_summary_deltas_pending",
    "Single responses' summary deltas not yet folded into their buckets (PostgreSQL).",
    ("service",), multiprocess_mode="mostrecent")
FOLD_LAG = Gauge(
    "trustpulse_summary_fold_lag_seconds",
    "Seconds since the summary deltas were last seen all folded (0 when none wait).",
    ("service",), multiprocess_mode="mostrecent")
JOB_RUNS = Counter(
    "trustpulse_job_runs", "Scheduled job runs by outcome (success, failure, skipped).",
    ("service", "job", "outcome"))
JOB_DURATION = Histogram(
    "trustpulse_job_duration_seconds", "Time of a scheduled job run that did its work.",
    ("service", "job", "outcome"), buckets=JOB_BUCKETS)
JOB_LAST_SUCCESS = Gauge(
    "trustpulse_job_last_success_timestamp_seconds",
    "Unix time of a scheduled job's last successful run.", ("service", "job"),
    multiprocess_mode="mostrecent")


def init_metrics(app: Flask, service: str) -> None:
    """Count and time every request the app answers, by route template and status."""

    @app.before_request
    def _start_clock():
        g.metrics_started_at = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started_at", None)
        if started is not None:
            rule = request.url_rule
            labels = (service, request.method, rule.rule if rule else UNMATCHED,
                      str(response.status_code))
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_DURATION.labels(*labels).observe(time.perf_counter() - started)
        return response


def register_metrics_endpoint(app: Flask, allowed: Callable[[], bool]) -> None:
    """Serve `GET /metrics` in Prometheus' text format to callers `allowed` admits (else 404)."""

    @app.get("/metrics")
    def metrics():
        if not allowed():
            raise NotFound("No such resource.")
        return Response(render_metrics(), content_type=CONTENT_TYPE_LATEST)


def render_metrics() -> bytes:
    """Return every metric of this service (all of its processes) in the text format."""
    if os.environ.get(MULTIPROC_VARIABLE):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def bearer_token_check(expected: str | None) -> Callable[[], bool]:
    """Return a check that the request presents `Authorization: Bearer <expected>`."""

    def allowed() -> bool:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), expected.encode())

    return allowed


def observe_backend_call(backend: str, method: str, seconds: float, *,
                         status: int | None = None, failure: str | None = None) -> None:
    """Record one call to a backend: its time, and a failure when it got none or a 5xx."""
    BACKEND_DURATION.labels(backend, method, str(status) if status else failure).observe(seconds)
    if failure or (status and status >= 500):
        BACKEND_FAILURES.labels(backend, failure or f"http_{status}").inc()


def record_fold_state(pending: int, last_empty: float, now: float) -> None:
    """Publish how many summary deltas wait and since when they have."""
    # Labelled, like every metric here, so that no value is made (in a file) at import.
    FOLD_PENDING.labels("survey").set(pending)
    FOLD_LAG.labels("survey").set(0.0 if pending == 0 else now - last_empty)


@contextmanager
def observed_job(service: str, job: str) -> Iterator[None]:
    """Count and time one run of a scheduled job; an exception is a failure (and re-raised)."""
    started = time.perf_counter()
    outcome = "failure"
    try:
        yield
        outcome = "success"
    finally:
        JOB_RUNS.labels(service, job, outcome).inc()
        JOB_DURATION.labels(service, job, outcome).observe(time.perf_counter() - started)
        if outcome == "success":
            JOB_LAST_SUCCESS.labels(service, job).set(time.time())


def record_skipped_job(service: str, job: str) -> None:
    """Count a job run left to another replica (its lease was held)."""
    JOB_RUNS.labels(service, job, "skipped").inc()


def multiprocess_environment(environ: Mapping[str, str], data_dir: Path, service: str, *,
                             shared_parent: bool) -> dict[str, str]:
    """Return `{PROMETHEUS_MULTIPROC_DIR: dir}` for one service's processes, the dir emptied.

    A directory given in the environment is used as it is (`shared_parent=False`, one
    service per container) or holds one directory per service (`trustpulse up`); else it is
    `<data dir>/prometheus/<service>`. Files left by an earlier run would be counted again.
    """
    given = environ.get(MULTIPROC_VARIABLE)
    if given and not shared_parent:
        path = Path(given)
    else:
        path = (Path(given) if given else data_dir / "prometheus") / service
    if path.exists():
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path.mkdir(parents=True)
    return {MULTIPROC_VARIABLE: str(path.resolve())}

