"""The survey schema's migrations keep every stored summary, up and down."""

from pathlib import Path

import numpy as np
import sqlalchemy as sa
from alembic import command

from shared.db import ensure_schema, make_engine
from shared.migrations import alembic_config
from shared.summaries import vector_to_bytes, vectors_from_bytes

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "survey" / "migrations"
INSERT = ("INSERT INTO {} (survey_id, day, wave_id, combo_id, n, vector) VALUES "
          "(1, :day, 0, 1, :n, :vector)")


def test_downgrading_the_deltas_table_adds_its_rows_to_their_buckets(settings_factory):
    url, schema = settings_factory().database_for("survey")
    engine = make_engine(url, schema)
    ensure_schema(engine, schema)
    config = alembic_config(MIGRATIONS, engine, "survey")
    command.upgrade(config, "head")
    one, big = np.arange(6, dtype=np.int64), np.full(6, 2 ** 40, dtype=np.int64)
    with engine.begin() as conn:
        conn.execute(sa.text(INSERT.format("summary_buckets")),
                     {"day": "2026-01-01", "n": 7, "vector": vector_to_bytes(big)})
        conn.execute(sa.text(INSERT.format("summary_deltas")), [
            {"day": day, "n": 1, "vector": vector_to_bytes(one)}
            for day in ("2026-01-01", "2026-01-01", "2026-01-02")])

    command.downgrade(config, "0001_survey_schema")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT day, n, vector FROM summary_buckets ORDER BY day")).all()
        tables = sa.inspect(conn).get_table_names()
    assert "summary_deltas" not in tables
    assert [(str(day)[:10], n) for day, n, _ in rows] == [("2026-01-01", 9), ("2026-01-02", 1)]
    assert np.array_equal(vectors_from_bytes([bytes(v) for *_, v in rows], 6),
                          np.vstack([big + 2 * one, one]))
    command.upgrade(config, "head")
    engine.dispose()
