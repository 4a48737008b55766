"""Templates and surveys: definitions validated as a whole, immutable, paginated."""

import json
from pathlib import Path

from tests.survey.conftest import SurveyClient


def test_every_route_needs_the_internal_token(app):
    bare = app.test_client()
    assert bare.get("/api/v1/templates").status_code == 404
    assert bare.post("/api/v1/surveys", json={"title": "x"}).status_code == 404
    assert bare.get("/internal/surveys/1/summaries").status_code == 404
    assert bare.get("/s/sometoken").status_code == 404
    assert SurveyClient(app).get("/api/v1/templates").status_code == 200


def test_templates_cover_the_employee_and_customer_instruments(client):
    templates = {t["key"]: t for t in client.ok("GET", "/api/v1/templates", 200)["items"]}
    pulse, interaction = templates["ai-trust-pulse"], templates["ai-interaction"]
    assert pulse["kind"] == "employee_pulse" and interaction["kind"] == "customer_ai"
    assert {"ai_trust", "wellbeing", "ai_readiness"} <= {i["key"] for i in pulse["indices"]}
    assert "customer_ai_trust" in {i["key"] for i in interaction["indices"]}
    for template in (pulse, interaction):
        types = {q["key"]: q for q in template["questions"]}
        assert all(q.get("dimension") for q in template["questions"])
        assert types["comment"]["type"] == "text" and types["comment"]["required"] is False
        for index in template["indices"]:
            assert all(types[i]["type"] == "likert5" and types[i]["required"]
                       for i in index["items"])
    reverse = {q["key"] for q in pulse["questions"] if q.get("reverse")}
    assert reverse == {"ai_wary", "job_loss_ai", "worn_out", "customer_drain"}
    assert {q["type"] for q in pulse["questions"]} == {"likert5", "scale11", "text"}
    preference = next(q for q in interaction["questions"] if q["type"] == "choice")
    assert preference["options"] == ["prefer_ai", "no_preference", "prefer_human", "avoid_ai"]
    assert interaction["segments"] == ["channel", "handled_by", "region"]


def test_every_item_and_index_names_its_source(client):
    for template in client.ok("GET", "/api/v1/templates", 200)["items"]:
        scored = [q for q in template["questions"] if q["type"] != "text"]
        assert len(scored) <= 13  # about a minute on a phone
        for question in scored:
            source = question["source"]
            assert source["basis"] in ("adapted", "trustpulse_item"), question["key"]
            assert source["reference"] and source["licence"], question["key"]
            if source["basis"] == "adapted":
                assert source["citation"] and source["original"] and source["adaptation"]
            else:
                assert source["reference"].startswith("TrustPulse item")
        for index in template["indices"]:
            assert index["source"]["basis"] in ("adapted", "trustpulse_item")
            assert "reliability" in index["source"] and index["source"]["reference"]
        texts = json.dumps(template)
        assert "Maslach" not in texts and "UWES" not in texts  # paid licences: not embedded
    pulse = client.ok("GET", "/api/v1/templates", 200)["items"][0]
    by_key = {q["key"]: q for q in pulse["questions"]}
    assert by_key["ai_copilot"]["source"]["basis"] == "trustpulse_item"


def test_a_survey_from_a_template_keeps_its_sources(client):
    template = client.ok("GET", "/api/v1/templates", 200)["items"][1]
    survey = client.survey(template="ai-interaction", kind="customer_ai",
                           segments=["channel", "handled_by"])
    assert survey["questions"] == template["questions"]
    assert survey["indices"] == template["indices"]
    assert client.ok("GET", f"/api/v1/surveys/{survey['id']}", 200)["questions"] == \
        template["questions"]


