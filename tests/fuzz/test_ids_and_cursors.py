"""Ids and cursors a database cannot hold are 404 or 422, never 500, through the gateway."""

from __future__ import annotations

from tests.fuzz.conftest import ADMIN, assert_error

BEYOND_INT64 = str(2**63)
HUGE = "9" * 40


def test_ids_beyond_int64_are_404_on_every_path(fuzz):
    for value in (BEYOND_INT64, HUGE):
        _assert_unknown_everywhere(fuzz.client, value)


def _assert_unknown_everywhere(client, value: str) -> None:
    get_paths = [f"/api/v1/surveys/{value}", f"/api/v1/surveys/{value}/waves",
                 f"/api/v1/surveys/{value}/snapshots",
                 f"/api/v1/surveys/{value}/scores?metric=index:ix",
                 f"/api/v1/surveys/{value}/trend?metric=index:ix"]
    for path in get_paths:
        assert_error(client.get(path, headers=ADMIN), 404, "not_found")
    post_paths = {f"/api/v1/surveys/{value}/waves": {"opens_at": "2026-01-01T00:00:00Z",
                                                      "closes_at": "2026-02-01T00:00:00Z"},
                  f"/api/v1/surveys/{value}/links": {"interaction_id": "i", "segment": {}},
                  f"/api/v1/waves/{value}/invitations": {"respondents": [{"segment": {}}]},
                  f"/api/v1/surveys/{value}/responses/import": {"responses": []}}
    for path, body in post_paths.items():
        assert_error(client.post(path, headers=ADMIN, json=body), 404, "not_found")
    assert_error(client.delete(f"/api/v1/api-keys/{value}", headers=ADMIN), 404, "not_found")


def test_ids_not_written_in_plain_ascii_digits_are_404_everywhere(fuzz):
    key_id = fuzz.client.get("/api/v1/api-keys", headers=ADMIN).get_json()["items"][0]["id"]
    for known in (fuzz.survey_id, fuzz.wave_id, key_id):
        # A leading zero, and the same id in Arabic-Indic and full-width digits.
        for value in ("0" + str(known), str(known).translate(ARABIC_INDIC),
                      str(known).translate(FULL_WIDTH)):
            _assert_unknown_everywhere(fuzz.client, value)
    assert fuzz.client.get(f"/api/v1/surveys/{fuzz.survey_id}", headers=ADMIN).status_code == 200


ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))
FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))


def test_largest_int64_id_is_an_ordinary_unknown_id(fuzz):
    answer = fuzz.client.get(f"/api/v1/surveys/{2**63 - 1}", headers=ADMIN)
    assert_error(answer, 404, "not_found")


LISTS = ("/api/v1/surveys", "/api/v1/alerts", "/api/v1/api-keys",
         "/api/v1/surveys/{sid}/waves", "/api/v1/surveys/{sid}/snapshots")


def test_cursors_that_name_no_row_are_422(fuzz):
    for path in LISTS:
        for cursor in (BEYOND_INT64, HUGE, "\u00b2", "abc"):
            answer = fuzz.client.get(path.format(sid=fuzz.survey_id), headers=ADMIN,
                                     query_string={"cursor": cursor})
            error = assert_error(answer, 422, "validation_error")
            assert "cursor" in error["details"], (path, cursor)


def test_every_list_pages_with_items_and_next_cursor(fuzz):
    for path in LISTS:
        first = fuzz.client.get(path.format(sid=fuzz.survey_id), headers=ADMIN,
                                query_string={"limit": 1})
        assert first.status_code == 200, (path, first.get_json())
        assert set(first.get_json()) == {"items", "next_cursor"}, path


def test_openapi_documents_ids_as_int64_and_the_real_error_document(suite):
    document = suite.client.get("/api/openapi.json").get_json()
    parameter = document["paths"]["/api/v1/surveys/{survey_id}"]["parameters"][0]
    assert parameter["schema"]["maximum"] == 2**63 - 1
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail_ref = error["properties"]["error"]["$ref"].rsplit("/", 1)[1]
    detail = document["components"]["schemas"][detail_ref]
    assert set(detail["properties"]) == {"code", "message", "details", "request_id"}
