"""The dashboard's blueprint and its pages of signing in and out and of the survey list."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from services.gateway.dashboard.api import Call, PublicApi, SignedOut
from services.gateway.dashboard.labels import (
    Period,
    Vocabulary,
    moment_text,
    p_text,
    period_word,
)
from services.gateway.dashboard.security import add_security_headers
from services.gateway.dashboard.session import (
    CsrfRejected,
    check_csrf,
    csrf_token,
    save_session,
    sign_in,
    sign_out,
    signed_in_key,
    signed_in_role,
)
from services.gateway.keys.service import authenticate
from shared.app import get_engine

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard",
                      template_folder="templates", static_folder="static")
blueprint.after_request(save_session)
blueprint.after_request(add_security_headers)
blueprint.context_processor(lambda: {"csrf_token": csrf_token, "signed_in": signed_in_key,
                                     "is_admin": lambda: signed_in_role() == "admin",
                                     "moment": moment_text, "p_text": p_text, "period_word": period_word,
                                     "period_short": lambda label: Period(label).short})


@blueprint.errorhandler(404)
def _not_found(_exc):
    return render_template("dashboard/error.html", status=404,
                           message="There is no such page or survey."), 404


@blueprint.errorhandler(CsrfRejected)
def _csrf_rejected(_exc):
    return render_template("dashboard/error.html", status=400,
                           message="This form has expired. Go back, reload and try again."), 400


class NotSignedIn(Exception):
    """A page needing a session was asked for without one."""


@blueprint.errorhandler(NotSignedIn)
def _not_signed_in(_exc):
    return redirect(url_for("dashboard.login"))


@blueprint.errorhandler(SignedOut)
def _signed_out(_exc):
    sign_out()
    return redirect(url_for("dashboard.login", expired=1))


@blueprint.before_request
def _require_csrf_on_posts():
    if request.method == "POST":
        check_csrf()


def session_api() -> PublicApi:
    """Return the public API as the signed-in key (to the sign-in page without a session)."""
    key_id = signed_in_key()
    if key_id is None:
        raise NotSignedIn()
    return PublicApi(key_id=key_id)


@blueprint.get("/login")
def login():
    """The sign-in form."""
    if signed_in_key():
        return redirect(url_for("dashboard.surveys"))
    note = "Your session has ended; sign in again." if request.args.get("expired") else None
    return render_template("dashboard/login.html", error=None, note=note)


@blueprint.post("/login")
def login_submit():
    """Check the key against the public API and start a session for admin and analyst keys."""
    key = request.form.get("api_key", "").strip()
    error = None
    if not key:
        error = "Enter an API key."
    elif not (key.isascii() and key.isprintable()):
        # Keys are URL-safe text; anything else cannot be one.
        error = "This API key is not valid."
    else:
        # One lookup of the key; its role is then checked by the API, as every later call's.
        identity = authenticate(get_engine(), key=key)
        answer = None
        if identity:
            try:
                answer = PublicApi(key_id=identity["id"]).get("/api/v1/surveys", limit=1)
            except SignedOut:
                pass  # revoked since the lookup
        if answer is None:
            error = "This API key is not valid."
        elif answer.status == 403:
            error = "This key's role cannot read analytics; use an admin or analyst key."
        elif not answer.ok:
            error = answer.message
    if error:
        return render_template("dashboard/login.html", error=error, note=None), 401
    sign_in(identity["id"], identity["role"])
    return redirect(url_for("dashboard.surveys"), 303)


@blueprint.post("/logout")
def logout():
    """End the session."""
    sign_out()
    return redirect(url_for("dashboard.login"), 303)


@blueprint.get("/")
def surveys():
    """The surveys the key may read, and the open alerts."""
    api = session_api()
    listing, alerts = api.get_many([Call.of("/api/v1/surveys", limit=100),
                                    Call.of("/api/v1/alerts")]).values()
    items = listing.body.get("items", []) if listing.ok else []
    api.keep_answers()
    return render_template("dashboard/surveys.html", surveys=items,
                           error=None if listing.ok else listing.message,
                           alerts=alerts.body.get("items", []) if alerts.ok else [],
                           vocabularies={s["id"]: Vocabulary(s) for s in items})
