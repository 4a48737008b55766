"""The gateway's tables (SQLAlchemy Core); each change is a new Alembic revision."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Only the sha256 of a key is stored: a leaked table grants nothing. `key_prefix` (the
# first characters of the key) lets an admin tell keys apart without revealing them.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("key_prefix", sa.String(12), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Index("ix_api_keys_key_hash", "key_hash", unique=True),
)
