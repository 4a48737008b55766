"""SQL of surveys."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.survey.clock import as_utc
from services.survey.tables import surveys


def insert_survey(conn: Connection, *, values: dict) -> int:
    """Store a survey and return its id."""
    row = dict(values)
    row["definition"] = json.dumps({"questions": row.pop("questions"),
                                    "indices": row.pop("indices")})
    row["segments"] = json.dumps(row["segments"])
    return conn.execute(surveys.insert().values(**row).returning(surveys.c.id)).scalar_one()


def _survey_from_row(row) -> dict:
    definition = json.loads(row.definition)
    return {
        "id": row.id, "kind": row.kind, "title": row.title, "template": row.template,
        "segments": json.loads(row.segments),
        "anonymity_threshold": row.anonymity_threshold,
        "comment_threshold": row.comment_threshold, "status": row.status,
        "created_at": as_utc(row.created_at),
        "questions": definition["questions"], "indices": definition["indices"],
    }


def fetch_survey(engine: Engine, survey_id: int) -> dict | None:
    """Return one survey, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(surveys).where(surveys.c.id == survey_id)).first()
    return _survey_from_row(row) if row else None


def fetch_surveys_page(engine: Engine, *, after_id: int, limit: int) -> list[dict]:
    """Return up to `limit` surveys with ids above `after_id`, in id order."""
    query = sa.select(surveys).where(surveys.c.id > after_id).order_by(surveys.c.id).limit(limit)
    with engine.connect() as conn:
        return [_survey_from_row(row) for row in conn.execute(query)]
