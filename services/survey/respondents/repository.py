"""SQL of invitations and used customer links."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from services.survey.tables import invitations, link_uses


def insert_invitations(conn: Connection, rows: list[dict]) -> None:
    """Store invitations (hash, survey, wave, segment), unused."""
    conn.execute(invitations.insert(), [
        {"token_hash": r["token_hash"], "survey_id": r["survey_id"], "wave_id": r["wave_id"],
         "segment": json.dumps(r["segment"], sort_keys=True), "used": False} for r in rows])


def fetch_invitation(conn: Connection, digest: str) -> dict | None:
    """Return the invitation stored under a token hash, or None."""
    row = conn.execute(sa.select(invitations).where(invitations.c.token_hash == digest)).first()
    if row is None:
        return None
    return {"survey_id": row.survey_id, "wave_id": row.wave_id,
            "segment": json.loads(row.segment), "used": row.used}


def use_invitation(conn: Connection, digest: str) -> bool:
    """Mark an invitation used; False if it already was (a concurrent use won)."""
    result = conn.execute(invitations.update().where(
        invitations.c.token_hash == digest, invitations.c.used.is_(False)).values(used=True))
    return result.rowcount == 1


def link_used(conn: Connection, *, survey_id: int, interaction_id: str) -> bool:
    """Return whether an interaction has been answered."""
    return conn.execute(sa.select(link_uses.c.survey_id).where(
        link_uses.c.survey_id == survey_id,
        link_uses.c.interaction_id == interaction_id)).first() is not None


_USE_LINK = {name: dialect.insert(link_uses).on_conflict_do_nothing()
             for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def use_link(conn: Connection, *, survey_id: int, interaction_id: str) -> bool:
    """Record an interaction as answered; False if it already was."""
    # Built once per dialect: a single response's statements are on the hot path.
    return conn.execute(_USE_LINK[conn.dialect.name], {
        "survey_id": survey_id, "interaction_id": interaction_id}).rowcount == 1
