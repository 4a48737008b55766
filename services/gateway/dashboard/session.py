"""The dashboard's session: a signed, HttpOnly, SameSite cookie naming the signed-in key.

It holds the key's id, not the key: a leaked cookie gives away no credential, and it stops
working with its key (revocation is checked on every call, by id).

The cookie is signed with the suite's secret key and expires after `LIFETIME`, both in the
browser and when read back. Script cannot read it (HttpOnly), other sites do not send it on
their requests (SameSite=Lax), and every form carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "tp_dashboard"
COOKIE_PATH = "/dashboard"
LIFETIME = timedelta(hours=8)
SALT = "trustpulse.dashboard.session"


class CsrfRejected(Exception):
    """A form arrived without the session's CSRF token."""


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.config["TRUSTPULSE_SETTINGS"].secret_key
    return URLSafeTimedSerializer(secret, salt=SALT)


def current_session() -> dict:
    """Return this request's session (empty when absent, forged or expired)."""
    if "dashboard_session" not in g:
        raw = request.cookies.get(COOKIE)
        data = {}
        if raw:
            try:
                data = _serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
            except BadSignature:
                data = {}
        g.dashboard_session = data if isinstance(data, dict) else {}
        g.dashboard_session_dirty = False
    return g.dashboard_session


def _replace(data: dict) -> None:
    g.dashboard_session = data
    g.dashboard_session_dirty = True


def csrf_token() -> str:
    """Return the session's CSRF token, starting a session if there is none."""
    session = current_session()
    if "csrf" not in session:
        _replace({**session, "csrf": secrets.token_urlsafe(32)})
    return g.dashboard_session["csrf"]


def check_csrf() -> None:
    """Raise `CsrfRejected` unless the posted form carries the session's token."""
    expected = current_session().get("csrf", "")
    given = request.form.get("csrf_token", "")
    # compare_digest refuses non-ASCII str: compare bytes, so any posted text is a mismatch.
    if not expected or not given or not hmac.compare_digest(
            given.encode("utf-8", "surrogatepass"), expected.encode()):
        raise CsrfRejected()


def signed_in_key() -> int | None:
    """Return the id of the signed-in user's API key, if any (the key itself is never kept)."""
    key_id = current_session().get("key_id")
    return key_id if isinstance(key_id, int) else None


def signed_in_role() -> str | None:
    """Return the role of the signed-in key, for what the pages offer (the API still checks)."""
    role = current_session().get("role")
    return role if isinstance(role, str) else None


def sign_in(key_id: int, role: str | None = None) -> None:
    """Start a fresh session for the key with this id (a new CSRF token too)."""
    _replace({"key_id": key_id, "role": role, "csrf": secrets.token_urlsafe(32)})


def sign_out() -> None:
    """End the session."""
    _replace({})


def save_session(response):
    """Write the session cookie if it changed during the request."""
    if not g.get("dashboard_session_dirty"):
        return response
    data = g.dashboard_session
    secure = request.is_secure or (
        current_app.config["TRUSTPULSE_SETTINGS"].public_url or "").startswith("https:")
    if not data:
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Lax",
                               secure=secure)
        return response
    response.set_cookie(COOKIE, _serializer().dumps(data), max_age=LIFETIME, path=COOKIE_PATH,
                        httponly=True, samesite="Lax", secure=secure)
    return response
