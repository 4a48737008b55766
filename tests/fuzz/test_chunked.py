"""Chunked request bodies over a route's limit are 413, not cut at the limit and forwarded."""

from __future__ import annotations

import json

import requests

from tests.fuzz.conftest import ADMIN, GOOD_ANSWERS

MIB = 1024 * 1024


def _chunks(first: bytes, filler: bytes, total: int):
    yield first
    sent = len(first)
    while sent < total:
        piece = filler[: min(len(filler), total - sent)]
        sent += len(piece)
        yield piece


def test_chunked_csv_import_past_50_mib_is_413_not_a_partial_import(fuzz):
    header = b"submitted_at,channel,q1,n,c,t\r\n"
    row = b"2026-09-01T10:00:00Z,chat,3,5,a," + b"x" * 900 + b"\r\n"
    answer = requests.post(
        f"{fuzz.suite.url('gateway')}/api/v1/surveys/{fuzz.survey_id}/responses/import",
        data=_chunks(header, row * 1000, 51 * MIB),
        headers={**ADMIN, "Content-Type": "text/csv"}, timeout=120)
    assert answer.status_code == 413, answer.text[:300]
    assert answer.json()["error"]["code"] == "payload_too_large"
    scores = fuzz.client.get(f"/api/v1/surveys/{fuzz.survey_id}/scores",
                             query_string={"metric": "item:q1"}, headers=ADMIN).get_json()
    assert all(row["n"] in (None, 0) for row in scores["series"])


def test_chunked_bodies_within_and_past_the_1_mib_limit(fuzz):
    url = f"{fuzz.suite.url('gateway')}/api/v1/responses"
    token = fuzz.tokens(1)[0]
    body = json.dumps({"token": token, "answers": GOOD_ANSWERS}).encode()
    small = requests.post(url, data=iter([body[:10], body[10:]]), timeout=30,
                          headers={"Content-Type": "application/json"})
    assert small.status_code == 201, small.text
    big = requests.post(url, data=_chunks(b'{"token": "', b"x" * 65536, MIB + 10), timeout=30,
                        headers={"Content-Type": "application/json"})
    assert big.status_code == 413, big.text[:300]
