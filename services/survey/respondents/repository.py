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


# Spending a token changes one row, or none when it was spent already. The statements
# are built once: they run inside every response's transaction.
CLAIMS = {
    "invitation": {name: invitations.update().where(
        invitations.c.token_hash == sa.bindparam("claim_digest"),
        invitations.c.used.is_(False)).values(used=True) for name in ("postgresql", "sqlite")},
    "link": {name: dialect.insert(link_uses).values(
        survey_id=sa.bindparam("claim_survey_id"),
        interaction_id=sa.bindparam("claim_interaction_id")).on_conflict_do_nothing()
        for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))},
}


def claim_statement(kind: str, dialect_name: str):
    """Return the statement spending a token of `kind` (`invitation` or `link`)."""
    return CLAIMS[kind][dialect_name]


def link_used(conn: Connection, *, survey_id: int, interaction_id: str) -> bool:
    """Return whether an interaction has been answered."""
    return conn.execute(sa.select(link_uses.c.survey_id).where(
        link_uses.c.survey_id == survey_id,
        link_uses.c.interaction_id == interaction_id)).first() is not None
