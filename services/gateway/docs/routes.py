"""`GET /api/openapi.json` (the merged document) and `GET /api/docs` (it, as readable HTML)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for

from services.gateway.docs.cache import SuiteDocumentCache
from services.gateway.docs.openapi import HTTP_METHODS, fetch_documents, merge_documents
from services.gateway.routing.backends import BACKENDS, backend

bp = Blueprint("docs", __name__, template_folder="templates")
CACHE = "trustpulse_docs_cache"


@bp.record_once
def _init_cache(state) -> None:
    state.app.extensions[CACHE] = SuiteDocumentCache()


def suite_document() -> dict:
    """Return the merged document of the gateway and whichever backends answer.

    A complete document is reused for a short while; one missing a backend is made anew on
    every request, so the docs are whole again as soon as the backend is back.
    """
    cache = current_app.extensions[CACHE]
    document = cache.fresh()
    if document is not None:
        return document
    api = current_app.extensions["trustpulse_api"]
    routes = current_app.extensions["trustpulse_routes"]
    documents = fetch_documents({name: backend(name) for name in BACKENDS})
    document = merge_documents(api.spec.to_dict(), documents, routes)
    if all(found is not None for found in documents.values()):
        cache.keep(document)
    return document


def _resolve(schema: dict, document: dict) -> dict:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/"):
        _, _, kind, name = ref.split("/", 3)
        return document.get("components", {}).get(kind, {}).get(name, {})
    return schema


def _type_of(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return "array of " + _type_of(schema.get("items", {}))
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    return schema.get("type", "object")


def _fields(schema: dict, document: dict) -> list[dict]:
    """Return the top-level fields of a (possibly referenced) object schema."""
    schema = _resolve(schema, document)
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type_of(prop), "required": name in required,
             "description": prop.get("description", "")}
            for name, prop in (schema.get("properties") or {}).items()]


def _operations(document: dict) -> list[dict]:
    """Return every operation of the document, ready for the template, by path."""
    operations = []
    for path in sorted(document.get("paths", {})):
        item = document["paths"][path]
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            parameters = [_resolve(p, document) for p in
                          item.get("parameters", []) + operation.get("parameters", [])]
            body = (operation.get("requestBody") or {}).get("content", {})
            body_schema = next(iter(body.values()), {}).get("schema")
            operations.append({
                "method": method.upper(), "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [{"name": p.get("name"), "in": p.get("in"),
                                "required": p.get("required", False),
                                "type": _type_of(p.get("schema", {}))}
                               for p in parameters],
                "body": _fields(body_schema, document) if body_schema else [],
                "responses": [{"status": status,
                               "description": _resolve(r, document).get("description", "")}
                              for status, r in operation.get("responses", {}).items()],
            })
    return operations


@bp.get("/api/openapi.json")
def openapi_json():
    """The OpenAPI document of the whole public API."""
    return jsonify(suite_document())


@bp.get("/api/docs")
def api_docs():
    """The API reference as a page, rendered here: no script, nothing fetched elsewhere."""
    document = suite_document()
    return render_template("docs.html", document=document, operations=_operations(document))


@bp.get("/")
def home():
    """Send a visitor of the bare address to the dashboard."""
    return redirect(url_for("dashboard.surveys"), code=302)


@bp.get("/favicon.ico")
def favicon():
    """Answer browsers' automatic icon request with nothing, rather than a 404."""
    return "", 204
