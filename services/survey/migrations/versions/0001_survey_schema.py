"""Survey schema: surveys, waves, schedules, invitations, links, responses, summary buckets.

Revision ID: 0001_survey_schema
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_survey_schema"
down_revision = None
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the survey service's tables."""
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("template", sa.String(64)),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("segments", sa.Text, nullable=False),
        sa.Column("anonymity_threshold", sa.Integer, nullable=False),
        sa.Column("comment_threshold", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("opens_at", TIMESTAMP, nullable=False),
        sa.Column("closes_at", TIMESTAMP, nullable=False),
        sa.Column("schedule_id", sa.Integer),
        sa.UniqueConstraint("survey_id", "opens_at", name="uq_waves_survey_opens"),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("every_days", sa.Integer, nullable=False),
        sa.Column("open_days", sa.Integer, nullable=False),
        sa.Column("starts_at", TIMESTAMP, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("wave_id", sa.Integer, sa.ForeignKey("waves.id"), nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    op.create_table(
        "link_uses",
        sa.Column("survey_id", sa.Integer, primary_key=True),
        sa.Column("interaction_id", sa.String(200), primary_key=True),
    )
    op.create_table(
        "segment_combos",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("segment", sa.Text, nullable=False),
        sa.UniqueConstraint("survey_id", "segment", name="uq_segment_combos"),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("survey_id", sa.Integer, nullable=False),
        sa.Column("wave_id", sa.Integer, nullable=False),
        sa.Column("combo_id", sa.Integer, nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("submitted_at", TIMESTAMP),
        sa.Column("answers", sa.Text, nullable=False),
    )
    op.create_index("ix_responses_survey_day", "responses", ["survey_id", "submitted_on"])
    op.create_table(
        "summary_buckets",
        sa.Column("survey_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("wave_id", sa.Integer, primary_key=True),
        sa.Column("combo_id", sa.Integer, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop the survey service's tables."""
    for table in ("idempotency_keys", "summary_buckets", "responses", "segment_combos",
                  "link_uses", "invitations", "schedules", "waves", "surveys"):
        op.drop_table(table)
