"""HTTP to the gateway: the API key, timeouts, retries that never store a write twice, errors."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import requests
from urllib3.exceptions import NewConnectionError

from trustpulse_client.errors import RateLimited, error_from

RETRIED_STATUSES = frozenset({502, 503, 504})
PAGE_SIZE = 200  # the largest page every list accepts
LONGEST_WAIT = 30.0


def _not_sent(exc: requests.RequestException) -> bool:
    """Return whether a failed request surely never reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


class Transport:
    """Requests to one suite with one API key.

    Reads are retried on connection errors, timeouts, 429 and 502/503/504. Every write
    carries an `Idempotency-Key`, the same on each retry of it; a write to an endpoint that
    honours the key (`replay_safe`) is retried as a read is, any other only when it cannot
    have arrived (no connection, or 429), so that nothing is stored twice.
    """

    def __init__(self, base_url: str, api_key: str | None, *, timeout=(5.0, 120.0),
                 retries: int = 3, backoff: float = 0.5,
                 session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = session or requests.Session()
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"

    def request(self, method: str, path: str, *, params: dict | None = None, json=None,
                data: bytes | str | None = None, headers: dict | None = None,
                replay_safe: bool = False):
        """Send a request, retrying as allowed; return its JSON (None if empty) or raise."""
        headers = dict(headers or {})
        write = method not in ("GET", "HEAD", "DELETE")
        if write:
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
        params = {k: v for k, v in (params or {}).items() if v is not None}
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                answer = self.session.request(method, self.base_url + path, params=params,
                                              json=json, data=data, headers=headers,
                                              timeout=self.timeout)
            except requests.RequestException as exc:
                if last or (write and not replay_safe and not _not_sent(exc)):
                    raise
                self._wait(attempt)
                continue
            if answer.status_code < 400:
                return answer.json() if answer.content else None
            error = error_from(answer.status_code, _json(answer), answer.headers)
            retry = isinstance(error, RateLimited) or (
                answer.status_code in RETRIED_STATUSES and (not write or replay_safe))
            if last or not retry:
                raise error
            self._wait(attempt, getattr(error, "retry_after", None))
        raise AssertionError("not reached")

    def pages(self, path: str, params: dict | None = None,
              page_size: int = PAGE_SIZE) -> Iterator[dict]:
        """Yield every item of a list, following `next_cursor` page after page."""
        cursor = None
        while True:
            page = self.request("GET", path, params={**(params or {}), "limit": page_size,
                                                     "cursor": cursor})
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def _wait(self, attempt: int, retry_after: float | None = None) -> None:
        time.sleep(min(LONGEST_WAIT, retry_after or self.backoff * 2 ** attempt))


def _json(answer: requests.Response):
    try:
        return answer.json()
    except ValueError:
        return None

