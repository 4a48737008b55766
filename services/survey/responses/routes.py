"""HTTP of responses: one by token, and imports in JSON or CSV."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.survey.instruments.service import get_survey
from services.survey.responses import imports, service
from services.survey.responses.schemas import (
    ImportQuerySchema,
    ImportResultSchema,
    ResponseCreatedSchema,
    ResponseCreateSchema,
)
from shared.app import get_engine
from shared.errors import APIError, BadRequest, ValidationError
from shared.internal import require_internal_token
from shared.openapi import error_responses

IMPORT_MAX_BYTES = 50 * 1024 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"
# An instance, not the class: webargs would build a schema for every response otherwise.
RESPONSE_CREATE = ResponseCreateSchema()

blp = Blueprint("responses", __name__, url_prefix="/api/v1",
                description="Responses given with a token, and imports.")
require_internal_token(blp)


def idempotency_key() -> str | None:
    """Return the request's Idempotency-Key, checked."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= 200:
        raise ValidationError("The Idempotency-Key header is not valid.",
                              {IDEMPOTENCY_HEADER: ["Must be 1 to 200 characters."]})
    return key


@blp.route("/responses")
class Responses(MethodView):
    @blp.arguments(RESPONSE_CREATE, example={
        "token": "sX3v...", "answers": {"job_security": 4, "comment": "Clear guidance."}})
    @blp.doc(parameters=[{"in": "header", "name": IDEMPOTENCY_HEADER, "required": False,
                          "description": "A retry with the same key answers the same 201 "
                                         "and stores nothing new.",
                          "schema": {"type": "string", "minLength": 1, "maxLength": 200}}])
    @blp.response(201, ResponseCreatedSchema)
    @error_responses(blp, {404: "No such token.", 409: "The token has already been used.",
                           410: "The wave is closed or not open yet."})
    def post(self, data):
        """Answer a survey with an invitation token or a customer link token."""
        status, body = service.submit_response(
            engine=get_engine(), secret=current_app.config["TRUSTPULSE_SETTINGS"].link_secret,
            token=data["token"], answers=data["answers"], idempotency_key=idempotency_key())
        return body, status


@blp.route("/surveys/<int:survey_id>/responses/import")
class ResponseImport(MethodView):
    @blp.doc(requestBody={"content": {
        "application/json": {"schema": {"type": "object", "properties": {
            "responses": {"type": "array", "items": {"type": "object"}}}}},
        "text/csv": {"schema": {"type": "string"}}}})
    @blp.arguments(ImportQuerySchema, location="query")
    @blp.response(201, ImportResultSchema)
    @error_responses(blp, {400: "The body is not valid JSON, or the CSV is not UTF-8.",
                           404: "No such survey.", 415: "Neither JSON nor CSV.",
                           422: "Some rows are not valid (each is named); nothing is stored."})
    def post(self, query, survey_id):
        """Import historical responses (JSON or CSV, up to 50 MiB): all rows or none."""
        request.max_content_length = IMPORT_MAX_BYTES
        engine = get_engine()
        survey = get_survey(engine=engine, survey_id=survey_id)
        with imports.garbage_collection_paused():
            if query["dry_run"]:
                return {"imported": 0, "valid": self._import(engine, survey, dry_run=True)}, 200
            return {"imported": self._import(engine, survey)}

    @staticmethod
    def _import(engine, survey: dict, *, dry_run: bool = False) -> int:
        """Read the body's rows and import (or only check) them; return how many."""
        if request.mimetype == "text/csv":
            try:
                text = request.get_data().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise BadRequest("The CSV file is not UTF-8.") from None
            rows, label = imports.rows_from_csv(text, survey), "rows"
        elif request.mimetype == "application/json":
            payload = imports.parse_json(request.get_data())
            if payload is None:
                raise BadRequest("The request body is not valid JSON.")
            rows, label = imports.rows_from_json(payload), "responses"
        else:
            raise APIError("Send application/json or text/csv.", status=415)
        run = imports.check_rows if dry_run else imports.import_responses
        return run(engine=engine, survey_id=survey["id"], rows=rows, label=label)
