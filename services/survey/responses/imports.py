"""Imports of historical responses (JSON or CSV): every row validated, then all stored or none."""

from __future__ import annotations

import bisect
import csv
import gc
import io
import json
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import repeat

import marshmallow as ma
import numpy as np
import orjson
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from services.survey.clock import utcnow
from services.survey.instruments.service import check_segment, get_survey, survey_layout
from services.survey.responses import repository
from services.survey.responses.answers import (
    answer_columns,
    answer_from_text,
    fast_answers_check,
    validate_answers,
)
from services.survey.responses.encoding import bucket_vectors
from services.survey.responses.schemas import ImportRowSchema
from services.survey.responses.service import EMPLOYEE, answers_schema_of, combo_ids_for
from services.survey.schema_base import utc_or_none
from services.survey.waves.service import survey_waves
from shared.db import write_transaction
from shared.errors import ValidationError
from shared.observability import RESPONSES_STORED
from shared.schemas import is_storable_text
from shared.summaries import VECTOR_DTYPE

MAX_REPORTED_ROWS = 100
ROW_KEYS = frozenset({"submitted_at", "segment", "answers"})


_gc_lock = threading.Lock()
_gc_pauses = 0


@contextmanager
def garbage_collection_paused():
    """Pause Python's cyclic garbage collector while an import runs (in any thread).

    Parsing and validating 100,000 rows makes millions of objects, none of them cyclic
    garbage; each full collection would walk them all, which costs an import of that size
    some 40% of its time (measured). The collector resumes when the last import ends.
    """
    global _gc_pauses
    with _gc_lock:
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if not _gc_pauses:
                gc.enable()


