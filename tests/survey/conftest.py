"""Fixtures of the survey service tests: the app on SQLite and PostgreSQL, and data factories."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa

from services.survey import create_app
from services.survey.responses import repository
from tests.conftest import ServerThread


@pytest.fixture
def app(service_app):
    """The survey app on the test's database, scheduler off."""
    return service_app(create_app)


@pytest.fixture
def engine(app):
    """The survey app's database engine."""
    return app.extensions["trustpulse_engine"]


def bucket_made_before_copy(monkeypatch, engine) -> list:
    """Make the bucket a COPY into `summary_buckets` is about to write, just before it, as
    another writer committing meanwhile would (PostgreSQL); return the planted rows."""
    original, planted = repository._copy, []

    def copy_after_another_writer(conn, statement, source):
        if "summary_buckets" in statement and not planted:
            fields = source.splitlines()[0].split("\t")
            planted.append(fields)
            with engine.begin() as other:
                other.execute(sa.text(
                    "INSERT INTO summary_buckets (survey_id, day, wave_id, combo_id, n, vector)"
                    " VALUES (CAST(:s AS int), CAST(:d AS date), CAST(:w AS int),"
                    " CAST(:c AS int), CAST(:n AS bigint), decode(:v, 'hex'))"),
                    dict(zip("sdwcn", fields[:5]), v=fields[5][3:]))
        return original(conn, statement, source)

    monkeypatch.setattr(repository, "_copy", copy_after_another_writer)
    return planted


def summarised_count(engine) -> int:
    """Return how many responses the stored summaries count: buckets and deltas."""
    with engine.connect() as conn:
        return sum(conn.execute(sa.text(f"SELECT coalesce(sum(n), 0) FROM {table}")).scalar()
                   for table in ("summary_buckets", "summary_deltas"))


class SurveyClient:
    """A test client that presents the internal token, as the gateway does."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.headers = {"X-Internal-Token": app.config["TRUSTPULSE_SETTINGS"].internal_token}

    def _call(self, method, path, headers=None, **kwargs):
        return self.client.open(path, method=method, headers={**self.headers, **(headers or {})},
                                **kwargs)

    def get(self, path, **kwargs):
        return self._call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self._call("POST", path, **kwargs)

    def ok(self, method, path, status, **kwargs):
        """Call and assert the status; return the JSON body."""
        response = self._call(method, path, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    def survey(self, **fields):
        """Create a survey (default: the employee template with department and location)."""
        body = {"title": "Support pulse", "template": "ai-trust-pulse",
                "segments": ["department", "location"], **fields}
        return self.ok("POST", "/api/v1/surveys", 201, json=body)

    def wave(self, survey_id, *, opens=-1, closes=24):
        """Create a wave opening and closing `opens`/`closes` hours from now."""
        now = datetime.now(UTC)
        body = {"opens_at": iso(now + timedelta(hours=opens)),
                "closes_at": iso(now + timedelta(hours=closes))}
        return self.ok("POST", f"/api/v1/surveys/{survey_id}/waves", 201, json=body)

    def invite(self, wave_id, segments):
        """Return one token per segment dict."""
        body = {"respondents": [{"segment": s} for s in segments]}
        return self.ok("POST", f"/api/v1/waves/{wave_id}/invitations", 201, json=body)["tokens"]

    def respond(self, token, answers, headers=None):
        """Post a response; return the raw response."""
        return self.post("/api/v1/responses", json={"token": token, "answers": answers},
                         headers=headers)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


PULSE_ANSWERS = {"ai_confident": 4, "ai_right_answers": 3, "ai_wary": 2, "ai_copilot": 5,
                 "job_security": 4, "job_loss_ai": 2, "ai_skills": 3, "role_clarity": 4,
                 "ai_control": 3, "monitoring_purpose": 3, "worn_out": 4, "customer_drain": 2,
                 "recommend_workplace": 8}
INTERACTION_ANSWERS = {"csat": 5, "effort": 4, "answer_trust": 4, "understood": 3,
                       "empathy_sincere": 3, "human_access": 2, "ai_disclosure": 4,
                       "next_preference": "prefer_human", "recommend": 9}


@pytest.fixture
def client(app):
    """The survey app's client, carrying the internal token."""
    return SurveyClient(app)


class LiveSurvey:
    """The survey app behind a real threaded HTTP server, called as the gateway calls it."""

    def __init__(self, server: ServerThread, token: str):
        self.server = server
        self.headers = {"X-Internal-Token": token}

    def post(self, path: str, **kwargs) -> requests.Response:
        """POST to the live service; `headers` are added to the internal token."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.post(self.server.url + path, headers=headers, timeout=60, **kwargs)


@pytest.fixture
def live(app):
    """The survey app served on loopback, for requests that must really run concurrently."""
    server = ServerThread(app)
    yield LiveSurvey(server, app.config["TRUSTPULSE_SETTINGS"].internal_token)
    server.stop()


def at_once(calls: list[Callable[[], object]]) -> list:
    """Run every call in its own thread, all released together; return results in order."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
