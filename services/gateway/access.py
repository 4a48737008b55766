"""Who may reach what: API-key authentication, role checks, body limits and rate limits.

One `before_request` hook looks the matched URL rule up in the route table; rules that are
not in the table (probes, docs, dashboard) are left to their own views. Unknown paths and
wrong methods are not in the table either, so they end as 404/405 without asking for a key.
"""

from __future__ import annotations

from flask import Flask, g, request

from services.gateway.keys.service import authenticate, identity_of
from services.gateway.ratelimit import init_rate_limit
from services.gateway.routing.table import index_routes, normalise
from shared.app import get_engine
from shared.errors import Forbidden, Unauthorized
from shared.settings import Settings

# The WSGI environ entry through which the dashboard calls the API as its signed-in key.
SESSION_KEY_ID = "trustpulse.session_key_id"


def bearer_key() -> str | None:
    """Return the API key of the `Authorization: Bearer` header, if any."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


def init_access_control(app: Flask, settings: Settings, routes) -> None:
    """Enforce the route table's roles, body limits and rate limits on every request."""
    index = index_routes(routes)

    def route_of_request():
        """Return the table's row of the current request, or None for other rules."""
        rule = request.url_rule
        if rule is None:
            return None
        method = "GET" if request.method == "HEAD" else request.method
        return index.get((method, normalise(rule.rule)))

    init_rate_limit(app, settings,
                    lambda: getattr(route_of_request(), "rate_limited", False))

    @app.before_request
    def _check_access():
        route = route_of_request()
        if route is None:
            return
        g.route = route
        request.max_content_length = route.body_limit
        if route.public:
            return
        session_key_id = request.environ.get(SESSION_KEY_ID)
        if session_key_id is not None:
            # An in-process call of the dashboard for its signed-in user: the session holds
            # the key's id, never the key. WSGI environ keys with a dot cannot be sent over
            # HTTP (headers arrive as HTTP_*), so only this process can set it.
            identity = identity_of(get_engine(), key_id=int(session_key_id))
            if identity is None:
                raise Unauthorized("The API key has been revoked.")
            _check_role(identity, route)
            return
        key = bearer_key()
        if key is None:
            raise Unauthorized("An API key is required (Authorization: Bearer <key>).",
                               headers={"WWW-Authenticate": "Bearer"})
        identity = authenticate(get_engine(), key=key)
        if identity is None:
            raise Unauthorized("The API key is not valid or has been revoked.",
                               headers={"WWW-Authenticate": "Bearer"})
        _check_role(identity, route)


def _check_role(identity: dict, route) -> None:
    """Refuse an identity whose role the route does not allow; remember it otherwise."""
    if identity["role"] not in route.roles:
        raise Forbidden(f"The {identity['role']} role may not do this.",
                        {"role": identity["role"], "allowed_roles": sorted(route.roles)})
    g.api_key = identity
