"""`X-Request-ID`: taken from the caller or made, echoed on the response, passed on."""

from __future__ import annotations

import re
import uuid

from flask import Flask, g, request

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def current_request_id() -> str | None:
    """Return the id of the request being served, if any."""
    return g.get("request_id") if g else None


def init_request_id(app: Flask) -> None:
    """Give every request an id and echo it on every response, errors included."""

    @app.before_request
    def _take_request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if _VALID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response):
        if "request_id" not in g:
            g.request_id = uuid.uuid4().hex
        response.headers[HEADER] = g.request_id
        return response
