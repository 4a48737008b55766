"""Dashboard pages over real data: charts drawn, hidden groups, choices, roles, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import ADMIN_KEY
from tests.dashboard.conftest import make_key, run_alert_job, sign_in


def test_demo_surveys_show_every_panel_and_the_billing_drop(demo_suite, admin_headers,
                                                            browser_client):
    assert run_alert_job(demo_suite) >= 1
    assert sign_in(browser_client, make_key(demo_suite, admin_headers, "analyst")).status_code == 303
    listing = browser_client.get("/dashboard/").get_data(as_text=True)
    assert "Contact centre AI pulse" in listing and "Customer AI interaction rating" in listing
    assert "index:wellbeing" in listing  # the alert raised by the Billing drop
    pulse_id = demo_suite.demo["surveys"]["pulse"]["id"]
    page = browser_client.get(f"/dashboard/surveys/{pulse_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert html.count('class="band"') >= 3  # one band per index
    assert 'class="chart heatmap"' in html
    changes = html[html.index('id="changes"'):html.index("</table>", html.index('id="changes"'))]
    assert "Wellbeing" in changes and "Billing" in changes
    assert 'id="drivers"' in html and "Relative weight" in html
    assert "Comments, last week" in html and "<li>" in html
    by_location = browser_client.get(
        f"/dashboard/surveys/{pulse_id}?period=month&by=location&group=Leeds&index=ai_readiness")
    text = by_location.get_data(as_text=True)
    assert "AI readiness by location" in text and "location = Leeds" in text
    assert '<option value="month" selected>' in text
    customers_id = demo_suite.demo["surveys"]["customers"]["id"]
    customer = browser_client.get(f"/dashboard/surveys/{customers_id}").get_data(as_text=True)
    for title in ("Next-time preference", "Likelihood to recommend (net score)",
                  "CSAT (share satisfied)", "Prefer AI",
                  "Avoid AI"):
        assert title in customer


def test_hidden_heatmap_cells_read_fewer_than_n_responses(suite, admin_headers, browser_client):
    created = suite.client.post("/api/v1/surveys", headers=admin_headers, json={
        "title": "Small teams", "kind": "employee_pulse", "template": "ai-trust-pulse",
        "segments": ["department"], "anonymity_threshold": 5}).get_json()
    answers = {"ai_confident": 3, "ai_right_answers": 3, "ai_wary": 3, "ai_copilot": 4,
               "job_security": 3, "job_loss_ai": 3, "ai_skills": 4, "role_clarity": 4,
               "ai_control": 3, "monitoring_purpose": 3, "worn_out": 2, "customer_drain": 2,
               "recommend_workplace": 7}
    day = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT10:00:00Z")
    rows = [{"submitted_at": day, "segment": {"department": name}, "answers": answers}
            for name, count in (("Large", 12), ("Medium", 9), ("Tiny", 2)) for _ in range(count)]
    imported = suite.client.post(f"/api/v1/surveys/{created['id']}/responses/import",
                                 json={"responses": rows}, headers=admin_headers)
    assert imported.status_code == 201, imported.get_json()
    sign_in(browser_client, ADMIN_KEY)
    html = browser_client.get(f"/dashboard/surveys/{created['id']}").get_data(as_text=True)
    heat = html[html.index('id="heatmap"'):]
    assert "Tiny" in heat and "fewer than 5 responses" in heat
    assert ">2<" not in heat  # the hidden count itself never appears


def test_an_unknown_survey_is_a_404_page(browser_client):
    sign_in(browser_client, ADMIN_KEY)
    response = browser_client.get("/dashboard/surveys/999999")
    assert response.status_code == 404
    assert "no such page or survey" in response.get_data(as_text=True)
    assert "X-Frame-Options" in response.headers
