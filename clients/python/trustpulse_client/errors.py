"""The API's error document as exceptions: one class per error code."""

from __future__ import annotations


class TrustPulseError(Exception):
    """An error answer of the API: `status`, `code`, `message`, `details`, `request_id`."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None,
                 request_id: str | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.request_id = request_id


class Unauthorized(TrustPulseError):
    """401: no API key, or one that is not valid."""


class Forbidden(TrustPulseError):
    """403: the key's role may not do this."""


class NotFound(TrustPulseError):
    """404: no such survey, wave, key or token."""


class Conflict(TrustPulseError):
    """409: for example a token already used."""


class Gone(TrustPulseError):
    """410: the wave is closed or not yet open."""


class PayloadTooLarge(TrustPulseError):
    """413: the body is over the endpoint's limit."""


class ValidationError(TrustPulseError):
    """422: `details` maps each bad field to its messages."""


class RateLimited(TrustPulseError):
    """429: too many requests; `retry_after` says how many seconds to wait."""

    retry_after: float | None = None


class Unavailable(TrustPulseError):
    """503: a service or database of the suite is down; `details` names it."""


BY_CODE = {"unauthorized": Unauthorized, "forbidden": Forbidden, "not_found": NotFound,
           "conflict": Conflict, "gone": Gone, "payload_too_large": PayloadTooLarge,
           "validation_error": ValidationError, "rate_limited": RateLimited,
           "unavailable": Unavailable}


def error_from(status: int, document: dict | None, headers) -> TrustPulseError:
    """Return the exception of an error answer (its JSON document, if it has one)."""
    error = (document or {}).get("error") if isinstance(document, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") or f"http_{status}"
    exc = BY_CODE.get(code, TrustPulseError)(
        status, code, error.get("message") or f"HTTP {status}", error.get("details"),
        error.get("request_id") or headers.get("X-Request-ID"))
    if isinstance(exc, RateLimited) and headers.get("Retry-After", "").isdigit():
        exc.retry_after = float(headers["Retry-After"])
    return exc
