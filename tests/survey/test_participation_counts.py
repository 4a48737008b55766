"""Participation counts: invitations per wave (tokens or recorded), customer links per day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa

from services.survey.respondents import service as respondents
from tests.survey.conftest import INTERACTION_ANSWERS

COUNTS = "/internal/surveys/{}/participation-counts"


def _segments(*pairs) -> list[dict]:
    return [{"department": d, "location": loc} for d, loc in pairs]


def test_invitations_are_counted_per_wave_and_segment_with_tokens_or_without(client):
    survey = client.survey()
    open_wave = client.wave(survey["id"])
    closed = client.wave(survey["id"], opens=-72, closes=-48)
    client.invite(open_wave["id"], _segments(("Support", "Leeds"), ("Support", "Leeds"),
                                             ("Sales", "York")))
    past = _segments(*[("Support", "Leeds")] * 7, *[("Sales", "York")] * 4, ("Sales", "Leeds"))
    recorded = client.ok("POST", f"/api/v1/waves/{closed['id']}/invitations", 201,
                         json={"respondents": [{"segment": s} for s in past],
                               "issue_tokens": False})
    assert recorded == {"tokens": []}
    # Recording again adds to the counts (a second import of the same wave's invitations).
    client.ok("POST", f"/api/v1/waves/{closed['id']}/invitations", 201,
              json={"respondents": [{"segment": past[0]}], "issue_tokens": False})

    answer = client.ok("GET", COUNTS.format(survey["id"]), 200,
                       query_string={"segment_by": "department"})
    got = {(row["wave"], row["segment"]["department"]): row["invited"] for row in answer["waves"]}
    assert got == {(open_wave["id"], "Support"): 2, (open_wave["id"], "Sales"): 1,
                   (closed["id"], "Support"): 8, (closed["id"], "Sales"): 5}
    everyone = client.ok("GET", COUNTS.format(survey["id"]), 200)
    assert sorted((r["wave"], r["invited"]) for r in everyone["waves"]) == sorted(
        [(open_wave["id"], 3), (closed["id"], 13)])
    assert everyone["links"] == []


def test_a_closed_wave_takes_no_tokens_and_bad_segments_record_nothing(client):
    survey = client.survey()
    closed = client.wave(survey["id"], opens=-72, closes=-48)
    refused = client.post(f"/api/v1/waves/{closed['id']}/invitations",
                          json={"respondents": [{"segment": {}}]})
    assert refused.status_code == 410
    assert "issue_tokens" in refused.get_json()["error"]["message"]
    bad = client.post(f"/api/v1/waves/{closed['id']}/invitations", json={
        "respondents": [{"segment": {"department": "Support"}}, {"segment": {"team": "A"}}],
        "issue_tokens": False})
    assert bad.status_code == 422
    assert "respondents.1.segment" in bad.get_json()["error"]["details"]
    for wrong_type in ("no", "false", 0):  # JSON false only
        refused = client.post(f"/api/v1/waves/{closed['id']}/invitations", json={
            "respondents": [{"segment": {}}], "issue_tokens": wrong_type})
        assert refused.status_code == 422 and "issue_tokens" in refused.get_json()[
            "error"]["details"]
    assert client.ok("GET", COUNTS.format(survey["id"]), 200)["waves"] == []
    unknown = client.get(COUNTS.format(survey["id"]), query_string={"segment_by": "team"})
    assert unknown.status_code == 422 and "segment_by" in unknown.get_json()["error"]["details"]
    assert client.get(COUNTS.format(999)).status_code == 404


def test_links_are_counted_per_day_and_segment_and_keep_no_interaction_id(
        client, engine, monkeypatch):
    survey = client.survey(template="ai-interaction", segments=["channel", "handled_by"])
    days = iter([datetime(2026, 9, 28, 9, tzinfo=UTC)] * 3 + [datetime(2026, 9, 29, 9, tzinfo=UTC)])
    monkeypatch.setattr(respondents, "utcnow", lambda: next(days))
    made = [({"channel": "chat", "handled_by": "ai"}, "c-1"),
            ({"channel": "chat", "handled_by": "ai"}, "c-2"),
            ({"channel": "voice", "handled_by": "human"}, "c-3"),
            ({"channel": "chat", "handled_by": "human"}, "c-4")]
    links = [client.ok("POST", f"/api/v1/surveys/{survey['id']}/links", 201,
                       json={"interaction_id": interaction, "segment": segment})
             for segment, interaction in made]
    answer = client.ok("GET", COUNTS.format(survey["id"]), 200,
                       query_string={"segment_by": "channel"})
    assert {(r["day"], r["segment"]["channel"]): r["links"] for r in answer["links"]} == {
        ("2026-09-28", "chat"): 2, ("2026-09-28", "voice"): 1, ("2026-09-29", "chat"): 1}
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("link_counts")}
        stored = conn.execute(sa.text("SELECT * FROM link_counts")).all()
    assert columns == {"survey_id", "day", "combo_id", "links"}
    assert not any("c-" in str(value) for row in stored for value in row)
    # A link made is not a response: rating stays one per interaction, counts unchanged.
    token = links[0]["token"]
    client.respond(token, INTERACTION_ANSWERS)
    assert client.respond(token, INTERACTION_ANSWERS).status_code == 409
    per_day = Counter()
    for row in client.ok("GET", COUNTS.format(survey["id"]), 200)["links"]:
        per_day[row["day"]] += row["links"]
    assert per_day == {"2026-09-28": 3, "2026-09-29": 1}