def parse_json(body: bytes):
    """Return an import body's JSON value, or None if it is not JSON.

    orjson reads it, several times faster than `json` on bodies of tens of MiB; what it
    refuses (NaN, lone surrogates, numbers beyond a double's range) goes to `json.loads`,
    which reads those as Flask's own parser would. orjson reads integers beyond 64 bits
    as floats: no answer takes either, so such a row is refused all the same.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's stack
            return None


def rows_from_json(payload) -> list:
    """Return the raw rows of a JSON import body."""
    if not isinstance(payload, dict) or set(payload) != {"responses"} \
            or not isinstance(payload["responses"], list):
        raise ValidationError("The body must be {\"responses\": [...]}.",
                              {"responses": ["Missing data for required field."]})
    return payload["responses"]


def rows_from_csv(text: str, survey: dict) -> list[dict]:
    """Return the raw rows of a CSV import: `submitted_at`, segment and question columns."""
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        return _csv_rows(reader, survey)
    except csv.Error as exc:
        # The csv module's own refusals (a bare CR line end, a field past its size limit).
        raise ValidationError("The CSV file cannot be read.", {
            "rows": [f"Line {reader.line_num}: {exc}."]}) from None


def _csv_rows(reader, survey: dict) -> list[dict]:
    header = next(reader, None)
    if not header:
        raise ValidationError("The CSV file is empty.", {"columns": ["No header row."]})
    header = [name.strip() for name in header]
    types = {q["key"]: q["type"] for q in survey["questions"]}
    known = {"submitted_at", *survey["segments"], *types}
    problems = [f"Unknown column {name!r}." for name in header if name not in known]
    problems += [f"Duplicate column {name!r}." for name in set(header) if header.count(name) > 1]
    if "submitted_at" not in header:
        problems.append("Missing column 'submitted_at'.")
    if problems:
        raise ValidationError("The CSV columns do not match the survey.", {"columns": problems})
    rows = []
    for values in reader:
        if not any(values):
            continue
        row = {"segment": {}, "answers": {}}
        for name, value in zip(header, values):
            if name == "submitted_at":
                row["submitted_at"] = value
            elif value == "":
                continue
            elif name in types:
                row["answers"][name] = answer_from_text(value, types[name])
            else:
                row["segment"][name] = value
        if len(values) != len(header):
            row["columns"] = len(values)
        rows.append(row)
    return rows


def _fast_time(value) -> datetime | None:
    if type(value) is not str:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is UTC else utc_or_none(at)  # "...Z" is UTC already


def _envelope(row, allowed: frozenset, now: datetime) -> tuple | None:
    """Return (time, segment) of a row whose envelope is plainly valid, else None."""
    if type(row) is not dict or not ROW_KEYS.issuperset(row):
        return None
    at = _fast_time(row.get("submitted_at"))
    segment = row.get("segment", {})
    if (at is not None and at <= now and type(segment) is dict and allowed.issuperset(segment)
            and all(type(v) is str and 0 < len(v) <= 100 and is_storable_text(v)
                    for v in segment.values())):
        return at, segment
    return None


def _envelopes(rows: list, allowed: frozenset, now: datetime) -> list[tuple] | None:
    """Return (time, segment) of every row when every envelope is plainly valid, else None.

    The checks of `_envelope`, made over whole columns: a pass over each, in C where it
    can be, and each distinct segment value checked once.
    """
    if set(map(type, rows)) != {dict} or not ROW_KEYS.issuperset(set().union(*rows)):
        return None
    texts = [row.get("submitted_at") for row in rows]
    segments = [row.get("segment", _NO_SEGMENT) for row in rows]
    if set(map(type, texts)) != {str} or set(map(type, segments)) != {dict} \
            or not allowed.issuperset(set().union(*segments)):
        return None
    values = set().union(*map(dict.values, segments))
    if not all(type(v) is str and 0 < len(v) <= 100 for v in values) \
            or not is_storable_text("".join(values)):
        return None
    try:
        times = list(map(datetime.fromisoformat, texts))
    except ValueError:
        return None
    times = [at if at.tzinfo is UTC else utc_or_none(at) for at in times]  # "...Z" is UTC
    if None in times or max(times) > now:
        return None
    return list(zip(times, segments))


_NO_SEGMENT: dict = {}


def validate_rows(*, engine: Engine, survey: dict, rows: list, label: str, first: int = 0,
                  reported: int = 0) -> tuple[list[dict], dict[str, list] | None, int, dict]:
    """Return (valid rows, their answers by question or None, bad row count, errors).

    `rows` are the import's rows from index `first` on; the errors of the bad ones are
    named `<label>.<index>.<field>`, for as many as `MAX_REPORTED_ROWS` less the
    `reported` ones allow. A batch whose envelopes and answer columns are all plainly
    valid is accepted as a whole; otherwise each row is checked, and those the quick
    checks do not accept go to the schemas, whose messages count.
    """
    allowed = frozenset(survey["segments"])
    now = utcnow()
    envelopes = _envelopes(rows, allowed, now)
    if envelopes is not None:
        answers = [row.get("answers") for row in rows]
        columns = answer_columns(survey)(answers)
        if columns is not None:
            return [{"submitted_at": at, "segment": segment, "answers": a}
                    for (at, segment), a in zip(envelopes, answers)], columns, 0, {}
    else:
        envelopes = [_envelope(row, allowed, now) for row in rows]
    fast_answers = fast_answers_check(survey)
    clean, errors, bad_rows = [], {}, 0
    for i, (row, envelope) in enumerate(zip(rows, envelopes), start=first):
        if envelope is not None and fast_answers(row.get("answers")):
            clean.append({"submitted_at": envelope[0], "segment": envelope[1],
                          "answers": row["answers"]})
            continue
        row_errors = _row_errors(engine=engine, survey=survey, row=row, now=now, out=clean)
        if row_errors:
            bad_rows += 1
            if reported + bad_rows <= MAX_REPORTED_ROWS:
                errors.update({f"{label}.{i}.{field}": msgs for field, msgs in row_errors.items()})
    return clean, None, bad_rows, errors


def _invalid(bad_rows: int, errors: dict) -> ValidationError:
    more = f" (the first {MAX_REPORTED_ROWS} are listed)" if bad_rows > MAX_REPORTED_ROWS else ""
    return ValidationError(f"{bad_rows} row(s) are not valid{more}; nothing was imported.",
                           errors)


def _row_errors(*, engine: Engine, survey: dict, row, now: datetime, out: list) -> dict:
    """Validate one row with the schemas; append it to `out` if valid, else return its errors."""
    if type(row) is dict and "columns" in row:
        return {"_row": [f"Has {row['columns']} values; the header has a different number."]}
    try:
        envelope = ImportRowSchema().load(row)
    except ma.ValidationError as exc:
        return exc.messages if isinstance(exc.messages, dict) else {"_row": exc.messages}
    errors = check_segment(survey=survey, segment=envelope["segment"], field="segment")
    if envelope["submitted_at"] > now:
        errors["submitted_at"] = ["Is in the future."]
    try:
        answers = validate_answers(answers_schema_of(engine=engine, survey=survey),
                                   envelope["answers"])
    except ma.ValidationError as exc:
        errors.update(exc.messages)
    if not errors:
        out.append({**envelope, "answers": answers})
    return errors


def _wave_finder(waves: list[dict]):
    if not waves:
        return lambda at: 0
    waves = sorted(waves, key=lambda w: w["opens_at"])
    starts = [w["opens_at"] for w in waves]

    def wave_of(at: datetime) -> int:
        k = bisect.bisect_right(starts, at) - 1
        return waves[k]["id"] if k >= 0 and at < waves[k]["closes_at"] else 0

    return wave_of


CHUNK_ROWS = 5000


def import_responses(*, engine: Engine, survey_id: int, rows: list, label: str) -> int:
    """Validate and store imported rows with their bucket summaries, in one transaction.

    Rows are validated some thousands at a time, on PostgreSQL as they are stored, so
    that the database takes in one batch (COPY) while the next is checked. The first bad
    row stops the storing (the COPY fails, the transaction rolls back); the rest are
    still checked, so that the 422 names every bad row, and nothing is kept.
    """
    survey = get_survey(engine=engine, survey_id=survey_id)
    if not rows:
        raise ValidationError("Nothing to import.", {label: ["Give at least one response."]})
    for attempt in range(3):
        batches = _Batches(engine=engine, survey=survey, rows=rows, label=label)
        # SQLite has one writer at a time: the batches, which may make segment
        # combinations in a transaction of their own, are all made before its write.
        stored = batches if engine.dialect.name == "postgresql" else list(batches)
        try:
            with write_transaction(engine) as conn:
                repository.insert_responses(conn, stored)
                repository.merge_into_buckets(conn, survey_id=survey_id,
                                              entries=batches.entries())
                repository.count_import(conn, survey_id=survey_id)
            RESPONSES_STORED.labels("import").inc(len(rows))
            return len(rows)
        except IntegrityError:
            # Another writer made one of our new buckets meanwhile: nothing was kept; redo.
            if attempt == 2:
                raise
    return 0


def problems(*, engine: Engine, survey: dict, rows: list, label: str, start: int = 0,
             bad_rows: int = 0, errors: dict | None = None) -> tuple[int, dict]:
    """Return (bad row count, errors) of the rows from `start` on, added to those given."""
    errors = dict(errors or {})
    for first in range(start, len(rows), CHUNK_ROWS):
        _, _, more, more_errors = validate_rows(
            engine=engine, survey=survey, label=label, first=first,
            rows=rows[first:first + CHUNK_ROWS], reported=bad_rows)
        bad_rows += more
        errors.update(more_errors)
    return bad_rows, errors


def check_rows(*, engine: Engine, survey_id: int, rows: list, label: str) -> int:
    """Check imported rows as `import_responses` does, storing nothing; return how many."""
    survey = get_survey(engine=engine, survey_id=survey_id)
    if not rows:
        raise ValidationError("Nothing to import.", {label: ["Give at least one response."]})
    bad_rows, errors = problems(engine=engine, survey=survey, rows=rows, label=label)
    if bad_rows:
        raise _invalid(bad_rows, errors)
    return len(rows)


class _Batches:
    """The import's rows, validated batch by batch: iterating yields each batch's rows to
    store (tuples in `repository.RESPONSE_COLUMNS` order, answers as dicts), and adds
    their summaries to their buckets' (`entries`). A batch with a bad row raises the
    422 of every bad row of the import instead."""

    def __init__(self, *, engine: Engine, survey: dict, rows: list, label: str):
        self.engine, self.survey, self.rows, self.label = engine, survey, rows, label
        self.layout = survey_layout(engine=engine, survey=survey)
        self.wave_of = _wave_finder(survey_waves(engine=engine, survey_id=survey["id"]))
        self.canonical: dict[tuple, str] = {}  # rows repeat few segments: each text once
        self.bucket_index: dict[tuple, int] = {}
        self.counts: list[np.ndarray] = []
        self.vectors: list[np.ndarray] = []

    def __iter__(self):
        for first in range(0, len(self.rows), CHUNK_ROWS):
            clean, columns, bad_rows, errors = validate_rows(
                engine=self.engine, survey=self.survey, label=self.label, first=first,
                rows=self.rows[first:first + CHUNK_ROWS])
            if bad_rows:
                raise self._every_problem(first + CHUNK_ROWS, bad_rows, errors)
            yield self._stored(clean, columns)

    def _every_problem(self, first: int, bad_rows: int, errors: dict) -> ValidationError:
        """Return the 422 of these problems and those of the rows from `first` on."""
        return _invalid(*problems(engine=self.engine, survey=self.survey, rows=self.rows,
                                  label=self.label, start=first, bad_rows=bad_rows,
                                  errors=errors))

    def _stored(self, clean: list[dict], columns: dict | None) -> list[tuple]:
        survey_id = self.survey["id"]
        texts = [self.canonical.get(items) or self.canonical.setdefault(
            items, repository.segment_key(r["segment"]))
            for r in clean for items in (tuple(r["segment"].items()),)]
        combos = combo_ids_for(engine=self.engine, survey_id=survey_id,
                               keys=sorted(set(texts)))
        times = [row["submitted_at"] for row in clean]
        days = [at.date() for at in times]
        wave_ids = [self.wave_of(at) for at in times]
        combo_ids = [combos[text] for text in texts]
        index = self.bucket_index
        groups = np.fromiter((index.setdefault(key, len(index))
                              for key in zip(days, wave_ids, combo_ids)),
                             dtype=np.int64, count=len(clean))
        answers = [row["answers"] for row in clean]
        self.vectors.append(bucket_vectors(self.layout, answers, groups, len(index), columns))
        self.counts.append(np.bincount(groups, minlength=len(index)))
        # Employee responses keep the day only.
        stamps = repeat(None) if self.survey["kind"] == EMPLOYEE else times
        return list(zip(repeat(survey_id), wave_ids, combo_ids, days, stamps, answers))

    def entries(self) -> dict[tuple, tuple]:
        """Return (day, wave_id, combo_id) -> (n, summed vector) of every row stored."""
        size = len(self.bucket_index)
        counts = np.zeros(size, dtype=np.int64)
        vectors = np.zeros((size, self.layout.size), dtype=VECTOR_DTYPE)
        for count, matrix in zip(self.counts, self.vectors):
            counts[:len(count)] += count
            vectors[:len(matrix)] += matrix
        return {key: (int(counts[g]), vectors[g]) for key, g in self.bucket_index.items()}
