"""The rules of the scheduled work: snapshot refresh, deterioration alerts, webhook delivery."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import requests
from sqlalchemy.engine import Engine

from services.metrics.analytics import publication
from services.metrics.analytics import service as analytics
from services.metrics.monitoring import repository
from shared.errors import APIError
from shared.pagination import cursor_after_id, page_of

log = logging.getLogger("trustpulse.metrics.monitoring")

ALERT_P_ADJUSTED = 0.05
MAX_DELIVERY_ATTEMPTS = 5
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
        if doc.get(key) is not None:
            doc[key] = doc[key].replace(microsecond=0).isoformat() + "Z"
    return doc


def deliver_alerts(*, engine: Engine, webhook_url: str | None, session: requests.Session,
                   timeout: float = 5.0, now: datetime | None = None) -> int:
    """POST each pending alert to the webhook once; failures are retried on later runs."""
    if not webhook_url:
        return 0
    delivered = 0
    for alert in repository.alerts_to_deliver(engine, MAX_DELIVERY_ATTEMPTS):
        error = None
        try:
            # The alert id travels as an idempotency key so a receiver can drop a replay.
            response = session.post(webhook_url, json={"alert": alert_document(alert)},
                                    headers={"Idempotency-Key": f"alert-{alert['id']}"},
                                    timeout=timeout)
            ok = 200 <= response.status_code < 300
            error = None if ok else f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            ok, error = False, type(exc).__name__
        repository.record_delivery(engine, alert["id"], delivered=ok, error=error,
                                   max_attempts=MAX_DELIVERY_ATTEMPTS, now=now or utcnow())
        delivered += ok
    return delivered


def list_alerts(*, engine: Engine, limit: int, cursor: str | None) -> dict:
    """Return a page of alerts, newest first, with the cursor of the next page."""
    before = cursor_after_id(cursor) if cursor else None
    rows = repository.list_alerts(engine, before_id=before, limit=limit + 1)
    return page_of([alert_document(r) for r in rows], limit)


def list_snapshots(*, engine: Engine, survey_id: int, metric: str | None, limit: int,
                   cursor: str | None) -> dict:
    """Return a page of a survey's stored scores."""
    after = cursor_after_id(cursor)
    rows = repository.list_snapshots(engine, survey_id, metric=metric, after_id=after,
                                     limit=limit + 1)
    return page_of([r | {"computed_at": r["computed_at"].replace(microsecond=0).isoformat() + "Z"}
                    for r in rows], limit)


