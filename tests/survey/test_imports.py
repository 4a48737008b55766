"""Imports in JSON and CSV: every row validated, all stored or none, waves from submitted_at."""

import gc
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from services.survey.responses import imports
from services.survey.responses.repository import encode_answers
from tests.survey.conftest import PULSE_ANSWERS, bucket_made_before_copy


def _count(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def _row(day="2026-03-02", **segment):
    return {"submitted_at": f"{day}T09:30:00Z", "segment": segment, "answers": PULSE_ANSWERS}


def test_json_import_stores_rows_and_their_summaries(client, engine):
    survey = client.survey()
    rows = [_row(department="Support"), _row(department="Sales"), _row("2026-03-03")]
    result = client.ok("POST", f"/api/v1/surveys/{survey['id']}/responses/import", 201,
                       json={"responses": rows})
    assert result == {"imported": 3}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(n) FROM summary_buckets")).scalar() == 3
        assert conn.execute(sa.text("SELECT count(*) FROM summary_buckets")).scalar() == 3
        # Employee rows keep the day only, even when imported with a time.
        assert conn.execute(sa.text(
            "SELECT count(*) FROM responses WHERE submitted_at IS NOT NULL")).scalar() == 0


def test_one_bad_row_stores_nothing_and_every_bad_row_is_named(client, engine):
    survey = client.survey()
    bad_answers = {**PULSE_ANSWERS, "recommend_workplace": 11}
    rows = [_row(), {**_row(), "answers": bad_answers}, _row(),
            {"submitted_at": "not a time", "answers": PULSE_ANSWERS},
            {**_row(), "segment": {"salary": "high"}}, {**_row(), "extra": 1},
            {"submitted_at": "2999-01-01T00:00:00Z", "answers": PULSE_ANSWERS}]
    response = client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                           json={"responses": rows})
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert set(details) == {"responses.1.answers.recommend_workplace", "responses.3.submitted_at",
                            "responses.4.segment", "responses.5.extra",
                            "responses.6.submitted_at"}
    assert _count(engine, "responses") == 0 and _count(engine, "summary_buckets") == 0


def test_csv_import_reads_segment_and_question_columns(client, engine):
    survey = client.survey()
    keys = list(PULSE_ANSWERS)
    header = ["submitted_at", "department", *keys, "comment"]
    lines = [",".join(header)]
    for day, dept in (("2026-03-02", "Support"), ("2026-03-02", ""), ("2026-03-04", "Sales")):
        values = [f"{day}T10:00:00Z", dept, *(str(PULSE_ANSWERS[k]) for k in keys),
                  '"Good, mostly"']
        lines.append(",".join(values))
    response = client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                           data="\n".join(lines), content_type="text/csv")
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"imported": 3}
    comments = client.ok("GET", f"/internal/surveys/{survey['id']}/comments?question=comment",
                         200)
    assert comments == {"n": 3, "comments": ["Good, mostly"] * 3}
    summary = client.ok("GET", f"/internal/surveys/{survey['id']}/summaries"
                               "?segment_by=department", 200)
    assert {(g["segment"]["department"], g["n"]) for g in summary["groups"]} == {
        ("Support", 1), (None, 1), ("Sales", 1)}


def test_csv_errors_name_columns_and_rows(client, engine):
    survey = client.survey()
    bad_header = client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                             data="submitted_at,colour\n2026-03-02,red\n", content_type="text/csv")
    assert bad_header.status_code == 422
    assert bad_header.get_json()["error"]["details"]["columns"] == ["Unknown column 'colour'."]
    keys = list(PULSE_ANSWERS)
    good = ",".join(["2026-03-02T10:00:00Z", *(str(PULSE_ANSWERS[k]) for k in keys)])
    bad = ",".join(["2026-03-02T10:00:00Z", "four", *(str(PULSE_ANSWERS[k]) for k in keys[1:])])
    body = "\n".join([",".join(["submitted_at", *keys]), good, bad, good])
    response = client.post(f"/api/v1/surveys/{survey['id']}/responses/import", data=body,
                           content_type="text/csv")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["details"]) == [f"rows.1.answers.{keys[0]}"]
    assert _count(engine, "responses") == 0


def _csv(keys: list[str], rows: list[list[str]]) -> str:
    return "\n".join([",".join(["submitted_at", *keys]), *(",".join(row) for row in rows)])


