"""Waves open and close by their times; schedules make each wave once, whoever runs the job."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.survey import create_app
from services.survey.waves.service import materialise_scheduled_waves, scheduled_windows
from tests.survey.conftest import SurveyClient, iso


def test_wave_status_follows_its_times(client):
    survey = client.survey()
    past = client.wave(survey["id"], opens=-48, closes=-24)
    current = client.wave(survey["id"], opens=-1, closes=1)
    future = client.wave(survey["id"], opens=24, closes=48)
    assert [past["status"], current["status"], future["status"]] == [
        "closed", "open", "scheduled"]
    assert set(current) == {"id", "survey_id", "opens_at", "closes_at", "status", "schedule_id"}
    page = client.ok("GET", f"/api/v1/surveys/{survey['id']}/waves?limit=2", 200)
    assert [w["id"] for w in page["items"]] == [past["id"], current["id"]]
    rest = client.ok("GET", f"/api/v1/surveys/{survey['id']}/waves?cursor={page['next_cursor']}",
                     200)
    assert [w["id"] for w in rest["items"]] == [future["id"]] and rest["next_cursor"] is None


def test_overlapping_or_backwards_waves_are_refused(client):
    survey = client.survey()
    client.wave(survey["id"], opens=0, closes=10)
    overlap = client.post(f"/api/v1/surveys/{survey['id']}/waves", json={
        "opens_at": iso(datetime.now(UTC) + timedelta(hours=5)),
        "closes_at": iso(datetime.now(UTC) + timedelta(hours=20))})
    assert overlap.status_code == 409
    backwards = client.post(f"/api/v1/surveys/{survey['id']}/waves", json={
        "opens_at": "2026-09-28T10:00:00Z", "closes_at": "2026-09-27T10:00:00Z"})
    assert backwards.status_code == 422 and "closes_at" in backwards.get_json()["error"]["details"]
    assert client.post("/api/v1/surveys/999/waves", json={
        "opens_at": "2026-09-28T10:00:00Z", "closes_at": "2026-09-29T10:00:00Z"}
    ).status_code == 404
    assert client.post(f"/api/v1/surveys/{survey['id']}/waves", json={
        "opens_at": "yesterday"}).status_code == 422


def test_schedule_makes_the_current_and_next_waves(client):
    survey = client.survey()
    starts = datetime.now(UTC) - timedelta(days=1)
    schedule = client.ok("POST", f"/api/v1/surveys/{survey['id']}/schedule", 201, json={
        "every_days": 14, "open_days": 5, "starts_at": iso(starts)})
    statuses = [w["status"] for w in schedule["waves"]]
    assert statuses == ["open", "scheduled"]
    second = schedule["waves"][1]
    assert datetime.fromisoformat(second["opens_at"]) - datetime.fromisoformat(
        schedule["waves"][0]["opens_at"]) == timedelta(days=14)
    assert client.post(f"/api/v1/surveys/{survey['id']}/schedule", json={
        "every_days": 7, "open_days": 8}).status_code == 422


def test_the_job_makes_each_wave_once_across_processes(client, app, engine):
    survey = client.survey()
    starts = datetime.now(UTC) - timedelta(days=30)
    client.ok("POST", f"/api/v1/surveys/{survey['id']}/schedule", 201, json={
        "every_days": 7, "open_days": 2, "starts_at": iso(starts)})
    # A second process on the same database, running the same job at the same moments.
    other = create_app(app.config["TRUSTPULSE_SETTINGS"], migrate=False)
    other_engine = other.extensions["trustpulse_engine"]
    later = datetime.now(UTC) + timedelta(days=21)
    for moment in (later, later + timedelta(hours=1)):
        materialise_scheduled_waves(engine=engine, now=moment)
        materialise_scheduled_waves(engine=other_engine, now=moment)
    with engine.connect() as conn:
        opens = conn.execute(sa.text("SELECT opens_at FROM waves ORDER BY opens_at")).scalars()
        opens = list(opens)
    assert len(opens) == len(set(opens))
    # Windows over before the schedule was made are skipped; the rest up to a week ahead exist.
    assert len(opens) == len(scheduled_windows(
        {"starts_at": starts, "every_days": 7, "open_days": 2,
         "created_at": datetime.now(UTC)}, now=later))
    other_engine.dispose()
    listed = SurveyClient(other).ok("GET", f"/api/v1/surveys/{survey['id']}/waves", 200)
    assert len(listed["items"]) == len(opens)


def test_scheduled_windows_skip_the_past_and_stop_one_period_ahead():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    schedule = {"starts_at": start, "every_days": 10, "open_days": 3,
                "created_at": start + timedelta(days=21)}
    windows = scheduled_windows(schedule, now=start + timedelta(days=21))
    assert [w[0] for w in windows] == [start + timedelta(days=20), start + timedelta(days=30)]
    assert all(close - opens == timedelta(days=3) for opens, close in windows)
