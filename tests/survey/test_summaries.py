"""The internal summaries and comments reads, and summaries equal to those of the raw rows."""

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.survey.responses import imports
from services.survey.summaries import repository
from services.survey.summaries.folding import fold_deltas
from shared.summaries import SummaryLayout
from tests.survey.conftest import PULSE_ANSWERS, iso


def _import(client, survey_id, rows):
    return client.ok("POST", f"/api/v1/surveys/{survey_id}/responses/import", 201,
                     json={"responses": rows})


def _row(day, answers=PULSE_ANSWERS, **segment):
    return {"submitted_at": f"{day}T00:00:00Z", "segment": segment, "answers": answers}


def test_groups_by_period_and_segment_with_filters(client):
    survey = client.survey()
    rows = [_row("2026-03-02", department="Support", location="Leeds"),
            _row("2026-03-03", department="Support", location="York"),
            _row("2026-03-10", department="Sales", location="Leeds"),
            _row("2026-04-01", department="Support", location="Leeds")]
    _import(client, survey["id"], rows)
    base = f"/internal/surveys/{survey['id']}/summaries"
    weekly = client.ok("GET", base + "?group_by=week&segment_by=department", 200)
    assert [(g["period"], g["segment"], g["n"]) for g in weekly["groups"]] == [
        ("2026-W10", {"department": "Support"}, 2), ("2026-W11", {"department": "Sales"}, 1),
        ("2026-W14", {"department": "Support"}, 1)]
    doc = weekly["survey"]
    assert doc["id"] == survey["id"] and doc["segments"] == ["department", "location"]
    assert doc["anonymity_threshold"] == 5 and doc["questions"] == survey["questions"]
    assert doc["waves"] == []
    filtered = client.ok("GET", base + "?group_by=month&filter=location=Leeds;department=Support"
                                       "&from=2026-03-01&to=2026-03-31", 200)
    assert [(g["period"], g["n"]) for g in filtered["groups"]] == [("2026-03", 1)]
    layout = SummaryLayout(doc)
    total = client.ok("GET", base, 200)["groups"]
    assert len(total) == 1 and total[0]["period"] is None
    assert layout.decode(total[0]["n"], total[0]["vector"]) == \
        layout.decode(4, layout.encode_many([PULSE_ANSWERS] * 4))


def test_summaries_query_is_validated(client):
    survey = client.survey()
    base = f"/internal/surveys/{survey['id']}/summaries"
    for query, field in (("?group_by=year", "group_by"), ("?segment_by=salary", "segment_by"),
                         ("?filter=salary=high", "filter"), ("?filter=nonsense", "filter"),
                         ("?from=2026-03-02&to=2026-03-01", "to"), ("?from=monday", "from")):
        response = client.get(base + query)
        assert response.status_code == 422, query
        assert field in response.get_json()["error"]["details"], query
    assert client.get("/internal/surveys/999/summaries").status_code == 404


def test_comments_are_shuffled_text_of_the_group_only(client):
    survey = client.survey()
    rows = [_row("2026-03-02", {**PULSE_ANSWERS, "comment": f"c{i}"}, department="Support")
            for i in range(12)] + [_row("2026-03-02", department="Sales")]
    _import(client, survey["id"], rows)
    base = f"/internal/surveys/{survey['id']}/comments?question=comment"
    answer = client.ok("GET", base + "&filter=department=Support", 200)
    assert answer["n"] == 12 and sorted(answer["comments"]) == sorted(f"c{i}" for i in range(12))
    assert set(answer) == {"n", "comments"}
    orders = {tuple(client.ok("GET", base, 200)["comments"]) for _ in range(5)}
    assert len(orders) > 1
    assert client.get(f"/internal/surveys/{survey['id']}/comments?question=recommend_workplace"
                      ).status_code == 422


answers_strategy = st.fixed_dictionaries(
    {key: st.integers(0, 10) if key == "recommend_workplace" else st.integers(1, 5) for key in PULSE_ANSWERS},
    # Any text an answer may hold: no NUL, no lone surrogate.
    optional={"comment": st.text(st.characters(exclude_categories=["Cs"],
                                               exclude_characters="\x00"), max_size=5)})