def test_submitted_at_past_what_utc_holds_is_named_in_json_and_csv(client, engine):
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/responses/import"
    keys = list(PULSE_ANSWERS)
    answers = [str(PULSE_ANSWERS[k]) for k in keys]
    for text in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        # Alone (the column-wise checks), and beside good rows (the row-wise ones).
        for rows in ([text], ["2026-03-02T10:00:00Z", text]):
            bad = len(rows) - 1
            answer = client.post(path, json={"responses": [
                {"submitted_at": at, "answers": PULSE_ANSWERS} for at in rows]})
            assert answer.status_code == 422, answer.get_data(as_text=True)
            assert list(answer.get_json()["error"]["details"]) == [
                f"responses.{bad}.submitted_at"]
            answer = client.post(path, data=_csv(keys, [[at, *answers] for at in rows]),
                                 content_type="text/csv")
            assert answer.status_code == 422, answer.get_data(as_text=True)
            assert list(answer.get_json()["error"]["details"]) == [f"rows.{bad}.submitted_at"]
    assert _count(engine, "responses") == 0
    client.ok("POST", path, 201, json={"responses": [
        {"submitted_at": "0001-01-01T01:00:00+01:00", "answers": PULSE_ANSWERS}]})


def test_csv_numbers_are_plain_ascii_digits_only(client, engine):
    survey = client.survey()
    keys = list(PULSE_ANSWERS)
    good = ["2026-03-02T10:00:00Z", *(str(PULSE_ANSWERS[k]) for k in keys)]
    rows = [good] + [[good[0], odd, *good[2:]] for odd in ("\u0664", "+4", " 4 ", "04", "4.0")]
    answer = client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                         data=_csv(keys, rows), content_type="text/csv")
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert list(answer.get_json()["error"]["details"]) == [
        f"rows.{i}.answers.{keys[0]}" for i in range(1, 6)]
    assert _count(engine, "responses") == 0


def test_text_no_database_stores_is_named_by_row_and_nothing_is_stored(client, engine):
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/responses/import"
    odd_rows = [{**_row(department="Sup\x00port")}, {**_row(department="\udc00")},
                {**_row(), "answers": {**PULSE_ANSWERS, "comment": "a\x00b"}}]
    for odd in odd_rows:
        # Alone (the column-wise checks), and beside a good row (the row-wise ones).
        for rows in ([odd], [_row(), odd]):
            answer = client.post(path, json={"responses": rows})
            assert answer.status_code == 422, answer.get_data(as_text=True)
            (field,) = answer.get_json()["error"]["details"]
            assert field.startswith(f"responses.{len(rows) - 1}."), field
    keys = list(PULSE_ANSWERS)
    answers = [str(PULSE_ANSWERS[k]) for k in keys]
    csv_text = _csv([*keys, "department", "comment"], [
        ["2026-03-02T10:00:00Z", *answers, "Support", "a\x00b"],
        ["2026-03-02T10:00:00Z", *answers, "Sup\x00port", "fine"]])
    answer = client.post(path, data=csv_text, content_type="text/csv")
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert list(answer.get_json()["error"]["details"]) == ["rows.0.answers.comment",
                                                           "rows.1.segment.department"]
    assert _count(engine, "responses") == 0


def test_import_assigns_the_wave_whose_window_contains_submitted_at(client):
    survey = client.survey()
    wave = client.ok("POST", f"/api/v1/surveys/{survey['id']}/waves", 201, json={
        "opens_at": "2026-03-01T00:00:00Z", "closes_at": "2026-03-03T00:00:00Z"})
    client.ok("POST", f"/api/v1/surveys/{survey['id']}/responses/import", 201, json={
        "responses": [_row("2026-03-02"), _row("2026-03-02"), _row("2026-03-05")]})
    by_wave = client.ok("GET", f"/internal/surveys/{survey['id']}/summaries?group_by=wave", 200)
    assert [(g["period"], g["n"]) for g in by_wave["groups"]] == [(f"wave-{wave['id']}", 2)]
    everything = client.ok("GET", f"/internal/surveys/{survey['id']}/summaries", 200)
    assert [g["n"] for g in everything["groups"]] == [3]


