"""SQL of the internal reads: bucket rows, segment combinations, free-text answers."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.types import NullType

from services.survey.tables import buckets, responses, segment_combos, summary_deltas, surveys
from shared.summaries import VECTOR_DTYPE


def fetch_combos(conn: Connection, *, survey_id: int) -> dict[int, str]:
    """Return a survey's segment combinations: id -> canonical JSON text."""
    query = sa.select(segment_combos.c.id, segment_combos.c.segment).where(
        segment_combos.c.survey_id == survey_id)
    return {row.id: row.segment for row in conn.execute(query)}


def _window(column, start: date | None, end: date | None) -> list:
    where = []
    if start is not None:
        where.append(column >= start)
    if end is not None:
        where.append(column <= end)
    return where


def _counted_window(day, wave, start: date | None, end: date | None,
                    waves_inside: list[int] | None) -> list:
    """Return the conditions of rows counted in `start`..`end`.

    A response through a wave's invitation counts on the wave's opening day, so such rows
    are in the window when their wave is (`waves_inside`: the waves opening in it); the
    others when their own day is. Without a window, every row.
    """
    if start is None and end is None:
        return []
    return [sa.or_(sa.and_(wave == 0, *_window(day, start, end)),
                   wave.in_(waves_inside or []))]


def _bucket_rows(conn: Connection, *, survey_id: int, start: date | None, end: date | None,
                 wave_id: int | None, combo_ids: list[int] | None,
                 slot_ranges: list[tuple[int, int]] | None, waves_inside: list[int] | None,
                 day_as_text: bool = True) -> sa.CompoundSelect:
    """Return the statement of `fetch_buckets` (with `day_as_text=False`, the day a date)."""
    postgres = conn.dialect.name == "postgresql"

    def rows_of(table) -> sa.Select:
        # The day as text: the same on both databases, and no per-row date parsing.
        day = table.c.day
        if day_as_text:
            day = sa.cast(day, sa.String) if postgres else sa.type_coerce(day, sa.String)
        # Untyped, the bytes come as the driver gives them (memoryview on PostgreSQL),
        # which numpy reads as they are: no per-row conversion of thousands of rows.
        if slot_ranges is None:
            blobs = [sa.type_coerce(table.c.vector, NullType())]
        else:
            width = VECTOR_DTYPE.itemsize
            blobs = [sa.func.substr(table.c.vector, first * width + 1, count * width,
                                    type_=NullType()) for first, count in slot_ranges]
        query = sa.select(day, table.c.wave_id, table.c.combo_id, table.c.n, *blobs
                          ).where(table.c.survey_id == survey_id,
                                  *_counted_window(table.c.day, table.c.wave_id, start, end,
                                                   waves_inside))
        if wave_id is not None:
            query = query.where(table.c.wave_id == wave_id)
        if combo_ids is not None:
            query = query.where(table.c.combo_id.in_(combo_ids))
        return query

    return sa.union_all(rows_of(buckets), rows_of(summary_deltas))


def fetch_buckets(conn: Connection, *, survey_id: int, start: date | None, end: date | None,
                  wave_id: int | None, combo_ids: list[int] | None,
                  slot_ranges: list[tuple[int, int]] | None = None,
                  waves_inside: list[int] | None = None) -> list[tuple]:
    """Return (day as 'YYYY-MM-DD', wave_id, combo_id, n, bytes...) of a survey's buckets.

    Summary deltas not folded yet come as rows of their own, read in the same statement
    (one snapshot: a delta being folded is counted once, in its delta or its bucket).
    The window counts a wave's rows on its opening day (`waves_inside`: the waves opening in
    it). Without `slot_ranges` the last column is the whole vector; with them, one column per
    (first slot, slot count) range holds only those slots' bytes, cut out by the database
    (`substr` works on SQLite blobs and PostgreSQL bytea) so that only they are sent; with
    an empty list, the rows end at `n`.
    """
    return conn.execute(_bucket_rows(
        conn, survey_id=survey_id, start=start, end=end, wave_id=wave_id, combo_ids=combo_ids,
        slot_ranges=slot_ranges, waves_inside=waves_inside)).all()


@dataclass(frozen=True)
class BucketColumns:
    """Bucket rows as columns: each row's day (days since 1970-01-01), wave (0: none),
    combination and response count, and per slot range a (rows x slots) int64 matrix."""

    days: np.ndarray
    waves: np.ndarray
    combos: np.ndarray
    n: np.ndarray
    blocks: list

    def __len__(self) -> int:
        return int(self.n.size)

    def take(self, mask: np.ndarray) -> BucketColumns:
        """Return the rows where `mask` is true."""
        return BucketColumns(self.days[mask], self.waves[mask], self.combos[mask], self.n[mask],
                             [block[mask] for block in self.blocks])


_EPOCH_2000 = 10957  # PostgreSQL's binary dates count days from 2000-01-01
_COPY_HEADER = 19  # signature, flags and header extension length of a binary COPY


