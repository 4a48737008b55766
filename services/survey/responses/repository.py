"""SQL of responses, segment combinations, bucket summaries and idempotency keys."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import date

import numpy as np
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from services.survey.respondents.repository import CLAIMS, claim_statement
from services.survey.tables import (
    buckets,
    idempotency_keys,
    responses,
    segment_combos,
    summary_deltas,
    surveys,
)
from shared.db import autocommit, driver_error, driver_execute, write_transaction
from shared.summaries import VECTOR_DTYPE, vector_to_bytes

NULL, BACKSLASH = "\\N", "\\"
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


# The statements of a single response are built once: building and keying a statement
# costs more CPU than sending it.
_INSERT_RESPONSE = responses.insert().returning(responses.c.id)
_BUCKET_KEY = [buckets.c[name] == sa.bindparam(f"key_{name}")
               for name in ("survey_id", "day", "wave_id", "combo_id")]
_SELECT_BUCKET = sa.select(buckets.c.n, buckets.c.vector).where(*_BUCKET_KEY)
_SELECT_BUCKET_LOCKED = _SELECT_BUCKET.with_for_update()
_UPDATE_BUCKET = buckets.update().where(*_BUCKET_KEY).values(
    n=sa.bindparam("new_n"), vector=sa.bindparam("new_vector"))
_MAKE_BUCKET = {name: dialect.insert(buckets).on_conflict_do_nothing()
                for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def insert_response(conn: Connection, row: dict) -> int:
    """Store one response (answers as JSON) and return its id."""
    return conn.execute(_INSERT_RESPONSE, {**row, "answers": json.dumps(row["answers"])}
                        ).scalar_one()


def _response_statement(claim, remember: bool):
    """Return one PostgreSQL statement: spend the token, store the response, append its
    summary delta, and with `remember` keep the answer under its idempotency key.

    Every part runs only if the claim changed a row; the statement returns the response
    id, or no row for a token spent already. It only inserts: no row lock is waited for.
    """
    used = claim.returning(sa.literal_column("1")).cte("used")
    # Prefixed names: a parameter named like a column of the claimed table would be
    # taken as a value to set there.
    row = {name: sa.bindparam(f"row_{name}", type_=responses.c[name].type)
           for name in RESPONSE_COLUMNS}
    stored = responses.insert().from_select(
        list(RESPONSE_COLUMNS), sa.select(*row.values()).select_from(used)
    ).returning(responses.c.id).cte("stored")
    delta = summary_deltas.insert().from_select(
        ["survey_id", "day", "wave_id", "combo_id", "n", "vector"],
        sa.select(row["survey_id"], row["submitted_on"], row["wave_id"], row["combo_id"],
                  sa.literal(1, sa.BigInteger),
                  sa.bindparam("delta_vector", type_=summary_deltas.c.vector.type)
                  ).select_from(used)).cte("delta")
    statement = sa.select(stored.c.id).add_cte(delta)
    if remember:
        body = sa.cast(sa.func.json_build_object("id", stored.c.id), sa.Text)
        statement = statement.add_cte(idempotency_keys.insert().from_select(
            ["key", "status", "body"],
            sa.select(sa.bindparam("remember_key", type_=idempotency_keys.c.key.type),
                      sa.literal(201), body).select_from(stored)).cte("remembered"))
    return statement


_RESPONSE_STATEMENTS = {(kind, remember): _response_statement(
    claim_statement(kind, "postgresql"), remember) for kind in CLAIMS for remember in (False, True)}


def store_claimed_response(engine: Engine, *, claim: str, claim_params: dict, row: dict,
                           vector: np.ndarray, idempotency_key: str | None = None) -> int | None:
    """Spend a token, store its response and its summary, all or nothing.

    Return the response id, or None if the token was spent already. With an
    `idempotency_key` the answer (201 and the id) is kept under it in the same write.

    On PostgreSQL this is one statement in autocommit (one round trip) that appends the
    summary as a delta (`summary_deltas`): responses to the same bucket do not queue for
    its row lock, each behind the other's commit. On SQLite, where one writer holds the
    database anyway, the bucket itself is added to in a write transaction.
    """
    if engine.dialect.name == "postgresql":
        params = {f"row_{name}": value for name, value in row.items()}
        params.update(claim_params, row_answers=json.dumps(row["answers"]),
                      delta_vector=vector_to_bytes(vector))
        if idempotency_key:
            params["remember_key"] = idempotency_key
        with autocommit(engine) as conn:
            found, _ = driver_execute(
                conn, _RESPONSE_STATEMENTS[claim, bool(idempotency_key)], params)
        return found[0][0] if found else None
    with write_transaction(engine) as conn:
        if conn.execute(claim_statement(claim, conn.dialect.name), claim_params).rowcount != 1:
            return None
        response_id = insert_response(conn, row)
        if idempotency_key:
            store_idempotent(conn, idempotency_key, 201, {"id": response_id})
        add_to_bucket(conn, survey_id=row["survey_id"], day=row["submitted_on"],
                      wave_id=row["wave_id"], combo_id=row["combo_id"], n=1, vector=vector)
    return response_id


def insert_responses(conn: Connection, batches: Iterable[list[tuple]]) -> None:
    """Store responses given in batches, each row a tuple in `RESPONSE_COLUMNS` order with
    answers as a dict.

    COPY on PostgreSQL, each batch's text made (and the batch itself, when `batches` makes
    them as it goes) while the server reads the one before; executemany on SQLite. An
    error raised by `batches` stops the COPY and comes out as it was raised.
    """
    if conn.dialect.name != "postgresql":
        for rows in batches:
            conn.execute(responses.insert(), [
                {**dict(zip(RESPONSE_COLUMNS, row)), "answers": json.dumps(row[-1])}
                for row in rows])
        return
    _copy(conn, f"COPY responses ({', '.join(RESPONSE_COLUMNS)}) FROM STDIN",
          _ChunkReader(map(_copy_text, batches)))


def _copy(conn: Connection, statement: str, source) -> None:
    """Run `COPY ... FROM STDIN` reading `source` (text, or a `_ChunkReader`).

    Driver errors come out as SQLAlchemy's: the import retries on an `IntegrityError`.
    """
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(statement, io.StringIO(source) if isinstance(source, str) else source)
    except conn.dialect.loaded_dbapi.Error as exc:
        if getattr(source, "error", None) is not None:
            # psycopg2 aborts the COPY on an error in `read`, and names only its type.
            raise source.error from None
        raise driver_error(conn, exc, cursor, statement, None) from exc
    finally:
        if not cursor.closed:
            cursor.close()


def encode_answers(answers: list[dict]) -> list[str]:
    """Return each answers object as JSON text, for many of them at once.

    orjson writes it; what orjson refuses (lone surrogates, which JSON bodies can carry,
    or ints beyond 64 bits; validation lets neither through) goes through `json.dumps`.
    Either way `json.loads` reads the same object back, and no raw tab, newline or
    carriage return is left in the text.
    """
    out = []
    for answer in answers:
        try:
            out.append(orjson.dumps(answer).decode())
        except TypeError:  # orjson.JSONEncodeError
            out.append(json.dumps(answer))
    return out


def _copy_text(rows: list[tuple]) -> str:
    """Return the COPY text of some thousands of response rows."""
    # COPY text format: JSON text holds no raw tab or newline; backslashes doubled.
    answers = encode_answers([row[5] for row in rows])
    # Rows share few (survey, wave, combination, day, time) keys: each key's text is made
    # once.
    prefixes: dict[tuple, str] = {}
    return "".join(
        (prefixes.get(row[:5]) or prefixes.setdefault(row[:5], (
            f"{row[0]}\t{row[1]}\t{row[2]}\t{row[3].isoformat()}\t"
            f"{row[4].isoformat() if row[4] else NULL}\t")))
        + text.replace(BACKSLASH, BACKSLASH * 2) + "\n"
        for row, text in zip(rows, answers))


class _ChunkReader:
    """A file for `copy_expert` whose `read` hands out the next chunk of an iterator.

    An error raised by the iterator is kept in `error`, then raised to stop the COPY.
    """

    def __init__(self, chunks):
        self._chunks = chunks
        self.error: BaseException | None = None

    def read(self, _size: int = -1) -> str:
        """Return the next chunk of text, or "" at the end."""
        try:
            return next(self._chunks, "")
        except Exception as exc:  # kept whole: psycopg2 would report only its type
            self.error = exc
            raise


def count_import(conn: Connection, *, survey_id: int) -> None:
    """Count one more import of a survey, in the import's transaction (last: the survey's
    row stays locked until it commits)."""
    conn.execute(surveys.update().where(surveys.c.id == survey_id).values(
        imports=surveys.c.imports + 1))


def merge_into_buckets(conn: Connection, *, survey_id: int, entries: dict[tuple, tuple]) -> None:
    """Add many buckets' (n, vector) at once: `entries` maps (day, wave_id, combo_id) to them.

    The touched rows that exist are locked and read in one statement, deleted, and
    written back summed together with the new ones in one bulk insert. A bucket made
    meanwhile by another writer (an import, a fold of deltas, a response on SQLite) makes
    the insert fail: the caller retries.
    """
    days = [key[0] for key in entries]
    query = sa.select(buckets.c.day, buckets.c.wave_id, buckets.c.combo_id, buckets.c.n,
                      buckets.c.vector).where(buckets.c.survey_id == survey_id,
                                              buckets.c.day.between(min(days), max(days)))
    if conn.dialect.name == "postgresql":
        # Locked in key order: two merges of overlapping buckets wait, never deadlock.
        query = query.order_by(buckets.c.day, buckets.c.wave_id, buckets.c.combo_id
                               ).with_for_update()
    merged = dict(entries)
    touched = []
    for day, wave_id, combo_id, n, vector in conn.execute(query):
        key = (day if isinstance(day, date) else date.fromisoformat(str(day)), wave_id, combo_id)
        if key in merged:
            add_n, add_vector = merged[key]
            merged[key] = (n + add_n, np.frombuffer(vector, dtype=VECTOR_DTYPE) + add_vector)
            touched.append(key)
    key_columns = sa.tuple_(buckets.c.day, buckets.c.wave_id, buckets.c.combo_id)
    for start in range(0, len(touched), 500):
        conn.execute(buckets.delete().where(buckets.c.survey_id == survey_id,
                                            key_columns.in_(touched[start:start + 500])))
    if conn.dialect.name != "postgresql":
        conn.execute(buckets.insert(), [
            {"survey_id": survey_id, "day": day, "wave_id": wave_id, "combo_id": combo_id,
             "n": int(n), "vector": vector_to_bytes(vector)}
            for (day, wave_id, combo_id), (n, vector) in sorted(merged.items())])
        return
    text = "".join(
        f"{survey_id}\t{day.isoformat()}\t{wave_id}\t{combo_id}\t{int(n)}\t"
        f"\\\\x{vector_to_bytes(vector).hex()}\n"
        for (day, wave_id, combo_id), (n, vector) in sorted(merged.items()))
    _copy(conn, "COPY summary_buckets (survey_id, day, wave_id, combo_id, n, vector) FROM STDIN",
          text)


def add_to_bucket(conn: Connection, *, survey_id: int, day: date, wave_id: int, combo_id: int,
                  n: int, vector: np.ndarray) -> None:
    """Add `n` responses summarised by `vector` to their bucket, making it if new.

    The row is locked (FOR UPDATE on PostgreSQL) for the read-add-write; a bucket made
    concurrently by another transaction is waited for by the insert, then locked.
    """
    key = {"key_survey_id": survey_id, "key_day": day, "key_wave_id": wave_id,
           "key_combo_id": combo_id}
    query = _SELECT_BUCKET_LOCKED if conn.dialect.name == "postgresql" else _SELECT_BUCKET
    current = conn.execute(query, key).first()
    if current is None:
        made = conn.execute(_MAKE_BUCKET[conn.dialect.name], {
            "survey_id": survey_id, "day": day, "wave_id": wave_id, "combo_id": combo_id,
            "n": n, "vector": vector_to_bytes(vector)}).rowcount
        if made:
            return
        current = conn.execute(query, key).one()
    total = np.frombuffer(current[1], dtype=VECTOR_DTYPE) + vector
    conn.execute(_UPDATE_BUCKET, {**key, "new_n": current[0] + n,
                                  "new_vector": vector_to_bytes(total)})


def fetch_idempotent(conn: Connection, key: str) -> tuple[int, dict] | None:
    """Return the (status, body) stored under an idempotency key, or None."""
    row = conn.execute(sa.select(idempotency_keys.c.status, idempotency_keys.c.body).where(
        idempotency_keys.c.key == key)).first()
    return (row.status, json.loads(row.body)) if row else None


def store_idempotent(conn: Connection, key: str, status: int, body: dict) -> None:
    """Remember the answer given under an idempotency key."""
    conn.execute(idempotency_keys.insert().values(key=key, status=status, body=json.dumps(body)))