def test_import_body_limits_and_types(client):
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/responses/import"
    assert client.post(path, json={"responses": []}).status_code == 422
    assert client.post(path, json={"rows": []}).status_code == 422
    assert client.post(path, data="x", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/surveys/999/responses/import",
                       json={"responses": [_row()]}).status_code == 404
    # Over 1 MiB is refused elsewhere, but an import may be larger.
    big = {"responses": [_row(department="D" * 50)] * 6000}
    assert client.post("/api/v1/responses", json={"token": "x" * 2_000_000}).status_code == 413
    assert client.post(path, json=big).status_code == 201


def test_an_import_pauses_the_garbage_collector_only_while_it_runs(client, monkeypatch):
    survey = client.survey()
    seen = []
    original = imports.import_responses

    def watching(**kwargs):
        seen.append(gc.isenabled())
        return original(**kwargs)

    monkeypatch.setattr(imports, "import_responses", watching)
    client.ok("POST", f"/api/v1/surveys/{survey['id']}/responses/import", 201,
              json={"responses": [_row(department="Support")]})
    bad = client.post(f"/api/v1/surveys/{survey['id']}/responses/import",
                      json={"responses": [{"submitted_at": "never"}]})
    assert bad.status_code == 422
    assert seen == [False, False] and gc.isenabled()


def test_answers_are_encoded_as_json_read_back_the_same_with_no_raw_line_breaks():
    answers = [{"csat": 4, "comment": 'He said "fine", then }, {; tab\there\nnew € 😀 % s \\ \x00'},
               {"comment": "x", "csat": 5}, {}, {"csat": 4, "comment": "x"},
               {"nps": True, "csat": None, "k": 1.5}, {"k%s": "%d"},
               # Lone surrogates (JSON bodies can carry them), line separators, control
               # characters, non-ASCII and quoted keys, ints of any size.
               {"é\"k": "\ud800 \udfff \u2028\u2029 \x7f\x1f\r\x08\x0c", "n": -(2 ** 70)},
               {"csat": 0, "comment": ""}, {"nps": 10, "comment": "\u00e9" * 3 + "\uffff"}]
    encoded = encode_answers(answers)
    assert [json.loads(text) for text in encoded] == answers
    assert not any(c in text for text in encoded for c in "\t\n\r")


def test_imported_text_with_tabs_backslashes_and_non_ascii_is_stored_as_sent(client, engine):
    """Through COPY on PostgreSQL: its text format gives tabs, newlines and backslashes
    meanings of their own."""
    survey = client.survey()
    comments = ['tab\there\nnew line \\ back\\slash \\N "q" € 😀 \u2028 \x7f',
                "\\", "\\N", "plain"]
    client.ok("POST", f"/api/v1/surveys/{survey['id']}/responses/import", 201, json={
        "responses": [{**_row(), "answers": {**PULSE_ANSWERS, "comment": c}} for c in comments]})
    with engine.connect() as conn:
        stored = [json.loads(a) for a in conn.execute(sa.text(
            "SELECT answers FROM responses ORDER BY id")).scalars()]
    assert stored == [{**PULSE_ANSWERS, "comment": c} for c in comments]


