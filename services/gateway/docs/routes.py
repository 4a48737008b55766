"""`GET /api/openapi.json` (the merged document) and `GET /api/docs` (Swagger UI over it).

Swagger UI comes from the `swagger-ui-bundle` package and is served by the gateway itself:
the page loads nothing from anywhere else, so the reference works offline.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from swagger_ui_bundle import swagger_ui_path

from services.gateway.docs.cache import SuiteDocumentCache
from services.gateway.docs.openapi import fetch_documents, merge_documents
from services.gateway.routing.backends import BACKENDS, backend

bp = Blueprint("docs", __name__, template_folder="templates", static_folder="static",
               static_url_path="/api/docs/static")
CACHE = "trustpulse_docs_cache"
# The files of the Swagger UI distribution the page uses (and their source maps).
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui.css.map", "swagger-ui-bundle.js",
                              "swagger-ui-bundle.js.map"})
# Swagger UI sets inline styles; everything else comes from this origin.
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'none'; "
            "frame-ancestors 'none'; base-uri 'none'")


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


@bp.get("/api/openapi.json")
def openapi_json():
    """The OpenAPI document of the whole public API."""
    return jsonify(suite_document())


@bp.get("/api/docs")
def api_docs():
    """The interactive API reference (Swagger UI) over the merged document."""
    page = current_app.make_response(render_template("docs.html", document=suite_document()))
    page.headers["Content-Security-Policy"] = DOCS_CSP
    page.headers["X-Content-Type-Options"] = "nosniff"
    return page


@bp.get("/api/docs/swagger-ui/<name>")
def swagger_ui_asset(name: str):
    """A file of the installed Swagger UI distribution."""
    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(swagger_ui_path, name, max_age=86400)


@bp.get("/")
def home():
    """Send a visitor of the bare address to the dashboard."""
    return redirect(url_for("dashboard.surveys"), code=302)


@bp.get("/favicon.ico")
def favicon():
    """Answer browsers' automatic icon request with nothing, rather than a 404."""
    return "", 204
