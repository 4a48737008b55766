"""Participation counts: invitations recorded without tokens, and customer links made per day.

Revision ID: 0003_participation_counts
Revises: 0002_summary_deltas
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_participation_counts"
down_revision = "0002_summary_deltas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the two count tables."""
    op.create_table(
        "invitation_counts",
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("wave_id", sa.Integer, primary_key=True),
        sa.Column("combo_id", sa.Integer, primary_key=True),
        sa.Column("invited", sa.Integer, nullable=False),
    )
    op.create_index("ix_invitation_counts_survey", "invitation_counts", ["survey_id"])
    op.create_table(
        "link_counts",
        sa.Column("survey_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("combo_id", sa.Integer, primary_key=True),
        sa.Column("links", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    """Drop them (the counts are lost; tokens and responses are untouched)."""
    op.drop_table("link_counts")
    op.drop_index("ix_invitation_counts_survey", table_name="invitation_counts")
    op.drop_table("invitation_counts")
