"""The survey service's tables (SQLAlchemy Core); each change is a new Alembic revision."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

surveys = sa.Table(
    "surveys", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("template", sa.String(64)),
    # The definition (questions, indices) never changes once created: summary layouts rely on it.
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("segments", sa.Text, nullable=False),
    sa.Column("anonymity_threshold", sa.Integer, nullable=False),
    sa.Column("comment_threshold", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # How many imports have been stored (revision 0004): responses in closed periods change
    # only through one, so a reader of closed periods keeps them while this stays the same.
    sa.Column("imports", sa.Integer, nullable=False, server_default="0"),
)

waves = sa.Table(
    "waves", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("schedule_id", sa.Integer),
    # A scheduled wave is materialised once however many processes race to make it.
    sa.UniqueConstraint("survey_id", "opens_at", name="uq_waves_survey_opens"),
)

schedules = sa.Table(
    "schedules", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
    sa.Column("every_days", sa.Integer, nullable=False),
    sa.Column("open_days", sa.Integer, nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Only the sha256 of a token is kept, and no time: a used token cannot be matched to its response.
invitations = sa.Table(
    "invitations", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
    sa.Column("wave_id", sa.Integer, sa.ForeignKey("waves.id"), nullable=False),
    sa.Column("segment", sa.Text, nullable=False),
    sa.Column("used", sa.Boolean, nullable=False, default=False),
)

link_uses = sa.Table(
    "link_uses", metadata,
    sa.Column("survey_id", sa.Integer, primary_key=True),
    sa.Column("interaction_id", sa.String(200), primary_key=True),
)

segment_combos = sa.Table(
    "segment_combos", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("surveys.id"), nullable=False),
    sa.Column("segment", sa.Text, nullable=False),
    sa.UniqueConstraint("survey_id", "segment", name="uq_segment_combos"),
)

# Append-only; no identity and no token reference. Employee rows keep the day only.
responses = sa.Table(
    "responses", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("survey_id", sa.Integer, nullable=False),
    sa.Column("wave_id", sa.Integer, nullable=False),
    sa.Column("combo_id", sa.Integer, nullable=False),
    sa.Column("submitted_on", sa.Date, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("answers", sa.Text, nullable=False),
    sa.Index("ix_responses_survey_day", "survey_id", "submitted_on"),
)

buckets = sa.Table(
    "summary_buckets", metadata,
    sa.Column("survey_id", sa.Integer, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("wave_id", sa.Integer, primary_key=True),
    sa.Column("combo_id", sa.Integer, primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

# Summaries of single responses not yet added to their buckets, on PostgreSQL: a response
# appends one row here in its own statement, instead of waiting for its bucket's row lock,
# and a background job folds them into the buckets (services/survey/summaries/folding.py).
# Reads add them to the buckets' in the same statement. No key: rows are only appended,
# and taken away whole.
summary_deltas = sa.Table(
    "summary_deltas", metadata,
    *(sa.Column(column.name, column.type, nullable=False) for column in buckets.columns),
)

idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

# Participation counts (revision 0003). Invitations recorded without tokens (a past wave's,
# with its imported responses): how many were invited, never a way to answer.
invitation_counts = sa.Table(
    "invitation_counts", metadata,
    sa.Column("survey_id", sa.Integer, nullable=False),
    sa.Column("wave_id", sa.Integer, primary_key=True),
    sa.Column("combo_id", sa.Integer, primary_key=True),
    sa.Column("invited", sa.Integer, nullable=False),
    sa.Index("ix_invitation_counts_survey", "survey_id"),
)

# Customer links made through the API, per day (UTC) and segment combination: the link
# itself is signed, not stored, and no interaction id is kept here.
link_counts = sa.Table(
    "link_counts", metadata,
    sa.Column("survey_id", sa.Integer, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("combo_id", sa.Integer, primary_key=True),
    sa.Column("links", sa.BigInteger, nullable=False),
)
