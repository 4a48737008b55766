"""SQL of the internal reads: bucket rows, segment combinations, free-text answers."""

from __future__ import annotations

from datetime import date

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
    postgres = conn.dialect.name == "postgresql"

    def rows_of(table) -> sa.Select:
        # The day as text: the same on both databases, and no per-row date parsing.
        day_text = sa.cast(table.c.day, sa.String) if postgres \
            else sa.type_coerce(table.c.day, sa.String)
        # Untyped, the bytes come as the driver gives them (memoryview on PostgreSQL),
        # which numpy reads as they are: no per-row conversion of thousands of rows.
        if slot_ranges is None:
            blobs = [sa.type_coerce(table.c.vector, NullType())]
        else:
            width = VECTOR_DTYPE.itemsize
            blobs = [sa.func.substr(table.c.vector, first * width + 1, count * width,
                                    type_=NullType()) for first, count in slot_ranges]
        query = sa.select(day_text, table.c.wave_id, table.c.combo_id, table.c.n, *blobs
                          ).where(table.c.survey_id == survey_id,
                                  *_counted_window(table.c.day, table.c.wave_id, start, end,
                                                   waves_inside))
        if wave_id is not None:
            query = query.where(table.c.wave_id == wave_id)
        if combo_ids is not None:
            query = query.where(table.c.combo_id.in_(combo_ids))
        return query

    return conn.execute(sa.union_all(rows_of(buckets), rows_of(summary_deltas))).all()


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
