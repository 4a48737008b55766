"""Scheduled jobs: snapshots, deterioration alerts, webhook delivery, leases, the alert list."""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from statsmodels.stats.multitest import multipletests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.metrics import create_app
from services.metrics.analytics import service as analytics
from services.metrics.monitoring import repository, scheduled
from services.metrics.monitoring import service as monitoring
from services.metrics.monitoring.webhooks import WebhookTarget
from tests.metrics.factories import MemoryAnalytics, MemorySource, pulse_survey, weekly_responses


class ListedSource(MemorySource):
    """An in-memory survey service that also lists its survey."""

    def surveys(self):
        return [{"id": 1, "title": "Pulse", "status": "active"}]


def _dropping_source() -> MemoryAnalytics:
    rng = random.Random(11)
    rows = weekly_responses(rng, date(2026, 3, 2), 6, {"Support": 40, "Sales": 40})
    # In the last week Support drops sharply, Sales does not.
    rows += weekly_responses(rng, date(2026, 4, 13), 1, {"Support": 40, "Sales": 40},
                             shifts={"Support": -1.5})
    return MemoryAnalytics(ListedSource(pulse_survey(), rows))


@pytest.fixture
def app(service_app):
    return service_app(create_app)


@pytest.fixture
def engine(app):
    return app.extensions["trustpulse_engine"]


