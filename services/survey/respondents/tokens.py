"""Invitation tokens and signed customer-link tokens.

Invitation tokens are 32 random URL-safe characters; only their sha256 is stored.

Customer-link tokens are signed, not stored: an `itsdangerous.URLSafeSerializer` over
`{"s": survey_id, "i": interaction_id, "g": {segment attributes}}` with the link secret
(`TRUSTPULSE_LINK_SECRET`) and the salt `trustpulse-link`. A contact-centre platform
holding the secret can make links offline, with no call to TrustPulse::

    from itsdangerous import URLSafeSerializer
    token = URLSafeSerializer(LINK_SECRET, salt="trustpulse-link").dumps(
        {"s": 12, "i": "call-2026-0042", "g": {"channel": "chat", "handled_by": "ai"}})
    url = f"https://trustpulse.example.com/s/{token}"

The segment may only use the survey's segment attributes; each interaction id is
answered at most once.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

LINK_SALT = "trustpulse-link"


def new_invitation_token() -> str:
    """Return a fresh random invitation token (it never contains a dot, unlike links)."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """Return the sha256 (hex) under which an invitation token is stored."""
    # JSON may carry lone surrogates; such a token matches nothing, and must not raise.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def is_link_token(token: str) -> bool:
    """Return whether a token is a signed customer link rather than an invitation."""
    return "." in token


@lru_cache(maxsize=8)
def _serializer(secret: str) -> URLSafeSerializer:
    """Return the link serializer of a secret (made once: every response reads a token)."""
    return URLSafeSerializer(secret, salt=LINK_SALT)


def make_link_token(secret: str, *, survey_id: int, interaction_id: str, segment: dict) -> str:
    """Return the signed token of a customer link."""
    return _serializer(secret).dumps({"s": survey_id, "i": interaction_id, "g": segment})


def read_link_token(secret: str, token: str) -> dict | None:
    """Return `{"survey_id", "interaction_id", "segment"}` of a valid link token, else None."""
    if not token.isascii():
        return None  # signed links are URL-safe ASCII; others (even lone surrogates) are not ours
    try:
        payload = _serializer(secret).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    survey_id, interaction_id, segment = payload.get("s"), payload.get("i"), payload.get("g", {})
    if not isinstance(survey_id, int) or not isinstance(interaction_id, str) \
            or not isinstance(segment, dict):
        return None
    return {"survey_id": survey_id, "interaction_id": interaction_id, "segment": segment}
