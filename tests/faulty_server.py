"""A backend on a real socket that answers every request with the same broken bytes, then hangs up.

For the faults an HTTP server cannot be made to commit on purpose: a process dying mid-reply
leaves a chunked body without its last chunk, or fewer bytes than its Content-Length.
"""

from __future__ import annotations

import gzip
import socket
import threading

_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
# What a client receives from a backend that fails while answering, by fault.
FAULTS = {
    "truncated chunked body": (_HEAD + "Transfer-Encoding: chunked\r\n\r\n"
                               "40\r\n{\"id\": 1, \"answers\": ").encode(),
    "body shorter than its length": (_HEAD + "Content-Length: 64\r\n\r\n{\"id\": 1").encode(),
    "body that does not decode": (_HEAD + "Content-Encoding: gzip\r\nContent-Length: 16\r\n\r\n"
                                  ).encode() + gzip.compress(b"{}")[:6] + b"not gzip!!",
    "garbage status line": b"HTTTP/9 what\r\n\r\n",
    "no answer at all": b"",
}


class FaultyServer:
    """Read each request whole, send `reply`, close the connection; count the requests."""

    def __init__(self, reply: bytes):
        self.reply = reply
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed by stop()
                return
            with connection:
                if self._read_request(connection):
                    self.requests += 1
                    connection.sendall(self.reply)

    @staticmethod
    def _read_request(connection: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                return False
            body += chunk
        return True

    def stop(self) -> None:
        """Stop listening."""
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.listener.close()
        self.thread.join(5)
