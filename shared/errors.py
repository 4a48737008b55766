"""The one JSON error shape of the API, and the handlers that turn every error into it."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import Flask, g, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("trustpulse.errors")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class APIError(Exception):
    """An error answered in the shared JSON shape."""

    status = 400

    def __init__(self, message: str, details: dict | None = None, *, status: int | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers = headers or {}
        if status is not None:
            self.status = status

    @property
    def code(self) -> str:
        return CODES.get(self.status, "error")


class BadRequest(APIError):
    status = 400


class Unauthorized(APIError):
    status = 401


class Forbidden(APIError):
    status = 403


class NotFound(APIError):
    status = 404


class Conflict(APIError):
    status = 409


class Gone(APIError):
    status = 410


class ValidationError(APIError):
    """422: `details` maps each field to a list of messages."""

    status = 422


class PayloadTooLarge(APIError):
    status = 413


class RateLimited(APIError):
    status = 429


class Unavailable(APIError):
    """503: a backend service or the database does not answer; `details` names it."""

    status = 503


class ErrorDetailSchema(ma.Schema):
    """The inside of an error document (for the OpenAPI documents only)."""

    code = ma.fields.String(required=True, metadata={"example": "validation_error"})
    message = ma.fields.String(required=True)
    details = ma.fields.Dict(required=True, metadata={
        "description": "For 422: field -> list of messages; for 503: what is down."})
    request_id = ma.fields.String(required=True, allow_none=True)


class ErrorSchema(ma.Schema):
    """`{"error": {...}}`: the one error document of every service, whatever the status."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def error_body(status: int, message: str, details: dict | None = None, code: str | None = None,
               *, request_id: str | None = None) -> dict:
    """Return the JSON error document for a status (request id: given, or the request's)."""
    return {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "details": details or {},
            "request_id": request_id if request_id is not None else g.get("request_id"),
        }
    }


def error_response(status: int, message: str, details: dict | None = None,
                   headers: dict | None = None, code: str | None = None):
    """Return a Flask response carrying the JSON error document."""
    response = jsonify(error_body(status, message, details, code))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_exception(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    details = {}
    message = exc.description or exc.name
    if status == 422 and "messages" in data:
        # webargs / flask-smorest: {"json": {"field": ["msg"]}} -> {"field": ["msg"]}
        for location_messages in data["messages"].values():
            if isinstance(location_messages, dict):
                details.update(location_messages)
        message = "The request has invalid fields."
    elif status == 413:
        message = "The request body is too large."
    elif status == 404:
        message = "No such resource."
    elif status == 405:
        message = "This method is not allowed here."
    elif status == 400 and "JSON" in (exc.description or ""):
        message = "The request body is not valid JSON."
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(status, message, details, headers)


def register_error_handlers(app: Flask) -> None:
    """Answer every error, ours or the framework's, in the shared JSON shape."""

    @app.errorhandler(APIError)
    def _api_error(exc: APIError):
        return error_response(exc.status, exc.message, exc.details, exc.headers)

    app.register_error_handler(HTTPException, _http_exception)

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):
        log.error("database error: %s", type(getattr(exc, "orig", None) or exc).__name__)
        return error_response(503, "The database is unavailable.", {"service": "database"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return error_response(503, "The database is unavailable.", {"service": "database"})
        log.exception("unhandled error")
        return error_response(500, "An internal error occurred.")
