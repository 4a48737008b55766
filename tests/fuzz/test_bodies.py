"""Odd request bodies and headers: answered in the JSON error shape, never with a 500."""

from __future__ import annotations

import json

import pytest

from tests.fuzz.conftest import ADMIN, GOOD_ANSWERS, assert_error

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("path", ["/api/v1/responses", "/api/v1/surveys"])
def test_json_nested_past_the_parser_stack_is_400(fuzz, path):
    body = '{"token": "x", "answers": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answer = fuzz.client.post(path, data=body, headers={**ADMIN, **JSON})
    assert_error(answer, 400, "bad_request")


@pytest.mark.parametrize("token", ["\ud800", "\udfff.abc.def", "a\ud800b"])
def test_lone_surrogates_in_json_are_422_naming_the_field_at_the_gateway(fuzz, token):
    # json.dumps writes the lone surrogate as a \\u escape, as a hostile client would.
    body = json.dumps({"token": token, "answers": GOOD_ANSWERS})
    assert "\\ud8" in body or "\\udf" in body
    answer = fuzz.client.post("/api/v1/responses", data=body, headers=JSON)
    assert list(assert_error(answer, 422, "validation_error")["details"]) == ["token"]


def test_lone_surrogate_comment_is_refused_and_nothing_is_stored(fuzz):
    token = fuzz.tokens(1)[0]
    body = json.dumps({"token": token, "answers": {**GOOD_ANSWERS, "t": "ok \udc00"}})
    error = assert_error(fuzz.client.post("/api/v1/responses", data=body, headers=JSON),
                         422, "validation_error")
    assert list(error["details"]) == ["answers.t"]
    # The token was not spent; a surrogate pair (an emoji, as ensure_ascii writes it) is fine.
    body = json.dumps({"token": token, "answers": {**GOOD_ANSWERS, "t": "ok \U0001f600"}})
    assert "\\ud83d\\ude00" in body
    assert fuzz.client.post("/api/v1/responses", data=body, headers=JSON).status_code == 201


def test_survey_tokens_with_lone_surrogates_match_nothing():
    from services.survey.respondents.tokens import read_link_token, token_hash

    assert read_link_token("secret", "\udfff.abc.def") is None
    assert len(token_hash("a\ud800b")) == 64


def test_malformed_json_and_wrong_shapes_are_400_or_422(fuzz):
    client = fuzz.client
    assert_error(client.post("/api/v1/surveys", data="{bad", headers={**ADMIN, **JSON}),
                 400, "bad_request")
    for body in ("[1, 2]", "null", '"text"', ""):
        answer = client.post("/api/v1/surveys", data=body, headers={**ADMIN, **JSON})
        assert_error(answer, 422, "validation_error")
    assert_error(client.post("/api/v1/responses", data=b'{"token": "\xff"}', headers=JSON),
                 400, "bad_request")


def test_request_id_that_is_not_a_safe_token_is_replaced(fuzz):
    for given in ("a b", "<script>", "x" * 129, "\u00fc".encode().decode("latin-1")):
        answer = fuzz.client.get("/healthz", headers={"X-Request-ID": given})
        assert answer.headers["X-Request-ID"] != given
        assert len(answer.headers["X-Request-ID"]) == 32


def test_a_valid_answer_still_goes_through_after_the_odd_ones(fuzz):
    token = fuzz.tokens(1)[0]
    answer = fuzz.client.post("/api/v1/responses", json={"token": token, "answers": GOOD_ANSWERS})
    assert answer.status_code == 201
