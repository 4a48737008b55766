"""SQL of invitations, used customer links, and the counts participation is read from."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from services.survey.tables import (
    invitation_counts,
    invitations,
    link_counts,
    link_uses,
    segment_combos,
)


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


def _dialect(conn: Connection):
    return postgresql if conn.dialect.name == "postgresql" else sqlite


def add_invitation_counts(conn: Connection, *, survey_id: int, wave_id: int,
                          counts: dict[int, int]) -> None:
    """Add invitations recorded without tokens: segment combination id -> how many."""
    insert = _dialect(conn).insert(invitation_counts)
    conn.execute(insert.on_conflict_do_update(
        index_elements=["wave_id", "combo_id"],
        set_={"invited": invitation_counts.c.invited + insert.excluded.invited}),
        [{"survey_id": survey_id, "wave_id": wave_id, "combo_id": combo_id, "invited": n}
         for combo_id, n in sorted(counts.items())])


def add_link_count(conn: Connection, *, survey_id: int, day: date, combo_id: int) -> None:
    """Count one customer link made on `day` for a segment combination."""
    insert = _dialect(conn).insert(link_counts)
    conn.execute(insert.values(survey_id=survey_id, day=day, combo_id=combo_id, links=1)
                 .on_conflict_do_update(index_elements=["survey_id", "day", "combo_id"],
                                        set_={"links": link_counts.c.links + 1}))


def invitation_totals(conn: Connection, *, survey_id: int) -> list[tuple[int, str, int]]:
    """Return (wave id, segment as JSON text, invited) of a survey: tokens and recorded counts."""
    tokens = sa.select(invitations.c.wave_id, invitations.c.segment,
                       sa.func.count().label("n")).where(
        invitations.c.survey_id == survey_id).group_by(invitations.c.wave_id,
                                                       invitations.c.segment)
    recorded = sa.select(invitation_counts.c.wave_id, segment_combos.c.segment,
                         invitation_counts.c.invited).join(
        segment_combos, segment_combos.c.id == invitation_counts.c.combo_id).where(
        invitation_counts.c.survey_id == survey_id)
    return [tuple(row) for row in conn.execute(sa.union_all(tokens, recorded))]


def link_totals(conn: Connection, *, survey_id: int) -> list[tuple[date, str, int]]:
    """Return (day, segment as JSON text, links made) of a survey's customer links."""
    query = sa.select(link_counts.c.day, segment_combos.c.segment, link_counts.c.links).join(
        segment_combos, segment_combos.c.id == link_counts.c.combo_id).where(
        link_counts.c.survey_id == survey_id)
    return [tuple(row) for row in conn.execute(query)]