# (answers, department, days ago, route: 0 a token's answer else imported, fold after)
response_strategy = st.tuples(answers_strategy, st.sampled_from(["A", "B", None]),
                              st.integers(0, 2), st.integers(0, 3), st.booleans())


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(responses=st.lists(response_strategy, min_size=1, max_size=14))
def test_stored_summaries_equal_those_of_the_raw_rows(client, engine, monkeypatch, responses):
    """However responses arrive (single answers or imports in any batches, each import
    validated and stored in batches of 2), and whenever single answers' deltas are folded
    into buckets, the summaries add up."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    survey = client.survey(title="Property")
    wave = client.wave(survey["id"])
    today = datetime.now(UTC).date()
    batch: list = []
    for answers, department, days_ago, route, fold in responses:
        segment = {"department": department} if department else {}
        if route == 0:  # answered with a token today
            (token,) = client.invite(wave["id"], [segment])
            assert client.respond(token, answers).status_code == 201
        else:
            batch.append(_row((today - timedelta(days=days_ago)).isoformat(), answers, **segment))
            if route == 1 or len(batch) > 3:
                _import(client, survey["id"], batch)
                batch = []
        if fold:
            fold_deltas(engine)
    if batch:
        _import(client, survey["id"], batch)
    layout = SummaryLayout(survey)
    raw = defaultdict(list)
    with engine.connect() as conn:
        for day, wave_id, combo, answers in conn.execute(sa.text(
                "SELECT r.submitted_on, r.wave_id, c.segment, r.answers FROM responses r "
                "JOIN segment_combos c ON c.id = r.combo_id WHERE r.survey_id = :s"),
                {"s": survey["id"]}):
            # A response in a wave counts on its wave's opening day (yesterday, in the hour
            # after midnight UTC: the wave opened an hour ago).
            label = wave["opens_at"][:10] if wave_id == wave["id"] else str(day)[:10]
            raw[(label, json.loads(combo).get("department"))].append(json.loads(answers))
    assert sum(len(v) for v in raw.values()) == len(responses)
    stored = client.ok("GET", f"/internal/surveys/{survey['id']}/summaries"
                              "?group_by=day&segment_by=department", 200)["groups"]
    assert len(stored) == len(raw)
    for group in stored:
        expected = raw[(group["period"], group["segment"]["department"])]
        assert layout.decode(group["n"], group["vector"]) == \
            layout.decode(len(expected), layout.encode_many(expected))


def test_parts_hold_the_whole_vectors_slots_and_zeros_elsewhere(client):
    survey = client.survey()
    rows = [_row("2026-03-02", department="Support"),
            _row("2026-03-03", {**PULSE_ANSWERS, "recommend_workplace": 3, "worn_out": 1}, department="Sales"),
            _row("2026-03-10", {**PULSE_ANSWERS, "ai_control": 5}, department="Support")]
    _import(client, survey["id"], rows)
    base = f"/internal/surveys/{survey['id']}/summaries?group_by=week&segment_by=department"
    whole = client.ok("GET", base, 200)
    assert whole["parts"] is None
    layout = SummaryLayout(whole["survey"])
    for parts in ("index:ai_trust,hist:recommend_workplace,moments", "hist:worn_out", "index:wellbeing",
                  "moments,index:ai_readiness", "hist:recommend_workplace,hist:job_security"):
        answer = client.ok("GET", f"{base}&parts={parts}", 200)
        assert answer["parts"] == parts.split(",")
        slots = set()
        for part in parts.split(","):
            first, count = layout.part_slots(part)
            slots.update(range(first, first + count))
        assert slots and len(slots) < layout.size
        assert [(g["period"], g["segment"], g["n"]) for g in answer["groups"]] == \
            [(g["period"], g["segment"], g["n"]) for g in whole["groups"]]
        for got, full in zip(answer["groups"], whole["groups"]):
            assert len(got["vector"]) == layout.size
            assert [got["vector"][i] for i in sorted(slots)] == \
                [full["vector"][i] for i in sorted(slots)]
            assert all(got["vector"][i] == 0 for i in range(layout.size) if i not in slots)
            assert any(got["vector"][i] for i in slots)
    # Decoded, the asked-for part equals the whole vector's.
    answer = client.ok("GET", f"{base}&parts=index:ai_trust,hist:recommend_workplace,moments", 200)
    for got, full in zip(answer["groups"], whole["groups"]):
        part, every = layout.decode(got["n"], got["vector"]), layout.decode(full["n"], full["vector"])
        assert part.index_hist["ai_trust"] == every.index_hist["ai_trust"]
        assert part.hist["recommend_workplace"] == every.hist["recommend_workplace"]
        assert (part.sums, part.cross) == (every.sums, every.cross)
        assert part.hist["worn_out"] != every.hist["worn_out"]


def test_parts_are_validated(client):
    survey = client.survey()
    base = f"/internal/surveys/{survey['id']}/summaries?parts="
    for parts in ("hist:nope", "index:recommend_workplace", "hist:comment", "moments,moments", "", "sums",
                  "hist:recommend_workplace,,moments"):
        response = client.get(base + parts)
        assert response.status_code == 422, parts
        assert "parts" in response.get_json()["error"]["details"], parts


def test_revision_is_the_surveys_response_count_whatever_the_query(client):
    survey, other = client.survey(), client.survey()
    _import(client, other["id"], [_row("2026-03-02", department="Support")])
    base = f"/internal/surveys/{survey['id']}/summaries"
    assert client.ok("GET", base, 200)["revision"] is None  # counted only when asked
    base += "?revision=true"
    assert client.ok("GET", base, 200)["revision"] == 0
    _import(client, survey["id"], [_row("2026-03-02", department="Support", location="Leeds"),
                                   _row("2026-03-03", department="Sales", location="York"),
                                   _row("2026-04-01", department="Support", location="Leeds")])
    for query in ("", "&group_by=day&segment_by=department&parts=hist:recommend_workplace", "&group_by=wave",
                  "&filter=department=Sales", "&from=2026-04-01", "&wave=99",
                  "&from=1970-01-01&to=1970-01-01"):
        assert client.ok("GET", base + query, 200)["revision"] == 3, query
    _import(client, survey["id"], [_row("2026-05-04", department="Legal", location="York")])
    assert client.ok("GET", base + "&filter=department=Sales", 200)["revision"] == 4


def test_imports_counts_the_surveys_stored_imports_and_nothing_else(client):
    survey, other = client.survey(), client.survey()
    base = f"/internal/surveys/{survey['id']}/summaries"
    assert client.ok("GET", base, 200)["imports"] == 0
    _import(client, survey["id"], [_row("2026-03-02", department="Support", location="Leeds")])
    _import(client, other["id"], [_row("2026-03-02", department="Support", location="Leeds")])
    assert client.ok("GET", base + "?group_by=week&from=2027-01-04", 200)["imports"] == 1
    # A single response (it lands in an open period) and a refused import count nothing.
    wave = client.wave(survey["id"])
    (token,) = client.invite(wave["id"], [{"department": "Sales", "location": "York"}])
    assert client.respond(token, PULSE_ANSWERS).status_code == 201
    bad = client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                      json={"responses": [_row("2026-03-03", {"nope": 1}, department="Sales")]})
    assert bad.status_code == 422
    assert client.ok("GET", base, 200)["imports"] == 1
    _import(client, survey["id"], [_row("2026-03-09", department="Sales", location="York")])
    assert client.ok("GET", base + "?filter=department=Sales", 200)["imports"] == 2


def _commented(day, text, **segment):
    return _row(day, {**PULSE_ANSWERS, "comment": text}, **segment)


def test_atom_min_keeps_the_texts_of_atoms_holding_that_many_responses(client):
    survey = client.survey()
    support, sales = {"department": "Support", "location": "Leeds"}, {"department": "Sales",
                                                                      "location": "Leeds"}
    # W10 (March): Support 4 with a comment on Monday and 6 without on Wednesday; Sales 3.
    # W14 (Mar 30 - Apr 5) is one atom of Support, 11: months are whole ISO weeks.
    rows = ([_commented("2026-03-02", f"mon{i}", **support) for i in range(4)]
            + [_row("2026-03-04", **support) for _ in range(6)]
            + [_commented("2026-03-02", f"sales{i}", **sales) for i in range(3)]
            + [_commented("2026-03-31", f"march{i}", **support) for i in range(6)]
            + [_commented("2026-04-01", f"april{i}", **support) for i in range(5)])
    _import(client, survey["id"], rows)
    base = f"/internal/surveys/{survey['id']}/comments?question=comment"
    monday = base + "&from=2026-03-02&to=2026-03-02"
    # The atom counts the whole piece, outside the window and without comments too.
    answer = client.ok("GET", monday + "&atom_min=10", 200)
    assert answer["n"] == 7 and sorted(answer["comments"]) == [f"mon{i}" for i in range(4)]
    assert set(answer) == {"n", "comments"}
    assert client.ok("GET", monday + "&atom_min=11", 200) == {"n": 7, "comments": []}
    assert len(client.ok("GET", monday, 200)["comments"]) == 7  # no atom_min: every text
    week = base + "&from=2026-03-30&to=2026-04-05&filter=department=Support"
    assert len(client.ok("GET", week + "&atom_min=11", 200)["comments"]) == 11
    assert client.ok("GET", week + "&atom_min=12", 200) == {"n": 11, "comments": []}
    for bad in ("0", "-1", "many"):
        response = client.get(base + "&atom_min=" + bad)
        assert response.status_code == 422 and "atom_min" in response.get_json()["error"][
            "details"], bad


def test_atom_min_counts_single_responses_before_they_are_folded(client, engine):
    survey = client.survey()
    wave = client.wave(survey["id"])
    segment = {"department": "Support", "location": "Leeds"}
    now = iso(datetime.now(UTC) - timedelta(seconds=1))
    _import(client, survey["id"], [
        {"submitted_at": now, "segment": segment,
         "answers": {**PULSE_ANSWERS, "comment": f"imported{i}"}} for i in range(9)])
    query = (f"/internal/surveys/{survey['id']}/comments?question=comment&atom_min=10"
             f"&wave={wave['id']}")
    assert client.ok("GET", query, 200) == {"n": 9, "comments": []}
    (token,) = client.invite(wave["id"], [segment])
    assert client.respond(token, {**PULSE_ANSWERS, "comment": "answered"}).status_code == 201
    # On PostgreSQL the tenth response is a summary delta until folded: counted all the same.
    with engine.connect() as conn:
        deltas = conn.execute(sa.text("SELECT count(*) FROM summary_deltas")).scalar()
    assert deltas == (1 if engine.dialect.name == "postgresql" else 0)
    shown = client.ok("GET", query, 200)
    assert shown["n"] == 10 and sorted(shown["comments"]) == sorted(
        ["answered", *(f"imported{i}" for i in range(9))])
    fold_deltas(engine)
    assert len(client.ok("GET", query, 200)["comments"]) == 10


def test_bucket_columns_hold_the_rows_buckets_and_deltas_give(client, engine):
    """The columns read (on PostgreSQL by one binary COPY) are the rows `fetch_buckets`
    reads, deltas not folded yet included, under a window, a wave and a combination filter."""
    survey = client.survey()
    wave = client.wave(survey["id"])
    today = datetime.now(UTC).date()
    _import(client, survey["id"], [
        _row((today - timedelta(days=d)).isoformat(), department=dept, location=loc)
        for d in (0, 1, 3, 9) for dept in ("Support", "Sales") for loc in ("Leeds", "York")])
    for token in client.invite(wave["id"], [{"department": "Support", "location": "York"}] * 2):
        assert client.respond(token, PULSE_ANSWERS).status_code == 201
    layout = SummaryLayout(survey)
    ranges = [(0, 3), (layout.size - 2, 2)]
    with engine.connect() as conn:
        combos = list(repository.fetch_combos(conn, survey_id=survey["id"]))
        if engine.dialect.name == "postgresql":
            assert conn.execute(sa.text("SELECT count(*) FROM summary_deltas")).scalar() == 2
        for query in ({"start": None, "end": None, "wave_id": None, "combo_ids": None},
                      {"start": today - timedelta(days=3), "end": today, "wave_id": None,
                       "combo_ids": combos[:2], "waves_inside": [wave["id"]]},
                      {"start": None, "end": None, "wave_id": wave["id"], "combo_ids": None}):
            rows = repository.fetch_buckets(conn, survey_id=survey["id"], slot_ranges=ranges,
                                            **query)
            columns = repository.fetch_bucket_columns(conn, survey_id=survey["id"],
                                                      slot_ranges=ranges, **query)
            days = [(date(1970, 1, 1) + timedelta(days=d)).isoformat()
                    for d in columns.days.tolist()]
            read = list(zip(days, columns.waves.tolist(), columns.combos.tolist(),
                            columns.n.tolist(), *(b.tolist() for b in columns.blocks)))
            expected = [(str(r[0])[:10], r[1], r[2], r[3],
                         *(np.frombuffer(bytes(b), dtype="<i8").tolist() for b in r[4:]))
                        for r in rows]
            assert rows and sorted(read) == sorted(expected)


def test_bucket_columns_refuse_rows_of_another_width(client, engine):
    """A bucket whose vector is cut short is an error, never read as shifted columns."""
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL reads buckets by a binary COPY")
    survey = client.survey()
    _import(client, survey["id"], [_row("2026-03-02", department="Support")])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE summary_buckets SET vector = substr(vector, 1, 16) "
                             "WHERE survey_id = :s"), {"s": survey["id"]})
    with engine.connect() as conn, pytest.raises(ValueError, match="widths"):
        repository.fetch_bucket_columns(conn, survey_id=survey["id"], start=None, end=None,
                                        wave_id=None, combo_ids=None, slot_ranges=[(0, 4)])


def test_columns_shape_holds_the_groups_and_only_the_parts_slots(client):
    survey = client.survey()
    wave = client.wave(survey["id"])
    today = datetime.now(UTC).date()
    # Days before the wave, which opened an hour ago: none of these rows is in it.
    _import(client, survey["id"], [
        _row((today - timedelta(days=d)).isoformat(), department=dept)
        for d in (1, 2, 8) for dept in ("Support", "Sales", "Support")])
    (token,) = client.invite(wave["id"], [{"department": "Sales", "location": "York"}])
    assert client.respond(token, PULSE_ANSWERS).status_code == 201
    layout = SummaryLayout(survey)
    part = f"hist:{survey['questions'][0]['key']}"
    first, count = layout.part_slots(part)
    base = f"/internal/surveys/{survey['id']}/summaries?segment_by=department,location"
    for group_by in ("bucket", "week", "wave", "all"):
        groups = client.ok("GET", f"{base}&group_by={group_by}&parts={part}", 200)["groups"]
        answer = client.ok("GET", f"{base}&group_by={group_by}&parts={part}&shape=columns", 200)
        columns = answer["columns"]
        assert answer["groups"] == [] and columns["slots"] == list(range(first, first + count))
        assert columns["periods"] == [g["period"] for g in groups]
        assert columns["waves"] == ([g["wave"] for g in groups] if group_by == "bucket" else None)
        assert columns["segments"] == [[g["segment"]["department"], g["segment"]["location"]]
                                       for g in groups]
        assert columns["n"] == [g["n"] for g in groups]
        assert sum(columns["n"]) == (1 if group_by == "wave" else 10)
        assert columns["vectors"] == [g["vector"][first:first + count] for g in groups]
    whole = client.ok("GET", f"{base}&group_by=all&shape=columns", 200)["columns"]
    assert whole["slots"] == list(range(layout.size))
    empty = client.ok("GET", f"{base}&from=1970-01-01&to=1970-01-01&parts={part}&shape=columns",
                      200)["columns"]
    assert empty["n"] == [] and empty["slots"] == list(range(first, first + count))
    assert client.get(f"{base}&shape=rows").status_code == 422
