"""Guard for internal endpoints: only callers holding the shared internal token get in."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, request

from shared.errors import NotFound
from shared.http import INTERNAL_TOKEN_HEADER


def require_internal_token(blueprint: Blueprint) -> None:
    """Make every route of `blueprint` answer 404 unless the internal token is presented.

    404 rather than 401: an outsider learns nothing about which internal paths exist.
    """

    @blueprint.before_request
    def _check_internal_token():
        expected = current_app.config["TRUSTPULSE_SETTINGS"].internal_token
        given = request.headers.get(INTERNAL_TOKEN_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise NotFound("No such resource.")