def fetch_bucket_columns(conn: Connection, *, survey_id: int, start: date | None,
                         end: date | None, wave_id: int | None, combo_ids: list[int] | None,
                         slot_ranges: list[tuple[int, int]],
                         waves_inside: list[int] | None = None) -> BucketColumns:
    """Return the rows of `fetch_buckets` (with `slot_ranges`) as columns.

    On PostgreSQL they come by one binary `COPY` of the same statement: every row has the
    same width (fixed-size integers, vectors of one size per survey), so numpy reads the
    whole stream as one structured array instead of the driver making a tuple per row,
    several times faster for the hundreds of thousands of rows of a year of a large
    customer survey. Each row's field lengths are checked, so a row of another width (a
    vector cut short) raises instead of being misread.
    """
    query = {"survey_id": survey_id, "start": start, "end": end, "wave_id": wave_id,
             "combo_ids": combo_ids, "slot_ranges": slot_ranges, "waves_inside": waves_inside}
    if conn.dialect.name == "postgresql":
        return _copied_columns(conn, _bucket_rows(conn, **query, day_as_text=False),
                               [count for _, count in slot_ranges])
    rows = fetch_buckets(conn, **query)
    days = np.array([str(row[0])[:10] for row in rows], dtype="datetime64[D]")
    blocks = [np.frombuffer(b"".join(bytes(row[4 + i]) for row in rows), dtype=VECTOR_DTYPE
                            ).reshape(len(rows), count)
              for i, (_, count) in enumerate(slot_ranges)]
    return BucketColumns(days.astype(np.int64), np.array([row[1] for row in rows], np.int64),
                         np.array([row[2] for row in rows], np.int64),
                         np.array([row[3] for row in rows], np.int64), blocks)


def _copied_columns(conn: Connection, statement, counts: list[int]) -> BucketColumns:
    """Return the statement's rows read by a binary COPY (every row of the same width)."""
    compiled = statement.compile(dialect=conn.dialect,
                                 compile_kwargs={"render_postcompile": True})
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        sql = cursor.mogrify(str(compiled), compiled.params).decode()
        stream = io.BytesIO()
        cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT binary)", stream)
    finally:
        cursor.close()
    data = stream.getbuffer()
    fields = [("fields", ">i2"), ("day_len", ">i4"), ("day", ">i4"), ("wave_len", ">i4"),
              ("wave", ">i4"), ("combo_len", ">i4"), ("combo", ">i4"), ("n_len", ">i4"),
              ("n", ">i8")]
    for i, count in enumerate(counts):
        fields += [(f"len{i}", ">i4"), (f"v{i}", f"V{count * VECTOR_DTYPE.itemsize}")]
    row = np.dtype(fields)
    body = len(data) - _COPY_HEADER - 2  # the trailer: a field count of -1
    if body < 0 or body % row.itemsize:
        raise ValueError("bucket rows of unexpected widths")
    table = np.frombuffer(data, dtype=row, count=body // row.itemsize, offset=_COPY_HEADER)
    # Row k starts where it is read only if every row before it has these field lengths.
    expected = [("fields", 4 + len(counts)), ("day_len", 4), ("wave_len", 4),
                ("combo_len", 4), ("n_len", 8)]
    expected += [(f"len{i}", count * VECTOR_DTYPE.itemsize) for i, count in enumerate(counts)]
    if any((table[name] != value).any() for name, value in expected):
        raise ValueError("bucket rows of unexpected widths")
    blocks = [np.frombuffer(table[f"v{i}"].tobytes(), dtype=VECTOR_DTYPE).reshape(-1, count)
              for i, count in enumerate(counts)]
    return BucketColumns(table["day"].astype(np.int64) + _EPOCH_2000,
                         table["wave"].astype(np.int64), table["combo"].astype(np.int64),
                         table["n"].astype(np.int64), blocks)


def count_imports(conn: Connection, *, survey_id: int) -> int:
    """Return how many imports a survey has stored (`responses.repository.count_import`)."""
    return int(conn.execute(sa.select(surveys.c.imports).where(
        surveys.c.id == survey_id)).scalar_one_or_none() or 0)


def count_responses(conn: Connection, *, survey_id: int) -> int:
    """Return how many responses a survey holds, summed from its buckets and deltas."""
    totals = [sa.select(sa.func.coalesce(sa.func.sum(table.c.n), 0)).where(
        table.c.survey_id == survey_id).scalar_subquery() for table in (buckets, summary_deltas)]
    return int(conn.execute(sa.select(totals[0] + totals[1])).scalar_one())


def fetch_answers(conn: Connection, *, survey_id: int, start: date | None, end: date | None,
                  wave_id: int | None, combo_ids: list[int] | None,
                  waves_inside: list[int] | None = None) -> list[tuple]:
    """Return (day, wave_id, combo_id, answers as JSON text) of a survey's responses in a
    window (a wave's responses counted on its opening day)."""
    query = sa.select(responses.c.submitted_on, responses.c.wave_id, responses.c.combo_id,
                      responses.c.answers).where(
        responses.c.survey_id == survey_id,
        *_counted_window(responses.c.submitted_on, responses.c.wave_id, start, end,
                         waves_inside))
    if wave_id is not None:
        query = query.where(responses.c.wave_id == wave_id)
    if combo_ids is not None:
        query = query.where(responses.c.combo_id.in_(combo_ids))
    return conn.execute(query).all()
