"""SQL of the `api_keys` table: the only place the gateway's key queries live."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from services.gateway.tables import api_keys
from shared.db import write_transaction

_PUBLIC_COLUMNS = (api_keys.c.id, api_keys.c.name, api_keys.c.role, api_keys.c.key_prefix,
                   api_keys.c.created_at, api_keys.c.revoked_at)


def insert_key(engine: Engine, *, name: str, role: str, key_hash: str, key_prefix: str,
               created_at: datetime) -> dict:
    """Store a key's hash; return its public row."""
    with write_transaction(engine) as conn:
        key_id = conn.execute(api_keys.insert().values(
            name=name, role=role, key_hash=key_hash, key_prefix=key_prefix,
            created_at=created_at)).inserted_primary_key[0]
        return dict(conn.execute(sa.select(*_PUBLIC_COLUMNS).where(
            api_keys.c.id == key_id)).mappings().one())


def insert_key_if_absent(engine: Engine, **values) -> bool:
    """Store a key's hash unless that hash is already stored (revoked or not); say if stored."""
    with write_transaction(engine) as conn:
        exists = conn.execute(sa.select(api_keys.c.id).where(
            api_keys.c.key_hash == values["key_hash"])).first()
        if exists:
            return False
        try:
            conn.execute(api_keys.insert().values(**values))
        except IntegrityError:
            # Another worker starting at the same moment stored it first.
            return False
    return True


def find_active_by_hash(engine: Engine, key_hash: str) -> dict | None:
    """Return id and role of the unrevoked key with this hash (one indexed probe)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_keys.c.id, api_keys.c.role).where(
            api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None))).mappings().first()
    return dict(row) if row else None


def find_active_by_id(engine: Engine, key_id: int) -> dict | None:
    """Return id and role of the key with this id, unless it has been revoked."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_keys.c.id, api_keys.c.role).where(
            api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))).mappings().first()
    return dict(row) if row else None


def key_hash_of(engine: Engine, key_id: int) -> str | None:
    """Return the stored hash of the key with this id, revoked or not, or None."""
    with engine.connect() as conn:
        return conn.execute(sa.select(api_keys.c.key_hash).where(
            api_keys.c.id == key_id)).scalar()


def list_keys(engine: Engine, *, limit: int, after_id: int) -> list[dict]:
    """Return up to `limit` keys in id order, starting after `after_id`."""
    query = sa.select(*_PUBLIC_COLUMNS).where(api_keys.c.id > after_id).order_by(
        api_keys.c.id).limit(limit)
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def revoke_key(engine: Engine, key_id: int, revoked_at: datetime) -> bool:
    """Mark a key revoked (keeping an earlier revocation time); return whether it exists."""
    with write_transaction(engine) as conn:
        found = conn.execute(sa.select(api_keys.c.id).where(api_keys.c.id == key_id)).first()
        if not found:
            return False
        conn.execute(api_keys.update().where(
            api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(
            revoked_at=revoked_at))
    return True


def count_active(engine: Engine, role: str) -> int:
    """Return how many unrevoked keys have `role`."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(api_keys).where(
            api_keys.c.role == role, api_keys.c.revoked_at.is_(None))).scalar_one()
