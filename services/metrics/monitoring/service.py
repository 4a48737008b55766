"""The rules of the scheduled work: snapshot refresh, deterioration alerts, webhook delivery."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import requests
from sqlalchemy.engine import Engine

from services.metrics.analytics import publication
from services.metrics.analytics import service as analytics
from services.metrics.monitoring import repository, webhooks
from services.metrics.monitoring.webhooks import WebhookTarget
from shared.errors import APIError
from shared.pagination import cursor_after_id, page_of

log = logging.getLogger("trustpulse.metrics.monitoring")

ALERT_P_ADJUSTED = 0.05
INACTIVE_STATUSES = ("archived", "closed", "deleted")


def utcnow() -> datetime:
    """Return the current UTC time, naive (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def active_surveys(source) -> list[dict]:
    """Return the surveys whose scores are kept fresh (every survey not archived or closed)."""
    return [s for s in source.surveys() if s.get("status") not in INACTIVE_STATUSES]


def _alert_period(survey: dict) -> str:
    """Pulses with waves are followed wave by wave; everything else week by week."""
    return "wave" if survey.get("waves") else "week"


def _segmentations(survey: dict) -> list[str | None]:
    return [None, *survey.get("segments", [])]


def refresh_snapshots(*, engine: Engine, source, now: datetime | None = None) -> int:
    """Recompute and store every active survey's index scores; return the rows written."""
    now = now or utcnow()
    written = 0
    for item in active_surveys(source):
        try:
            rows = _snapshot_rows(source, item["id"])
        except APIError as exc:  # keep the survey's last snapshots; the others still refresh
            log.warning("scores of survey %s unavailable: %s", item["id"], exc.message)
            continue
        repository.replace_snapshots(engine, item["id"], rows, now)
        written += len(rows)
    return written


def _snapshot_rows(source, survey_id: int) -> list[dict]:
    """Return the index scores of one survey as snapshot rows, hidden as `scores` hides them."""
    survey = source.definition(survey_id)
    rows = []
    for index in survey.get("indices", []):
        metric = f"index:{index['key']}"
        for segment_by in _segmentations(survey):
            answer = analytics.scores(source, survey_id=survey_id, metric=metric,
                                      period=_alert_period(survey), segment_by=segment_by)
            rows.extend({"metric": metric, "period_kind": answer["period"], **row}
                        for row in answer["series"])
    return rows


def detect_deteriorations(*, engine: Engine, source, webhook: bool,
                          now: datetime | None = None) -> int:
    """Record an alert for each significant drop (BH-adjusted p < 0.05); return how many new."""
    now = now or utcnow()
    recorded = 0
    for item in active_surveys(source):
        survey = source.definition(item["id"])
        period = _alert_period(survey)
        for index in survey.get("indices", []):
            metric = f"index:{index['key']}"
            for segment_by in _segmentations(survey):
                try:
                    answer = analytics.changes(source, survey_id=item["id"], metric=metric,
                                               period=period, segment_by=segment_by)
                except APIError as exc:
                    log.warning("changes of survey %s unavailable: %s", item["id"], exc.message)
                    continue
                for row in answer["items"]:
                    if _is_deterioration(row):
                        recorded += repository.insert_alert(
                            engine, _alert(item["id"], metric, period, row, webhook, now))
    return recorded


def decide_closed_periods(*, source) -> int:
    """Decide the newly closed periods of every attribute set asked so far, survey by survey."""
    decided = 0
    for item in active_surveys(source):
        try:
            decided += publication.decide_closed_periods(source, item["id"])
        except APIError as exc:
            log.warning("decisions of survey %s postponed: %s", item["id"], exc.message)
    return decided


def _is_deterioration(row: dict) -> bool:
    p = row.get("p_adjusted")
    return (not row.get("suppressed") and p is not None and p < ALERT_P_ADJUSTED
            and row["difference"] is not None and row["difference"] < 0)


def _alert(survey_id: int, metric: str, period: str, row: dict, webhook: bool,
           now: datetime) -> dict:
    segment = row["segment"]
    key = "|".join([str(survey_id), metric, period, json.dumps(segment, sort_keys=True),
                    row["a"]["period"], row["b"]["period"]])
    return {"dedup_key": key, "survey_id": survey_id, "metric": metric, "period_kind": period,
            "segment": segment, "period_a": row["a"]["period"], "period_b": row["b"]["period"],
            "value_a": row["a"]["value"], "value_b": row["b"]["value"],
            "difference": row["difference"], "p_value": row["p_value"],
            "p_adjusted": row["p_adjusted"], "created_at": now,
            "delivery_state": "pending" if webhook else "none"}


def alert_document(alert: dict) -> dict:
    """Return the public JSON form of an alert."""
    doc = {k: v for k, v in alert.items() if k not in ("delivery_attempts",)}
    for key in ("created_at", "delivered_at"):
        doc[key] = _timestamp(doc.get(key))
    return doc


def deliver_alerts(*, engine: Engine, webhook: WebhookTarget | None,
                   session: requests.Session, timeout: float = 5.0,
                   now: datetime | None = None) -> int:
    """POST each alert that is due to the webhook, signed; a failure is tried again later.

    Retries back off (webhooks.next_attempt) until a day after the alert, then the
    delivery is failed for good. Returns how many were delivered.
    """
    if not webhook:
        return 0
    now = now or utcnow()
    delivered = 0
    for alert in repository.alerts_to_deliver(engine, now):
        body, headers = webhooks.request_of(webhook, alert_document(alert))
        status = error = None
        try:
            response = session.post(webhook.url, data=body, headers=headers, timeout=timeout,
                                    allow_redirects=False)
            status = response.status_code
            ok = 200 <= status < 300
            error = None if ok else f"HTTP {status}"
        except requests.RequestException as exc:
            ok, error = False, type(exc).__name__
        retry_at = None if ok else webhooks.next_attempt(
            created_at=alert["created_at"], attempts=alert["delivery_attempts"] + 1, now=now)
        repository.record_delivery(engine, alert["id"], delivered=ok, status=status,
                                   error=error, now=now, retry_at=retry_at)
        delivered += ok
    return delivered


def list_alerts(*, engine: Engine, limit: int, cursor: str | None) -> dict:
    """Return a page of alerts, newest first, with the cursor of the next page."""
    before = cursor_after_id(cursor) if cursor else None
    rows = repository.list_alerts(engine, before_id=before, limit=limit + 1)
    return page_of([alert_document(r) for r in rows], limit)


def list_deliveries(*, engine: Engine, limit: int, cursor: str | None) -> dict:
    """Return a page of webhook deliveries (one per alert sent), newest alert first."""
    before = cursor_after_id(cursor) if cursor else None
    page = page_of(repository.list_deliveries(engine, before_id=before, limit=limit + 1), limit)
    return {**page, "items": [delivery_document(row) for row in page["items"]]}


def delivery_document(row: dict) -> dict:
    """Return the public JSON form of an alert's delivery."""
    doc = {"alert_id": row["id"], "survey_id": row["survey_id"], "metric": row["metric"],
           "segment": row["segment"], "state": row["delivery_state"],
           "attempts": row["delivery_attempts"], "last_status": row["last_status"],
           "last_error": row["last_error"]}
    for key in ("created_at", "last_attempt_at", "next_attempt_at", "delivered_at"):
        doc[key] = _timestamp(row[key])
    return doc


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def list_snapshots(*, engine: Engine, survey_id: int, metric: str | None, limit: int,
                   cursor: str | None) -> dict:
    """Return a page of a survey's stored scores."""
    after = cursor_after_id(cursor)
    rows = repository.list_snapshots(engine, survey_id, metric=metric, after_id=after,
                                     limit=limit + 1)
    return page_of([r | {"computed_at": _timestamp(r["computed_at"])} for r in rows], limit)


