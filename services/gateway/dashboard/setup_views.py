"""Survey setup for admins, without the API: surveys from templates, waves, schedules,
invitations from a CSV of respondents' segments, and integration keys.

Every form posts with the session's CSRF token (checked for every dashboard POST) and is
sent on to the public API as the signed-in key, whose role the API checks: an analyst's
session gets the API's refusal, shown on the page.
"""

from __future__ import annotations

import csv
import io

import marshmallow as ma
from flask import Response, current_app, redirect, render_template, request, url_for
from marshmallow import fields, validate

from services.gateway.dashboard.answer_cache import answer_cache
from services.gateway.dashboard.views import blueprint, session_api
from shared.schemas import BaseSchema, IntegerText

CSV_LIMIT = 5 * 1024 * 1024


class SurveyFormSchema(BaseSchema):
    """The new-survey form: the API checks the rest, this only reads the numbers typed."""

    class Meta:
        unknown = ma.EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    template = fields.String(required=True)
    segments = fields.String(load_default="")
    anonymity_threshold = IntegerText(load_default=5)
    comment_threshold = IntegerText(load_default=None)


class WaveFormSchema(BaseSchema):
    """The add-a-wave form: times typed in UTC (`datetime-local` inputs)."""

    class Meta:
        unknown = ma.EXCLUDE

    opens_at = fields.String(required=True, validate=validate.Length(min=16, max=19))
    closes_at = fields.String(required=True, validate=validate.Length(min=16, max=19))


class ScheduleFormSchema(BaseSchema):
    """The schedule form."""

    class Meta:
        unknown = ma.EXCLUDE

    every_days = IntegerText(required=True)
    open_days = IntegerText(required=True)
    starts_at = fields.String(load_default="")


def _utc(text: str) -> str:
    """Return a `datetime-local` value as the API's UTC timestamp."""
    return text if text.endswith("Z") else (text + ":00")[:19] + "Z"


def _form(schema: ma.Schema) -> tuple[dict, dict]:
    """Return the posted form's values and errors (field -> messages)."""
    raw = {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip()}
    try:
        return schema.load(raw), {}
    except ma.ValidationError as error:
        return raw, error.messages


def _templates(api) -> list[dict]:
    answer = api.get("/api/v1/templates")
    return answer.body.get("items", []) if answer.ok else []


@blueprint.get("/setup/new")
def new_survey():
    """The form creating a survey from a template."""
    return render_template("dashboard/setup_new.html", templates=_templates(session_api()),
                           values={}, errors={})


@blueprint.post("/setup/new")
def create_survey():
    """Create the survey through the API; show what to fix, or go to its setup page."""
    api = session_api()
    values, errors = _form(SurveyFormSchema())
    templates, status = _templates(api), 422
    if not errors:
        template = next((t for t in templates if t["key"] == values["template"]), None)
        segments = [s.strip() for s in values.pop("segments").split(",") if s.strip()]
        body = {**{k: v for k, v in values.items() if v is not None},
                "kind": template["kind"] if template else None,
                "segments": segments or (template or {}).get("segments", [])}
        answer = api.post("/api/v1/surveys", {k: v for k, v in body.items() if v is not None})
        if answer.status == 201:
            answer_cache(current_app).forget()  # the lists of surveys
            return redirect(url_for("dashboard.survey_setup", survey_id=answer.body["id"],
                                    done="created"), 303)
        errors, status = answer.field_errors or {"_": [answer.message]}, answer.status
        values = {**request.form}
    return render_template("dashboard/setup_new.html", templates=templates, values=values,
                           errors=errors), status


DONE = {"created": "The survey is created. Add its first wave or a schedule.",
        "wave": "The wave is added.", "schedule": "The schedule is set; waves open and close "
        "by themselves."}


def _setup_page(survey_id: int, *, errors: dict | None = None, form: str = "", status=200):
    api = session_api()
    survey = api.get(f"/api/v1/surveys/{survey_id}")
    if survey.status == 404:
        return render_template("dashboard/error.html", status=404,
                               message="There is no such page or survey."), 404
    if not survey.ok:
        return render_template("dashboard/error.html", status=survey.status,
                               message=survey.message), survey.status
    waves, _ = api.items(f"/api/v1/surveys/{survey_id}/waves", limit=500)
    return render_template(
        "dashboard/setup_survey.html", survey=survey.body, waves=waves, errors=errors or {},
        form=form,
        values=request.form, done=DONE.get(request.args.get("done", ""))), status


def _refused(survey_id: int, answer, form: str):
    """The setup page again, with what the API said about the form (its 422 fields)."""
    return _setup_page(survey_id, errors=answer.field_errors or {"_": [answer.message]},
                       form=form, status=answer.status)


