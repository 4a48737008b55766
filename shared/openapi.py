"""What every service's OpenAPI document shares: the errors a view answers, by status."""

from __future__ import annotations

from collections.abc import Mapping

from shared.errors import CODES, ErrorSchema


def error_example(status: int, message: str, details: dict | None = None) -> dict:
    """Return an example error document of `status`, for the reference."""
    return {"error": {"code": CODES.get(status, "error"), "message": message,
                      "details": details or {}, "request_id": "5f0c6b1e9a2d4c7e"}}


def error_responses(blp, errors: Mapping[int, str]):
    """Document that a view may answer each status of `errors` (status -> when) in the error shape.

    A 422 for its arguments is documented by flask-smorest already; the gateway adds what it
    answers itself (401, 403, 429, 503, ...).
    """
    def decorate(view):
        for status, description in errors.items():
            view = blp.alt_response(status, schema=ErrorSchema, description=description,
                                    example=error_example(status, description))(view)
        return view
    return decorate


def _json(description: str, schema) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_OK = {"type": "object", "required": ["status"],
       "properties": {"status": {"type": "string", "enum": ["ok"]}}}
PROBE_OPERATIONS = {
    "/healthz": {"get": {
        "tags": ["Health"], "summary": "Whether this process is up.",
        "responses": {"200": _json("Up.", _OK)}}},
    "/readyz": {"get": {
        "tags": ["Health"], "summary": "Whether this service and what it depends on answer.",
        "responses": {
            "200": _json("Ready: every check answers.", {**_OK, "required": ["status", "checks"],
                         "properties": {**_OK["properties"], "checks": {
                             "type": "object", "additionalProperties": {"type": "string"}}}}),
            "503": _json("Not ready; `details` names what is down.", ErrorSchema)}}},
}


def document_rule(app, api, rule: str, operations: dict, **kwargs) -> None:
    """Add the operations of a plain Flask rule (not a flask-smorest view) to `api`'s document."""
    found = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    api.spec.path(rule=found, operations=operations, **kwargs)


def document_probes(app, api) -> None:
    """Add `/healthz` and `/readyz` (`shared.app.register_probes`) to a service's document."""
    api.spec.tag({"name": "Health", "description": "Liveness and readiness probes."})
    for path, operations in PROBE_OPERATIONS.items():
        document_rule(app, api, path, operations)
