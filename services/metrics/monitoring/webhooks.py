"""Alert webhooks: the payload in the receiver's format, signed, and the retry schedule.

A delivery is a POST of the payload with `X-TrustPulse-Signature: t=<unix time>,v1=<hex>`,
where v1 is HMAC-SHA256, keyed with TRUSTPULSE_ALERT_WEBHOOK_SECRET, of
`<t>.<raw body>` (Stripe's scheme): a receiver recomputes it over the bytes it received,
compares in constant time and refuses a `t` older than a few minutes (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

SIGNATURE_HEADER = "X-TrustPulse-Signature"
# Retries wait 30 s, then twice as long each time up to an hour, for a day after the alert.
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
DELIVERY_WINDOW = timedelta(hours=24)
# Slack refuses a header over 150 characters.
SLACK_HEADER_LIMIT = 150


@dataclass(frozen=True)
class WebhookTarget:
    """Where alerts go, in which format, signed with which secret (empty: unsigned)."""

    url: str
    secret: str = ""
    format: str = "json"
    public_url: str | None = None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the `X-TrustPulse-Signature` value of a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def request_of(target: WebhookTarget, document: dict) -> tuple[bytes, dict[str, str]]:
    """Return the body and headers delivering an alert (its public document) to `target`."""
    body = json.dumps(payload(target, document), separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json",
               # A receiver can drop a replay of an alert it already has by this key.
               "Idempotency-Key": f"alert-{document['id']}"}
    if target.secret:
        headers[SIGNATURE_HEADER] = signature(target.secret, int(time.time()), body)
    return body, headers


def next_attempt(*, created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """Return when to try again after `attempts` failed ones, or None once the window is over."""
    wait = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    when = now + wait
    return when if when <= created_at + DELIVERY_WINDOW else None


def payload(target: WebhookTarget, alert: dict) -> dict:
    """Return the JSON body of an alert in the target's format (json, slack or teams)."""
    if target.format == "slack":
        return slack_message(alert, _dashboard_link(target, alert))
    if target.format == "teams":
        return teams_message(alert, _dashboard_link(target, alert))
    return {"alert": alert}


def _dashboard_link(target: WebhookTarget, alert: dict) -> str | None:
    if not target.public_url:
        return None
    return f"{target.public_url.rstrip('/')}/dashboard/surveys/{alert['survey_id']}"


def _segment_text(segment: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(segment.items())) or "everyone"


def _number(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def headline(alert: dict) -> str:
    """Return one line saying what dropped, where and when."""
    return (f"{alert['metric']} fell from {_number(alert['value_a'])} to "
            f"{_number(alert['value_b'])} for {_segment_text(alert['segment'])} "
            f"({alert['period_a']} to {alert['period_b']})")


def facts(alert: dict) -> list[tuple[str, str]]:
    """Return the alert's figures as (name, value) pairs."""
    return [("Survey", str(alert["survey_id"])), ("Metric", alert["metric"]),
            ("Group", _segment_text(alert["segment"])),
            ("Periods", f"{alert['period_a']} -> {alert['period_b']}"),
            ("Change", _number(alert["difference"])),
            ("p (BH-adjusted)", _number(alert["p_adjusted"]))]


def slack_message(alert: dict, link: str | None) -> dict:
    """Return an incoming-webhook message for Slack: fallback `text` and Block Kit blocks."""
    title = f"TrustPulse alert: {alert['metric']} dropped"[:SLACK_HEADER_LIMIT]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {"type": "section", "text": {"type": "mrkdwn", "text": headline(alert)},
         "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{value}"}
                    for name, value in facts(alert)]},
    ]
    if link:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "Open the dashboard"},
            "url": link}]})
    return {"text": f"TrustPulse alert: {headline(alert)}", "blocks": blocks}


def teams_message(alert: dict, link: str | None) -> dict:
    """Return an incoming-webhook message for Microsoft Teams holding an Adaptive Card."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": True,
             "text": f"TrustPulse alert: {alert['metric']} dropped"},
            {"type": "TextBlock", "wrap": True, "text": headline(alert)},
            {"type": "FactSet", "facts": [{"title": name, "value": value}
                                          for name, value in facts(alert)]},
        ],
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the dashboard",
                            "url": link}]
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": card}]}
