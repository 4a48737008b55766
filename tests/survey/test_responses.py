"""Responding with invitation tokens and customer links: 201, 404, 409, 410, 422, idempotency."""

import json
from functools import partial

import numpy as np
import sqlalchemy as sa

from services.survey.respondents.tokens import make_link_token, token_hash
from services.survey.summaries.folding import fold_deltas
from shared.summaries import SummaryLayout, vector_to_bytes, vectors_from_bytes
from tests.survey.conftest import (
    INTERACTION_ANSWERS,
    PULSE_ANSWERS,
    at_once,
    summarised_count,
)


def _open_pulse(client, segments=({"department": "Support"},)):
    survey = client.survey()
    wave = client.wave(survey["id"])
    return survey, wave, client.invite(wave["id"], list(segments))


def test_invitation_token_answers_once_and_stores_no_link_to_it(client, engine):
    _, wave, (token,) = _open_pulse(client)
    response = client.respond(token, {**PULSE_ANSWERS, "comment": "Fine."})
    assert response.status_code == 201
    assert set(response.get_json()) == {"id"}
    again = client.respond(token, PULSE_ANSWERS)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    with engine.connect() as conn:
        invitation = conn.execute(sa.text("SELECT * FROM invitations")).mappings().one()
        stored = conn.execute(sa.text("SELECT * FROM responses")).mappings().one()
    assert invitation["token_hash"] == token_hash(token) and token not in json.dumps(
        {k: str(v) for k, v in invitation.items()})
    assert invitation["used"] in (True, 1)
    assert set(invitation) == {"token_hash", "survey_id", "wave_id", "segment", "used"}
    # Employee responses keep the day, not the time, and nothing naming the token.
    assert stored["submitted_at"] is None and stored["submitted_on"] is not None
    assert not any("token" in column for column in stored)
    assert stored["wave_id"] == wave["id"]


def test_unknown_token_is_404_and_closed_or_future_wave_is_410(client):
    survey = client.survey()
    assert client.respond("no-such-token", PULSE_ANSWERS).status_code == 404
    closed = client.wave(survey["id"], opens=-48, closes=-24)
    future = client.wave(survey["id"], opens=24, closes=48)
    (late,) = client.invite(future["id"], [{}])
    response = client.respond(late, PULSE_ANSWERS)
    assert response.status_code == 410 and response.get_json()["error"]["code"] == "gone"
    assert client.post(f"/api/v1/waves/{closed['id']}/invitations",
                       json={"respondents": [{}]}).status_code == 410
    assert client.post("/api/v1/waves/999/invitations",
                       json={"respondents": [{}]}).status_code == 404


def test_invalid_answers_are_named_in_one_422_and_spend_nothing(client):
    _, _, (token,) = _open_pulse(client)
    answers = {**PULSE_ANSWERS, "job_security": 6, "recommend_workplace": "8", "worn_out": True,
               "colour": "red", "comment": "x" * 2001}
    del answers["ai_skills"]
    response = client.respond(token, answers)
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details) == {"answers.job_security", "answers.recommend_workplace", "answers.worn_out",
                            "answers.colour", "answers.ai_skills", "answers.comment"}
    assert details["answers.colour"] == ["Unknown field."]
    assert client.respond(token, PULSE_ANSWERS).status_code == 201


def test_request_shape_is_validated(client):
    assert client.post("/api/v1/responses", json={"answers": {}}).status_code == 422
    bad = client.post("/api/v1/responses", json={"token": "t", "answers": [1]})
    assert bad.status_code in (404, 422)
    assert client.post("/api/v1/responses", data="{", content_type="application/json"
                       ).status_code == 400


def test_idempotency_key_replays_the_same_201_and_stores_nothing(client, engine):
    _, _, (token,) = _open_pulse(client)
    headers = {"Idempotency-Key": "retry-1"}
    first = client.respond(token, PULSE_ANSWERS, headers=headers)
    second = client.respond(token, PULSE_ANSWERS, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM responses")).scalar() == 1
    assert summarised_count(engine) == 1
    assert client.respond(token, PULSE_ANSWERS).status_code == 409


RETRY_ROUNDS, RETRY_CLIENTS = 5, 16


def test_concurrent_retries_with_one_idempotency_key_all_get_the_first_201(client, live, engine):
    _, _, tokens = _open_pulse(client, [{"department": "Support"}] * RETRY_ROUNDS)
    for round_, token in enumerate(tokens):  # a race: several rounds, so that a lost one shows
        retry = partial(live.post, "/api/v1/responses", headers={"Idempotency-Key": f"k{round_}"},
                        json={"token": token, "answers": PULSE_ANSWERS})
        answers = at_once([retry] * RETRY_CLIENTS)
        assert [a.status_code for a in answers] == [201] * RETRY_CLIENTS, round_
        assert len({a.json()["id"] for a in answers}) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM responses")).scalar() == RETRY_ROUNDS
    assert summarised_count(engine) == RETRY_ROUNDS


def test_invitation_segments_must_be_survey_attributes(client):
    survey = client.survey()
    wave = client.wave(survey["id"])
    response = client.post(f"/api/v1/waves/{wave['id']}/invitations", json={"respondents": [
        {"segment": {"department": "Support"}}, {"segment": {"salary": "high"}}]})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["details"]) == ["respondents.1.segment"]
    tokens = client.invite(wave["id"], [{"department": "A"}, {"location": "Leeds"}, {}])
    assert len(tokens) == len(set(tokens)) == 3


