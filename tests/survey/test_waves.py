"""Waves open and close by their times; schedules make each wave once, whoever runs the job."""

from datetime import UTC, datetime, timedelta
from functools import partial

import sqlalchemy as sa

from services.survey import create_app
from services.survey.tables import schedules
from services.survey.waves.service import materialise_scheduled_waves, scheduled_windows
from tests.survey.conftest import SurveyClient, at_once, iso

# Valid ISO 8601 whose UTC instant is before year 1 or after 9999.
PAST_UTC = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


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


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def test_times_past_what_utc_holds_are_422_naming_the_field(client, engine):
    survey = client.survey()
    waves, schedule = (f"/api/v1/surveys/{survey['id']}/{path}" for path in ("waves", "schedule"))
    for text in PAST_UTC:
        for field in ("opens_at", "closes_at"):
            answer = client.post(waves, json={"opens_at": "2026-01-01T00:00:00Z",
                                              "closes_at": "2026-02-01T00:00:00Z", field: text})
            assert answer.status_code == 422, answer.get_data(as_text=True)
            assert list(answer.get_json()["error"]["details"]) == [field]
        answer = client.post(schedule, json={"every_days": 7, "open_days": 2, "starts_at": text})
        assert answer.status_code == 422, answer.get_data(as_text=True)
        assert list(answer.get_json()["error"]["details"]) == ["starts_at"]
    assert _count(engine, "waves") == _count(engine, "schedules") == 0
    # The very ends of UTC are times like any other.
    client.ok("POST", waves, 201, json={"opens_at": "0001-01-01T00:00:00Z",
                                        "closes_at": "0001-01-02T01:00:00+01:00"})
    client.ok("POST", waves, 201, json={"opens_at": "9999-12-30T00:00:00Z",
                                        "closes_at": "9999-12-31T23:59:59.999999Z"})


def test_a_schedule_whose_first_wave_would_close_after_9999_is_422_and_not_stored(
        client, engine):
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/schedule"
    answer = client.post(path, json={"every_days": 30, "open_days": 10,
                                     "starts_at": "9999-12-25T00:00:00Z"})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert list(answer.get_json()["error"]["details"]) == ["starts_at"]
    assert _count(engine, "schedules") == 0
    assert len(client.ok("POST", path, 201, json={"every_days": 7, "open_days": 2})["waves"]) == 2


def test_a_stored_schedule_reaching_the_end_of_time_stops_no_other(client, engine):
    """One stored before its start was checked: every other schedule and the job still work."""
    stored, other = client.survey(), client.survey()
    with engine.begin() as conn:
        conn.execute(schedules.insert().values(
            survey_id=stored["id"], every_days=30, open_days=10,
            starts_at=datetime(9999, 12, 25, tzinfo=UTC), created_at=datetime.now(UTC)))
    made = client.ok("POST", f"/api/v1/surveys/{other['id']}/schedule", 201,
                     json={"every_days": 7, "open_days": 2})
    assert len(made["waves"]) == 2
    assert materialise_scheduled_waves(engine=engine) == 0


def test_scheduled_windows_end_before_the_last_instant_a_timestamp_holds():
    start = datetime(9999, 12, 13, tzinfo=UTC)
    schedule = {"starts_at": start, "every_days": 7, "open_days": 5, "created_at": start}
    windows = scheduled_windows(schedule, now=datetime(9999, 12, 29, tzinfo=UTC))
    # 12-27 would close on 10000-01-01: not made; nor is anything after it.
    assert [w[0].day for w in windows] == [13, 20]


IDENTICAL_ROUNDS, IDENTICAL_CLIENTS = 3, 32


def test_concurrent_identical_waves_make_one_and_the_others_are_409(client, live, engine):
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/waves"
    for year in range(2030, 2030 + IDENTICAL_ROUNDS):  # a race: a few rounds
        post = partial(live.post, path, json={"opens_at": f"{year}-01-01T00:00:00Z",
                                              "closes_at": f"{year}-01-08T00:00:00Z"})
        answers = at_once([post] * IDENTICAL_CLIENTS)
        assert sorted(a.status_code for a in answers) == [201] + [409] * (IDENTICAL_CLIENTS - 1)
        assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {
            "conflict"}
    assert _count(engine, "waves") == IDENTICAL_ROUNDS


OVERLAP_ROUNDS, OVERLAP_CLIENTS = 8, 6


def test_concurrent_overlapping_waves_are_never_both_stored(client, live, engine):
    survey = client.survey()
    path = f"/api/v1/surveys/{survey['id']}/waves"
    for round_ in range(OVERLAP_ROUNDS):  # a race: several rounds, so that a lost one shows
        day = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=30 * round_)
        bodies = [{"opens_at": iso(day + timedelta(hours=k)),
                   "closes_at": iso(day + timedelta(days=3, hours=k))}
                  for k in range(OVERLAP_CLIENTS)]
        answers = at_once([lambda body=body: live.post(path, json=body) for body in bodies])
        assert sorted(a.status_code for a in answers) == [201] + [409] * (OVERLAP_CLIENTS - 1)
    assert _count(engine, "waves") == OVERLAP_ROUNDS
