"""`/metrics` of every service, read with prometheus_client's own parser."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from services.metrics.monitoring import scheduled
from services.survey.summaries import folding
from tests.conftest import ADMIN_KEY, start_suite
from tests.survey.conftest import PULSE_ANSWERS
from tests.test_cli import cli_environment, free_ports

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
SCRAPE_TOKEN = "scrape-" + "s" * 32


def samples(text: str, name: str, **labels) -> list[float]:
    """Return the values of the samples called `name` whose labels include `labels`."""
    return [sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and labels.items() <= sample.labels.items()]


def total(text: str, name: str, **labels) -> float:
    return sum(samples(text, name, **labels))


class Growth:
    """What the counters of one scrape gained since an earlier one (the test process runs
    many apps, and prometheus-client keeps one registry per process)."""

    def __init__(self, before: str, after: str):
        self.before, self.after = before, after

    def __call__(self, name: str, **labels) -> float:
        return total(self.after, name, **labels) - total(self.before, name, **labels)


@pytest.fixture
def scraped_suite(settings_factory):
    """The suite with a metrics token for the gateway's scrapers."""
    running = start_suite(settings_factory(metrics_token=SCRAPE_TOKEN))
    yield running
    running.shutdown()


def _internal(suite, service: str) -> str:
    response = requests.get(suite.url(service) + "/metrics", timeout=5,
                            headers={"X-Internal-Token": suite.settings.internal_token})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.text


def _pulse(client) -> dict:
    survey = client.post("/api/v1/surveys", headers=ADMIN, json={
        "title": "Pulse", "kind": "employee_pulse", "template": "ai-trust-pulse",
        "segments": ["department"]})
    assert survey.status_code == 201
    return survey.get_json()


def _invitation_token(client, survey: dict) -> str:
    """Return an invitation token of a wave open now."""
    wave = client.post(f"/api/v1/surveys/{survey['id']}/waves", headers=ADMIN,
                       json={"opens_at": "2026-01-01T00:00:00Z",
                             "closes_at": "2099-01-01T00:00:00Z"}).get_json()
    return client.post(f"/api/v1/waves/{wave['id']}/invitations", headers=ADMIN,
                       json={"respondents": [{"segment": {}}]}).get_json()["tokens"][0]


def test_gateway_metrics_only_for_the_scrape_token(scraped_suite):
    client = scraped_suite.client
    scrape = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    before = client.get("/metrics", headers=scrape).get_data(as_text=True)
    survey = _pulse(client)
    client.get(f"/api/v1/surveys/{survey['id']}", headers=ADMIN)
    client.get("/api/v1/surveys/987654", headers=ADMIN)
    client.get("/api/v1/surveys")  # no key: 401
    client.get("/no/such/path")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=ADMIN).status_code == 404  # an API key is not it
    answer = client.get("/metrics", headers=scrape)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    grown = Growth(before, answer.get_data(as_text=True))
    rule = "/api/v1/surveys/<id>"
    assert grown("trustpulse_http_requests_total", service="gateway", route=rule,
                 status="200", method="GET") == 1
    assert grown("trustpulse_http_requests_total", service="gateway", route=rule,
                 status="404") == 1
    assert grown("trustpulse_http_requests_total", service="gateway",
                 route="/api/v1/surveys", status="401") == 1
    assert grown("trustpulse_http_requests_total", service="gateway",
                 route="(unmatched)", status="404") == 1
    # The histogram counts the same requests, by route and status, in cumulative buckets.
    assert grown("trustpulse_http_request_duration_seconds_count", service="gateway",
                 route=rule) == 2
    assert grown("trustpulse_http_request_duration_seconds_bucket", service="gateway",
                 route=rule, status="200", le="+Inf") == 1
    # Backend calls: the survey creation and both reads went to the survey service.
    assert grown("trustpulse_backend_request_duration_seconds_count", backend="survey",
                 method="GET", status="200") >= 1
    assert grown("trustpulse_backend_request_duration_seconds_count", backend="survey",
                 method="GET", status="404") >= 1
    assert grown("trustpulse_backend_request_duration_seconds_count", backend="survey",
                 method="POST", status="201") >= 1


