"""Loading the demo into a running suite through the public API."""

from __future__ import annotations

from datetime import date

import pytest

from services.demo import DemoError, build_demo, load_demo
from services.demo import organisation as org
from tests.conftest import ADMIN_KEY
from tests.metrics.factories import until_decided


def test_the_demo_loads_in_seconds_and_refuses_a_second_load(suite, admin_headers):
    gateway = suite.url("gateway")
    loaded = load_demo(gateway_url=gateway, admin_key=ADMIN_KEY)
    plan = build_demo(seed=7, today=date.fromisoformat(loaded["today"]))
    assert loaded["surveys"]["pulse"]["responses"] == len(plan.survey("pulse").responses)
    assert loaded["surveys"]["customers"]["responses"] == len(plan.survey("customers").responses)
    assert all(0.6 <= rate <= 0.8 for rate in loaded["surveys"]["pulse"]["response_rates"])
    assert loaded["seconds"] < 60
    live = loaded["surveys"]["pulse"]["live_wave"]
    assert live["status"] == "open" and live["invited"] == 400 and live["answered"] == 40
    pulse = loaded["surveys"]["pulse"]["id"]
    waves = suite.client.get(f"/api/v1/surveys/{pulse}/scores", headers=admin_headers,
                             query_string={"metric": "index:wellbeing", "period": "wave"})
    assert len(waves.get_json()["series"]) == 12  # every response fell inside its wave
    # Participation: every past wave's recorded invitations, and this week's live figure.
    rows = suite.client.get(f"/api/v1/surveys/{pulse}/participation", headers=admin_headers
                            ).get_json()["series"]
    assert [r["open"] for r in rows] == [False] * 12 + [True]
    assert [round(r["rate"], 3) for r in rows[:12]] == loaded["surveys"]["pulse"][
        "response_rates"]
    assert (rows[-1]["invited"], rows[-1]["responded"], rows[-1]["rate"]) == (400, 40, 0.1)
    changes = suite.client.get(f"/api/v1/surveys/{pulse}/changes", headers=admin_headers,
                               query_string={"metric": "index:wellbeing", "period": "wave",
                                             "segment_by": "department"}).get_json()
    billing = next(i for i in changes["items"] if i["segment"] == {"department": "Billing"})
    assert billing["difference"] < -10 and billing["p_adjusted"] < 0.05
    customers = loaded["surveys"]["customers"]["id"]
    shares = suite.client.get(f"/api/v1/surveys/{customers}/scores", headers=admin_headers,
                              query_string={"metric": "share:next_preference=prefer_ai",
                                            "period": "month"}).get_json()["series"]
    assert shares[0]["value"] < shares[-1]["value"]
    _assert_the_analyses_find_the_training_and_the_link(suite, admin_headers, loaded)

    with pytest.raises(DemoError, match="already holds surveys"):
        load_demo(gateway_url=gateway, admin_key=ADMIN_KEY)
    listed = suite.client.get("/api/v1/surveys", headers=admin_headers).get_json()["items"]
    assert len(listed) == 2


def _assert_the_analyses_find_the_training_and_the_link(suite, headers, loaded):
    """The trained cohort's AI trust rises against the untrained one's, with parallel trends
    before; teams whose agents are well have more satisfied customers."""
    pulse, customers = loaded["surveys"]["pulse"], loaded["surveys"]["customers"]
    waves = [f"wave-{w}" for w in pulse["waves"]]
    impact = until_decided(lambda: suite.client.get(
        f"/api/v1/surveys/{pulse['id']}/impact", headers=headers, query_string={
            "metric": "index:ai_trust", "treated": "segment:trained=yes",
            "control": "segment:trained=no", "before": waves[org.TRAINING_WAVE - 1],
            "after": waves[-1]}).get_json())
    assert not impact["suppressed"] and impact["estimate"] > 8 and impact["p_value"] < 0.01
    assert impact["pre_trend"]["periods"] == org.TRAINING_WAVE - 1
    assert impact["pre_trend"]["p_value"] > 0.05
    query = {"employee": f"{pulse['id']}:index:wellbeing",
             "customer": f"{customers['id']}:item:csat", "by": "team"}
    linkage = until_decided(lambda: suite.client.get("/api/v1/linkage", headers=headers,
                                                     query_string=query).get_json())
    assert linkage["groups"] == 8 and linkage["pearson"]["r"] > 0.6, linkage


def test_this_weeks_invitees_can_answer_through_their_invitations(suite, admin_headers):
    loaded = load_demo(gateway_url=suite.url("gateway"), admin_key=ADMIN_KEY, answer_live=True)
    live = loaded["surveys"]["pulse"]["live_wave"]
    assert live["invited"] == 400 and live["answered"] == 40
    pulse = loaded["surveys"]["pulse"]["id"]
    waves = suite.client.get(f"/api/v1/surveys/{pulse}/waves", headers=admin_headers,
                             query_string={"limit": 100}).get_json()["items"]
    assert [w["status"] for w in waves] == ["closed"] * 12 + ["open"]


def test_force_adds_the_demo_beside_existing_surveys(suite, admin_headers):
    suite.client.post("/api/v1/surveys", headers=admin_headers, json={
        "title": "Existing", "kind": "employee_pulse", "template": "ai-trust-pulse"})
    with pytest.raises(DemoError):
        load_demo(gateway_url=suite.url("gateway"), admin_key=ADMIN_KEY)
    load_demo(gateway_url=suite.url("gateway"), admin_key=ADMIN_KEY, force=True)
    listed = suite.client.get("/api/v1/surveys", headers=admin_headers).get_json()["items"]
    assert len(listed) == 3


def test_a_wrong_key_or_an_absent_gateway_is_a_clear_error(suite):
    with pytest.raises(DemoError, match="401"):
        load_demo(gateway_url=suite.url("gateway"), admin_key="tp_wrong_" + "2" * 40)
    with pytest.raises(DemoError, match="Cannot reach the gateway"):
        load_demo(gateway_url="http://127.0.0.1:9", admin_key=ADMIN_KEY, timeout=2)
