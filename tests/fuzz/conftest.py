"""Fuzz fixtures: the whole suite with one survey, an open wave and fresh invitation tokens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
QUESTIONS = [
    {"key": "q1", "text": "Q1", "type": "likert5"},
    {"key": "n", "text": "N", "type": "scale11"},
    {"key": "c", "text": "C", "type": "choice", "options": ["a", "b"]},
    {"key": "t", "text": "T", "type": "text"},
]
GOOD_ANSWERS = {"q1": 3, "n": 5, "c": "a"}


@dataclass
class Fixture:
    """A running suite with a survey (`survey_id`) and an open wave (`wave_id`)."""

    suite: object
    survey_id: int
    wave_id: int

    @property
    def client(self):
        return self.suite.client

    def tokens(self, count: int) -> list[str]:
        """Return `count` fresh invitation tokens of the open wave."""
        answer = self.client.post(f"/api/v1/waves/{self.wave_id}/invitations", headers=ADMIN,
                                  json={"respondents": [{"segment": {"channel": "chat"}}] * count})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["tokens"]


@pytest.fixture
def fuzz(suite) -> Fixture:
    """The suite with one customer survey and a wave open from 2020 to 2099."""
    created = suite.client.post("/api/v1/surveys", headers=ADMIN, json={
        "title": "Fuzz", "kind": "customer_ai", "segments": ["channel"],
        "questions": QUESTIONS, "indices": [{"key": "ix", "title": "IX", "items": ["q1"]}]})
    assert created.status_code == 201, created.get_json()
    survey_id = created.get_json()["id"]
    wave = suite.client.post(f"/api/v1/surveys/{survey_id}/waves", headers=ADMIN, json={
        "opens_at": "2020-01-01T00:00:00Z", "closes_at": "2099-01-01T00:00:00Z"})
    assert wave.status_code == 201, wave.get_json()
    return Fixture(suite, survey_id, wave.get_json()["id"])


def assert_error(response, status: int, code: str) -> dict:
    """Assert the shared JSON error shape with this status; return its `error` object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json, response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert set(error) == {"code", "message", "details", "request_id"}
    return error
