"""The analytics endpoints through the gateway, on data imported into the survey service."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from services.metrics.analytics import service
from tests.metrics.factories import analytics, answers, pulse_survey, response

ANALYTICS = ("scores", "compare", "distribution", "changes", "trend", "drivers", "comments")


def _definition() -> dict:
    survey = pulse_survey(segments=("department", "location"))
    return {"title": "Support pulse", "kind": "employee_pulse", "segments": survey["segments"],
            "anonymity_threshold": 5, "comment_threshold": 10,
            "questions": survey["questions"], "indices": survey["indices"]}


def _rows(seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    sizes = {("Support", "Leeds"): 9, ("Support", "York"): 5, ("Sales", "Leeds"): 6,
             ("Legal", "York"): 2}
    rows, start = [], date(2026, 6, 1)
    for week in range(16):
        for (department, location), size in sizes.items():
            for i in range(size):
                day = start + timedelta(days=7 * week + i % 5)
                shift = -0.8 if week >= 14 and department == "Support" else 0.0
                rows.append(response(day, {"department": department, "location": location},
                                     answers(rng, shift)))
    return rows


@pytest.fixture
def loaded(suite, admin_headers):
    """A survey with sixteen weeks of imported responses, and the same rows in memory."""
    client = suite.client
    created = client.post("/api/v1/surveys", json=_definition(), headers=admin_headers)
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    waves = []
    for opens, closes in (("2026-06-01", "2026-06-13"), ("2026-07-06", "2026-07-18")):
        wave = client.post(f"/api/v1/surveys/{survey_id}/waves", headers=admin_headers,
                           json={"opens_at": f"{opens}T00:00:00Z", "closes_at": f"{closes}T00:00:00Z"})
        assert wave.status_code == 201, wave.json
        waves.append({"id": wave.json["id"], "opens_at": f"{opens}T00:00:00Z",
                      "closes_at": f"{closes}T00:00:00Z"})
    rows = _rows()
    # The memory copy knows the same waves: a response belongs to the wave open on its day.
    for row in rows:
        row["wave"] = next((w["id"] for w in waves
                            if w["opens_at"][:10] <= row["day"].isoformat() < w["closes_at"][:10]),
                           None)
    body = {"responses": [{"submitted_at": f"{r['day'].isoformat()}T10:00:00Z",
                           "segment": r["segment"], "answers": r["answers"]} for r in rows]}
    imported = client.post(f"/api/v1/surveys/{survey_id}/responses/import", json=body,
                           headers=admin_headers)
    assert imported.status_code == 201, imported.json
    return survey_id, analytics(pulse_survey(segments=("department", "location"), waves=waves),
                                   rows)


def _get(suite, headers, survey_id, name, **params):
    return suite.client.get(f"/api/v1/surveys/{survey_id}/{name}", query_string=params,
                            headers=headers)


def test_every_endpoint_answers_through_the_gateway_like_the_service_layer(
        suite, admin_headers, loaded):
    survey_id, memory = loaded
    calls = {
        "scores": {"metric": "index:ai_trust", "period": "week", "segment_by": "department"},
        "compare": {"metric": "nps:enps", "a": "segment:department=Support",
                    "b": "segment:department=Sales"},
        "distribution": {"question": "preference", "a": "period:2026-06", "b": "period:2026-07"},
        "changes": {"metric": "top2:training", "period": "month", "segment_by": "location"},
        "trend": {"metric": "item:enps", "period": "week", "segment": "department=Support"},
        "drivers": {"outcome": "index:ai_trust", "selector": "segment:location=Leeds"},
    }
    for name, params in calls.items():
        answer = _get(suite, admin_headers, survey_id, name, **params)
        assert answer.status_code == 200, (name, answer.json)
        expected = getattr(service, name)(memory, survey_id=1, **params)
        expected.pop("survey_id", None)
        got = {k: v for k, v in answer.json.items() if k != "survey_id"}
        assert _close(got, expected), name


def _close(got, expected) -> bool:
    """Equal structures, floats equal to rounding (the JSON round trip)."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(
            _close(got[k], expected[k]) for k in expected)
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(
            _close(g, e) for g, e in zip(got, expected))
    if isinstance(expected, float):
        return got == pytest.approx(expected)
    return got == expected


def test_scores_per_quarter_and_wave_and_several_attributes(suite, admin_headers, loaded):
    survey_id, memory = loaded
    answer = _get(suite, admin_headers, survey_id, "scores", metric="share:preference=avoid_ai",
                  period="quarter", segment_by="department,location")
    assert answer.status_code == 200
    rows = {(r["period"], r["segment"]["department"], r["segment"]["location"]): r
            for r in answer.json["series"]}
    support = rows[("2026-Q3", "Support", "Leeds")]
    raw = [a for a in memory.raw(department="Support", location="Leeds", period="2026-Q3")]
    assert support["n"] == len(raw)
    assert support["value"] == pytest.approx(np.mean([a["preference"] == "avoid_ai" for a in raw]))
    weekly = _get(suite, admin_headers, survey_id, "scores", metric="item:enps", period="week",
                  segment_by="location,department").json["series"]
    legal = [r for r in weekly if r["segment"] == {"location": "York", "department": "Legal"}]
    assert legal and all(r["suppressed"] and r["n"] is None and r["value"] is None for r in legal)
    waves = _get(suite, admin_headers, survey_id, "scores", metric="index:ai_trust", period="wave")
    assert waves.status_code == 200
    first, second = waves.json["series"]
    assert first["period"].startswith("wave-") and second["period"].startswith("wave-")
    window = [r["answers"] for r in memory.responses
              if date(2026, 6, 1) <= r["day"] <= date(2026, 6, 12)]
    assert first["n"] == len(window)


