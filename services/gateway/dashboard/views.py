"""The dashboard's pages: sign-in, sign-out, the survey list and one survey's trust picture."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from services.gateway.dashboard import panels
from services.gateway.dashboard.api import PublicApi, SignedOut
from services.gateway.dashboard.security import add_security_headers
from services.gateway.dashboard.session import (
    CsrfRejected,
    check_csrf,
    csrf_token,
    save_session,
    sign_in,
    sign_out,
    signed_in_key,
)
from services.gateway.keys.service import authenticate
from shared.app import get_engine

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard",
                      template_folder="templates", static_folder="static")
blueprint.after_request(save_session)
blueprint.after_request(add_security_headers)
blueprint.context_processor(lambda: {"csrf_token": csrf_token, "signed_in": signed_in_key})


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


def _api() -> PublicApi:
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
    sign_in(identity["id"])
    return redirect(url_for("dashboard.surveys"), 303)


@blueprint.post("/logout")
def logout():
    """End the session."""
    sign_out()
    return redirect(url_for("dashboard.login"), 303)


@blueprint.get("/")
def surveys():
    """The surveys the key may read, and the open alerts."""
    api = _api()
    listing = api.get("/api/v1/surveys", limit=100)
    alerts = api.get("/api/v1/alerts")
    return render_template("dashboard/surveys.html",
                           surveys=listing.body.get("items", []) if listing.ok else [],
                           error=None if listing.ok else listing.message,
                           alerts=alerts.body.get("items", []) if alerts.ok else [])


def _question(survey: dict, *, kind: str, key: str | None = None) -> dict | None:
    """The survey's question named `key`, else its first question of type `kind`."""
    questions = survey.get("questions") or []
    named = [q for q in questions if q["key"] == key and q.get("type") == kind]
    typed = [q for q in questions if q.get("type") == kind]
    return (named or typed or [None])[0]


def _comments(api, survey_id, survey, choice, groups, last_period):
    question = _question(survey, kind="text", key="comment")
    if question is None or last_period is None:
        return []
    found = []
    for value in [None] + groups:
        selector = f"period:{last_period}" + (f";segment:{choice.by}={value}" if value else "")
        answer = api.get(f"/api/v1/surveys/{survey_id}/comments", question=question["key"],
                         selector=selector)
        if answer.ok and not answer.body.get("suppressed") and answer.body.get("comments"):
            found.append((f"{choice.by} = {value}" if value else "Everyone",
                          answer.body["comments"][:8]))
    return found


@blueprint.get("/surveys/<int:survey_id>")
def survey(survey_id: int):
    """One survey: indices over time, heatmap, changes, drivers, comments and alerts."""
    api = _api()
    answer = api.get(f"/api/v1/surveys/{survey_id}")
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        return render_template("dashboard/error.html", status=answer.status,
                               message=answer.message), answer.status
    definition = answer.body
    choice = panels.choose(definition, request.args)
    titles = {i["key"]: i.get("title") or i["key"] for i in definition.get("indices") or []}
    trends = [panels.trend_panel(api, survey_id, f"index:{key}", title, choice)
              for key, title in titles.items()]
    heat = (panels.heatmap_panel(api, survey_id, choice.index,
                                 f"{titles[choice.index]} by {choice.by}", choice)
            if choice.index and choice.by else None)
    groups = [row[0] for row in heat.rows] if heat else []
    changes = [(titles[key], item) for key in titles
               for item in panels.significant_changes(api, survey_id, f"index:{key}", choice)]
    outcome = _question(definition, kind="scale11")
    drivers = (panels.drivers_panel(api, survey_id, f"item:{outcome['key']}",
                                    f"What moves {outcome['key']}") if outcome else None)
    customer = []
    if definition.get("kind") == "customer_ai":
        preference = _question(definition, kind="choice", key="next_preference")
        if preference:
            customer.append(panels.preference_panel(api, survey_id, preference["key"], choice))
        if outcome:
            customer.append(panels.trend_panel(api, survey_id, f"nps:{outcome['key']}",
                                               "Likelihood to recommend (net score)", choice,
                                               lo=-100, hi=100))
        csat = _question(definition, kind="likert5", key="csat")
        if csat:
            customer.append(panels.trend_panel(api, survey_id, f"top2:{csat['key']}",
                                               "CSAT (share satisfied)", choice, lo=0, hi=1,
                                               percent=True))
    last_period = heat.columns[-1] if heat and len(heat.columns) > 1 else None
    alerts = api.get("/api/v1/alerts")
    return render_template(
        "dashboard/survey.html", survey=definition, choice=choice, periods=panels.PERIODS,
        titles=titles, trends=trends, heat=heat, groups=groups, changes=changes,
        drivers=drivers, customer=customer,
        comments=_comments(api, survey_id, definition, choice, groups, last_period),
        alerts=[a for a in alerts.body.get("items", []) if a.get("survey_id") == survey_id]
        if alerts.ok else [])
