"""Survey setup for admins without the API: surveys, waves, schedules, invitations, keys."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.conftest import ADMIN_KEY
from tests.dashboard.conftest import csrf_from, make_key, sign_in


def _post(client, path: str, data: dict, **kwargs):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/dashboard/")},
                       **kwargs)


def _new_survey(client, **fields) -> int:
    answer = _post(client, "/dashboard/setup/new", {
        "title": "Support pulse", "template": "ai-trust-pulse", **fields})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert "done=created" in answer.headers["Location"]
    return int(answer.headers["Location"].split("/surveys/")[1].split("/")[0])


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")  # a datetime-local input's value


def test_an_admin_creates_a_survey_from_a_template_and_sees_what_to_fix(
        suite, admin_headers, browser_client):
    sign_in(browser_client, ADMIN_KEY)
    form = browser_client.get("/dashboard/setup/new").get_data(as_text=True)
    assert "AI trust pulse" in form and "AI interaction rating" in form
    refused = browser_client.post("/dashboard/setup/new", data={"title": "x"})
    assert refused.status_code == 400  # no CSRF token
    typed = _post(browser_client, "/dashboard/setup/new", {
        "title": "Support pulse", "template": "ai-trust-pulse", "anonymity_threshold": "five"})
    assert typed.status_code == 422 and 'id="err-anonymity_threshold"' in typed.get_data(
        as_text=True)
    low = _post(browser_client, "/dashboard/setup/new", {
        "title": "Support pulse", "template": "ai-trust-pulse", "anonymity_threshold": "2"})
    page = low.get_data(as_text=True)
    assert low.status_code == 422 and 'href="#anonymity_threshold">Anonymity threshold:' in page
    survey_id = _new_survey(browser_client, segments="department, site",
                            anonymity_threshold="6", comment_threshold="12")
    created = suite.client.get(f"/api/v1/surveys/{survey_id}", headers=admin_headers).get_json()
    assert created["segments"] == ["department", "site"] and created["anonymity_threshold"] == 6
    assert created["comment_threshold"] == 12 and created["kind"] == "employee_pulse"
    customers = _new_survey(browser_client, title="After chat", template="ai-interaction")
    assert suite.client.get(f"/api/v1/surveys/{customers}", headers=admin_headers
                            ).get_json()["segments"] == ["channel", "handled_by", "region"]


def test_waves_a_schedule_and_invitations_from_a_csv_give_links_to_download(
        suite, browser_client):
    sign_in(browser_client, ADMIN_KEY)
    survey_id = _new_survey(browser_client, segments="department,location")
    now = datetime.now(UTC)
    backwards = _post(browser_client, f"/dashboard/surveys/{survey_id}/setup/wave", {
        "opens_at": _local(now + timedelta(days=2)), "closes_at": _local(now)})
    assert backwards.status_code == 422 and "Must be after opens_at" in backwards.get_data(
        as_text=True)
    added = _post(browser_client, f"/dashboard/surveys/{survey_id}/setup/wave", {
        "opens_at": _local(now - timedelta(hours=1)), "closes_at": _local(now + timedelta(days=3))})
    assert added.status_code == 303
    page = browser_client.get(added.headers["Location"]).get_data(as_text=True)
    assert "The wave is added." in page and "open" in page and " UTC" in page
    scheduled = _post(browser_client, f"/dashboard/surveys/{survey_id}/setup/schedule",
                      {"every_days": "14", "open_days": "5",
                       "starts_at": _local(now + timedelta(days=30))})
    assert scheduled.status_code == 303
    wave_id = suite.client.get(f"/api/v1/surveys/{survey_id}/waves",
                               headers={"Authorization": f"Bearer {ADMIN_KEY}"}
                               ).get_json()["items"][0]["id"]

    def upload(text: str):
        return _post(browser_client, f"/dashboard/surveys/{survey_id}/setup/invitations",
                     {"wave_id": str(wave_id),
                      "respondents": (io.BytesIO(text.encode()), "people.csv")},
                     content_type="multipart/form-data")

    wrong = upload("department,email\nSupport,a@example.com\n")
    assert wrong.status_code == 422 and "Unknown column email" in wrong.get_data(as_text=True)
    links = upload("\ufeffdepartment,location\nSupport,Leeds\nSales,Manila\n")
    assert links.status_code == 200 and links.mimetype == "text/csv"
    assert links.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(links.get_data(as_text=True))))
    assert [(r["department"], r["location"]) for r in rows] == [("Support", "Leeds"),
                                                               ("Sales", "Manila")]
    for row in rows:
        path = row["link"][row["link"].index("/s/"):]
        assert suite.client.get(path).status_code == 200  # each link opens the form


def test_an_analyst_is_refused_setup_and_integration_keys_are_shown_once(
        suite, admin_headers, browser_client):
    sign_in(browser_client, make_key(suite, admin_headers, "analyst"))
    assert "New survey" not in browser_client.get("/dashboard/").get_data(as_text=True)
    refused = _post(browser_client, "/dashboard/setup/new",
                    {"title": "Mine", "template": "ai-trust-pulse"})
    assert refused.status_code == 403 and "analyst role may not" in refused.get_data(as_text=True)

    admin = suite.gateway_app.test_client()
    sign_in(admin, ADMIN_KEY)
    survey_id = _new_survey(admin, title="After chat", template="ai-interaction")
    assert _post(admin, "/dashboard/keys", {"name": ""}).status_code == 422
    made = _post(admin, "/dashboard/keys", {"name": "Contact centre platform"})
    page = made.get_data(as_text=True)
    assert made.status_code == 201 and "shown only this once" in page, page
    key = page.split('<p class="secret">')[1].split("</p>")[0].strip()
    headers = {"Authorization": f"Bearer {key}"}
    link = suite.client.post(f"/api/v1/surveys/{survey_id}/links", headers=headers,
                             json={"interaction_id": "chat-1", "segment": {"channel": "chat"}})
    assert link.status_code == 201
    assert key not in admin.get("/dashboard/keys").get_data(as_text=True)
    key_id = next(k["id"] for k in suite.client.get("/api/v1/api-keys", headers=admin_headers
                                                    ).get_json()["items"]
                  if k["name"] == "Contact centre platform")
    assert _post(admin, f"/dashboard/keys/{key_id}/revoke", {}).status_code == 303
    assert suite.client.post(f"/api/v1/surveys/{survey_id}/links", headers=headers, json={
        "interaction_id": "chat-2"}).status_code == 401
