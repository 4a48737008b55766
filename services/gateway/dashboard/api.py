"""The dashboard reads the public API in-process, as the signed-in key.

Each call goes through the gateway's own pipeline (key check, role check, routing,
forwarding) exactly as an outside client's would, without a network hop to itself; so
the dashboard can show nothing the key could not fetch, and computes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request
from werkzeug.test import Client

from services.gateway.access import SESSION_KEY_ID


class SignedOut(Exception):
    """The session's key is no longer valid (revoked or unknown)."""


@dataclass(frozen=True)
class Answer:
    """A public API answer: its status and JSON body."""

    status: int
    body: dict

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def message(self) -> str:
        """The API's error message, for showing on the page."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return (error or {}).get("message") or f"The API answered {self.status}."


class PublicApi:
    """GET requests to the gateway's public API as one API key, named by its id.

    The id reaches the gateway's access check through the WSGI environ of this in-process
    call, where no outside request can put it; the key itself is never needed here.
    """

    def __init__(self, *, key_id: int):
        self.key_id = key_id
        self.client = Client(current_app._get_current_object())

    def get(self, path: str, **params) -> Answer:
        """Fetch a public path; raise `SignedOut` when the key is refused as unknown."""
        headers = {"Accept": "application/json"}
        environ = {"REMOTE_ADDR": request.remote_addr or "", SESSION_KEY_ID: str(self.key_id)}
        if g.get("request_id"):
            headers["X-Request-ID"] = g.request_id
        response = self.client.get(path, headers=headers,
                                   query_string={k: v for k, v in params.items()
                                                 if v is not None},
                                   environ_base=environ)
        body = response.get_json(silent=True)
        answer = Answer(response.status_code, body if isinstance(body, dict) else {})
        if answer.status == 401:
            raise SignedOut()
        return answer
