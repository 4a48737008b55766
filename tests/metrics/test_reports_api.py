"""`questions`, `participation` of closed periods, and the CSV exports, through the gateway.

Every number is checked against the raw rows the test imported (pandas for shares, scipy
for the t interval), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from services.survey.respondents import service as respondents
from tests.metrics.factories import answers, pulse_survey
from tests.survey.conftest import INTERACTION_ANSWERS

SIZES = {("Support", "Leeds"): 9, ("Support", "York"): 6, ("Sales", "Leeds"): 7,
         ("Legal", "York"): 2}
INVITED = {("Support", "Leeds"): 12, ("Support", "York"): 8, ("Sales", "Leeds"): 10,
           ("Legal", "York"): 3}
MONDAYS = [date(2026, 6, 1), date(2026, 6, 8), date(2026, 6, 15)]
EXTRA = {"key": "extra", "text": "Would you use the new assistant again?", "type": "likert5",
         "required": False}


def _definition() -> dict:
    survey = pulse_survey(segments=("department", "location"))
    return {"title": "Support pulse", "kind": "employee_pulse", "segments": survey["segments"],
            "anonymity_threshold": 5, "questions": survey["questions"] + [EXTRA],
            "indices": survey["indices"]}


def _rows(seed: int = 11) -> pd.DataFrame:
    """Three waves of answers; the optional question is answered by every other one of
    Support, the first three of Sales, and nobody of Legal."""
    rng = random.Random(seed)
    rows = []
    for wave, monday in enumerate(MONDAYS):
        for (department, location), size in SIZES.items():
            for i in range(size - (wave == 2 and department == "Sales")):
                answered = answers(rng, shift=0.4 if department == "Sales" else 0.0)
                if (department, i % 2) == ("Support", 0) or (department, i) in {
                        ("Sales", 0), ("Sales", 1), ("Sales", 2)}:
                    answered["extra"] = rng.randint(1, 5)
                rows.append({"wave": wave, "day": monday + timedelta(days=i % 4),
                             "department": department, "location": location, **answered})
    return pd.DataFrame(rows)


@pytest.fixture
def loaded(suite, admin_headers):
    """The survey, its three closed waves with recorded invitations, and the raw rows."""
    client = suite.client
    created = client.post("/api/v1/surveys", json=_definition(), headers=admin_headers)
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    waves = []
    for monday in MONDAYS:
        wave = client.post(f"/api/v1/surveys/{survey_id}/waves", headers=admin_headers, json={
            "opens_at": f"{monday}T07:00:00Z", "closes_at": f"{monday + timedelta(days=4)}T19:00:00Z"})
        assert wave.status_code == 201, wave.json
        waves.append(wave.json["id"])
        invited = [{"segment": {"department": d, "location": loc}}
                   for (d, loc), n in INVITED.items() for _ in range(n)]
        recorded = client.post(f"/api/v1/waves/{wave.json['id']}/invitations",
                               headers=admin_headers,
                               json={"respondents": invited, "issue_tokens": False})
        assert recorded.status_code == 201, recorded.json
    frame = _rows()
    frame["wave_id"] = [waves[w] for w in frame["wave"]]
    questions = [q["key"] for q in _definition()["questions"] if q["type"] != "text"]
    body = {"responses": [
        {"submitted_at": f"{row.day}T10:00:00Z",
         "segment": {"department": row.department, "location": row.location},
         "answers": {k: getattr(row, k) for k in questions + ["comment"]
                     if not pd.isna(getattr(row, k))}}
        for row in frame.itertuples()]}
    for item in body["responses"]:
        item["answers"] = {k: (int(v) if isinstance(v, (int, float, np.integer)) else v)
                           for k, v in item["answers"].items()}
    imported = client.post(f"/api/v1/surveys/{survey_id}/responses/import", json=body,
                           headers=admin_headers)
    assert imported.status_code == 201, imported.json
    return survey_id, waves, frame


def _get(suite, headers, survey_id, name, **params):
    return suite.client.get(f"/api/v1/surveys/{survey_id}/{name}", query_string=params,
                            headers=headers)


def _expected_question(values: pd.Series, options, reverse: bool = False) -> dict:
    """A question's numbers from its raw answers: pandas shares, scipy's t interval."""
    values = values.dropna()
    shares = values.value_counts(normalize=True)
    out = {"n": len(values), "distribution": {str(o): float(shares.get(o, 0.0)) for o in options}}
    if all(isinstance(o, int) for o in options):
        numbers = values.astype(float)
        low, high = stats.t.interval(0.95, len(numbers) - 1, numbers.mean(), stats.sem(numbers))
        out.update(mean=numbers.mean(), ci_low=low, ci_high=high)
    if options == (1, 2, 3, 4, 5):
        good, bad = ((1, 2), (4, 5)) if reverse else ((4, 5), (1, 2))
        out.update(favourable=values.isin(good).mean(), neutral=(values == 3).mean(),
                   unfavourable=values.isin(bad).mean())
    return out


def test_questions_match_the_raw_rows_and_hide_like_scores(suite, admin_headers, loaded):
    survey_id, waves, frame = loaded
    definition = {q["key"]: q for q in _definition()["questions"]}
    answer = _get(suite, admin_headers, survey_id, "questions",
                  selector="segment:department=Support")
    assert answer.status_code == 200, answer.json
    body = answer.json
    support = frame[frame.department == "Support"]
    assert body["n"] == len(support) and not body["suppressed"]
    assert [i["question"] for i in body["items"]] == [
        k for k, q in definition.items() if q["type"] != "text"]
    for item in body["items"]:
        question = definition[item["question"]]
        options = tuple(question.get("options") or (
            range(1, 6) if question["type"] == "likert5" else range(11)))
        expected = _expected_question(support[item["question"]], options,
                                      question.get("reverse", False))
        for field, value in expected.items():
            got = item[field]
            assert got == (pytest.approx(value) if not isinstance(value, dict) else {
                k: pytest.approx(v) for k, v in value.items()}), (item["question"], field)
        assert item["reverse"] == question.get("reverse", False) and not item["suppressed"]
    reversed_item = next(i for i in body["items"] if i["reverse"])
    assert reversed_item["favourable"] == pytest.approx(
        support[reversed_item["question"]].isin([1, 2]).mean())
    # A group of two: every question hidden; its optional question too, whatever its count.
    legal = _get(suite, admin_headers, survey_id, "questions",
                 selector=f"period:wave-{waves[0]};segment:department=Legal").json
    assert legal["suppressed"] and legal["n"] is None
    assert all(i["suppressed"] and i["n"] is None and i["mean"] is None
               and set(i["distribution"].values()) == {None} for i in legal["items"])
    # One wave of York: eight respondents, three of whom answered `extra`.
    york = _get(suite, admin_headers, survey_id, "questions",
                selector=f"period:wave-{waves[0]};segment:location=York").json
    in_york = frame[(frame.wave == 0) & (frame.location == "York")]
    extra = next(i for i in york["items"] if i["question"] == "extra")
    assert in_york["extra"].notna().sum() == 3 and extra["suppressed"] and extra["n"] is None
    assert not york["suppressed"] and york["n"] == len(in_york) == 8
    assert all(not i["suppressed"] for i in york["items"] if i["question"] != "extra")
    scores = _get(suite, admin_headers, survey_id, "scores", metric="item:extra", period="wave",
                  segment_by="location").json["series"]
    row = next(r for r in scores if r["period"] == f"wave-{waves[0]}"
               and r["segment"] == {"location": "York"})
    assert row["suppressed"]
    # Same anonymity as scores for every wave and department.
    by_wave = _get(suite, admin_headers, survey_id, "scores", metric="index:ai_trust",
                   period="wave", segment_by="department").json["series"]
    for row in by_wave:
        selector = f"period:{row['period']};segment:department={row['segment']['department']}"
        group = _get(suite, admin_headers, survey_id, "questions", selector=selector).json
        assert group["suppressed"] == row["suppressed"] and group["n"] == row["n"]


def test_participation_of_closed_waves_matches_the_raw_rows_and_hides_like_scores(
        suite, admin_headers, loaded):
    survey_id, waves, frame = loaded
    answer = _get(suite, admin_headers, survey_id, "participation", segment_by="department")
    assert answer.status_code == 200, answer.json
    assert answer.json["period"] == "wave" and answer.json["threshold"] == 5
    invited = {}
    for (department, _), n in INVITED.items():
        invited[department] = invited.get(department, 0) + n
    scores = {(r["period"], r["segment"]["department"]): r for r in _get(
        suite, admin_headers, survey_id, "scores", metric="index:ai_trust", period="wave",
        segment_by="department").json["series"]}
    rows = answer.json["series"]
    assert len(rows) == 3 * 3 and not any(r["open"] for r in rows)
    for row in rows:
        wave = waves.index(int(row["period"][5:]))
        department = row["segment"]["department"]
        score = scores[(row["period"], department)]
        assert row["suppressed"] == score["suppressed"]
        if row["suppressed"]:
            assert row["invited"] is None and row["responded"] is None and row["rate"] is None
            continue
        responded = int(((frame.wave == wave) & (frame.department == department)).sum())
        assert row["responded"] == responded == score["n"]
        assert row["invited"] == invited[department]
        assert row["rate"] == pytest.approx(responded / invited[department])
    assert any(r["suppressed"] for r in rows if r["segment"]["department"] == "Legal")
    months = _get(suite, admin_headers, survey_id, "participation", period="month").json
    (june,) = months["series"]
    assert june["period"] == "2026-06" and june["responded"] == len(frame)
    assert june["invited"] == 3 * sum(INVITED.values())
    assert june["rate"] == pytest.approx(len(frame) / (3 * sum(INVITED.values())))
    bad = _get(suite, admin_headers, survey_id, "participation", period="day")
    assert bad.status_code == 422 and "period" in bad.json["error"]["details"]


def test_customer_participation_sets_links_made_against_responses(suite, admin_headers,
                                                                   monkeypatch):
    client = suite.client
    survey = client.post("/api/v1/surveys", headers=admin_headers, json={
        "title": "Ratings", "template": "ai-interaction", "segments": ["channel"]}).json
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    # The links are made yesterday (the survey service's clock): that day has closed.
    monkeypatch.setattr(respondents, "utcnow",
                        lambda: datetime.combine(yesterday, datetime.min.time(), UTC))
    links = {"chat": 14, "voice": 9, "email": 3, "web": 10}
    answered = {"chat": 9, "voice": 7, "email": 1, "web": 6}
    for channel, n in links.items():
        for i in range(n):
            made = client.post(f"/api/v1/surveys/{survey['id']}/links", headers=admin_headers,
                               json={"interaction_id": f"{channel}-{i}",
                                     "segment": {"channel": channel}})
            assert made.status_code == 201
    imported = client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                           headers=admin_headers, json={"responses": [
                               {"submitted_at": f"{yesterday}T12:00:00Z",
                                "segment": {"channel": c}, "answers": INTERACTION_ANSWERS}
                               for c, n in answered.items() for _ in range(n)]})
    assert imported.status_code == 201, imported.json
    rows = {r["segment"]["channel"]: r for r in _get(
        suite, admin_headers, survey["id"], "participation", period="day",
        segment_by="channel").json["series"]}
    assert {r["period"] for r in rows.values()} == {yesterday.isoformat()}
    hidden = sorted(c for c, r in rows.items() if r["suppressed"])
    # Email's one response is hidden, with a complementary cell so it is not the remainder.
    assert "email" in hidden and len(hidden) >= 2 and sum(answered[c] for c in hidden) >= 5
    for channel in set(links) - set(hidden):
        row = rows[channel]
        assert (row["invited"], row["responded"]) == (links[channel], answered[channel])
        assert row["rate"] == pytest.approx(answered[channel] / links[channel])
    (total,) = _get(suite, admin_headers, survey["id"], "participation",
                    period="day").json["series"]
    assert total["rate"] == pytest.approx(sum(answered.values()) / sum(links.values()))


def _csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _as_json(cell: str, value) -> bool:
    """Whether a CSV cell holds the JSON value (null: empty; the same number exactly)."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, (int, float)):
        return float(cell) == value
    return cell == value