@blueprint.get("/surveys/<int:survey_id>/setup")
def survey_setup(survey_id: int):
    """A survey's waves and schedule, and the invitations form."""
    return _setup_page(survey_id)


@blueprint.post("/surveys/<int:survey_id>/setup/wave")
def add_wave(survey_id: int):
    """Add one wave."""
    values, errors = _form(WaveFormSchema())
    if not errors:
        answer = session_api().post(f"/api/v1/surveys/{survey_id}/waves",
                                    {k: _utc(v) for k, v in values.items()})
        if answer.status == 201:
            # A new wave can hold a period open: what was kept about the survey may change.
            answer_cache(current_app).forget(survey_id)
            return redirect(url_for("dashboard.survey_setup", survey_id=survey_id,
                                    done="wave"), 303)
        return _refused(survey_id, answer, "wave")
    return _setup_page(survey_id, errors=errors, form="wave", status=422)


@blueprint.post("/surveys/<int:survey_id>/setup/schedule")
def add_schedule(survey_id: int):
    """Set a schedule of waves."""
    values, errors = _form(ScheduleFormSchema())
    if not errors:
        body = {"every_days": values["every_days"], "open_days": values["open_days"]}
        if values.get("starts_at"):
            body["starts_at"] = _utc(values["starts_at"])
        answer = session_api().post(f"/api/v1/surveys/{survey_id}/schedule", body)
        if answer.status == 201:
            answer_cache(current_app).forget(survey_id)
            return redirect(url_for("dashboard.survey_setup", survey_id=survey_id,
                                    done="schedule"), 303)
        return _refused(survey_id, answer, "schedule")
    return _setup_page(survey_id, errors=errors, form="schedule", status=422)


def read_respondents(text: str, segments: list[str]) -> tuple[list[dict], list[str]]:
    """Return the respondents of a CSV (one column per segment attribute), or what is wrong."""
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    unknown = [c for c in columns if c not in segments]
    if not columns:
        return [], [("The file is empty: its first line should name the segment columns, "
                    f"e.g. {','.join(segments) or 'department'}.")]
    if unknown:
        return [], [(f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
                    f"this survey's segments are {', '.join(segments) or 'none'}.")]
    respondents = []
    for row in reader:
        segment = {k.strip(): (v or "").strip() for k, v in row.items() if k and (v or "").strip()}
        if segment or any(row.values()):
            respondents.append({"segment": segment})
    if not respondents:
        return [], ["The file names its columns but lists no respondents."]
    return respondents, []


@blueprint.post("/surveys/<int:survey_id>/setup/invitations")
def issue_invitations(survey_id: int):
    """Issue one invitation per CSV row; answer the links as a CSV download (shown once)."""
    api = session_api()
    upload = request.files.get("respondents")
    wave_id = request.form.get("wave_id", "")
    survey = api.get(f"/api/v1/surveys/{survey_id}")
    errors = {}
    if not survey.ok:
        errors["_"] = [survey.message]
    elif not wave_id.isdigit():
        errors["wave_id"] = ["Choose the wave to invite to."]
    elif upload is None or not upload.filename:
        errors["respondents"] = ["Choose a CSV file of respondents."]
    elif (request.content_length or 0) > CSV_LIMIT:
        errors["respondents"] = ["The file is larger than 5 MiB; split it."]
    if errors:
        return _setup_page(survey_id, errors=errors, form="invitations", status=422)
    try:
        text = upload.read(CSV_LIMIT + 1).decode("utf-8-sig")
    except UnicodeDecodeError:
        text, problems = "", ["The file is not UTF-8 text; save it as CSV UTF-8."]
    else:
        respondents, problems = read_respondents(text, survey.body.get("segments") or [])
    if problems:
        return _setup_page(survey_id, errors={"respondents": problems}, form="invitations",
                           status=422)
    answer = api.post(f"/api/v1/waves/{wave_id}/invitations", {"respondents": respondents})
    if answer.status != 201:
        message = ("The file has too many respondents for one upload; split it."
                   if answer.status == 413 else answer.message)
        details = [f"{k}: {' '.join(v)}" for k, v in answer.field_errors.items()][:10]
        return _setup_page(survey_id, errors={"respondents": [message, *details]},
                           form="invitations", status=answer.status)
    return _links_csv(survey.body, wave_id, respondents, answer.body["tokens"])


def _links_csv(survey: dict, wave_id: str, respondents: list[dict], tokens: list[str]):
    settings = current_app.config["TRUSTPULSE_SETTINGS"]
    base = (settings.public_url or request.host_url).rstrip("/")
    columns = survey.get("segments") or []
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*columns, "link"])
    for respondent, token in zip(respondents, tokens, strict=True):
        writer.writerow([respondent["segment"].get(c, "") for c in columns] + [f"{base}/s/{token}"])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="wave-{wave_id}-links.csv"'})