def test_gateway_metrics_are_not_served_without_a_token(suite):
    assert suite.client.get("/metrics").status_code == 404
    assert suite.client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_backend_failures_are_counted(scraped_suite):
    scrape = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    before = scraped_suite.client.get("/metrics", headers=scrape).get_data(as_text=True)
    scraped_suite.stop("survey")
    assert scraped_suite.client.get("/api/v1/surveys", headers=ADMIN).status_code == 503
    grown = Growth(before, scraped_suite.client.get("/metrics", headers=scrape).get_data(
        as_text=True))
    assert grown("trustpulse_backend_failures_total", backend="survey", reason="connection") == 1
    assert grown("trustpulse_backend_request_duration_seconds_count", backend="survey",
                 status="connection") == 1


def test_survey_counts_stored_responses_and_its_jobs(scraped_suite):
    survey_app = scraped_suite.servers["survey"].app
    before = _internal(scraped_suite, "survey")
    assert requests.get(scraped_suite.url("survey") + "/metrics", timeout=5).status_code == 404
    survey = _pulse(scraped_suite.client)
    rows = [{"submitted_at": "2026-03-02T09:30:00Z", "segment": {"department": "Support"},
             "answers": PULSE_ANSWERS}] * 3
    imported = scraped_suite.client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                                         headers=ADMIN, json={"responses": rows})
    assert imported.status_code == 201
    token = _invitation_token(scraped_suite.client, survey)
    answered = scraped_suite.client.post("/api/v1/responses",
                                         json={"token": token, "answers": PULSE_ANSWERS})
    assert answered.status_code == 201
    folding.fold_job(survey_app.extensions["trustpulse_engine"])
    text = _internal(scraped_suite, "survey")
    grown = Growth(before, text)
    assert grown("trustpulse_responses_stored_total", source="import") == 3
    assert grown("trustpulse_responses_stored_total", source="token") == 1
    assert grown("trustpulse_http_requests_total", service="survey",
                 route="/api/v1/surveys/<int:survey_id>/responses/import", status="201") == 1
    assert grown("trustpulse_job_runs_total", service="survey", job="fold_summary_deltas",
                 outcome="success") == 1
    assert samples(text, "trustpulse_summary_deltas_pending", service="survey") == [0]
    assert samples(text, "trustpulse_summary_fold_lag_seconds", service="survey") == [0]


def test_fold_lag_grows_while_deltas_wait(scraped_suite, backend):
    if backend != "postgresql":
        pytest.skip("only PostgreSQL stores single responses as deltas")
    engine = scraped_suite.servers["survey"].app.extensions["trustpulse_engine"]
    survey = _pulse(scraped_suite.client)
    token = _invitation_token(scraped_suite.client, survey)
    folding.fold_job(engine)  # nothing waits: seen all folded now
    scraped_suite.client.post("/api/v1/responses", json={"token": token,
                                                         "answers": PULSE_ANSWERS})
    time.sleep(0.2)
    # Another process folding holds the lock: this one folds nothing and reports the wait.
    with engine.connect() as other:
        other.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(current_schema() "
                              "|| '.summary_deltas'))"))
        folding.fold_job(engine)
        text = _internal(scraped_suite, "survey")
        other.rollback()
    assert samples(text, "trustpulse_summary_deltas_pending", service="survey") == [1]
    assert samples(text, "trustpulse_summary_fold_lag_seconds", service="survey")[0] >= 0.2


