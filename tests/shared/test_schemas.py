"""Service schemas on PostgreSQL: made once however many processes start at once."""

import threading
import uuid

import sqlalchemy as sa

from shared.db import ensure_schema, make_engine

WORKERS, ROUNDS = 12, 6


def test_workers_starting_together_all_find_their_schema(postgres_url):
    engines = [make_engine(postgres_url) for _ in range(WORKERS)]
    errors, made = [], []
    try:
        for _ in range(ROUNDS):  # a race: several rounds, so that one without turns fails
            schema = f"s{uuid.uuid4().hex[:10]}"
            made.append(schema)
            start = threading.Barrier(WORKERS)

            def start_worker(engine, schema=schema, start=start):
                start.wait()
                try:
                    ensure_schema(engine, schema)
                except sa.exc.DBAPIError as exc:  # a unique violation on the catalogue
                    errors.append(exc)

            threads = [threading.Thread(target=start_worker, args=(e,)) for e in engines]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert errors == []
        with engines[0].connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM pg_namespace WHERE nspname IN "
                                        "(SELECT unnest(CAST(:s AS text[])))"),
                                {"s": made}).scalar() == ROUNDS
    finally:
        with engines[0].begin() as conn:
            for schema in made:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}"'))
        for engine in engines:
            engine.dispose()