class Receiver:
    """A webhook receiver on a real socket: fails the first `failures` calls."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.received = []
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def _app(self, request):
        if self.failures:
            self.failures -= 1
            return Response("busy", status=503)
        self.received.append((json.loads(request.data), request.headers.get("Idempotency-Key")))
        return Response("ok")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_detector_records_significant_drops_once_each(engine):
    source = _dropping_source()
    first = monitoring.detect_deteriorations(engine=engine, source=source, webhook=False)
    again = monitoring.detect_deteriorations(engine=engine, source=source, webhook=False)
    assert first >= 1 and again == 0  # deduplicated
    page = monitoring.list_alerts(engine=engine, limit=50, cursor=None)
    segments = [a["segment"] for a in page["items"]]
    assert {"department": "Support"} in segments
    assert {"department": "Sales"} not in segments
    support = next(a for a in page["items"] if a["segment"] == {"department": "Support"})
    assert support["period_a"] == "2026-W15" and support["period_b"] == "2026-W16"
    assert support["difference"] < 0 and support["p_adjusted"] < 0.05
    # The adjustment is Benjamini-Hochberg over the rows of one `changes` answer (statsmodels).
    rows = analytics.changes(source, survey_id=1, metric="index:ai_trust", period="week",
                             segment_by="department")["items"]
    _, adjusted, _, _ = multipletests([r["p_value"] for r in rows], method="fdr_bh")
    assert support["p_adjusted"] == pytest.approx(
        adjusted[[r["segment"] for r in rows].index({"department": "Support"})])


def test_alerts_are_delivered_once_with_retries(engine):
    receiver = Receiver(failures=2)
    try:
        monitoring.detect_deteriorations(engine=engine, source=_dropping_source(), webhook=True)
        session = requests.Session()
        now = monitoring.utcnow()
        for hour in range(4):  # each retry is due by the next hour
            monitoring.deliver_alerts(engine=engine, webhook=WebhookTarget(receiver.url),
                                      session=session, now=now + timedelta(hours=hour))
        ids = [body["alert"]["id"] for body, _ in receiver.received]
        assert ids and len(ids) == len(set(ids))  # each alert once, despite the retries
        assert all(key == f"alert-{body['alert']['id']}" for body, key in receiver.received)
        states = {a["delivery_state"] for a in
                  monitoring.list_alerts(engine=engine, limit=50, cursor=None)["items"]}
        assert states == {"delivered"}
    finally:
        receiver.stop()


def test_a_webhook_that_never_answers_ends_failed(engine):
    monitoring.detect_deteriorations(engine=engine, source=_dropping_source(), webhook=True)
    session = requests.Session()
    start = monitoring.utcnow()
    for hour in range(27):  # the retries stop a day after the alert
        monitoring.deliver_alerts(engine=engine, webhook=WebhookTarget("http://127.0.0.1:9/hook"),
                                  session=session, timeout=0.2,
                                  now=start + timedelta(hours=hour))
    states = {a["delivery_state"] for a in
              monitoring.list_alerts(engine=engine, limit=50, cursor=None)["items"]}
    assert states == {"failed"}


def test_snapshot_refresh_stores_every_index_score(app, engine):
    source = _dropping_source()
    written = monitoring.refresh_snapshots(engine=engine, source=source)
    expected = analytics.scores(source, survey_id=1, metric="index:ai_trust", period="week")
    by_dept = analytics.scores(source, survey_id=1, metric="index:ai_trust", period="week",
                               segment_by="department")
    assert written == len(expected["series"]) + len(by_dept["series"])
    token = app.config["TRUSTPULSE_SETTINGS"].internal_token
    app.extensions["trustpulse_survey_source"] = source  # the survey the route checks exists
    client = app.test_client()
    page = client.get("/api/v1/surveys/1/snapshots?limit=500",
                      headers={"X-Internal-Token": token}).json
    overall = [r for r in page["items"] if r["segment"] == {}]
    assert [r["value"] for r in overall] == [r["value"] for r in expected["series"]]
    assert monitoring.refresh_snapshots(engine=engine, source=source) == written  # replaced


def test_alert_list_paginates_newest_first(app, engine):
    now = datetime(2026, 5, 1)
    for i in range(5):
        repository.insert_alert(engine, {
            "dedup_key": f"k{i}", "survey_id": 1, "metric": "index:ai_trust",
            "period_kind": "week", "segment": {}, "period_a": "2026-W01", "period_b": "2026-W02",
            "value_a": 60.0, "value_b": 50.0 - i, "difference": -10.0 - i, "p_value": 0.001,
            "p_adjusted": 0.002, "created_at": now + timedelta(minutes=i),
            "delivery_state": "none"})
    token = app.config["TRUSTPULSE_SETTINGS"].internal_token
    client = app.test_client()
    first = client.get("/api/v1/alerts?limit=2", headers={"X-Internal-Token": token}).json
    second = client.get(f"/api/v1/alerts?limit=2&cursor={first['next_cursor']}",
                        headers={"X-Internal-Token": token}).json
    last = client.get(f"/api/v1/alerts?limit=2&cursor={second['next_cursor']}",
                      headers={"X-Internal-Token": token}).json
    ids = [a["id"] for page in (first, second, last) for a in page["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5
    assert last["next_cursor"] is None
    assert first["items"][0]["created_at"].endswith("Z")
    bad = client.get("/api/v1/alerts?cursor=abc", headers={"X-Internal-Token": token})
    assert bad.status_code == 422 and "cursor" in bad.json["error"]["details"]


def test_a_job_runs_in_one_replica_at_a_time(engine):
    source = _dropping_source()
    one = scheduled.JobContext(engine=engine, source=source, webhook=None)
    other = scheduled.JobContext(engine=engine, source=source, webhook=None)
    now = monitoring.utcnow()
    assert repository.acquire_lease(engine, "refresh_snapshots", one.holder, now, 60)
    assert scheduled.run_named_job(other, "refresh_snapshots") is None  # lease held elsewhere
    repository.release_lease(engine, "refresh_snapshots", one.holder)
    assert scheduled.run_named_job(other, "refresh_snapshots") > 0
    # An expired lease is taken over.
    assert repository.acquire_lease(engine, "detect_deteriorations", one.holder,
                                    now - timedelta(hours=1), 60)
    assert repository.acquire_lease(engine, "detect_deteriorations", other.holder, now, 60)


def test_the_scheduler_persists_its_named_jobs(engine):
    context = scheduled.JobContext(engine=engine, source=_dropping_source(), webhook=None)
    scheduler = scheduled.start_scheduler(context, context_key="test")
    try:
        names = sorted(job.id for job in scheduler.get_jobs())
        assert names == sorted(scheduled.JOB_INTERVALS)
        # Each job first runs soon after start-up, not one whole interval later.
        soon = datetime.now(UTC) + timedelta(seconds=scheduled.FIRST_RUN_DELAY_SECONDS + 5)
        assert all(job.next_run_time <= soon for job in scheduler.get_jobs())
    finally:
        scheduler.shutdown(wait=False)
    import sqlalchemy as sa

    with engine.connect() as conn:
        stored = conn.execute(sa.text(f"SELECT id FROM {scheduled.JOBSTORE_TABLE}")).scalars().all()
    assert sorted(stored) == sorted(scheduled.JOB_INTERVALS)
