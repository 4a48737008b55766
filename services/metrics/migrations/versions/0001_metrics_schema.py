"""Snapshots, alerts with delivery state, and job leases.

Revision ID: 0001_metrics_schema
Revises:
Create Date: 2026-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_metrics_schema"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("period_kind", sa.String(10), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("n", sa.Integer, nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("ci_low", sa.Float, nullable=True),
        sa.Column("ci_high", sa.Float, nullable=True),
        sa.Column("suppressed", sa.Boolean, nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_snapshots_survey", "snapshots", ["survey_id", "metric", "id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dedup_key", sa.String(400), nullable=False),
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("period_kind", sa.String(10), nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("period_a", sa.String(20), nullable=False),
        sa.Column("period_b", sa.String(20), nullable=False),
        sa.Column("value_a", sa.Float, nullable=True),
        sa.Column("value_b", sa.Float, nullable=True),
        sa.Column("difference", sa.Float, nullable=True),
        sa.Column("p_value", sa.Float, nullable=True),
        sa.Column("p_adjusted", sa.Float, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("delivery_state", sa.String(12), nullable=False),
        sa.Column("delivery_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivered_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
    )
    # Deduplication: the detector may run many times over the same two periods.
    op.create_index("ix_alerts_dedup", "alerts", ["dedup_key"], unique=True)
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_index("ix_alerts_dedup", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_snapshots_survey", table_name="snapshots")
    op.drop_table("snapshots")
