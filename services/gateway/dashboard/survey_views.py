"""A survey's page, and the CSV downloads of its tables."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, jsonify, render_template, request

from services.gateway.dashboard.filters import read_filters
from services.gateway.dashboard.labels import Vocabulary
from services.gateway.dashboard.survey_page import SurveyPage
from services.gateway.dashboard.views import blueprint, session_api

# The exports of the API, and the parameters each takes.
EXPORTS = {"scores": ("metric", "period", "segment_by", "from", "to"),
           "changes": ("metric", "period", "segment_by"),
           "participation": ("period", "segment_by"),
           "questions": ("selector",)}


@blueprint.get("/surveys/<int:survey_id>")
def survey(survey_id: int):
    """One survey: headline, trends, breakdown, changes, drivers, questions, comments, alerts."""
    api = session_api()
    answer = api.get(f"/api/v1/surveys/{survey_id}")
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        return render_template("dashboard/error.html", status=answer.status,
                               message=answer.message), answer.status
    definition = answer.body
    today = datetime.now(UTC).date()
    page = SurveyPage(api, definition, read_filters(definition, request.args, today), today)
    context = page.build()
    api.keep_answers()
    return render_template("dashboard/survey.html", survey=definition, page=page, **context)


@blueprint.get("/surveys/<int:survey_id>/groups")
def groups(survey_id: int):
    """The groups of one segment attribute, as JSON for the filter form's script.

    They are the values the survey's breakdown by that attribute names over all time
    (by quarter, the fewest rows); hidden groups are named too, as the breakdown does.
    """
    api = session_api()
    survey = api.get(f"/api/v1/surveys/{survey_id}")
    by = request.args.get("by", "")
    if not survey.ok or by not in (survey.body.get("segments") or []):
        return jsonify({"options": []}), 404 if survey.status == 404 or survey.ok else 400
    words = Vocabulary(survey.body)
    metric = next(iter([f"index:{k}" for k in words.indices]), None)
    if metric is None:
        return jsonify({"options": []})
    answer = api.get(f"/api/v1/surveys/{survey_id}/scores", metric=metric, period="quarter",
                     segment_by=by)
    values = sorted({str((r.get("segment") or {}).get(by))
                     for r in answer.body.get("series", [])}) if answer.ok else []
    api.keep_answers()
    return jsonify({"options": [[v, words.value(v)] for v in values]})


@blueprint.get("/surveys/<int:survey_id>/export/<name>.csv")
def export(survey_id: int, name: str):
    """Download one of the API's exports (scores, changes, participation, questions) as CSV."""
    if name not in EXPORTS:
        abort(404)
    api = session_api()
    params = {k: request.args.get(k) for k in EXPORTS[name] if request.args.get(k)}
    answer = api.download(f"/api/v1/surveys/{survey_id}/{name}", **params)
    if answer.ok and answer.mimetype == "text/csv":
        return Response(answer.content, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="survey-{survey_id}-{name}.csv"'})
    if answer.ok or answer.missing:  # an API without this export, or without CSV
        return render_template("dashboard/error.html", status=404, message=(
            "CSV export of this table is not available from this TrustPulse server yet.")), 404
    return render_template("dashboard/error.html", status=answer.status,
                           message=answer.message), answer.status
