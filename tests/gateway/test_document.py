"""The merged OpenAPI document can be held to: answers, errors, grammars and every public route.

`tests/fuzz/test_contract.py` holds the running suite to this document; these tests check
that the document says enough for that to mean something.
"""

from __future__ import annotations

import pytest

from services.gateway.docs.openapi import HTTP_METHODS
from shared.patterns import KEY, FullMatch
from tests.conftest import ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
PUBLIC_ROUTES = {("get", "/healthz"), ("get", "/readyz"), ("get", "/s/{token}"),
                 ("post", "/s/{token}"), ("post", "/api/v1/responses")}
# Query parameters written in a grammar of API.md, and what each must document.
GRAMMARS = {"metric": "pattern", "outcome": "pattern", "a": "pattern", "b": "pattern",
            "selector": "pattern", "segment_by": "pattern", "segment": "pattern",
            "cursor": "pattern", "question": "pattern", "period": "enum"}


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def _resolve(schema: dict, document: dict) -> dict:
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


@pytest.fixture
def document(suite) -> dict:
    answer = suite.client.get("/api/openapi.json")
    assert answer.status_code == 200
    found = answer.get_json()
    assert "x-unavailable-services" not in found
    return found


def test_every_operation_documents_its_answer_and_its_errors(document):
    operations = list(_operations(document))
    assert len(operations) >= 32  # every public operation, the deliveries list included
    for method, path, operation in operations:
        responses = operation["responses"]
        label = f"{method.upper()} {path}"
        assert "default" not in responses, label
        success = [status for status in responses if status.startswith("2")]
        assert len(success) == 1, label
        if path != "/healthz":
            assert any(status[0] in "45" for status in responses), label
        content = responses[success[0]].get("content", {})
        if success[0] == "204" or "text/html" in content:
            continue
        schema = _resolve(content["application/json"]["schema"], document)
        assert schema["required"], label


def test_the_gateway_documents_what_it_answers_itself(document):
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        if (method, path) in PUBLIC_ROUTES:
            assert operation["security"] == []
        else:
            assert {"401", "403"} <= set(responses), path
        if path != "/healthz":
            assert "503" in responses, path
        if "requestBody" in operation:
            assert {"400", "413"} <= set(responses), path
    limited = document["paths"]["/api/v1/responses"]["post"]["responses"]["429"]
    assert limited["headers"]["Retry-After"]["required"] is True


def test_query_parameters_carry_their_grammar(document):
    seen = set()
    for _, path, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            wanted = GRAMMARS.get(parameter["name"])
            if parameter["in"] == "query" and wanted:
                assert wanted in parameter["schema"], (path, parameter["name"])
                seen.add(parameter["name"])
    assert seen == set(GRAMMARS)


def test_analytics_answers_list_their_fields_and_allow_more(document):
    scores = document["paths"]["/api/v1/surveys/{survey_id}/scores"]["get"]["responses"]["200"]
    example = scores["content"]["application/json"]["example"]
    assert example["series"][0]["start"] == "2026-09-28"
    row = document["components"]["schemas"]["ScoreRow"]
    assert row["additionalProperties"] is True
    assert {"period", "segment", "n", "value", "ci_low", "ci_high", "suppressed"} <= set(
        row["required"])
    assert {"start", "end", "open"} <= set(row["properties"]) - set(row["required"])


def test_a_name_with_a_final_newline_is_refused_as_the_document_says():
    # Python's `$` matches before a final newline; JSON Schema's does not.
    validator = FullMatch(rf"^{KEY}$")
    assert validator("department") == "department"
    with pytest.raises(Exception, match="pattern"):
        validator("department\n")


def test_malformed_names_are_422_before_any_work(suite):
    survey = suite.client.post("/api/v1/surveys", headers=ADMIN, json={
        "title": "Pulse", "template": "ai-trust-pulse", "segments": ["department\n"]})
    assert survey.status_code == 422
    assert "segments.0" in survey.get_json()["error"]["details"]
    scores = suite.client.get("/api/v1/surveys/1/scores", headers=ADMIN,
                              query_string={"metric": "index:ai_trust\n"})
    assert scores.status_code == 422
    assert "metric" in scores.get_json()["error"]["details"]
