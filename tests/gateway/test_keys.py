"""API keys: lifecycle, hashed storage, immediate revocation, bootstrap admin, validation."""

from __future__ import annotations

import hashlib
import logging

import sqlalchemy as sa

from services.gateway.tables import api_keys
from tests.conftest import ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _rows(app) -> list[dict]:
    with app.extensions["trustpulse_engine"].connect() as conn:
        return [dict(row) for row in conn.execute(sa.select(api_keys)).mappings()]


def test_create_list_and_revoke_a_key(gateway):
    created = gateway.create_key("analyst", "reporting")
    assert set(created) >= {"id", "name", "role", "key", "created_at"}
    assert created["role"] == "analyst" and created["name"] == "reporting"
    assert created["key"].startswith("tp_") and len(created["key"]) > 40
    assert created["created_at"].endswith("Z")

    listed = gateway.client.get("/api/v1/api-keys", headers=ADMIN).get_json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert by_id[created["id"]]["revoked_at"] is None
    assert all("key" not in item for item in listed["items"])
    assert {item["role"] for item in listed["items"]} == {"admin", "analyst"}

    revoked = gateway.client.delete(f"/api/v1/api-keys/{created['id']}", headers=ADMIN)
    assert revoked.status_code == 204 and revoked.data == b""
    listed = gateway.client.get("/api/v1/api-keys", headers=ADMIN).get_json()
    assert {item["id"]: item for item in listed["items"]}[created["id"]]["revoked_at"]


def test_keys_are_stored_only_as_sha256_hashes(gateway):
    created = gateway.create_key("integration")
    rows = _rows(gateway.app)
    stored = [value for row in rows for value in row.values() if isinstance(value, str)]
    assert created["key"] not in stored and ADMIN_KEY not in stored
    hashes = {row["key_hash"] for row in rows}
    assert hashlib.sha256(created["key"].encode()).hexdigest() in hashes
    assert hashlib.sha256(ADMIN_KEY.encode()).hexdigest() in hashes


def test_revoked_key_stops_working_at_once(gateway):
    key = gateway.create_key("analyst")
    headers = {"Authorization": f"Bearer {key['key']}"}
    assert gateway.client.get("/api/v1/surveys", headers=headers).status_code == 200
    gateway.client.delete(f"/api/v1/api-keys/{key['id']}", headers=ADMIN)
    refused = gateway.client.get("/api/v1/surveys", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"


def test_revocation_is_seen_by_another_gateway_process_on_the_same_database(make_gateway):
    first = make_gateway()
    second = make_gateway()  # same database: a second worker or replica
    key = first.create_key("analyst")
    headers = {"Authorization": f"Bearer {key['key']}"}
    assert second.client.get("/api/v1/alerts", headers=headers).status_code == 200
    first.client.delete(f"/api/v1/api-keys/{key['id']}", headers=ADMIN)
    assert second.client.get("/api/v1/alerts", headers=headers).status_code == 401


def test_bootstrap_admin_is_idempotent_and_cannot_be_revoked(make_gateway):
    first = make_gateway()
    make_gateway()  # a restart with the same TRUSTPULSE_ADMIN_KEY
    admins = [row for row in _rows(first.app) if row["role"] == "admin"]
    assert len(admins) == 1
    spare = {"Authorization": f"Bearer {first.create_key('admin')['key']}"}
    refused = first.client.delete(f"/api/v1/api-keys/{admins[0]['id']}", headers=spare)
    assert refused.status_code == 409
    assert "TRUSTPULSE_ADMIN_KEY" in refused.get_json()["error"]["message"]
    restarted = make_gateway()
    assert restarted.client.get("/api/v1/api-keys", headers=ADMIN).status_code == 200
    # Replaced by a new TRUSTPULSE_ADMIN_KEY, the old one is a key like any other.
    new_key = "tp_admin_" + "1" * 40
    moved = make_gateway(admin_key=new_key)
    new_admin = {"Authorization": f"Bearer {new_key}"}
    assert moved.client.delete(f"/api/v1/api-keys/{admins[0]['id']}",
                               headers=new_admin).status_code == 204
    assert make_gateway(admin_key=new_key).client.get(
        "/api/v1/api-keys", headers=ADMIN).status_code == 401


def test_unknown_key_id_is_404_and_bad_input_is_422(gateway):
    missing = gateway.client.delete("/api/v1/api-keys/999999", headers=ADMIN)
    assert missing.status_code == 404
    bad = gateway.client.post("/api/v1/api-keys", json={"name": "", "role": "root", "x": 1},
                              headers=ADMIN)
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]) == {"name", "role", "x"}
    bad_cursor = gateway.client.get("/api/v1/api-keys?cursor=abc", headers=ADMIN)
    assert bad_cursor.status_code == 422


def test_list_paginates_with_a_cursor(gateway):
    for index in range(3):
        gateway.create_key("analyst", f"k{index}")
    first = gateway.client.get("/api/v1/api-keys?limit=2", headers=ADMIN).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = gateway.client.get(f"/api/v1/api-keys?limit=2&cursor={first['next_cursor']}",
                              headers=ADMIN).get_json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == sorted(set(ids))


def test_keys_never_appear_in_logs(gateway, caplog):
    with caplog.at_level(logging.DEBUG):
        created = gateway.create_key("analyst")
        gateway.client.get("/api/v1/surveys",
                           headers={"Authorization": f"Bearer {created['key']}"})
        gateway.client.get("/api/v1/surveys", headers={"Authorization": "Bearer tp_wrong"})
    text = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    assert created["key"] not in text and ADMIN_KEY not in text and "tp_wrong" not in text
    assert "/api/v1/surveys" in text  # the access log did run


def test_key_names_no_database_stores_are_422_naming_the_field(gateway):
    for odd in ("\udc00", "name\x00", "a\ud800b"):
        answer = gateway.client.post("/api/v1/api-keys", json={"name": odd, "role": "analyst"},
                                     headers=ADMIN)
        assert answer.status_code == 422, (odd, answer.get_data(as_text=True))
        assert list(answer.get_json()["error"]["details"]) == ["name"]
    assert [row["role"] for row in _rows(gateway.app)] == ["admin"]
    for odd in ("\u0665", "+5", " 5", "05", "5.0"):
        answer = gateway.client.get("/api/v1/api-keys", query_string={"limit": odd},
                                    headers=ADMIN)
        assert answer.status_code == 422, odd
        assert list(answer.get_json()["error"]["details"]) == ["limit"]
