"""Single responses sent by several clients through the gateway, each retried with its
Idempotency-Key until answered, as a respondent's browser or an integration would."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections import Counter

import requests

RETRY_PAUSE_SECONDS = 0.2
# A response not answered within this long, through every fault, is a failure.
GIVE_UP_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 15


class ResponseLoad:
    """Send one response per token from `clients` threads until stopped or out of tokens.

    Each token's response is retried with one Idempotency-Key through 503s and lost
    connections; once answered it is sent again with the same key, as by a client that
    lost the reply, which must get the same id back.
    """

    def __init__(self, gateway_url: str, tokens: list[str], answers: dict, *, clients: int,
                 pause: float):
        self.url = gateway_url + "/api/v1/responses"
        self.answers = answers
        self.pause = pause
        self.tokens: queue.SimpleQueue = queue.SimpleQueue()
        for token in tokens:
            self.tokens.put(token)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged: dict[str, int] = {}
        self.problems: list[str] = []
        self.faults: Counter = Counter()
        self.threads = [threading.Thread(target=self._client, daemon=True)
                        for _ in range(clients)]

    def start(self) -> None:
        """Start the clients."""
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        """Let each client finish the response it is sending, then stop."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(GIVE_UP_SECONDS * 2 + 10)

    def _client(self) -> None:
        session = requests.Session()
        session.trust_env = False
        while not self.stopping.is_set():
            try:
                token = self.tokens.get_nowait()
            except queue.Empty:
                self._problem("the load ran out of tokens before it was stopped")
                return
            key = uuid.uuid4().hex
            first = self._send_until_answered(session, token, key)
            if first is None:
                continue
            with self.lock:
                self.acknowledged[token] = first
            again = self._send_until_answered(session, token, key)
            if again is not None and again != first:
                self._problem(f"a retry was answered with id {again}, not {first}")
            time.sleep(self.pause)

    def _send_until_answered(self, session: requests.Session, token: str, key: str):
        """Return the id the suite answers with, retrying through faults; None on a problem."""
        body = {"token": token, "answers": self.answers}
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < deadline:
            try:
                answer = session.post(self.url, json=body, timeout=REQUEST_TIMEOUT_SECONDS,
                                      headers={"Idempotency-Key": key})
            except requests.RequestException as exc:
                self._fault(f"no answer ({type(exc).__name__})")
                continue
            if answer.status_code == 201:
                return answer.json()["id"]
            if answer.status_code == 503 and _is_unavailable(answer):
                self._fault(f"503 {answer.json()['error']['details'].get('service')}")
                continue
            self._problem(f"{answer.status_code}: {answer.text[:300]}")
            return None
        self._problem(f"no 201 within {GIVE_UP_SECONDS} s")
        return None

    def _fault(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1
        time.sleep(RETRY_PAUSE_SECONDS)

    def _problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def _is_unavailable(answer: requests.Response) -> bool:
    try:
        return answer.json()["error"]["code"] == "unavailable"
    except (ValueError, KeyError, TypeError):
        return False
