"""HTTP of the respondent form: `GET /s/{token}` shows it, `POST /s/{token}` stores it."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from services.survey.respondents.service import resolve_token
from services.survey.responses.answers import answer_from_text
from services.survey.responses.service import check_answers, store_response
from shared.app import get_engine
from shared.errors import APIError, ValidationError
from shared.internal import require_internal_token
from shared.openapi import document_rule

bp = Blueprint("forms", __name__)
require_internal_token(bp)



def _page(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


_TOKEN = {"in": "path", "name": "token", "required": True,
          "description": "An invitation token or a signed customer link.",
          "schema": {"type": "string", "minLength": 1}}
_TOKEN_PROBLEMS = {"404": _page("The link is not valid."),
                   "409": _page("The link has already been used."),
                   "410": _page("The survey is closed or not open yet.")}
# The form is plain Flask (HTML, not JSON), so its operations are written out for the document.
FORM_OPERATIONS = {
    "get": {"tags": ["Responding"], "summary": "Show the survey as an accessible HTML form.",
            "responses": {"200": _page("The form."), **_TOKEN_PROBLEMS}},
    "post": {"tags": ["Responding"], "summary": "Submit the form's answers.",
             "requestBody": {"required": True, "content": {
                 "application/x-www-form-urlencoded": {"schema": {
                     "type": "object", "description": "Answers by question key.",
                     "additionalProperties": {"type": "string"}}}}},
             "responses": {"201": _page("Thanks: the response is stored."),
                           "422": _page("The form again, saying what to fix."),
                           **_TOKEN_PROBLEMS}},
}


def document_form(app, api) -> None:
    """Add the respondent form's operations to the service's OpenAPI document."""
    api.spec.tag({"name": "Responding", "description": "Respondent forms and answers."})
    document_rule(app, api, "/s/<token>", FORM_OPERATIONS, parameters=[_TOKEN])


LIKERT_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree",
                 4: "Agree", 5: "Strongly agree"}


def _secret() -> str:
    return current_app.config["TRUSTPULSE_SETTINGS"].link_secret


def _problem_page(error: APIError):
    return render_template("survey_problem.html", message=error.message), error.status


def form_answers(survey: dict, form) -> dict:
    """Return the answers posted by the form, typed by question (blank means unanswered)."""
    answers = {}
    for question in survey["questions"]:
        value = form.get(question["key"], "")
        if value == "":
            continue
        answers[question["key"]] = answer_from_text(value, question["type"])
    return answers


MISSING = "Missing data for required field."


def readable_errors(survey: dict, errors: dict) -> dict[str, str]:
    """Return, per question key, what the respondent should do, in the survey's words.

    A radio question can only be unanswered or tampered with, so its message says to
    choose; a text question keeps the check's own message (too long, not text).
    """
    types = {q["key"]: q["type"] for q in survey["questions"]}
    readable = {}
    for field, messages in errors.items():
        key = field.removeprefix("answers.")
        if types.get(key) == "text":
            readable[key] = "Write an answer." if MISSING in messages else " ".join(messages)
        elif key in types:
            readable[key] = ("Choose an answer." if MISSING in messages
                             else "Choose one of the answers shown.")
        else:
            readable[key] = " ".join(messages)
    return readable


def _render_form(respondent, token: str, answers: dict, errors: dict, status: int = 200):
    survey = respondent.survey
    return render_template(
        "survey_form.html", survey=survey, token=token, answers=answers,
        errors=readable_errors(survey, errors), likert_labels=LIKERT_LABELS), status


@bp.get("/s/<token>")
def show_form(token: str):
    """Show the survey as an HTML form."""
    try:
        respondent = resolve_token(engine=get_engine(), secret=_secret(), token=token)
    except APIError as error:
        return _problem_page(error)
    return _render_form(respondent, token, {}, {})


@bp.post("/s/<token>")
def submit_form(token: str):
    """Store the form's answers and thank the respondent, or show what to fix."""
    engine = get_engine()
    try:
        respondent = resolve_token(engine=engine, secret=_secret(), token=token)
    except APIError as error:
        return _problem_page(error)
    answers = form_answers(respondent.survey, request.form)
    try:
        clean = check_answers(engine=engine, survey=respondent.survey, answers=answers)
        store_response(engine=engine, respondent=respondent, answers=clean)
    except ValidationError as error:
        return _render_form(respondent, token, answers, error.details, 422)
    except APIError as error:
        return _problem_page(error)
    return render_template("survey_thanks.html", survey=respondent.survey), 201
