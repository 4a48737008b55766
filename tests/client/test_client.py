"""The Python client (clients/python) against a live suite: every endpoint that exists."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from trustpulse_client import Client, Forbidden, NotFound, ValidationError

from tests.conftest import ADMIN_KEY
from tests.survey.conftest import PULSE_ANSWERS

DEPARTMENTS = ("Support", "Sales", "Care")
FIRST_MONDAY = date(2026, 3, 2)


class LosesTheFirstAnswer(requests.Session):
    """A session whose first answer to a write is lost on the way back (the server did it)."""

    def __init__(self):
        super().__init__()
        self.lost = 0
        self.keys: list[str] = []

    def request(self, method, url, **kwargs):
        answer = super().request(method, url, **kwargs)
        if method == "POST":
            self.keys.append(kwargs["headers"]["Idempotency-Key"])
            if not self.lost:
                self.lost += 1
                raise requests.ConnectionError("connection reset while reading the answer")
        return answer


@pytest.fixture
def client(suite) -> Client:
    return Client(suite.url("gateway"), ADMIN_KEY)


def _count(suite, service: str, table: str) -> int:
    engine = suite.servers[service].app.extensions["trustpulse_engine"]
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def _history(rng: random.Random) -> list[dict]:
    """Four closed weeks of 8 responses per department; Support drops in the last one."""
    rows = []
    for week in range(4):
        for department in DEPARTMENTS:
            for i in range(8):
                shift = -2 if (department == "Support" and week == 3) else 0
                answers = {**PULSE_ANSWERS,
                           **{key: max(1, min(5, rng.randint(2, 5) + shift))
                              for key in ("ai_confident", "ai_right_answers", "role_clarity")},
                           "comment": f"note {i}"}
                day = FIRST_MONDAY + timedelta(weeks=week, days=i % 5)
                rows.append({"submitted_at": f"{day}T10:00:00Z",
                             "segment": {"department": department}, "answers": answers})
    return rows


@pytest.fixture
def pulse(client) -> int:
    survey = client.create_survey(title="Pulse", kind="employee_pulse",
                                  template="ai-trust-pulse", segments=["department"])
    assert client.import_responses(survey["id"], responses=_history(random.Random(3))) == {
        "imported": 96}
    return survey["id"]


def test_scores_are_a_frame_of_the_series_rows(client, pulse, suite):
    frame = client.scores(pulse, metric="index:ai_trust", period="week",
                          segment_by=["department"])
    raw = requests.get(f"{suite.url('gateway')}/api/v1/surveys/{pulse}/scores",
                       params={"metric": "index:ai_trust", "period": "week",
                               "segment_by": "department"},
                       headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10).json()
    assert len(frame) == len(raw["series"]) == 12
    assert list(frame["segment.department"]) == [r["segment"]["department"]
                                                 for r in raw["series"]]
    assert list(frame["value"]) == [r["value"] for r in raw["series"]]
    assert list(frame["period"]) == [r["period"] for r in raw["series"]]
    assert frame.attrs["metric"] == "index:ai_trust" and frame.attrs["threshold"] == 5
    overall = client.scores(pulse, metric="index:ai_trust", period="month",
                            from_=date(2026, 3, 1), to=date(2026, 3, 29))
    assert "segment.department" not in overall.columns and overall["n"].sum() == 96


def test_changes_are_a_frame_with_both_periods_flattened(client, pulse):
    frame = client.changes(pulse, metric="index:ai_trust", period="week",
                           segment_by="department")
    assert len(frame) == 3
    assert {"a.period", "a.n", "a.value", "b.period", "b.value", "p_adjusted",
            "effect_size.name", "segment.department"} <= set(frame.columns)
    support = frame[frame["segment.department"] == "Support"].iloc[0]
    assert support["a.period"] == "2026-W12" and support["b.period"] == "2026-W13"
    assert support["difference"] < 0


def test_the_other_analytics_answer(client, pulse):
    compare = client.compare(pulse, metric="index:ai_trust", a="segment:department=Sales",
                             b="segment:department=Support")
    assert compare["test"] == "welch_t" and compare["a"]["n"] == 32
    distribution = client.distribution(pulse, question="job_security",
                                       a="segment:department=Sales",
                                       b="segment:department=Care")
    assert "p_value" in distribution
    trend = client.trend(pulse, metric="index:ai_trust", period="week")
    assert trend["periods"] == 4
    drivers = client.drivers(pulse, outcome="index:ai_trust")
    assert drivers["n"] == 96
    comments = client.comments(pulse, question="comment", selector="segment:department=Care")
    assert comments["n"] == 32 and isinstance(comments["comments"], list)
    impact = client.impact(pulse, metric="index:ai_trust", treated="segment:department=Support",
                           control="segment:department=Sales", before="2026-W10",
                           after="2026-W13")
    assert not impact["suppressed"] and impact["estimate"] < 0  # Support drops in W13
    assert impact["pre_trend"]["periods"] == 0
    with pytest.raises(ValidationError):  # a pulse is no customer survey
        client.linkage(employee=f"{pulse}:index:ai_trust", customer=f"{pulse}:item:enps",
                       by="department")
    assert client.snapshots(pulse) == []
    assert client.alerts() == [] and client.alert_deliveries() == []


def test_every_survey_is_listed_across_pages(client, suite):
    made = [client.create_survey(title=f"Pulse {i}", kind="employee_pulse",
                                 template="ai-trust-pulse")["id"] for i in range(3)]
    assert [s["id"] for s in client.http.pages("/api/v1/surveys", page_size=1)] == made
    assert [s["id"] for s in client.surveys()] == made
    assert client.survey(made[0])["title"] == "Pulse 0"
    assert {t["key"] for t in client.templates()} >= {"ai-trust-pulse", "ai-interaction"}


def test_waves_invitations_links_and_keys(client):
    survey = client.create_survey(title="Pulse", kind="employee_pulse",
                                  template="ai-trust-pulse")
    now = datetime.now().replace(microsecond=0)
    wave = client.create_wave(survey["id"], opens_at=now - timedelta(hours=1),
                              closes_at=now + timedelta(days=2))
    assert [w["id"] for w in client.waves(survey["id"])] == [wave["id"]]
    tokens = client.create_invitations(wave["id"], respondents=[{"segment": {}}] * 2)
    assert len(tokens) == 2
    assert client.submit_response(token=tokens[0], answers=PULSE_ANSWERS)["id"] > 0
    assert client.create_invitations(wave["id"], respondents=[{"segment": {}}] * 3,
                                     issue_tokens=False) == []
    live = client.participation(survey["id"])  # one response: the open wave's count is hidden
    assert list(live[["open", "suppressed", "invited"]].iloc[0]) == [True, True, None]
    header = "submitted_at," + ",".join([*PULSE_ANSWERS, "comment"])
    line = "2026-02-02T10:00:00Z," + ",".join([*map(str, PULSE_ANSWERS.values()), "très bien"])
    assert client.import_responses(survey["id"], csv=f"{header}\n{line}\n",
                                   dry_run=True) == {"imported": 0, "valid": 1}
    scheduled = client.schedule(survey["id"], every_days=14, open_days=5,
                                starts_at=now + timedelta(days=30))
    assert scheduled["every_days"] == 14
    customer = client.create_survey(title="Chat", kind="customer_ai", template="ai-interaction",
                                    segments=["channel"])
    link = client.create_link(customer["id"], interaction_id="chat-1",
                              segment={"channel": "chat"})
    assert link["token"] and link["url"]
    made = client.create_api_key(name="notebook", role="analyst")
    reader = Client(client.http.base_url, made["key"])
    assert reader.surveys()
    with pytest.raises(Forbidden) as refused:
        reader.api_keys()
    assert refused.value.details["role"] == "analyst"
    assert made["id"] in [k["id"] for k in client.api_keys()]
    client.revoke_api_key(made["id"])
    [revoked] = [k for k in client.api_keys() if k["id"] == made["id"]]
    assert revoked["revoked_at"] is not None


def test_errors_carry_the_error_document(client):
    with pytest.raises(NotFound) as missing:
        client.survey(987654)
    assert missing.value.status == 404 and missing.value.code == "not_found"
    assert missing.value.request_id
    with pytest.raises(ValidationError) as invalid:
        client.create_survey(title="", kind="nonsense", template="ai-trust-pulse")
    assert {"title", "kind"} <= set(invalid.value.details)


def test_a_lost_answer_is_retried_with_the_same_key_and_stored_once(suite):
    session = LosesTheFirstAnswer()
    client = Client(suite.url("gateway"), ADMIN_KEY, session=session)
    survey = Client(suite.url("gateway"), ADMIN_KEY).create_survey(
        title="Pulse", kind="employee_pulse", template="ai-trust-pulse")
    now = datetime.now()
    wave = Client(suite.url("gateway"), ADMIN_KEY).create_wave(
        survey["id"], opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    [token] = Client(suite.url("gateway"), ADMIN_KEY).create_invitations(
        wave["id"], respondents=[{"segment": {}}])
    stored = client.submit_response(token=token, answers=PULSE_ANSWERS)
    assert session.lost == 1 and len(session.keys) == 2 and len(set(session.keys)) == 1
    assert stored["id"] > 0 and _count(suite, "survey", "responses") == 1


def test_a_write_the_suite_cannot_replay_is_not_sent_twice(suite):
    session = LosesTheFirstAnswer()
    client = Client(suite.url("gateway"), ADMIN_KEY, session=session)
    with pytest.raises(requests.ConnectionError):
        client.create_survey(title="Pulse", kind="employee_pulse", template="ai-trust-pulse")
    assert len(session.keys) == 1 and _count(suite, "survey", "surveys") == 1
