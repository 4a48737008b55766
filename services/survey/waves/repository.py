"""SQL of waves and schedules."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from services.survey.clock import as_utc
from services.survey.tables import schedules, surveys, waves


def _wave(row) -> dict:
    return {"id": row.id, "survey_id": row.survey_id, "opens_at": as_utc(row.opens_at),
            "closes_at": as_utc(row.closes_at), "schedule_id": row.schedule_id}


def lock_survey(conn: Connection, survey_id: int) -> None:
    """Hold the survey's row until the transaction ends (PostgreSQL; SQLite's write
    transaction holds the whole database already).

    FOR NO KEY UPDATE: it waits for another holder, but not for the inserts that only
    reference the survey (invitations, segment combinations) and share-lock its key.
    """
    if conn.dialect.name == "postgresql":
        # key_share: FOR NO KEY UPDATE.
        conn.execute(sa.select(surveys.c.id).where(surveys.c.id == survey_id)
                     .with_for_update(key_share=True))


def insert_wave(conn: Connection, *, survey_id: int, opens_at: datetime,
                closes_at: datetime) -> int:
    """Store a wave and return its id."""
    return conn.execute(waves.insert().values(
        survey_id=survey_id, opens_at=opens_at, closes_at=closes_at).returning(waves.c.id)
    ).scalar_one()


def insert_waves_once(conn: Connection, rows: list[dict]) -> int:
    """Store waves, skipping any whose (survey, opens_at) exists; return how many were new."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(waves).values(rows).on_conflict_do_nothing(
        index_elements=["survey_id", "opens_at"])
    return conn.execute(statement).rowcount


def overlapping_waves(conn: Connection, *, survey_id: int, opens_at: datetime,
                      closes_at: datetime) -> list[dict]:
    """Return the survey's waves whose window overlaps [opens_at, closes_at)."""
    query = sa.select(waves).where(waves.c.survey_id == survey_id,
                                   waves.c.opens_at < closes_at, waves.c.closes_at > opens_at)
    return [_wave(row) for row in conn.execute(query)]


def fetch_wave(engine: Engine, wave_id: int) -> dict | None:
    """Return one wave, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(waves).where(waves.c.id == wave_id)).first()
    return _wave(row) if row else None


def fetch_waves(conn: Connection, *, survey_id: int, after_id: int = 0,
                limit: int | None = None, schedule_id: int | None = None) -> list[dict]:
    """Return a survey's waves in id order."""
    query = sa.select(waves).where(waves.c.survey_id == survey_id, waves.c.id > after_id)
    if schedule_id is not None:
        query = query.where(waves.c.schedule_id == schedule_id)
    query = query.order_by(waves.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [_wave(row) for row in conn.execute(query)]


def insert_schedule(conn: Connection, *, values: dict) -> int:
    """Store a schedule and return its id."""
    return conn.execute(schedules.insert().values(**values).returning(schedules.c.id)).scalar_one()


def fetch_schedules(conn: Connection) -> list[dict]:
    """Return every schedule."""
    return [
        {"id": r.id, "survey_id": r.survey_id, "every_days": r.every_days,
         "open_days": r.open_days, "starts_at": as_utc(r.starts_at),
         "created_at": as_utc(r.created_at)}
        for r in conn.execute(sa.select(schedules).order_by(schedules.c.id))
    ]
