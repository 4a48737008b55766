"""The merged OpenAPI document, kept briefly so that docs requests do not call the backends."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Backend documents change only when a backend is deployed: half a minute of staleness is
# harmless, and a page of docs reloaded repeatedly costs the backends nothing.
DOCS_TTL_SECONDS = 30.0


class SuiteDocumentCache:
    """The last complete merged document of this process, for `ttl` seconds after it was made.

    The caller keeps only a document every backend contributed to, so one made while a
    backend is down is never served as the whole API: the next request asks again. The kept
    document is shared between requests and must not be changed.
    """

    def __init__(self, ttl: float = DOCS_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._document: dict | None = None
        self._made_at = 0.0

    def fresh(self) -> dict | None:
        """Return the kept document if it is younger than `ttl` seconds, else None."""
        with self._lock:
            if self._document is not None and self.clock() - self._made_at < self.ttl:
                return self._document
        return None

    def keep(self, document: dict) -> None:
        """Keep `document` as the current one, from now."""
        with self._lock:
            self._document, self._made_at = document, self.clock()
