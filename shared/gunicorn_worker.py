"""A gunicorn worker whose own error answers use the API's JSON error shape.

gunicorn answers some requests before any app sees them: a malformed request line, a URI
over its line limit (414), headers over its size limit (431). Its default answer is an
HTML page without `X-Request-ID`; with this worker (`--worker-class
shared.gunicorn_worker.JsonErrorWorker`) it is `{"error": {...}}` with a fresh request id,
like every other answer of the suite.
"""

from __future__ import annotations

import json
import uuid

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from shared.errors import CODES, error_body


def json_error_response(status: int, reason: str, message: str) -> bytes:
    """Return the raw HTTP answer gunicorn sends for an error found before the app."""
    request_id = uuid.uuid4().hex
    code = CODES.get(status) or ("bad_request" if status < 500 else "internal_error")
    body = json.dumps(error_body(status, f"{reason}: {message}" if message else reason,
                                 code=code, request_id=request_id)).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Request-ID: {request_id}\r\n\r\n")
    return head.encode("latin-1") + body


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """Send `json_error_response` on a client socket (gunicorn's `write_error` signature)."""
    util.write_nonblock(sock, json_error_response(status_int, reason, mesg))


class JsonErrorWorker(ThreadWorker):
    """gunicorn's gthread worker, answering its own errors in the JSON error shape."""

    def init_process(self):
        """Swap gunicorn's HTML error writer for ours in this worker process, then serve."""
        # gunicorn calls util.write_error through the module; this process is ours alone.
        util.write_error = write_json_error
        super().init_process()