def test_an_explicit_source_is_validated(client):
    question = {"key": "trust", "text": "I trust it.", "type": "likert5"}
    good = client.survey(template=None, kind="customer_ai", questions=[
        {**question, "source": {"basis": "adapted", "citation": "Someone (2020).",
                                "original": "I trust the system.", "adaptation": "shorter"}}])
    assert good["questions"][0]["source"]["basis"] == "adapted"
    response = client.post("/api/v1/surveys", json={
        "title": "Bad", "kind": "customer_ai",
        "questions": [{**question, "source": {"basis": "validated", "colour": "red"}}],
        "indices": [{"key": "t", "items": ["trust"],
                     "source": {"basis": "adapted", "reliability": {"statistic": "alpha",
                                                                    "value": 2}}}]})
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details) >= {"questions.0.source.basis", "questions.0.source.colour",
                            "indices.0.source.reliability.statistic",
                            "indices.0.source.reliability.value"}


def test_survey_from_template_has_defaults_and_can_be_read_back(client):
    survey = client.survey()
    assert survey["anonymity_threshold"] == 5 and survey["comment_threshold"] == 10
    assert survey["kind"] == "employee_pulse" and survey["status"] == "active"
    assert survey["created_at"].endswith("Z")
    assert client.ok("GET", f"/api/v1/surveys/{survey['id']}", 200) == survey
    assert client.get("/api/v1/surveys/999").status_code == 404


def test_explicit_definition_is_stored_with_question_defaults(client):
    survey = client.survey(template=None, kind="customer_ai", segments=["channel"], questions=[
        {"key": "trust", "text": "I trust it.", "type": "likert5"},
        {"key": "pref", "text": "Who next?", "type": "choice", "options": ["ai", "human"]},
        {"key": "note", "text": "Anything else?", "type": "text"}],
        indices=[{"key": "t", "items": ["trust"]}], anonymity_threshold=3)
    questions = {q["key"]: q for q in survey["questions"]}
    assert questions["trust"]["required"] is True and questions["note"]["required"] is False
    assert survey["comment_threshold"] == 10 and survey["anonymity_threshold"] == 3


def test_every_definition_problem_is_named_in_one_422(client):
    response = client.post("/api/v1/surveys", json={
        "title": "Bad", "kind": "employee_pulse",
        "questions": [{"key": "a", "text": "x", "type": "likert5"},
                      {"key": "a", "text": "y", "type": "scale11"},
                      {"key": "c", "text": "z", "type": "choice"},
                      {"key": "Bad Key", "text": "w", "type": "stars"}],
        "indices": [{"key": "i", "items": ["a", "c", "missing"]}],
        "anonymity_threshold": 2, "comment_threshold": 1})
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert details["questions.1.key"] == ["Duplicate question key 'a'."]
    assert "questions.2.options" in details
    assert "questions.3.key" in details and "questions.3.type" in details
    assert "anonymity_threshold" in details and "comment_threshold" in details


def test_index_items_must_be_required_likert_and_thresholds_ordered(client):
    response = client.post("/api/v1/surveys", json={
        "title": "Bad", "kind": "employee_pulse",
        "questions": [{"key": "a", "text": "x", "type": "likert5", "required": False},
                      {"key": "b", "text": "y", "type": "scale11"}],
        "indices": [{"key": "i", "items": ["a", "b", "zz"]}],
        "anonymity_threshold": 8, "comment_threshold": 6})
    details = response.get_json()["error"]["details"]
    assert response.status_code == 422
    assert len(details["indices.0.items"]) == 3
    assert details["comment_threshold"] == ["May not be below the anonymity threshold."]


