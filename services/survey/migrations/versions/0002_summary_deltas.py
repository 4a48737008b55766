"""Summary deltas: single responses' summaries waiting to be folded into their buckets.

Revision ID: 0002_summary_deltas
Revises: 0001_survey_schema
"""

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0002_summary_deltas"
down_revision = "0001_survey_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table of summary deltas."""
    op.create_table(
        "summary_deltas",
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("wave_id", sa.Integer, nullable=False),
        sa.Column("combo_id", sa.Integer, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    """Add what is left of the deltas to their buckets, then drop the table."""
    bind = op.get_bind()
    key = ("survey_id", "day", "wave_id", "combo_id")
    summed: dict[tuple, tuple] = {}
    for *bucket, n, vector in bind.execute(sa.text(
            "SELECT survey_id, day, wave_id, combo_id, n, vector FROM summary_deltas")):
        old_n, old_vector = summed.get(tuple(bucket), (0, 0))
        summed[tuple(bucket)] = (old_n + n, old_vector + np.frombuffer(vector, dtype="<i8"))
    where = " AND ".join(f"{name} = :{name}" for name in key)
    for bucket, (n, vector) in summed.items():
        params = dict(zip(key, bucket))
        found = bind.execute(sa.text(f"SELECT n, vector FROM summary_buckets WHERE {where}"),
                             params).first()
        if found is not None:
            n, vector = n + found.n, vector + np.frombuffer(found.vector, dtype="<i8")
            bind.execute(sa.text(f"DELETE FROM summary_buckets WHERE {where}"), params)
        bind.execute(sa.text("INSERT INTO summary_buckets (survey_id, day, wave_id, combo_id, n,"
                             " vector) VALUES (:survey_id, :day, :wave_id, :combo_id, :n, :v)"),
                     {**params, "n": int(n), "v": np.asarray(vector, dtype="<i8").tobytes()})
    op.drop_table("summary_deltas")