def _customer(client, **fields):
    return client.survey(title="After chat", template="ai-interaction",
                         segments=["channel", "handled_by", "region"], **fields)


def test_customer_link_allows_one_response_per_interaction(client, app, engine):
    survey = _customer(client)
    link = client.ok("POST", f"/api/v1/surveys/{survey['id']}/links", 201, json={
        "interaction_id": "chat-1", "segment": {"channel": "chat", "handled_by": "ai"}})
    settings = app.config["TRUSTPULSE_SETTINGS"]
    assert link["url"] == f"{settings.url_of('gateway')}/s/{link['token']}"
    assert client.respond(link["token"], INTERACTION_ANSWERS).status_code == 201
    assert client.respond(link["token"], INTERACTION_ANSWERS).status_code == 409
    # Customer responses may keep the time.
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT submitted_at FROM responses")).scalar() is not None


def test_offline_links_made_with_the_shared_secret_work(client, app):
    survey = _customer(client)
    secret = app.config["TRUSTPULSE_SETTINGS"].link_secret
    token = make_link_token(secret, survey_id=survey["id"], interaction_id="call-7",
                            segment={"channel": "phone"})
    assert client.respond(token, INTERACTION_ANSWERS).status_code == 201
    forged = make_link_token("wrong", survey_id=survey["id"], interaction_id="call-8", segment={})
    assert client.respond(forged, INTERACTION_ANSWERS).status_code == 404
    foreign = make_link_token(secret, survey_id=survey["id"], interaction_id="call-9",
                              segment={"salary": "high"})
    assert client.respond(foreign, INTERACTION_ANSWERS).status_code == 404


def test_links_validate_segment_and_survey(client):
    survey = _customer(client)
    bad = client.post(f"/api/v1/surveys/{survey['id']}/links",
                      json={"interaction_id": "x", "segment": {"department": "A"}})
    assert bad.status_code == 422 and "segment" in bad.get_json()["error"]["details"]
    assert client.post("/api/v1/surveys/999/links", json={"interaction_id": "x"}
                       ).status_code == 404
    assert client.post(f"/api/v1/surveys/{survey['id']}/links", json={}).status_code == 422


def test_customer_survey_with_waves_takes_links_only_inside_one(client, app):
    survey = _customer(client)
    secret = app.config["TRUSTPULSE_SETTINGS"].link_secret

    def link(name):
        return make_link_token(secret, survey_id=survey["id"], interaction_id=name, segment={})

    client.wave(survey["id"], opens=-48, closes=-24)
    assert client.respond(link("a"), INTERACTION_ANSWERS).status_code == 410
    wave = client.wave(survey["id"], opens=-1, closes=1)
    assert client.respond(link("b"), INTERACTION_ANSWERS).status_code == 201
    summaries = client.ok("GET", f"/internal/surveys/{survey['id']}/summaries?group_by=wave",
                          200)
    assert [(g["period"], g["n"]) for g in summaries["groups"]] == [(f"wave-{wave['id']}", 1)]


def _end_pooled_session(engine):
    """End the pooled PostgreSQL session, as a database restart does (SQLite has none)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        own = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    admin = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": own})
    admin.dispose()


def test_sessions_ended_by_the_database_cost_no_response_and_no_false_not_ready(client, engine):
    """Pooled connections are not pinged: one found dead is replaced and the work redone."""
    survey = client.survey(title="Links", template="ai-interaction", segments=["channel"])
    secret = client.app.config["TRUSTPULSE_SETTINGS"].link_secret
    tokens = [make_link_token(secret, survey_id=survey["id"], interaction_id=f"call-{i}",
                              segment={"channel": "chat"}) for i in range(3)]
    assert client.respond(tokens[0], INTERACTION_ANSWERS).status_code == 201
    assert client.get("/readyz").status_code == 200
    _end_pooled_session(engine)
    assert client.respond(tokens[1], INTERACTION_ANSWERS).status_code == 201
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM responses")).scalar_one() == 2
    _end_pooled_session(engine)
    assert client.get("/readyz").status_code == 200
    assert client.respond(tokens[2], INTERACTION_ANSWERS).status_code == 201


def test_a_response_adds_to_a_bucket_whose_counts_fill_every_byte(client, engine):
    """Every byte of each int64 slot carries, including the high ones, whether the bucket
    is added to at once (SQLite) or by folding the response's delta (PostgreSQL)."""
    survey, _, (first, second) = _open_pulse(client, [{"department": "Support"}] * 2)
    assert client.respond(first, PULSE_ANSWERS).status_code == 201
    fold_deltas(engine)
    layout = SummaryLayout(survey)
    large = (np.arange(layout.size, dtype=np.int64) * (2 ** 40 + 2 ** 24 + 255)) + 2 ** 56
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE summary_buckets SET n = :n, vector = :v"),
                     {"n": 2 ** 33, "v": vector_to_bytes(large)})
    assert client.respond(second, PULSE_ANSWERS).status_code == 201
    fold_deltas(engine)
    with engine.connect() as conn:
        n, blob = conn.execute(sa.text("SELECT n, vector FROM summary_buckets")).one()
    assert n == 2 ** 33 + 1
    assert np.array_equal(vectors_from_bytes([bytes(blob)], layout.size)[0],
                          large + layout.encode(PULSE_ANSWERS))
