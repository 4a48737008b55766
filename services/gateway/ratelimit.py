"""The respondent rate limit: Flask-Limiter counting per client address, shared across processes.

Counts live where `TRUSTPULSE_RATE_LIMIT_STORAGE` says: `memory://` (the default) keeps them
in each gateway process, `redis://host:port/db` in one Redis that every worker and replica
shares, so the limit holds for the whole deployment. While that Redis does not answer, each
process counts in its own memory and asks Redis again now and then: respondents are never
refused for want of a counter.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, request
from flask_limiter import Limiter, RateLimitExceeded
from limits.errors import ConfigurationError

from shared.errors import error_response
from shared.settings import Settings, SettingsError

RATE_LIMITER = "trustpulse_rate_limiter"


def client_address() -> str:
    """Return the address a request is counted under."""
    return request.remote_addr or "unknown"


def retry_after_header(reset_at: float, now: float | None = None) -> str:
    """Return a Retry-After value for a window ending at `reset_at`: whole seconds, at least 1."""
    return str(max(1, math.ceil(reset_at - (time.time() if now is None else now))))


def _storage_options(uri: str, settings: Settings) -> dict:
    """Return the storage's connection options: a Redis that hangs must not hang a respondent."""
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        return {"socket_connect_timeout": settings.connect_timeout,
                "socket_timeout": settings.connect_timeout}
    return {}


def init_rate_limit(app: Flask, settings: Settings, is_limited: Callable[[], bool]) -> Limiter:
    """Limit the requests for which `is_limited()` holds to the respondent rate, per address.

    One counter per address covers every limited endpoint together (Flask-Limiter's
    application-wide limit, with every other request exempt).
    """
    per_minute = settings.respondent_rate_limit
    uri = settings.rate_limit_storage
    try:
        limiter = Limiter(
            key_func=client_address,
            application_limits=[f"{per_minute} per minute"] if per_minute > 0 else [],
            application_limits_exempt_when=lambda: not is_limited(),
            storage_uri=uri,
            storage_options=_storage_options(uri, settings),
            strategy="fixed-window",
            key_prefix=settings.rate_limit_key_prefix,
            in_memory_fallback_enabled=True,
        )
        limiter.init_app(app)
    except ConfigurationError:
        # Not the library's message: it repeats the URI, which may hold a password.
        raise SettingsError("TRUSTPULSE_RATE_LIMIT_STORAGE names no storage the rate limit "
                            "can use; give memory:// or redis://host:port/db") from None
    app.extensions[RATE_LIMITER] = limiter

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(_exc: RateLimitExceeded):
        window = limiter.current_limit
        wait = retry_after_header(window.window.reset_time) if window is not None else "60"
        return error_response(429, "Too many requests from this address; try again later.",
                              headers={"Retry-After": wait})

    return limiter
