"""The dashboard under odd forms, keys, cookies and query strings: pages, never a 500."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY
from tests.dashboard.conftest import csrf_from, sign_in


def test_non_ascii_csrf_token_is_an_expired_form_not_a_crash(suite):
    client = suite.gateway_app.test_client()
    csrf_from(client)
    for path in ("/dashboard/login", "/dashboard/logout"):
        answer = client.post(path, data={"csrf_token": "\u00e9t\u00e9", "api_key": ADMIN_KEY})
        assert answer.status_code == 400
        assert "expired" in answer.get_data(as_text=True)


def test_key_that_cannot_be_a_header_is_refused_on_the_form(suite):
    client = suite.gateway_app.test_client()
    for key in ("a\r\nX-Evil: 1", "k\u00e9y\u2603", "tab\there"):
        answer = client.post("/dashboard/login",
                             data={"api_key": key, "csrf_token": csrf_from(client)})
        assert answer.status_code == 401
        assert "not valid" in answer.get_data(as_text=True)
    assert sign_in(client, ADMIN_KEY).status_code == 303


def test_odd_survey_ids_and_query_strings_answer_pages(suite):
    client = suite.gateway_app.test_client()
    sign_in(client, ADMIN_KEY)
    for path in (f"/dashboard/surveys/{2**63}", "/dashboard/surveys/" + "9" * 40,
                 "/dashboard/surveys/0"):
        assert client.get(path).status_code == 404, path
    client.set_cookie("tp_dashboard", "forged", path="/dashboard")
    assert client.get("/dashboard/").status_code == 302


def test_survey_page_with_nonsense_choices_falls_back_to_defaults(fuzz):
    client = fuzz.suite.gateway_app.test_client()
    sign_in(client, ADMIN_KEY)
    base = f"/dashboard/surveys/{fuzz.survey_id}"
    for query in ("period=day&period=week", "by=%00&group=%ED%A0%80", "index=nope&by=channel",
                  "group=" + "x" * 3000, "by=channel&group=chat&period=wave"):
        answer = client.get(f"{base}?{query}")
        assert answer.status_code == 200, (query, answer.status_code)
        assert answer.mimetype == "text/html"
