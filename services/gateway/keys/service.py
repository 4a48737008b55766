"""Rules of API keys: how they are made, stored (hashed), bootstrapped and checked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from services.gateway.keys import repository
from shared.errors import Conflict, NotFound
from shared.pagination import cursor_after_id, page_of

ROLES = ("admin", "analyst", "integration")
KEY_PREFIX = "tp_"
BOOTSTRAP_NAME = "bootstrap admin"


def hash_key(key: str) -> str:
    """Return the stored form of a key: its sha256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> str:
    """Return a new random key (`tp_` and 32 random bytes, URL-safe)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def create_key(engine: Engine, *, name: str, role: str) -> dict:
    """Create a key; return its row with the clear `key`, which is never shown again."""
    key = generate_key()
    row = repository.insert_key(engine, name=name, role=role, key_hash=hash_key(key),
                                key_prefix=key[:10], created_at=_now())
    return {**row, "key": key}


def list_keys(engine: Engine, *, limit: int, cursor: str | None) -> dict:
    """Return a page of keys (never their clear value) and the cursor of the next page."""
    rows = repository.list_keys(engine, limit=limit + 1, after_id=cursor_after_id(cursor))
    return page_of(rows, limit)


def revoke_key(engine: Engine, *, key_id: int, bootstrap_key: str | None = None) -> None:
    """Revoke a key: the next request carrying it is refused.

    The configured bootstrap key (`bootstrap_key`, from TRUSTPULSE_ADMIN_KEY) is refused
    with 409: revoked, it would stay revoked at every start and could leave no admin.
    """
    if bootstrap_key and repository.key_hash_of(engine, key_id) == hash_key(bootstrap_key):
        raise Conflict("This is the bootstrap admin key set by TRUSTPULSE_ADMIN_KEY; it cannot "
                       "be revoked. Set a new TRUSTPULSE_ADMIN_KEY, restart the gateway, then "
                       "revoke this one.", {"id": key_id})
    if not repository.revoke_key(engine, key_id, _now()):
        raise NotFound("No such API key.", {"id": key_id})


def authenticate(engine: Engine, *, key: str) -> dict | None:
    """Return `{"id", "role"}` of an active key, or None; looked up per request, no cache."""
    if not key or len(key) > 200:
        return None
    return repository.find_active_by_hash(engine, hash_key(key))


def identity_of(engine: Engine, *, key_id: int) -> dict | None:
    """Return id and role of an unrevoked key by its id (for sessions that hold no key)."""
    return repository.find_active_by_id(engine, key_id)


def ensure_bootstrap_admin(engine: Engine, *, key: str) -> bool:
    """Store the configured admin key (hashed) unless it is already known; say if stored.

    A bootstrap key revoked while it was not the configured one (an earlier
    TRUSTPULSE_ADMIN_KEY, or one made by the gateway) stays revoked across restarts.
    """
    return repository.insert_key_if_absent(
        engine, name=BOOTSTRAP_NAME, role="admin", key_hash=hash_key(key),
        key_prefix=key[:10], created_at=_now())


def has_active_admin(engine: Engine) -> bool:
    """Return whether any unrevoked admin key exists."""
    return repository.count_active(engine, "admin") > 0
