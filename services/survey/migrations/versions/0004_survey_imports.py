"""Imports counted per survey: what tells a reader of closed periods that they changed.

Revision ID: 0004_survey_imports
Revises: 0003_participation_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_survey_imports"
down_revision = "0003_participation_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the count (0 for every survey: readers start from what they read next)."""
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("imports", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("imports")
