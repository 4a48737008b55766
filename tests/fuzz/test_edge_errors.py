"""Errors gunicorn answers before the app (414, 431, bad request line) in the JSON shape."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tiny_app(environ, start_response):
    """A WSGI app answering 200 (only gunicorn's own errors matter here)."""
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"status": "ok"}']


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def edge_port():
    """gunicorn with the JSON error worker serving `tiny_app` on a loopback port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "shared.gunicorn_worker.JsonErrorWorker",
         "tests.fuzz.test_edge_errors:tiny_app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                assert _exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").startswith(
                    b"HTTP/1.1 200")
                break
            except (OSError, AssertionError):
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and b"Content-Length" in answer:
                head, _, body = answer.partition(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
        return answer


@pytest.mark.parametrize(("raw", "status"), [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: t\r\nIdempotency-Key: " + b"k" * 10240 + b"\r\n\r\n", 431),
    (b"GET /a b c HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: t\r\nBad Header: y\r\n\r\n", 400),
])
def test_gunicorn_errors_are_json_with_a_request_id(edge_port, raw, status):
    head, _, body = _exchange(edge_port, raw).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} ")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "details", "request_id"}
    assert error["request_id"] == headers["X-Request-ID"]
    assert error["code"] == "bad_request"