@pytest.mark.parametrize("name, params", [
    ("scores", {"metric": "index:ai_trust", "period": "wave", "segment_by": "department"}),
    ("changes", {"metric": "top2:training", "period": "wave", "segment_by": "location"}),
    ("participation", {"segment_by": "department,location"}),
    # York's optional question is hidden in that week: its cells are empty.
    ("questions", {"selector": "period:2026-W23;segment:location=York"}),
])
def test_csv_exports_hold_the_json_rows(suite, admin_headers, loaded, name, params):
    survey_id, _, _ = loaded
    answer = _get(suite, admin_headers, survey_id, name, **params)
    assert answer.status_code == 200
    rows = answer.json["items" if name in ("changes", "questions") else "series"]
    expected = pd.json_normalize(rows, sep=".")
    for headers, extra in (({"Accept": "text/csv"}, {}), ({}, {"format": "csv"})):
        exported = _get(suite, {**admin_headers, **headers}, survey_id, name,
                        **params, **extra)
        assert exported.status_code == 200
        assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert f"survey-{survey_id}-{name}.csv" in exported.headers["Content-Disposition"]
        text = exported.get_data().decode("utf-8")
        header = text.splitlines()[0].split(",")
        assert sorted(header) == sorted(expected.columns)  # pandas puts nested ones last
        parsed = _csv_rows(text)
        assert len(parsed) == len(rows) > 0
        flat = expected.astype(object).where(expected.notna(), None).to_dict("records")
        for line, row in zip(parsed, flat):
            assert all(_as_json(line[column], value) for column, value in row.items()), line
    forced_json = _get(suite, {**admin_headers, "Accept": "text/csv"}, survey_id, name,
                       **params, format="json")
    assert forced_json.headers["Content-Type"] == "application/json"
    bad = _get(suite, admin_headers, survey_id, name, **params, format="xml")
    assert bad.status_code == 422 and "format" in bad.json["error"]["details"]
    unknown = _get(suite, {**admin_headers, "Accept": "text/csv"}, 9999, name, **params)
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"


def test_the_openapi_document_lists_the_new_endpoints_and_their_csv_answers(suite):
    document = suite.client.get("/api/openapi.json").get_json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    for name, rows in (("participation", "ParticipationRow"), ("questions", "QuestionRow")):
        operation = paths[f"/api/v1/surveys/{{survey_id}}/{name}"]["get"]
        assert operation["x-roles"] == ["admin", "analyst"]
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}
        json_answer = content["application/json"]["schema"]
        answer = schemas[json_answer["$ref"].rsplit("/", 1)[1]]
        assert {"series", "items"} & set(answer["required"])
        row = schemas[rows]
        assert {"suppressed", "segment" if name == "participation" else "distribution"} <= set(
            row["required"])
    for name in ("scores", "changes", "participation", "questions"):
        operation = paths[f"/api/v1/surveys/{{survey_id}}/{name}"]["get"]
        content = operation["responses"]["200"]["content"]
        assert content["text/csv"]["schema"] == {"type": "string"}, name
        assert "format" in {p["name"] for p in operation["parameters"]}
