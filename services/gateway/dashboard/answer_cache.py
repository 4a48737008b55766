"""Analytics answers kept a short while, for every reader of the dashboard in this process.

What the analytics publish about a closed period is decided once and answered the same way
to every later query (API.md, "Published stays published"), and every reader (admin or
analyst) is answered the same. Only a period closing, an import into a closed period or a
new alert changes an answer, so the dashboard keeps its answers (of pages where no period was still
being decided) for a minute
(`TRUSTPULSE_DASHBOARD_CACHE_SECONDS`): a
leader opening a view someone opened a moment ago gets it without asking the metrics
service again, and what changes shows within that time. Participation is not kept: it is
live for an open wave. Whoever reads a kept answer is checked first, as the gateway checks
every call: a revoked key or a role that may not read analytics gets nothing from here.
"""

from __future__ import annotations

import re
import threading

from cachetools import TTLCache
from flask import Flask

MAX_ANSWERS = 4096
KEPT = re.compile(r"^/api/v1/(alerts|surveys(/\d+(/(scores|changes|compare|distribution|trend"
                  r"|drivers|comments|questions))?)?)$")


class AnswerCache:
    """GET answers of the analytics by call, each kept for `ttl` seconds."""

    def __init__(self, ttl: float, size: int = MAX_ANSWERS):
        self.ttl = ttl
        self._answers = TTLCache(maxsize=size, ttl=ttl) if ttl > 0 else None
        self._lock = threading.Lock()

    def keeps(self, path: str) -> bool:
        """Whether answers of this path are kept."""
        return self._answers is not None and KEPT.match(path) is not None

    def get(self, call):
        """Return the kept answer of a call, or None."""
        if self._answers is None:
            return None
        with self._lock:
            return self._answers.get(call)

    def put(self, call, answer) -> None:
        """Keep a successful answer of a kept path (never one still being decided)."""
        if answer.status == 200 and not answer.pending and self.keeps(call.path):
            with self._lock:
                self._answers[call] = answer

    def forget(self, survey_id: int | None = None) -> None:
        """Drop what is kept about one survey, or about all (after the dashboard changed it)."""
        prefix = f"/api/v1/surveys/{survey_id}" if survey_id is not None else "/api/v1/surveys"
        if self._answers is None:
            return
        with self._lock:
            for call in [c for c in self._answers if c.path == prefix
                         or c.path.startswith(prefix + "/")]:
                self._answers.pop(call, None)


def answer_cache(app: Flask) -> AnswerCache:
    """Return the app's answer cache (made on first use, as long-lived as settings say)."""
    if "trustpulse_dashboard_answers" not in app.extensions:
        settings = app.config["TRUSTPULSE_SETTINGS"]
        app.extensions["trustpulse_dashboard_answers"] = AnswerCache(
            settings.dashboard_cache_seconds)
    return app.extensions["trustpulse_dashboard_answers"]
