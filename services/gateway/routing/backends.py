"""The gateway's HTTP clients to survey and metrics, and their readiness checks."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from shared.errors import Unavailable
from shared.http import ServiceClient
from shared.settings import Settings

BACKENDS = ("survey", "metrics")
# Probes and the docs merge must answer quickly even when a backend hangs.
PROBE_READ_TIMEOUT = 3.0


def init_backends(app: Flask, settings: Settings) -> dict[str, ServiceClient]:
    """Create one pooled client per backend and keep them on the app."""
    clients = {
        name: ServiceClient(
            name, settings.url_of(name), internal_token=settings.internal_token,
            connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout,
            # No read retries: a hung backend must cost one read timeout, not three.
            retries=2, read_retries=0)
        for name in BACKENDS
    }
    app.extensions["trustpulse_backends"] = clients
    return clients


def backend(name: str) -> ServiceClient:
    """Return the client of a backend of the current app."""
    return current_app.extensions["trustpulse_backends"][name]


def probe_timeout(client: ServiceClient) -> tuple[float, float]:
    """Return (connect, read) timeouts for a probe or docs call to `client`."""
    connect, read = client.timeout
    return connect, min(read, PROBE_READ_TIMEOUT)


def readiness_check(client: ServiceClient) -> Callable[[], tuple[bool, str | None]]:
    """Return a check that a backend's own `/readyz` answers 200."""

    def check() -> tuple[bool, str | None]:
        try:
            response = client.get("/readyz", timeout=probe_timeout(client))
        except Unavailable:
            return False, "unreachable"
        if response.status_code == 200:
            return True, None
        return False, f"not ready ({response.status_code})"

    return check
