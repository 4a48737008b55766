"""Kept anonymity decisions: what each closed period shows, per scope and attribute set.

Revision ID: 0002_anonymity_decisions
Revises: 0001_metrics_schema
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_anonymity_decisions"
down_revision = "0001_metrics_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing data needs no conversion: decisions are made on first request or when a
    # period closes, from the survey service's summaries, under the current rules.
    op.create_table(
        "anonymity_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("attributes", sa.String(400), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("cells", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("survey_id", "scope", "attributes", "period",
                            name="uq_anonymity_decisions_cell_set"),
    )


def downgrade() -> None:
    op.drop_table("anonymity_decisions")