def test_metrics_counts_job_outcomes(scraped_suite):
    app = scraped_suite.servers["metrics"].app
    before = _internal(scraped_suite, "metrics")
    context = scheduled.JobContext(engine=app.extensions["trustpulse_engine"],
                                   source=app.extensions["trustpulse_survey_source"],
                                   webhook=None)
    assert scheduled.run_named_job(context, "refresh_snapshots") == 0
    held = scheduled.JobContext(engine=context.engine, source=context.source, webhook=None)
    from services.metrics.monitoring import repository

    now = scheduled.service.utcnow()
    assert repository.acquire_lease(context.engine, "detect_deteriorations", held.holder, now, 60)
    assert scheduled.run_named_job(context, "detect_deteriorations") is None
    with pytest.raises(ValueError):
        scheduled.run_named_job(context, "no_such_job")
    text = _internal(scraped_suite, "metrics")
    grown = Growth(before, text)
    assert grown("trustpulse_job_runs_total", service="metrics", job="refresh_snapshots",
                 outcome="success") == 1
    assert grown("trustpulse_job_runs_total", service="metrics", job="detect_deteriorations",
                 outcome="skipped") == 1
    assert grown("trustpulse_job_runs_total", service="metrics", job="no_such_job",
                 outcome="failure") == 1
    assert samples(text, "trustpulse_job_last_success_timestamp_seconds", service="metrics",
                   job="refresh_snapshots")[0] == pytest.approx(time.time(), abs=60)
    assert grown("trustpulse_job_duration_seconds_count", service="metrics",
                 job="refresh_snapshots") == 1


def test_gunicorn_workers_add_up_in_one_scrape(settings_factory, tmp_path):
    """`trustpulse serve` under gunicorn with two workers (a few seconds)."""
    settings = settings_factory()
    port = free_ports(1)[0]
    stale = tmp_path / "prom"
    stale.mkdir()
    (stale / "counter_1.db").write_bytes(b"left by an earlier run")
    env = {**cli_environment(settings, [free_ports(1)[0], port, free_ports(1)[0]]),
           "WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(stale),
           "TRUSTPULSE_INTERNAL_TOKEN": "internal-" + "i" * 32}
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "survey"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    token = {"X-Internal-Token": env["TRUSTPULSE_INTERNAL_TOKEN"]}
    try:
        _wait_ready(url, process)
        assert not (stale / "counter_1.db").exists()  # values of an earlier run are not kept
        _get_healthz(url, 20)
        first_workers = _worker_pids(stale)
        # The workers that answered die; gunicorn starts others, which answer the rest.
        for pid in first_workers:
            os.kill(pid, signal.SIGKILL)
        _wait_ready(url, process)
        _get_healthz(url, 20)
        text = requests.get(url + "/metrics", timeout=5, headers=token).text
    finally:
        process.terminate()
        process.wait(30)
    assert len(_worker_pids(stale) - first_workers) >= 1
    assert total(text, "trustpulse_http_requests_total", route="/healthz") == 40


def _get_healthz(url: str, times: int) -> None:
    for _ in range(times):
        assert requests.get(url + "/healthz", timeout=5).status_code == 200


def _worker_pids(directory) -> set[int]:
    return {int(path.stem.rsplit("_", 1)[1]) for path in directory.glob("counter_*.db")}


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the service exited"
        try:
            if requests.get(url + "/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.2)
    raise AssertionError("not ready")


def test_up_gives_each_service_its_own_metrics(settings_factory):
    """`trustpulse up` (about 10 s): survey's scrape counts survey's requests only."""
    import json

    from tests.test_cli import Running

    settings = settings_factory()
    ports = free_ports(3)
    running = Running({**cli_environment(settings, ports), "TRUSTPULSE_METRICS_TOKEN": "m" * 40})
    try:
        running.wait_for("Press Ctrl-C to stop.")
        token = json.loads((settings.data_dir / "secrets.json").read_text())[
            "TRUSTPULSE_INTERNAL_TOKEN"]
        survey = requests.get(f"http://127.0.0.1:{ports[1]}/metrics", timeout=5,
                              headers={"X-Internal-Token": token}).text
        gateway = requests.get(f"http://127.0.0.1:{ports[0]}/metrics", timeout=5,
                               headers={"Authorization": "Bearer " + "m" * 40}).text
    finally:
        assert running.terminate() == 0
    assert total(survey, "trustpulse_http_requests_total", route="/readyz") >= 1
    assert {s for s in ("gateway", "metrics") if samples(
        survey, "trustpulse_http_requests_total", service=s)} == set()
    # The gateway's readiness asks survey and metrics: its backend calls are its own.
    assert total(gateway, "trustpulse_backend_request_duration_seconds_count",
                 backend="survey") >= 1
    for service in ("gateway", "survey", "metrics"):
        assert list((settings.data_dir / "prometheus" / service).glob("*.db"))
