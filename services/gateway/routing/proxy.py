"""Forward a matched public request to its backend and pass the answer back unchanged."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from flask import Flask, Response, g, request

from services.gateway.routing.backends import backend
from services.gateway.routing.table import forwarded_paths
from shared.errors import BadRequest, PayloadTooLarge, ValidationError
from shared.schemas import text_problems

# Request headers a backend needs; everything else (Authorization above all) stays here.
FORWARDED_REQUEST_HEADERS = ("Content-Type", "Accept", "Accept-Language", "Idempotency-Key",
                             "If-None-Match")
PASSED_BACK_HEADERS = ("Content-Type", "Location", "Retry-After", "Cache-Control",
                       "Content-Disposition", "ETag", "Last-Modified", "Link", "Allow",
                       "Content-Language", "Vary", "Content-Security-Policy",
                       "Referrer-Policy", "X-Frame-Options", "X-Content-Type-Options")
# Respondent forms may keep their own cookie (e.g. against cross-site posts); keyed
# endpoints never see the caller's cookies.
RESPONDENT_COOKIE_HEADERS = ("Cookie",)


def register_proxy_routes(app: Flask, routes) -> None:
    """Add one URL rule per forwarded path of the table, with its methods."""
    for path, rows in forwarded_paths(routes).items():
        endpoint = "proxy:" + path
        app.add_url_rule(rows[0].flask_rule, endpoint=endpoint, view_func=forward,
                         methods=sorted({row.method for row in rows}))


# A surrogate code point written as a \u escape, or as (CESU-8) bytes that json.loads
# lets through: cheap to look for, so the exact check below runs only when one is there.
SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def _request_body() -> bytes:
    """Read the body within the route's limit (413 past it); refuse malformed JSON here."""
    body = request.get_data(cache=False)
    # A chunked body is cut at the limit without an error; forwarding the cut would store
    # part of an import. One more byte of the raw stream tells whether it was cut.
    if (request.content_length is None and len(body) >= (request.max_content_length or 0) > 0
            and request.environ["wsgi.input"].read(1)):
        raise PayloadTooLarge("The request body is too large.")
    if body and request.mimetype == "application/json":
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            # RecursionError: nesting deeper than the parser's stack (`[[[[...`).
            raise BadRequest("The request body is not valid JSON.") from None
        if SURROGATE_HINT.search(body):
            # A lone surrogate is no character: stored, it breaks every page that shows it.
            # Named by field, as the services' schemas name the text they refuse.
            problems = text_problems(document)
            if problems:
                raise ValidationError("The request has invalid fields.", problems)
    return body


def _outgoing_headers(route) -> dict[str, str]:
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST_HEADERS
               if name in request.headers}
    if route.public:
        headers.update({name: request.headers[name] for name in RESPONDENT_COOKIE_HEADERS
                        if name in request.headers})
    # The caller's own X-Forwarded-For is not trusted: the gateway is the public edge.
    headers["X-Forwarded-For"] = request.remote_addr or ""
    identity = g.get("api_key")
    if identity:
        headers["X-TrustPulse-Role"] = identity["role"]
        headers["X-TrustPulse-Key-Id"] = str(identity["id"])
    return headers


def forward(**_path_params) -> Response:
    """Send the current request to the route's backend; answer with its status, body, headers."""
    route = g.route
    body = _request_body()
    target = quote(request.path)
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    client = backend(route.target)
    timeout = (client.timeout[0], route.read_timeout) if route.read_timeout else client.timeout
    upstream = client.request(
        request.method, target, data=body or None, headers=_outgoing_headers(route),
        allow_redirects=False, timeout=timeout)
    response = Response(upstream.content, status=upstream.status_code)
    for name in PASSED_BACK_HEADERS:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    if route.public:
        for cookie in upstream.raw.headers.getlist("Set-Cookie"):
            response.headers.add("Set-Cookie", cookie)
        # Respondent URLs carry the token: never leak it to a linked site.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
