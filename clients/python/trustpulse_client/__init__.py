"""Python client of the TrustPulse API (`Client(base_url, api_key)`)."""

from trustpulse_client.client import Client
from trustpulse_client.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TrustPulseError,
    Unauthorized,
    Unavailable,
    ValidationError,
)

__all__ = ["Client", "Conflict", "Forbidden", "Gone", "NotFound", "PayloadTooLarge",
           "RateLimited", "TrustPulseError", "Unauthorized", "Unavailable", "ValidationError"]