def test_a_bucket_made_by_another_writer_during_an_import_makes_it_start_again(
        client, engine, monkeypatch):
    """On PostgreSQL a fold of responses' deltas, or another import, can make a bucket
    between the import's read and its COPY."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite imports hold the write lock from their first read")
    survey = client.survey()
    planted = bucket_made_before_copy(monkeypatch, engine)
    client.ok("POST", f"/api/v1/surveys/{survey['id']}/responses/import", 201,
              json={"responses": [_row(department="Support")]})
    assert planted
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM responses")).scalar() == 1
        assert conn.execute(sa.text("SELECT n FROM summary_buckets")).scalar_one() == 2


def test_import_bodies_orjson_refuses_are_read_as_json_reads_them(client):
    """NaN and numbers past a double are JSON to Python: rows holding them are refused by
    validation (422), not the body (400); non-JSON stays 400."""
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/responses/import"
    row = json.dumps(_row(department="Support"))
    for odd in ('{"recommend_workplace": NaN}', '{"recommend_workplace": 1e400}', '{"recommend_workplace": 123456789012345678901234567890}'):
        # The odd answer comes last: it wins over the same key given before.
        answers = json.dumps(PULSE_ANSWERS)[:-1] + ", " + odd[1:]
        body = ('{"responses": [' + row + ', {"submitted_at": "2026-03-02T09:30:00Z", '
                '"answers": ' + answers + "}]}")
        answer = client.post(path, data=body, content_type="application/json")
        assert answer.status_code == 422, (odd, answer.get_json())
        assert list(answer.get_json()["error"]["details"]) == ["responses.1.answers.recommend_workplace"]
    for bad in ("{bad", '{"responses": ' + "[" * 100_000 + "]" * 100_000 + "}", "\xff"):
        answer = client.post(path, data=bad, content_type="application/json")
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "bad_request"
    # Lone surrogates too (the gateway refuses them before they reach the service).
    assert imports.parse_json(b'{"c": "\\ud800"}') == json.loads(b'{"c": "\\ud800"}')


def test_bad_rows_in_later_batches_are_all_named_and_nothing_is_stored(
        client, engine, monkeypatch):
    """Rows are validated and stored batch by batch (on PostgreSQL while the COPY runs): a
    bad row in a later batch stops the storing of the earlier ones, and the 422 still
    names the bad rows of every batch, up to the reported limit."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(imports, "MAX_REPORTED_ROWS", 3)
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/responses/import"
    rows = [_row(department=f"D{i}") for i in range(9)]
    for i in (3, 4, 6, 8):
        rows[i] = {**rows[i], "answers": {**PULSE_ANSWERS, "recommend_workplace": 11}}
    answer = client.post(path, json={"responses": rows})
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["message"] == "4 row(s) are not valid (the first 3 are listed); nothing was imported."
    assert list(error["details"]) == ["responses.3.answers.recommend_workplace", "responses.4.answers.recommend_workplace",
                                      "responses.6.answers.recommend_workplace"]
    assert _count(engine, "responses") == 0 and _count(engine, "summary_buckets") == 0
    # The same rows made good are stored across the batches, each counted once.
    good = [{**row, "answers": PULSE_ANSWERS} for row in rows]
    assert client.ok("POST", path, 201, json={"responses": good}) == {"imported": 9}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(n) FROM summary_buckets")).scalar() == 9
    assert _count(engine, "responses") == 9



_times = st.sampled_from(["2026-03-02T09:30:00Z", "2026-03-02T09:30:00+02:00",
                          "2026-03-02T09:30:00", "2026-03-02", "2999-01-01T00:00:00Z",
                          "0001-01-01T00:00:00+01:00", "not a time", "", 5, None])
_segments = st.dictionaries(st.sampled_from(["department", "location", "salary"]),
                            st.one_of(st.text(max_size=3), st.just("x" * 101), st.just("\udc00"),
                                      st.integers()),
                            max_size=2)
_rows = st.one_of(
    st.fixed_dictionaries({"submitted_at": _times, "answers": st.just(PULSE_ANSWERS)},
                          optional={"segment": st.one_of(_segments, st.just([])),
                                    "extra": st.just(1)}),
    st.just([]), st.just("row"))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(_rows, min_size=1, max_size=6))
def test_envelopes_checked_by_column_agree_with_the_row_by_row_check(rows):
    allowed, now = frozenset({"department", "location"}), datetime.now(UTC)
    one_by_one = [imports._envelope(row, allowed, now) for row in rows]
    assert imports._envelopes(rows, allowed, now) == (
        None if None in one_by_one else one_by_one)


def test_a_dry_run_checks_every_row_and_stores_nothing(client, engine):
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/responses/import?dry_run=true"
    rows = [_row(department="Support"), _row(department="Sales"), _row("2026-03-03")]
    assert client.ok("POST", path, 200, json={"responses": rows}) == {"imported": 0, "valid": 3}
    bad = client.post(path, json={"responses": [*rows, {**_row(), "answers": {"enps": 11}}]})
    assert bad.status_code == 422
    assert "responses.3.answers.enps" in bad.get_json()["error"]["details"]
    assert _count(engine, "responses") == 0 and _count(engine, "summary_buckets") == 0
    assert _count(engine, "segment_combos") == 0  # not even the rows' segment combinations
    wrong = client.post(path.replace("true", "maybe"), json={"responses": rows})
    assert wrong.status_code == 422 and "dry_run" in wrong.get_json()["error"]["details"]
