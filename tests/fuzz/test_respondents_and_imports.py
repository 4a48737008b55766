"""Respondent submissions, forms and imports under odd input: 4xx in the contract's terms."""

from __future__ import annotations

from tests.fuzz.conftest import ADMIN, GOOD_ANSWERS, assert_error

CSV = {"Content-Type": "text/csv"}
HEADER = "submitted_at,channel,q1,n,c,t\r\n"
ROW = "2026-09-01T10:00:00Z,chat,3,5,a,hello\r\n"


def _import_csv(fuzz, text: str):
    return fuzz.client.post(f"/api/v1/surveys/{fuzz.survey_id}/responses/import",
                            data=text.encode(), headers={**ADMIN, **CSV})


def test_csv_with_bom_quoted_newlines_and_blank_lines_imports(fuzz):
    text = "\ufeff" + HEADER + "\r\n" + ROW + '2026-09-02T10:00:00Z,chat,4,6,b,"two\nlines"\r\n'
    answer = _import_csv(fuzz, text)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json() == {"imported": 2}


def test_csv_with_missing_extra_or_duplicate_columns_is_422_naming_columns(fuzz):
    for header in ("channel,q1,n,c\r\n", "submitted_at,channel,q1,n,c,zz\r\n",
                   "submitted_at,channel,q1,q1,n,c\r\n"):
        error = assert_error(_import_csv(fuzz, header + "2026-09-01T10:00:00Z,chat,3,5,a\r\n"),
                             422, "validation_error")
        assert "columns" in error["details"]


def test_csv_rows_of_the_wrong_width_are_422_naming_the_row(fuzz):
    error = assert_error(_import_csv(fuzz, HEADER + ROW + "2026-09-01T10:00:00Z,chat\r\n"),
                         422, "validation_error")
    assert any(field.startswith("rows.1") for field in error["details"])


def test_csv_the_csv_module_cannot_parse_is_a_client_error_not_500(fuzz):
    bare_cr = (HEADER + ROW).replace("\r\n", "\r")
    huge_field = HEADER + "2026-09-01T10:00:00Z,chat,3,5,a," + "x" * 200_000 + "\r\n"
    # An unterminated quote would otherwise swallow the rest of the file into one field.
    open_quote = HEADER + '2026-09-01T10:00:00Z,chat,3,5,a,"never closed\r\n' + ROW
    for text in (bare_cr, huge_field, open_quote):
        error = assert_error(_import_csv(fuzz, text), 422, "validation_error")
        assert error["details"]["rows"][0].startswith("Line ")


def test_csv_that_is_not_utf8_is_400(fuzz):
    answer = fuzz.client.post(f"/api/v1/surveys/{fuzz.survey_id}/responses/import",
                              data=(HEADER + ROW).encode("utf-16"), headers={**ADMIN, **CSV})
    assert_error(answer, 400, "bad_request")


def test_idempotency_key_replays_only_for_the_same_token(fuzz):
    first, second = fuzz.tokens(2)
    headers = {"Idempotency-Key": "retry-1"}
    one = fuzz.client.post("/api/v1/responses", headers=headers,
                           json={"token": first, "answers": GOOD_ANSWERS})
    assert one.status_code == 201
    replay = fuzz.client.post("/api/v1/responses", headers=headers,
                              json={"token": first, "answers": GOOD_ANSWERS})
    assert replay.get_json() == one.get_json()
    other = fuzz.client.post("/api/v1/responses", headers=headers,
                             json={"token": second, "answers": GOOD_ANSWERS})
    assert other.status_code == 201
    assert other.get_json() != one.get_json()


def test_idempotency_key_of_unusual_length_is_422(fuzz):
    token = fuzz.tokens(1)[0]
    for key in ("", "k" * 4000):
        answer = fuzz.client.post("/api/v1/responses", headers={"Idempotency-Key": key},
                                  json={"token": token, "answers": GOOD_ANSWERS})
        error = assert_error(answer, 422, "validation_error")
        assert "Idempotency-Key" in error["details"]


def test_respondent_form_with_garbage_tokens_and_odd_bodies_never_fails(fuzz):
    client = fuzz.client
    for token in ("garbage", "x" * 2000, "%00", "%FF%FE", "%E2%98%83", "%ED%A0%80", "'"):
        for method in ("GET", "POST"):
            answer = client.open(f"/s/{token}", method=method, data={"q1": "3"})
            assert answer.status_code == 404, (token, method, answer.status_code)
            assert answer.headers["X-Request-ID"]
    token = fuzz.tokens(1)[0]
    odd_posts = [{"data": b"--xx\r\nbroken",
                  "content_type": "multipart/form-data; boundary=xx"},
                 {"data": "q1=%FF&q1=4&n=%00&c=zz&t=" + "x" * 3000,
                  "content_type": "application/x-www-form-urlencoded"},
                 {"data": {"q1": "9" * 5000, "n": "1e3", "c": "a"}},
                 {"json": {"q1": 3}}]
    for kwargs in odd_posts:
        answer = client.post(f"/s/{token}", **kwargs)
        assert answer.status_code == 422, (kwargs, answer.status_code)
        assert answer.mimetype == "text/html"
    assert client.get(f"/s/{token}").status_code == 200


def test_json_import_with_a_lone_surrogate_segment_is_422_naming_the_row(fuzz):
    body = ('{"responses": [{"submitted_at": "2026-09-01T10:00:00Z", "segment": {"channel": '
            '"\\ud800"}, "answers": {"q1": 3, "n": 5, "c": "a"}}]}')
    answer = fuzz.client.post(f"/api/v1/surveys/{fuzz.survey_id}/responses/import", data=body,
                              headers={**ADMIN, "Content-Type": "application/json"})
    error = assert_error(answer, 422, "validation_error")
    assert list(error["details"]) == ["responses.0.segment.channel"]
