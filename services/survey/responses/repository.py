"""SQL of responses, segment combinations, bucket summaries and idempotency keys."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from services.survey.tables import buckets, idempotency_keys, responses, segment_combos
from shared.summaries import VECTOR_DTYPE, vector_to_bytes

RESPONSE_COLUMNS = ("survey_id", "wave_id", "combo_id", "submitted_on", "submitted_at", "answers")


def _dialect(conn: Connection):
    return postgresql if conn.dialect.name == "postgresql" else sqlite


def segment_key(segment: dict) -> str:
    """Return the canonical text of a segment combination."""
    return json.dumps(segment, sort_keys=True, separators=(",", ":"))


def combo_ids(engine: Engine, *, survey_id: int, keys: list[str]) -> dict[str, int]:
    """Return the ids of segment combinations (canonical texts), making missing ones."""
    query = sa.select(segment_combos.c.id, segment_combos.c.segment).where(
        segment_combos.c.survey_id == survey_id, segment_combos.c.segment.in_(keys))
    with engine.connect() as conn:
        found = {row.segment: row.id for row in conn.execute(query)}
    missing = [k for k in keys if k not in found]
    if missing:
        with engine.begin() as conn:
            conn.execute(_dialect(conn).insert(segment_combos).values(
                [{"survey_id": survey_id, "segment": k} for k in missing]
            ).on_conflict_do_nothing())
            found.update({row.segment: row.id for row in conn.execute(query)})
    return found


def insert_response(conn: Connection, row: dict) -> int:
    """Store one response (answers as JSON) and return its id."""
    values = {**row, "answers": json.dumps(row["answers"])}
    return conn.execute(responses.insert().values(**values).returning(responses.c.id)).scalar_one()


def insert_responses(conn: Connection, rows: list[dict]) -> None:
    """Store many responses: COPY on PostgreSQL, executemany on SQLite."""
    if conn.dialect.name != "postgresql":
        conn.execute(responses.insert(), [
            {**row, "answers": json.dumps(row["answers"])} for row in rows])
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    dumps = json.dumps
    writer.writerows(
        (r["survey_id"], r["wave_id"], r["combo_id"], r["submitted_on"].isoformat(),
         r["submitted_at"].isoformat() if r["submitted_at"] else None, dumps(r["answers"]))
        for r in rows)
    buffer.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(
            f"COPY responses ({', '.join(RESPONSE_COLUMNS)}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()


def add_to_bucket(conn: Connection, *, survey_id: int, day: date, wave_id: int, combo_id: int,
                  n: int, vector: np.ndarray) -> None:
    """Add `n` responses summarised by `vector` to their bucket, making it if new.

    The row is locked (FOR UPDATE on PostgreSQL) only for the read-add-write; a bucket
    made concurrently by another transaction is waited for by the insert, then locked.
    """
    key = {"survey_id": survey_id, "day": day, "wave_id": wave_id, "combo_id": combo_id}
    where = [buckets.c[name] == value for name, value in key.items()]
    query = sa.select(buckets.c.n, buckets.c.vector).where(*where)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    current = conn.execute(query).first()
    if current is None:
        made = conn.execute(_dialect(conn).insert(buckets).values(
            **key, n=n, vector=vector_to_bytes(vector)).on_conflict_do_nothing()).rowcount
        if made:
            return
        current = conn.execute(query).one()
    total = np.frombuffer(current.vector, dtype=VECTOR_DTYPE) + vector
    conn.execute(buckets.update().where(*where).values(
        n=current.n + n, vector=vector_to_bytes(total)))


def fetch_idempotent(conn: Connection, key: str) -> tuple[int, dict] | None:
    """Return the (status, body) stored under an idempotency key, or None."""
    row = conn.execute(sa.select(idempotency_keys.c.status, idempotency_keys.c.body).where(
        idempotency_keys.c.key == key)).first()
    return (row.status, json.loads(row.body)) if row else None


def store_idempotent(conn: Connection, key: str, status: int, body: dict) -> None:
    """Remember the answer given under an idempotency key."""
    conn.execute(idempotency_keys.insert().values(key=key, status=status, body=json.dumps(body)))