def test_template_and_kind_and_unknown_fields_are_checked(client):
    cases = [({"title": "x", "template": "nope"}, "template"),
             ({"title": "x", "template": "ai-trust-pulse", "kind": "customer_ai"}, "kind"),
             ({"title": "x", "template": "ai-trust-pulse", "colour": "red"}, "colour"),
             ({"title": "x"}, "questions"),
             ({"title": "x", "template": "ai-trust-pulse", "segments": ["a", "a"]}, "segments")]
    for body, field in cases:
        response = client.post("/api/v1/surveys", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["details"], body


def test_surveys_list_paginates_with_a_cursor(client):
    made = [client.survey(title=f"S{i}")["id"] for i in range(5)]
    first = client.ok("GET", "/api/v1/surveys?limit=2", 200)
    assert [s["id"] for s in first["items"]] == made[:2] and first["next_cursor"]
    seen = [s["id"] for s in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.ok("GET", f"/api/v1/surveys?limit=2&cursor={cursor}", 200)
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
    assert seen == made
    assert client.get("/api/v1/surveys?limit=0").status_code == 422
    assert client.get("/api/v1/surveys?cursor=abc").status_code == 422


DOCS = Path(__file__).resolve().parents[2] / "docs" / "instruments.md"


def _rows(text: str, heading: str) -> dict[str, str]:
    """The table under `heading` in the docs, as {first cell's key: whole row}."""
    section = text[text.index(heading) + len(heading):].split("\n### ")[0].split("\n## ")[0]
    return {line.split("|")[1].strip().strip("`"): line for line in section.splitlines()
            if line.startswith("| `")}


def test_the_instruments_docs_list_every_item_and_index_with_its_source(client):
    text = DOCS.read_text(encoding="utf-8")
    references = text[text.index("## References"):text.index("## Licences")]
    for template in client.ok("GET", "/api/v1/templates", 200)["items"]:
        questions = _rows(text, f"### `{template['key']}` questions")
        assert set(questions) == {q["key"] for q in template["questions"]}
        for question in template["questions"]:
            row = questions[question["key"]]
            assert f"| {question['text']} | {question['type']} |" in row
            source = question.get("source")
            if source:
                label = "adapted" if source["basis"] == "adapted" else "TrustPulse item"
                assert f"| {label} | {source['reference']} |" in row, row
                assert source.get("original", "") in row
        indices = _rows(text, f"### `{template['key']}` indices")
        assert set(indices) == {i["key"] for i in template["indices"]}
        for index in template["indices"]:
            row = indices[index["key"]]
            assert ", ".join(f"`{k}`" for k in index["items"]) in row
            assert f"| {index['source']['reference']} |" in row
        cited = {q["source"]["reference"].removeprefix("TrustPulse item after ")
                 for q in template["questions"] if q.get("source") and q["source"]["citation"]}
        assert all(f"({reference})" in references for reference in cited), cited
    assert "alpha:<index>" in text


def test_thresholds_are_integers_as_given_never_rounded(client):
    for odd in (5.5, 5.0, True, "5", "\u0665"):
        answer = client.post("/api/v1/surveys", json={
            "title": "T", "template": "ai-trust-pulse", "anonymity_threshold": odd})
        assert answer.status_code == 422, (odd, answer.get_data(as_text=True))
        assert list(answer.get_json()["error"]["details"]) == ["anonymity_threshold"]
    assert client.ok("GET", "/api/v1/surveys", 200)["items"] == []
    assert client.survey(anonymity_threshold=6)["anonymity_threshold"] == 6


def test_text_no_database_stores_is_422_naming_the_field(client):
    for odd in ("Pulse\x00", "\udc00", "a\ud800b"):
        answer = client.post("/api/v1/surveys", json={"title": odd, "template": "ai-trust-pulse"})
        assert answer.status_code == 422, (odd, answer.get_data(as_text=True))
        assert list(answer.get_json()["error"]["details"]) == ["title"]
    answer = client.post("/api/v1/surveys", json={
        "title": "T", "kind": "customer_ai", "segments": ["channel"],
        "questions": [{"key": "q", "text": "Why\x00?", "type": "likert5"}]})
    assert list(answer.get_json()["error"]["details"]) == ["questions.0.text"]
    assert client.ok("GET", "/api/v1/surveys", 200)["items"] == []
    # A surrogate pair (an emoji, as JSON escapes it) is text like any other.
    assert client.survey(title="Pulse \U0001f600")["title"] == "Pulse \U0001f600"
