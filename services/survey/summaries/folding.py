"""Folding summary deltas into their buckets, the survey service's background job.

On PostgreSQL a single response appends its summary to `summary_deltas` in the statement
that stores it, rather than adding to its bucket row, where responses to one bucket would
queue for its lock one commit after another. This job adds the deltas to their buckets in
batches. A batch's deltas are deleted and its buckets written in one transaction, so at
every moment each response is counted once, by its delta or by its bucket; reads add both
in one statement (`repository.fetch_buckets`). One process folds at a time (a
transaction-level advisory lock); another that finds it taken leaves the work to it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from services.survey.responses.repository import merge_into_buckets
from shared.db import write_transaction
from shared.observability import observed_job, record_fold_state
from shared.summaries import VECTOR_DTYPE, vectors_from_bytes

log = logging.getLogger("trustpulse.survey.folding")
BATCH = 5000
FOLD_SECONDS = 2
ATTEMPTS = 3

# Held by the folding transaction: two folds would make the same new buckets at once.
_FOLDING = sa.text(
    "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.summary_deltas'))")
_TAKE = sa.text(
    "DELETE FROM summary_deltas WHERE ctid = ANY(ARRAY("
    "SELECT ctid FROM summary_deltas LIMIT :batch)) "
    "RETURNING survey_id, day, wave_id, combo_id, n, vector")


def fold_deltas(engine: Engine, batch: int = BATCH) -> int:
    """Fold deltas into their buckets until none are left to take; return how many.

    Only PostgreSQL writes deltas. While another process folds, this one folds nothing.
    A batch that meets a bucket made meanwhile by an import is rolled back whole (its
    deltas stay) and taken again.
    """
    if engine.dialect.name != "postgresql":
        return 0
    folded, failures = 0, 0
    while True:
        try:
            with write_transaction(engine) as conn:
                if not conn.execute(_FOLDING).scalar():
                    return folded
                taken = conn.execute(_TAKE, {"batch": batch}).all()
                for survey_id, entries in _summed(taken).items():
                    merge_into_buckets(conn, survey_id=survey_id, entries=entries)
        except DBAPIError:
            failures += 1
            if failures == ATTEMPTS:
                raise
            continue
        folded += len(taken)
        if len(taken) < batch:
            return folded


def _summed(rows: list) -> dict[int, dict[tuple, tuple]]:
    """Return, per survey, (day, wave_id, combo_id) -> (n, summed vector) of delta rows."""
    by_bucket: dict[int, dict[tuple, list]] = defaultdict(lambda: defaultdict(list))
    for survey_id, day, wave_id, combo_id, n, vector in rows:
        by_bucket[survey_id][(day, wave_id, combo_id)].append((n, vector))
    return {survey_id: {key: (sum(n for n, _ in deltas), vectors_from_bytes(
        [v for _, v in deltas], len(deltas[0][1]) // VECTOR_DTYPE.itemsize).sum(axis=0))
        for key, deltas in buckets.items()} for survey_id, buckets in by_bucket.items()}


def pending_deltas(engine: Engine) -> int:
    """Return how many summary deltas wait to be folded."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM summary_deltas")).scalar_one()


# When this process last saw no delta waiting (its start, until a run sees none).
_all_folded_at = [time.time()]


def fold_job(engine: Engine) -> None:
    """The scheduled job: fold what there is; a failure is logged and the next run retries."""
    try:
        with observed_job("survey", "fold_summary_deltas"):
            folded = fold_deltas(engine)
            pending, now = pending_deltas(engine), time.time()
            if pending == 0:
                _all_folded_at[0] = now
            record_fold_state(pending, _all_folded_at[0], now)
        if folded:
            log.debug("folded %d summary deltas", folded)
    except Exception:  # a failed run must not stop the scheduler
        log.exception("folding summary deltas failed")
