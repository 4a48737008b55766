"""Webhook deliveries retried with backoff: each alert's last answer and next attempt.

Revision ID: 0003_alert_delivery_retries
Revises: 0002_anonymity_decisions
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_alert_delivery_retries"
down_revision = "0002_anonymity_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the delivery columns and the index the delivery job reads by."""
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("last_status", sa.Integer, nullable=True))
        batch.add_column(sa.Column("last_attempt_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime, nullable=True))
    op.create_index("ix_alerts_delivery", "alerts", ["delivery_state", "next_attempt_at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_alerts_delivery", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("next_attempt_at")
        batch.drop_column("last_attempt_at")
        batch.drop_column("last_status")