def test_from_and_to_choose_whole_periods(suite, admin_headers, loaded):
    survey_id, memory = loaded
    answer = _get(suite, admin_headers, survey_id, "scores", metric="item:enps", period="month",
                  **{"from": "2026-07-15", "to": "2026-08-05"})
    # Months are whole ISO weeks: 2026-07 runs from Jun 29 to Aug 2, 2026-08 from Aug 3.
    assert [r["period"] for r in answer.json["series"]] == ["2026-07", "2026-08"]
    july = [a["enps"] for a in memory.raw(period="2026-07")]
    low, _ = stats.t.interval(0.95, len(july) - 1, np.mean(july), stats.sem(july))  # scipy
    assert answer.json["series"][0]["ci_low"] == pytest.approx(low)
    bad = _get(suite, admin_headers, survey_id, "scores", metric="item:enps",
               **{"from": "2026-08-01", "to": "2026-07-01"})
    assert bad.status_code == 422 and "from" in bad.json["error"]["details"]


def test_comments_only_for_large_enough_groups(suite, admin_headers, loaded):
    survey_id, memory = loaded
    big = _get(suite, admin_headers, survey_id, "comments", question="comment",
               selector="segment:department=Support")
    assert big.status_code == 200 and not big.json["suppressed"]
    assert big.json["n"] == len(memory.raw(department="Support"))
    # Comments are listed by period and department only, so a text's atom is its week (and
    # wave) in its department: Support's 14 a week hold the comment threshold.
    sizes = Counter(map(memory._atom, memory.responses))
    expected = [r["answers"]["comment"] for r in memory.responses
                if r["segment"]["department"] == "Support" and sizes[memory._atom(r)] >= 10]
    assert len(expected) == len(memory.raw(department="Support"))
    assert sorted(big.json["comments"]) == sorted(expected)
    crossed = _get(suite, admin_headers, survey_id, "comments", question="comment",
                   selector="segment:department=Support;segment:location=Leeds")
    assert crossed.status_code == 422 and "selector" in crossed.json["error"]["details"]
    small = _get(suite, admin_headers, survey_id, "comments", question="comment",
                 selector="period:2026-W23;segment:department=Legal")
    assert small.status_code == 200 and small.json == {
        "question": "comment", "selector": "period:2026-W23;segment:department=Legal",
        "n": None, "comments": [], "suppressed": True}


@pytest.mark.parametrize("name, params, field", [
    ("scores", {"metric": "index:nope"}, "metric"),
    ("scores", {"metric": "item:enps", "period": "year"}, "period"),
    ("scores", {"metric": "item:enps", "segment_by": "team"}, "segment_by"),
    ("compare", {"metric": "item:enps", "a": "period:2026-13", "b": ""}, "a"),
    ("trend", {"metric": "item:enps", "period": "quarter"}, "period"),
    ("drivers", {"outcome": "share:preference=avoid_ai"}, "outcome"),
])
def test_bad_queries_are_422_naming_the_field(suite, admin_headers, loaded, name, params, field):
    survey_id, _ = loaded
    answer = _get(suite, admin_headers, survey_id, name, **params)
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "validation_error"
    assert field in answer.json["error"]["details"]


def test_roles_unknown_surveys_and_a_survey_service_that_is_down(suite, admin_headers, loaded):
    survey_id, _ = loaded
    client = suite.client
    key = client.post("/api/v1/api-keys", json={"name": "hr", "role": "integration"},
                      headers=admin_headers).json["key"]
    analyst = client.post("/api/v1/api-keys", json={"name": "a", "role": "analyst"},
                          headers=admin_headers).json["key"]
    params = {"metric": "index:ai_trust"}
    for name in ANALYTICS:
        forbidden = _get(suite, {"Authorization": f"Bearer {key}"}, survey_id, name, **params)
        assert forbidden.status_code == 403
    assert _get(suite, {"Authorization": f"Bearer {analyst}"}, survey_id, "scores",
                **params).status_code == 200
    assert _get(suite, {}, survey_id, "scores", **params).status_code == 401
    assert _get(suite, admin_headers, 9999, "scores", **params).status_code == 404
    assert suite.client.get("/api/v1/surveys/9999/snapshots",
                            headers=admin_headers).status_code == 404
    assert suite.client.get(f"/api/v1/surveys/{survey_id}/snapshots",
                            headers=admin_headers).status_code == 200
    suite.stop("survey")
    down = _get(suite, admin_headers, survey_id + 1, "scores", **params)
    assert down.status_code == 503
    assert down.json["error"]["code"] == "unavailable"
    assert "survey" in str(down.json["error"]["details"])


def test_metrics_routes_need_the_internal_token(suite, loaded):
    survey_id, _ = loaded
    import requests

    direct = requests.get(f"{suite.url('metrics')}/api/v1/surveys/{survey_id}/scores",
                          params={"metric": "index:ai_trust"}, timeout=5)
    assert direct.status_code == 404
