"""The declarative route table: every public path, who owns it, and who may call it.

A row is (method, path pattern, target service, roles allowed, rate limited?, body limit).
Patterns use API.md's `{name}` placeholders, one path segment each. Adding an endpoint to
survey or metrics is adding one row here; nothing under `/internal/` is ever listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADMIN = frozenset({"admin"})
READERS = frozenset({"admin", "analyst"})
ALL_ROLES = frozenset({"admin", "analyst", "integration"})
LINKERS = frozenset({"admin", "integration"})
PUBLIC = frozenset()

MIB = 1024 * 1024
DEFAULT_BODY_LIMIT = 1 * MIB
IMPORT_BODY_LIMIT = 50 * MIB
# Seconds an import may take in the survey service: 50 MiB of rows is about a million,
# which takes tens of seconds, well past the read timeout other calls get.
IMPORT_READ_TIMEOUT = 300.0


@dataclass(frozen=True)
class Route:
    """One public endpoint: where it goes and who may reach it (no roles: no key needed)."""

    method: str
    path: str
    target: str
    roles: frozenset
    rate_limited: bool = False
    body_limit: int = DEFAULT_BODY_LIMIT
    read_timeout: float | None = None  # None: the backend client's own

    @property
    def public(self) -> bool:
        return not self.roles

    @property
    def flask_rule(self) -> str:
        """The werkzeug rule of the pattern (`{id}` -> `<id>`)."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


def _analytics(name: str) -> Route:
    return Route("GET", f"/api/v1/surveys/{{id}}/{name}", "metrics", READERS)


ROUTES: tuple[Route, ...] = (
    # The gateway's own endpoints (served here, not forwarded).
    Route("POST", "/api/v1/api-keys", "gateway", ADMIN),
    Route("GET", "/api/v1/api-keys", "gateway", ADMIN),
    Route("DELETE", "/api/v1/api-keys/{id}", "gateway", ADMIN),
    # Survey: instruments, waves, invitations, links, responses.
    Route("GET", "/api/v1/templates", "survey", ALL_ROLES),
    Route("POST", "/api/v1/surveys", "survey", ADMIN),
    Route("GET", "/api/v1/surveys", "survey", READERS),
    Route("GET", "/api/v1/surveys/{id}", "survey", READERS),
    Route("POST", "/api/v1/surveys/{id}/waves", "survey", ADMIN),
    Route("GET", "/api/v1/surveys/{id}/waves", "survey", READERS),
    Route("POST", "/api/v1/surveys/{id}/schedule", "survey", ADMIN),
    Route("POST", "/api/v1/waves/{id}/invitations", "survey", ADMIN),
    Route("POST", "/api/v1/surveys/{id}/links", "survey", LINKERS),
    Route("POST", "/api/v1/surveys/{id}/responses/import", "survey", LINKERS,
          body_limit=IMPORT_BODY_LIMIT, read_timeout=IMPORT_READ_TIMEOUT),
    # Respondents: the token is the credential; rate limited per client address.
    Route("POST", "/api/v1/responses", "survey", PUBLIC, rate_limited=True),
    Route("GET", "/s/{token}", "survey", PUBLIC, rate_limited=True),
    Route("POST", "/s/{token}", "survey", PUBLIC, rate_limited=True),
    # Metrics: analytics and alerts.
    _analytics("scores"),
    _analytics("compare"),
    _analytics("distribution"),
    _analytics("changes"),
    _analytics("trend"),
    _analytics("drivers"),
    _analytics("comments"),
    _analytics("snapshots"),
    _analytics("impact"),
    Route("GET", "/api/v1/linkage", "metrics", READERS),
    _analytics("participation"),
    _analytics("questions"),
    Route("GET", "/api/v1/alerts", "metrics", READERS),
    Route("GET", "/api/v1/alerts/deliveries", "metrics", ADMIN),
)


def normalise(path: str) -> str:
    """Return a pattern with every placeholder written `{}` (werkzeug or API.md style)."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def index_routes(routes=ROUTES) -> dict[tuple[str, str], Route]:
    """Return the table keyed by (method, normalised pattern)."""
    return {(route.method, normalise(route.path)): route for route in routes}


def forwarded_paths(routes=ROUTES) -> dict[str, list[Route]]:
    """Return the forwarded rows grouped by pattern, in table order."""
    grouped: dict[str, list[Route]] = {}
    for route in routes:
        if route.target != "gateway":
            grouped.setdefault(route.path, []).append(route)
    return grouped
