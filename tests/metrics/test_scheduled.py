"""The metrics scheduler: workers and replicas starting at once on a fresh database all come up."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from services.metrics import MIGRATIONS
from services.metrics.monitoring import scheduled
from shared.db import make_engine
from shared.migrations import upgrade

WORKERS = 4
ROUNDS = 3


def _start_together(engines) -> tuple[list, list[str]]:
    """Start one scheduler per engine at the same moment; return them and the errors."""
    barrier = threading.Barrier(len(engines))
    schedulers, errors = [], []

    def start(index: int, engine) -> None:
        context = scheduled.JobContext(engine=engine, source=None, webhook_url=None)
        barrier.wait()
        try:
            schedulers.append(scheduled.start_scheduler(context, context_key=f"race{index}"))
        except SQLAlchemyError as exc:  # what made a gunicorn worker exit on boot
            errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])

    threads = [threading.Thread(target=start, args=item) for item in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return schedulers, errors


def test_workers_starting_at_once_on_a_fresh_database_all_start(settings_factory):
    """Each round is a fresh schema, so the job store's table does not exist yet.

    Without one creator at a time, PostgreSQL failed 9 rounds in 10 (DuplicateTable, or a
    UniqueViolation on pg_type_typname_nsp_index) and SQLite with "database is locked".
    """
    base = settings_factory()
    for round_ in range(ROUNDS):
        settings = settings_factory(db_schema_prefix=f"{base.db_schema_prefix}r{round_}_",
                                    data_dir=base.data_dir / f"r{round_}")
        url, schema = settings.database_for("metrics")
        engines = [make_engine(url, schema, pool_size=2) for _ in range(WORKERS)]
        try:
            upgrade(MIGRATIONS, engines[0], "metrics", schema)
            schedulers, errors = _start_together(engines)
            for scheduler in schedulers:
                scheduler.shutdown(wait=False)
            assert errors == [], f"round {round_}: {errors}"
            assert len(schedulers) == WORKERS
            with engines[0].connect() as conn:
                stored = conn.execute(sa.text(
                    f"SELECT id FROM {scheduled.JOBSTORE_TABLE}")).scalars().all()
            assert sorted(stored) == sorted(scheduled.JOB_INTERVALS)
        finally:
            for engine in engines:
                engine.dispose()
