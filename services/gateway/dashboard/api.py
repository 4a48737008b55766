"""The dashboard reads the public API in-process, as the signed-in key.

Each call goes through the gateway's own pipeline (key check, role check, routing,
forwarding) exactly as an outside client's would, without a network hop to itself; so
the dashboard can show nothing the key could not fetch, and computes nothing itself.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import current_app, g, request
from werkzeug.test import Client

from services.gateway.access import SESSION_KEY_ID
from services.gateway.dashboard.answer_cache import answer_cache
from services.gateway.keys.service import identity_of
from services.gateway.routing.table import READERS
from shared.app import get_engine

# Calls of one page run side by side, as each waits mostly on the metrics service; at most
# half of its threads (2 workers x 4 as `trustpulse up` runs it), leaving the rest to others.
PARALLEL_CALLS = 4


class SignedOut(Exception):
    """The session's key is no longer valid (revoked or unknown)."""


@dataclass(frozen=True)
class Answer:
    """A public API answer: its status, JSON body, and raw bytes for non-JSON answers."""

    status: int
    body: dict
    content: bytes = b""
    mimetype: str = "application/json"

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)

    @property
    def pending(self) -> bool:
        """Whether the answer names a closed period still being decided (shown in a moment)."""
        rows = self.body.get("series") or self.body.get("items") or []
        return bool(self.body.get("pending")) or any(
            isinstance(row, dict) and row.get("pending") for row in rows)

    @property
    def missing(self) -> bool:
        """Whether the API has no such endpoint (a server older than this dashboard)."""
        return self.status == 404 and (self.body.get("error") or {}).get("code") == "not_found"

    @property
    def message(self) -> str:
        """The API's error message, for showing on the page."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return (error or {}).get("message") or f"The API answered {self.status}."

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The 422 details of the answer: field -> messages (none for other statuses)."""
        error = self.body.get("error") if self.status == 422 else None
        details = (error or {}).get("details") or {}
        return {str(k): v if isinstance(v, list) else [str(v)] for k, v in details.items()}


@dataclass(frozen=True)
class Call:
    """One GET of the public API: a path and its query parameters (None ones left out)."""

    path: str
    params: tuple = ()

    @classmethod
    def of(cls, path: str, **params) -> Call:
        """Return the call of `path` with `params`, in a stable order."""
        return cls(path, tuple(sorted((k, str(v)) for k, v in params.items() if v is not None)))


class PublicApi:
    """Requests to the gateway's public API as one API key, named by its id.

    The id reaches the gateway's access check through the WSGI environ of this in-process
    call, where no outside request can put it; the key itself is never needed here.
    Answers of GETs are kept for the page being made, so that panels asking the same
    question cost one call, and analytics answers a short while for every reader
    (`answer_cache`).
    """

    def __init__(self, *, key_id: int):
        self.key_id = key_id
        self.app = current_app._get_current_object()
        self.environ = {"REMOTE_ADDR": request.remote_addr or "", SESSION_KEY_ID: str(key_id)}
        self.headers = {"Accept": "application/json"}
        if g.get("request_id"):
            self.headers["X-Request-ID"] = g.request_id
        self.answers: dict[Call, Answer] = {}
        self.cache = answer_cache(self.app)
        self.fetched: dict[Call, Answer] = {}
        self._reader: bool | None = None

    def may_read_kept(self) -> bool:
        """Whether the key may be given kept analytics answers (checked once per page)."""
        if self._reader is None:
            identity = identity_of(get_engine(), key_id=self.key_id)
            if identity is None:
                raise SignedOut()
            self._reader = identity["role"] in READERS
        return self._reader

    def _kept(self, call: Call) -> Answer | None:
        if not self.cache.keeps(call.path) or not self.may_read_kept():
            return None
        return self.cache.get(call)

    def _send(self, method: str, path: str, *, query=None, headers=None, **kwargs) -> Answer:
        # A client per call: werkzeug's test client keeps state and is not shared by threads.
        response = Client(self.app, use_cookies=False).open(
            path, method=method, headers={**self.headers, **(headers or {})},
            query_string=query, environ_base=self.environ, **kwargs)
        body = response.get_json(silent=True) if response.is_json else None
        answer = Answer(response.status_code, body if isinstance(body, dict) else {},
                        response.get_data(), response.mimetype or "")
        if answer.status == 401:
            raise SignedOut()
        return answer

    def run(self, call: Call) -> Answer:
        """Answer one call, from this page's answers when it was already asked."""
        return self.get_many([call])[call]

    def get(self, path: str, **params) -> Answer:
        """Fetch a public path; raise `SignedOut` when the key is refused as unknown."""
        return self.run(Call.of(path, **params))

    def items(self, path: str, *, limit: int, pages: int = 50) -> tuple[list[dict], Answer]:
        """Return every item of a paginated list (following its cursors), and the last answer."""
        found, cursor = [], None
        for _ in range(pages):
            answer = self.get(path, limit=limit, cursor=cursor)
            if not answer.ok:
                return found, answer
            found += answer.body.get("items", [])
            cursor = answer.body.get("next_cursor")
            if not cursor:
                break
        return found, answer

    def get_many(self, calls) -> dict[Call, Answer]:
        """Fetch several calls side by side; return each call's answer."""
        todo = []
        for call in dict.fromkeys(c for c in calls if c not in self.answers):
            kept = self._kept(call)
            if kept is not None:
                self.answers[call] = kept
            else:
                todo.append(call)
        if len(todo) > 1:
            with ThreadPoolExecutor(max_workers=min(PARALLEL_CALLS, len(todo))) as pool:
                fetched = list(pool.map(self._fetch, todo))
        else:
            fetched = [self._fetch(call) for call in todo]
        for call, answer in zip(todo, fetched, strict=True):
            self.answers[call] = answer
            self.fetched[call] = answer
        return {c: self.answers[c] for c in calls}

    @property
    def pending(self) -> bool:
        """Whether any answer of this page names a period still being decided."""
        return any(answer.pending for answer in self.answers.values())

    def keep_answers(self) -> None:
        """Keep this page's new answers for other readers, unless a period was being decided.

        While a period is decided, cells of it answer as hidden in every analysis, flagged
        or not: none of the page's answers is kept then, so the next reader asks again.
        """
        if not self.pending:
            for call, answer in self.fetched.items():
                self.cache.put(call, answer)
        self.fetched = {}

    def _fetch(self, call: Call) -> Answer:
        return self._send("GET", call.path, query=list(call.params))

    def download(self, path: str, **params) -> Answer:
        """Fetch a public path as CSV (`?format=csv`)."""
        return self._send("GET", path, query={**{k: v for k, v in params.items()
                                                 if v is not None}, "format": "csv"},
                          headers={"Accept": "text/csv"})

    def post(self, path: str, body: dict) -> Answer:
        """Send a JSON body to a public path (the key's role decides what it may do)."""
        return self._send("POST", path, json=body)

    def delete(self, path: str) -> Answer:
        """Delete a public resource."""
        return self._send("DELETE", path)
