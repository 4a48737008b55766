"""Groups of settled closed periods shared by the metrics processes.

Revision ID: 0004_kept_groups
Revises: 0003_alert_delivery_retries
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_kept_groups"
down_revision = "0003_alert_delivery_retries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing to convert: each row is written by the first process that reads its groups.
    op.create_table(
        "kept_groups",
        sa.Column("survey_id", sa.Integer, primary_key=True),
        sa.Column("query", sa.String(500), primary_key=True),
        sa.Column("imports", sa.Integer, nullable=False),
        sa.Column("waves", sa.Text, nullable=False),
        sa.Column("through", sa.Date, nullable=False),
        sa.Column("groups", sa.LargeBinary, nullable=False),
        sa.Column("kept_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kept_groups")
