"""The metrics service's tables (SQLAlchemy Core); each change is a new Alembic revision."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# The latest computed scores of every active survey, replaced per survey by the refresh job.
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.Integer, nullable=False),
    sa.Column("metric", sa.String(200), nullable=False),
    sa.Column("period_kind", sa.String(10), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("segment", sa.Text, nullable=False),  # JSON object, sorted keys
    sa.Column("n", sa.Integer, nullable=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("ci_low", sa.Float, nullable=True),
    sa.Column("ci_high", sa.Float, nullable=True),
    sa.Column("suppressed", sa.Boolean, nullable=False),
    sa.Column("computed_at", sa.DateTime, nullable=False),
    sa.Index("ix_snapshots_survey", "survey_id", "metric", "id"),
)

# Significant deteriorations; `dedup_key` makes a re-run of the detector record nothing new.
alerts = sa.Table(
    "alerts",
    metadata,
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
    sa.Column("delivery_state", sa.String(12), nullable=False),  # pending/delivered/failed/none
    sa.Column("delivery_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("delivered_at", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    # Webhook retries (revision 0003): the last answer, and when to try again.
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_attempt_at", sa.DateTime, nullable=True),
    sa.Column("next_attempt_at", sa.DateTime, nullable=True),
    sa.Index("ix_alerts_dedup", "dedup_key", unique=True),
    sa.Index("ix_alerts_delivery", "delivery_state", "next_attempt_at"),
)

# One runner across replicas: a job runs where its lease row is held and unexpired.
job_leases = sa.Table(
    "job_leases",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)

# What each closed period shows or hides, per survey, decision scope (respondents at the
# anonymity threshold, the answers to one optional question, comments at the comment
# threshold) and attribute set: decided once, then read back by every query.
anonymity_decisions = sa.Table(
    "anonymity_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("survey_id", sa.Integer, nullable=False),
    sa.Column("scope", sa.String(200), nullable=False),
    sa.Column("attributes", sa.String(400), nullable=False),  # comma-joined, survey order
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("cells", sa.Text, nullable=False),  # JSON [[values, count, hidden], ...]
    sa.Column("decided_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("survey_id", "scope", "attributes", "period",
                        name="uq_anonymity_decisions_cell_set"),
)

# The groups of settled closed periods a summaries query read (`analytics.history`), shared
# by the service's processes: a process that has not read them yet reads this row and asks
# the survey service only for the days after `through`. Valid while the survey's import
# count and waves are as recorded.
kept_groups = sa.Table(
    "kept_groups",
    metadata,
    sa.Column("survey_id", sa.Integer, primary_key=True),
    sa.Column("query", sa.String(500), primary_key=True),  # JSON of the summaries query
    sa.Column("imports", sa.Integer, nullable=False),
    sa.Column("waves", sa.Text, nullable=False),  # JSON [[id, opens_at, closes_at], ...]
    sa.Column("through", sa.Date, nullable=False),
    sa.Column("groups", sa.LargeBinary, nullable=False),  # zlib of the groups' JSON
    sa.Column("kept_at", sa.DateTime, nullable=False),
)
