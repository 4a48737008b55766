"""A group answering now cannot be watched, and responses in open periods change nothing closed.

- The polling attack, through the whole suite: six invitations of one department answer 4,
  a seventh answers 1. Before, `scores` showed n=6 then n=7 and the seventh answer was
  7 x 3.5714 - 6 x 4.0 = 1. Now the open wave and its week are not published at all, so
  both reads are the same; once the wave has closed they show the seven together.
- The stability property (hypothesis): whatever responses arrive in open periods, every
  answer about closed periods stays exactly what it was.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.metrics.analytics import service
from tests.metrics.factories import analytics, answers, pulse_survey, response


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _answers(value: int) -> dict:
    survey = pulse_survey()
    out = {q["key"]: value for q in survey["questions"] if q["type"] == "likert5"}
    return {**out, "enps": 7, "preference": "prefer_ai"}


def _reads(client, headers, survey_id: int) -> list:
    reads = []
    for period in ("wave", "week", "month"):
        for segment_by in ("", "department"):
            answer = client.get(f"/api/v1/surveys/{survey_id}/scores", headers=headers,
                                query_string={"metric": "item:job_security", "period": period,
                                              "segment_by": segment_by})
            assert answer.status_code == 200, answer.json
            reads.append(answer.json)
    compare = client.get(f"/api/v1/surveys/{survey_id}/compare", headers=headers,
                         query_string={"metric": "item:job_security",
                                       "a": "segment:department=Support", "b": ""})
    assert compare.status_code == 200, compare.json
    reads.append(compare.json)
    return reads


def test_a_manager_polling_during_a_wave_learns_no_answer(suite, admin_headers):
    client = suite.client
    survey = pulse_survey(segments=("department",))
    created = client.post("/api/v1/surveys", headers=admin_headers, json={
        "title": "Pulse", "kind": "employee_pulse", "segments": ["department"],
        "questions": survey["questions"], "indices": survey["indices"]})
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    now = datetime.now(UTC)
    opens, closes = now - timedelta(hours=1), now + timedelta(days=2)
    wave = client.post(f"/api/v1/surveys/{survey_id}/waves", headers=admin_headers,
                       json={"opens_at": _iso(opens), "closes_at": _iso(closes)})
    assert wave.status_code == 201, wave.json
    invited = client.post(f"/api/v1/waves/{wave.json['id']}/invitations", headers=admin_headers,
                          json={"respondents": [{"segment": {"department": "Support"}}] * 7
                                + [{"segment": {"department": "Sales"}}] * 6})
    tokens = invited.json["tokens"]
    for token in tokens[7:]:
        assert client.post("/api/v1/responses", json={"token": token,
                                                      "answers": _answers(3)}).status_code == 201
    for token in tokens[:6]:
        assert client.post("/api/v1/responses", json={"token": token,
                                                      "answers": _answers(4)}).status_code == 201
    before = _reads(client, admin_headers, survey_id)
    assert client.post("/api/v1/responses", json={"token": tokens[6],
                                                  "answers": _answers(1)}).status_code == 201
    after = _reads(client, admin_headers, survey_id)
    assert after == before
    assert all(read["series"] == [] for read in before[:-1])  # nothing open is published
    assert before[-1]["suppressed"] is True and before[-1]["a"]["n"] is None
    # Once the wave and its week have closed, the seven show together, never one by one.
    analytics_context = suite.servers["metrics"].app.extensions["trustpulse_analytics"]
    analytics_context.clock = lambda: closes + timedelta(days=8)
    closed = _reads(client, admin_headers, survey_id)
    waves = {tuple(r["segment"].items()): r for r in closed[1]["series"]}
    support = waves[(("department", "Support"),)]
    assert support["n"] == 7
    assert support["value"] * 7 == 6 * 4 + 1


def _history(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for week in range(6):
        for department, size in (("Support", 9), ("Sales", 6), ("Legal", 2)):
            for _ in range(size + rng.choice((-1, 0, 1))):
                day = date(2026, 2, 2) + timedelta(days=7 * week + rng.randrange(5))
                rows.append(response(day, {"department": department}, answers(rng)))
    return rows


NOW = datetime(2026, 3, 18, 12, tzinfo=UTC)  # a Wednesday: weeks up to W11 are closed
WAVE = {"id": 9, "opens_at": "2026-03-16T08:00:00Z", "closes_at": "2026-03-20T18:00:00Z"}


def _closed_answers(context) -> list:
    out = []
    for period in ("week", "month", "quarter", "wave"):
        for segment_by in ("", "department"):
            out.append(service.scores(context, survey_id=1, metric="index:ai_trust",
                                      period=period, segment_by=segment_by))
    for department in ("Support", "Sales", "Legal", "Ops"):
        out.append(service.compare(context, survey_id=1, metric="index:ai_trust",
                                   a=f"segment:department={department}", b=""))
    return out


arrivals = st.lists(st.tuples(st.sampled_from(["Support", "Sales", "Legal", "Ops"]),
                              st.integers(0, 2), st.booleans(), st.integers(0, 10**6)),
                    min_size=1, max_size=25)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 3), arriving=arrivals)
def test_responses_in_open_periods_never_change_a_closed_periods_answer(seed, arriving):
    context = analytics(pulse_survey(segments=("department",), waves=[WAVE]), _history(seed),
                        now=NOW)
    before = _closed_answers(context)
    for department, days, in_wave, draw in arriving:
        # Today and the days before it in this week (open), in the open wave or not.
        day = date(2026, 3, 16) + timedelta(days=days)
        context.responses.append(response(day, {"department": department},
                                          answers(random.Random(draw)),
                                          wave=WAVE["id"] if in_wave else None))
    assert _closed_answers(context) == before
