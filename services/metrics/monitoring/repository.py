"""SQL of snapshots, alerts and job leases (the only place the metrics service writes)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.metrics.tables import alerts, job_leases, snapshots
from shared.db import write_transaction

ALERT_FIELDS = ("id", "survey_id", "metric", "period_kind", "segment", "period_a", "period_b",
                "value_a", "value_b", "difference", "p_value", "p_adjusted", "created_at",
                "delivery_state", "delivery_attempts", "delivered_at")


def replace_snapshots(engine: Engine, survey_id: int, rows: list[dict], now: datetime) -> None:
    """Replace a survey's snapshot rows with freshly computed ones, in one transaction."""
    with write_transaction(engine) as conn:
        conn.execute(snapshots.delete().where(snapshots.c.survey_id == survey_id))
        if rows:
            conn.execute(snapshots.insert(), [
                {**row, "survey_id": survey_id, "segment": json.dumps(row["segment"], sort_keys=True),
                 "computed_at": now} for row in rows])


def list_snapshots(engine: Engine, survey_id: int, *, metric: str | None, after_id: int,
                   limit: int) -> list[dict]:
    """Return a page of a survey's snapshot rows, oldest id first."""
    query = sa.select(snapshots).where(snapshots.c.survey_id == survey_id,
                                       snapshots.c.id > after_id)
    if metric:
        query = query.where(snapshots.c.metric == metric)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(snapshots.c.id).limit(limit)).mappings().all()
    return [{**row, "segment": json.loads(row["segment"])} for row in rows]


def insert_alert(engine: Engine, alert: dict) -> bool:
    """Record an alert unless one with its dedup key exists; return whether it was new."""
    with write_transaction(engine) as conn:
        exists = conn.execute(sa.select(alerts.c.id).where(
            alerts.c.dedup_key == alert["dedup_key"])).first()
        if exists:
            return False
        conn.execute(alerts.insert().values(
            **{**alert, "segment": json.dumps(alert["segment"], sort_keys=True)}))
    return True


def list_alerts(engine: Engine, *, before_id: int | None, limit: int) -> list[dict]:
    """Return a page of alerts, newest first."""
    query = sa.select(*(alerts.c[f] for f in ALERT_FIELDS))
    if before_id is not None:
        query = query.where(alerts.c.id < before_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(alerts.c.id.desc()).limit(limit)).mappings().all()
    return [{**row, "segment": json.loads(row["segment"])} for row in rows]


def alerts_to_deliver(engine: Engine, now: datetime) -> list[dict]:
    """Return the alerts waiting for delivery whose next attempt is due."""
    query = sa.select(*(alerts.c[f] for f in ALERT_FIELDS)).where(
        alerts.c.delivery_state == "pending",
        sa.or_(alerts.c.next_attempt_at.is_(None), alerts.c.next_attempt_at <= now))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(alerts.c.id)).mappings().all()
    return [{**row, "segment": json.loads(row["segment"])} for row in rows]


def record_delivery(engine: Engine, alert_id: int, *, delivered: bool, status: int | None,
                    error: str | None, now: datetime, retry_at: datetime | None) -> None:
    """Record one delivery attempt: delivered, to be retried at `retry_at`, or failed."""
    state = "delivered" if delivered else ("pending" if retry_at else "failed")
    with write_transaction(engine) as conn:
        conn.execute(alerts.update().where(alerts.c.id == alert_id).values(
            delivery_attempts=alerts.c.delivery_attempts + 1, delivery_state=state,
            last_status=status, last_error=error, last_attempt_at=now,
            next_attempt_at=None if delivered else retry_at,
            delivered_at=now if delivered else None))


DELIVERY_FIELDS = ("id", "survey_id", "metric", "segment", "created_at", "delivery_state",
                   "delivery_attempts", "last_status", "last_error", "last_attempt_at",
                   "next_attempt_at", "delivered_at")


def list_deliveries(engine: Engine, *, before_id: int | None, limit: int) -> list[dict]:
    """Return a page of the alerts sent (or being sent) to the webhook, newest first."""
    query = sa.select(*(alerts.c[f] for f in DELIVERY_FIELDS)).where(
        alerts.c.delivery_state != "none")
    if before_id is not None:
        query = query.where(alerts.c.id < before_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(alerts.c.id.desc()).limit(limit)).mappings().all()
    return [{**row, "segment": json.loads(row["segment"])} for row in rows]


def acquire_lease(engine: Engine, name: str, holder: str, now: datetime,
                  seconds: float) -> bool:
    """Take or renew the named lease if free, expired or ours; return whether we hold it."""
    expires = now + timedelta(seconds=seconds)
    with write_transaction(engine) as conn:
        row = conn.execute(sa.select(job_leases).where(job_leases.c.name == name)
                           .with_for_update()).mappings().first()
        if row is None:
            conn.execute(job_leases.insert().values(name=name, holder=holder, expires_at=expires))
            return True
        if row["holder"] != holder and row["expires_at"] > now:
            return False
        conn.execute(job_leases.update().where(job_leases.c.name == name)
                     .values(holder=holder, expires_at=expires))
        return True


def release_lease(engine: Engine, name: str, holder: str) -> None:
    """Give a lease back so another replica may run the job at once."""
    with write_transaction(engine) as conn:
        conn.execute(job_leases.delete().where(job_leases.c.name == name,
                                               job_leases.c.holder == holder))
