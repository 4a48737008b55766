"""Structured (JSON lines) logs carrying the request id, and the access log."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

from flask import Flask, g, has_request_context, request

_TOKEN_PATH = re.compile(r"^(/s/|/api/v1/s/)[^/?]+")
_configured = False


class JSONFormatter(logging.Formatter):
    """Format a record as one JSON object per line."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            doc["request_id"] = g.get("request_id")
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                doc[key] = getattr(record, key)
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send the process's logs to stderr as JSON lines (once per process)."""
    global _configured
    root = logging.getLogger()
    if not _configured:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JSONFormatter(service))
        root.addHandler(handler)
        _configured = True
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    # Each retry of a refused connection would log a warning; the client logs one line.
    logging.getLogger("urllib3").setLevel(max(logging.ERROR, root.level))


def loggable_path(path: str) -> str:
    """Return a request path with respondent tokens redacted: they are credentials."""
    return _TOKEN_PATH.sub(r"\1[token]", path)


def init_access_log(app: Flask) -> None:
    """Log one line per request: method, path (tokens redacted), status, duration."""
    access = logging.getLogger("trustpulse.access")

    @app.before_request
    def _start_timer():
        g.started_at = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("started_at")
        duration = round((time.perf_counter() - started) * 1000, 2) if started else None
        access.info(
            "%s %s %s", request.method, loggable_path(request.path), response.status_code,
            extra={"method": request.method, "path": loggable_path(request.path),
                   "status": response.status_code, "duration_ms": duration},
        )
        return response
