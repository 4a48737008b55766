"""Merging OpenAPI documents: routed operations only, roles annotated, clashes renamed."""

from __future__ import annotations

from services.gateway.docs.openapi import merge_documents
from services.gateway.routing.table import ROUTES

ERROR = {"type": "object", "properties": {"error": {"type": "object"}}}


def _op(schema_name: str) -> dict:
    return {"summary": "s", "responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}}}}


OWN = {"openapi": "3.0.3", "info": {"title": "gw", "version": "0.1.0"},
       "paths": {"/api/v1/api-keys": {"get": _op("Error")}},
       "components": {"schemas": {"Error": ERROR}}}
SURVEY = {"paths": {
    "/api/v1/surveys/{survey_id}": {"get": _op("Survey"), "delete": _op("Survey")},
    "/internal/surveys/{survey_id}/summaries": {"get": _op("Survey")},
    "/api/v1/responses": {"post": _op("Error")}},
    "components": {"schemas": {"Error": ERROR, "Survey": {"type": "object", "x": 1}}}}
METRICS = {"paths": {"/api/v1/surveys/{id}/scores": {"get": {**_op("Survey"), "tags": ["Scores"]}},
                     "/internal/summaries": {"get": {**_op("Survey"), "tags": ["Internal"]}}},
           "components": {"schemas": {"Survey": {"type": "object", "x": 2}}},
           "tags": [{"name": "Scores"}, {"name": "Internal"}]}


def test_merge_keeps_routed_operations_and_annotates_roles():
    merged = merge_documents(OWN, {"survey": SURVEY, "metrics": METRICS}, ROUTES)
    paths = merged["paths"]
    assert set(paths) == {"/api/v1/api-keys", "/api/v1/surveys/{survey_id}",
                          "/api/v1/responses", "/api/v1/surveys/{id}/scores"}
    # DELETE of a survey is not routed by the gateway, so it is not documented.
    assert set(paths["/api/v1/surveys/{survey_id}"]) == {"get"}
    assert paths["/api/v1/surveys/{survey_id}"]["get"]["x-roles"] == ["admin", "analyst"]
    assert paths["/api/v1/responses"]["post"]["security"] == []
    assert paths["/api/v1/api-keys"]["get"]["security"] == [{"bearerAuth": []}]
    # Only tags of documented operations are kept (not those of internal ones).
    assert merged["tags"] == [{"name": "Scores"}]
    assert "x-unavailable-services" not in merged


def test_clashing_components_are_renamed_and_their_references_follow():
    merged = merge_documents(OWN, {"survey": SURVEY, "metrics": METRICS}, ROUTES)
    schemas = merged["components"]["schemas"]
    assert schemas["Error"] == ERROR and "SurveyError" not in schemas
    assert schemas["Survey"]["x"] == 1 and schemas["MetricsSurvey"]["x"] == 2
    scores = merged["paths"]["/api/v1/surveys/{id}/scores"]["get"]
    ref = scores["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/MetricsSurvey"


def test_a_missing_backend_is_named_and_the_rest_is_served():
    merged = merge_documents(OWN, {"survey": None, "metrics": METRICS}, ROUTES)
    assert merged["x-unavailable-services"] == ["survey"]
    assert "/api/v1/surveys/{id}/scores" in merged["paths"]


def test_components_only_internal_operations_use_are_left_out():
    survey = {**SURVEY, "components": {"schemas": {
        **SURVEY["components"]["schemas"],
        "Summaries": {"type": "object", "properties": {"g": {"$ref": "#/components/schemas/Group"}}},
        "Group": {"type": "object"}}}}
    survey["paths"] = {**SURVEY["paths"],
                       "/internal/x": {"get": _op("Summaries")}}
    merged = merge_documents(OWN, {"survey": survey, "metrics": None}, ROUTES)
    schemas = merged["components"]["schemas"]
    assert "Summaries" not in schemas and "Group" not in schemas
    assert {"Error", "Survey"} <= set(schemas)
