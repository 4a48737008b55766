"""Alert webhooks: signed, shaped for Slack and Teams, retried with backoff, listed to admins."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from alembic import command
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.metrics import MIGRATIONS, create_app
from services.metrics.monitoring import repository, webhooks
from services.metrics.monitoring import service as monitoring
from services.metrics.monitoring.webhooks import WebhookTarget
from shared.db import ensure_schema, make_engine
from shared.migrations import alembic_config
from shared.settings import Settings, SettingsError
from tests.conftest import ADMIN_KEY

SECRET = "whsec-" + "w" * 32
TOLERANCE_SECONDS = 300
SLACK_BLOCKS = {"header", "section", "actions", "context", "divider"}
TEAMS_ELEMENTS = {"TextBlock", "FactSet"}


def verified(secret: str, header: str | None, body: bytes) -> bool:
    """Check a signature as the README tells receivers to (written apart from the sender)."""
    if not header:
        return False
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    if abs(time.time() - int(parts["t"])) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class VerifyingReceiver:
    """A webhook receiver on a real socket that refuses (401) what is not signed with SECRET."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.received: list[dict] = []
        self.refused = 0
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @Request.application
    def _app(self, request):
        body = request.get_data()
        if not verified(SECRET, request.headers.get("X-TrustPulse-Signature"), body):
            self.refused += 1
            return Response("bad signature", status=401)
        if self.failures:
            self.failures -= 1
            return Response("busy", status=503)
        assert request.mimetype == "application/json"
        self.received.append(json.loads(body))
        return Response("ok")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = VerifyingReceiver()
    yield running
    running.stop()


@pytest.fixture
def engine(service_app):
    return service_app(create_app).extensions["trustpulse_engine"]


def _alert(engine, i: int = 0, *, segment=None, state: str = "pending",
           created_at: datetime | None = None) -> None:
    repository.insert_alert(engine, {
        "dedup_key": f"k{i}", "survey_id": 7, "metric": "index:ai_trust", "period_kind": "week",
        "segment": {"department": "Support"} if segment is None else segment,
        "period_a": "2026-W15", "period_b": "2026-W16", "value_a": 64.25, "value_b": 51.5,
        "difference": -12.75, "p_value": 0.0004, "p_adjusted": 0.0031,
        "created_at": created_at or monitoring.utcnow(), "delivery_state": state})


def _deliver(engine, target: WebhookTarget, now: datetime | None = None) -> int:
    return monitoring.deliver_alerts(engine=engine, webhook=target, session=requests.Session(),
                                     now=now)


def test_json_alerts_are_signed_over_timestamp_and_body(engine, receiver):
    _alert(engine)
    assert _deliver(engine, WebhookTarget(receiver.url, SECRET)) == 1
    [body] = receiver.received
    assert body["alert"]["metric"] == "index:ai_trust"
    assert body["alert"]["segment"] == {"department": "Support"}
    assert receiver.refused == 0


def test_a_wrong_secret_is_refused_and_retried_later(engine, receiver):
    _alert(engine)
    now = monitoring.utcnow()
    assert _deliver(engine, WebhookTarget(receiver.url, "not-the-secret"), now) == 0
    [delivery] = monitoring.list_deliveries(engine=engine, limit=10, cursor=None)["items"]
    assert receiver.refused == 1 and not receiver.received
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_status"] == 401 and delivery["last_error"] == "HTTP 401"
    assert delivery["next_attempt_at"] == (now + timedelta(seconds=30)).replace(
        microsecond=0).isoformat() + "Z"
    # Not due yet: nothing is sent; due: sent, with the right secret, and delivered.
    assert _deliver(engine, WebhookTarget(receiver.url, SECRET), now) == 0
    assert _deliver(engine, WebhookTarget(receiver.url, SECRET), now + timedelta(minutes=1)) == 1
    [delivery] = monitoring.list_deliveries(engine=engine, limit=10, cursor=None)["items"]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 2
    assert delivery["last_status"] == 200 and delivery["next_attempt_at"] is None


def test_slack_payload_is_an_incoming_webhook_message(engine, receiver):
    _alert(engine)
    _deliver(engine, WebhookTarget(receiver.url, SECRET, "slack", "https://tp.example.org/"))
    [message] = receiver.received
    assert isinstance(message["text"], str) and "index:ai_trust" in message["text"]
    assert set(message) == {"text", "blocks"}
    assert {block["type"] for block in message["blocks"]} <= SLACK_BLOCKS
    header, section, actions = message["blocks"]
    assert header["text"]["type"] == "plain_text" and len(header["text"]["text"]) <= 150
    assert section["text"]["type"] == "mrkdwn" and "department=Support" in section["text"]["text"]
    assert 1 <= len(section["fields"]) <= 10
    assert all(f["type"] == "mrkdwn" and len(f["text"]) <= 2000 for f in section["fields"])
    [button] = actions["elements"]
    assert button["type"] == "button" and button["text"]["type"] == "plain_text"
    assert button["url"] == "https://tp.example.org/dashboard/surveys/7"


