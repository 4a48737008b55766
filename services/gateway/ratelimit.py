"""Per-client fixed-window rate limiting of respondent endpoints, in the gateway process."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class FixedWindowLimiter:
    """Allow `limit` hits per client per `window` seconds; windows are aligned for everyone.

    Counts live in this process only: with several gateway workers each enforces the limit
    on the requests it serves. Only the current window is kept, so memory stays bounded by
    the number of clients seen in one window.
    """

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._window_index = -1
        self._counts: dict[str, int] = {}

    def hit(self, client: str) -> float | None:
        """Count one request of `client`; return None if allowed, else seconds to wait."""
        if self.limit <= 0:
            return None
        now = self.clock()
        index = int(now // self.window)
        with self._lock:
            if index != self._window_index:
                self._window_index = index
                self._counts = {}
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
        if count <= self.limit:
            return None
        return (index + 1) * self.window - now


def retry_after_header(seconds: float) -> str:
    """Return a Retry-After value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
