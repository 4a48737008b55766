"""Dashboard sign-in and sign-out: the session cookie, CSRF, roles and security headers."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY
from tests.dashboard.conftest import csrf_from, make_key, sign_in


def _cookie_header(response) -> str:
    return next(v for k, v in response.headers.items()
                if k == "Set-Cookie" and v.startswith("tp_dashboard="))


def test_every_page_carries_the_security_headers(browser_client):
    for path in ("/dashboard/login", "/dashboard/static/dashboard.css"):
        response = browser_client.get(path)
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_signing_in_sets_a_signed_http_only_same_site_cookie_with_an_expiry(browser_client):
    response = sign_in(browser_client, ADMIN_KEY)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/dashboard/")
    cookie = _cookie_header(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/dashboard" in cookie
    assert "Max-Age=28800" in cookie
    assert browser_client.get("/dashboard/").status_code == 200


def test_a_form_without_the_csrf_token_is_rejected(browser_client):
    csrf_from(browser_client)
    response = browser_client.post("/dashboard/login", data={"api_key": ADMIN_KEY})
    assert response.status_code == 400
    assert browser_client.get("/dashboard/").status_code == 302
    sign_in(browser_client, ADMIN_KEY)
    forged = browser_client.post("/dashboard/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert browser_client.get("/dashboard/").status_code == 200  # still signed in


def test_signing_out_ends_the_session(browser_client):
    sign_in(browser_client, ADMIN_KEY)
    token = csrf_from(browser_client, "/dashboard/")
    response = browser_client.post("/dashboard/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert "tp_dashboard=;" in _cookie_header(response)
    page = browser_client.get("/dashboard/")
    assert page.status_code == 302 and "/dashboard/login" in page.headers["Location"]


def test_an_unknown_key_and_an_integration_key_are_refused(suite, admin_headers, browser_client):
    wrong = sign_in(browser_client, "tp_wrong_" + "1" * 40)
    assert wrong.status_code == 401
    assert "not valid" in wrong.get_data(as_text=True)
    integration = sign_in(browser_client, make_key(suite, admin_headers, "integration"))
    assert integration.status_code == 401
    assert "admin or analyst" in integration.get_data(as_text=True)
    assert browser_client.get("/dashboard/").status_code == 302


def test_an_analyst_key_signs_in_and_a_revoked_key_ends_the_session(
        suite, admin_headers, browser_client):
    key = make_key(suite, admin_headers, "analyst")
    assert sign_in(browser_client, key).status_code == 303
    assert browser_client.get("/dashboard/").status_code == 200
    keys = suite.client.get("/api/v1/api-keys", headers=admin_headers).get_json()["items"]
    key_id = next(k["id"] for k in keys if k["role"] == "analyst")
    assert suite.client.delete(f"/api/v1/api-keys/{key_id}",
                               headers=admin_headers).status_code == 204
    page = browser_client.get("/dashboard/")
    assert page.status_code == 302 and "expired=1" in page.headers["Location"]


def test_a_tampered_cookie_is_not_a_session(browser_client):
    sign_in(browser_client, ADMIN_KEY)
    cookie = browser_client.get_cookie("tp_dashboard", path="/dashboard")
    browser_client.set_cookie("tp_dashboard", cookie.value[:-2] + "xx", path="/dashboard")
    assert browser_client.get("/dashboard/").status_code == 302


def test_the_session_cookie_names_the_key_without_holding_it(browser_client):
    import base64

    response = sign_in(browser_client, ADMIN_KEY)
    value = _cookie_header(response).split(";", 1)[0].split("=", 1)[1]
    payload = value.split(".", 1)[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert ADMIN_KEY.encode() not in decoded and ADMIN_KEY not in value
    assert b"key_id" in decoded
    assert browser_client.get("/dashboard/").status_code == 200


def test_the_session_channel_cannot_be_reached_over_http(browser_client):
    # The dashboard's in-process calls carry the key id in the WSGI environ; a header of
    # the same name arrives as HTTP_..., so it authenticates nothing.
    answer = browser_client.get("/api/v1/surveys",
                                headers={"trustpulse.session_key_id": "1",
                                         "Trustpulse-Session-Key-Id": "1"})
    assert answer.status_code == 401