def test_teams_payload_is_a_message_with_an_adaptive_card(engine, receiver):
    _alert(engine, segment={})
    _deliver(engine, WebhookTarget(receiver.url, SECRET, "teams"))
    [message] = receiver.received
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert {element["type"] for element in card["body"]} <= TEAMS_ELEMENTS
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert any("everyone" in text for text in texts)
    [facts] = [e["facts"] for e in card["body"] if e["type"] == "FactSet"]
    assert all(isinstance(f["title"], str) and isinstance(f["value"], str) for f in facts)
    assert "actions" not in card  # no public address, no link


def test_retries_back_off_and_stop_a_day_after_the_alert():
    created = datetime(2026, 5, 1, 12, 0)
    waits = [webhooks.next_attempt(created_at=created, attempts=k, now=created) - created
             for k in range(1, 9)]
    assert [w.total_seconds() for w in waits] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    late = created + timedelta(hours=23, minutes=30)
    assert webhooks.next_attempt(created_at=created, attempts=20, now=late) is None


def test_an_unanswered_webhook_is_failed_after_the_window(engine):
    created = monitoring.utcnow()
    _alert(engine, created_at=created)
    target = WebhookTarget("http://127.0.0.1:9/hook", SECRET)
    for hour in range(26):
        monitoring.deliver_alerts(engine=engine, webhook=target, session=requests.Session(),
                                  timeout=0.2, now=created + timedelta(hours=hour))
    [delivery] = monitoring.list_deliveries(engine=engine, limit=10, cursor=None)["items"]
    assert delivery["state"] == "failed" and delivery["next_attempt_at"] is None
    assert delivery["attempts"] == 25 and delivery["last_status"] is None
    assert delivery["last_error"] == "ConnectionError"


def test_deliveries_are_listed_to_admins_through_the_gateway(suite, receiver):
    metrics_engine = suite.servers["metrics"].app.extensions["trustpulse_engine"]
    for i in range(3):
        _alert(metrics_engine, i)
    _alert(metrics_engine, 9, state="none")  # raised while no webhook was set: not a delivery
    _deliver(metrics_engine, WebhookTarget(receiver.url, SECRET))
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    analyst = suite.client.post("/api/v1/api-keys", headers=admin,
                                json={"name": "reader", "role": "analyst"}).get_json()["key"]
    refused = suite.client.get("/api/v1/alerts/deliveries",
                               headers={"Authorization": f"Bearer {analyst}"})
    assert refused.status_code == 403
    first = suite.client.get("/api/v1/alerts/deliveries?limit=2", headers=admin).get_json()
    rest = suite.client.get(f"/api/v1/alerts/deliveries?limit=2&cursor={first['next_cursor']}",
                            headers=admin).get_json()
    items = first["items"] + rest["items"]
    assert rest["next_cursor"] is None
    assert [d["alert_id"] for d in items] == [3, 2, 1]
    assert {d["state"] for d in items} == {"delivered"} and {d["attempts"] for d in items} == {1}
    assert all(d["delivered_at"].endswith("Z") for d in items)
    bad = suite.client.get("/api/v1/alerts/deliveries?limit=0", headers=admin)
    assert bad.status_code == 422 and "limit" in bad.get_json()["error"]["details"]


def test_the_delivery_columns_migrate_up_and_down(settings_factory):
    url, schema = settings_factory().database_for("metrics")
    engine = make_engine(url, schema)
    ensure_schema(engine, schema)
    config = alembic_config(MIGRATIONS, engine, "metrics")
    command.upgrade(config, "head")
    command.downgrade(config, "0001_metrics_schema")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("alerts")}
    assert "next_attempt_at" not in columns and "delivery_state" in columns
    command.upgrade(config, "head")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("alerts")}
    assert {"last_status", "last_attempt_at", "next_attempt_at"} <= columns
    engine.dispose()


def test_production_refuses_an_unsigned_webhook():
    env = {"TRUSTPULSE_ENV": "production", "TRUSTPULSE_INTERNAL_TOKEN": "a" * 32,
           "TRUSTPULSE_SECRET_KEY": "b" * 32, "TRUSTPULSE_LINK_SECRET": "c" * 32,
           "TRUSTPULSE_ALERT_WEBHOOK_URL": "https://hooks.example.org/x"}
    with pytest.raises(SettingsError, match="TRUSTPULSE_ALERT_WEBHOOK_SECRET"):
        Settings.from_env(env)
    settings = Settings.from_env({**env, "TRUSTPULSE_ALERT_WEBHOOK_SECRET": SECRET,
                                  "TRUSTPULSE_ALERT_WEBHOOK_FORMAT": "teams"})
    assert settings.alert_webhook_format == "teams"
    with pytest.raises(SettingsError, match="json, slack, teams"):
        Settings.from_env({"TRUSTPULSE_ALERT_WEBHOOK_FORMAT": "discord"})
