"""Rules of waves: windows that never overlap, status from the clock, schedules made into waves."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from services.survey.clock import utcnow
from services.survey.instruments.service import engine_cache, get_survey
from services.survey.schema_base import END_OF_TIME
from services.survey.waves import repository
from shared.db import write_transaction
from shared.errors import Conflict, NotFound
from shared.pagination import cursor_after_id, page_of


def wave_status(wave: dict, now: datetime | None = None) -> str:
    """Return `scheduled`, `open` or `closed` for a wave at `now`."""
    now = now or utcnow()
    if now < wave["opens_at"]:
        return "scheduled"
    return "open" if now < wave["closes_at"] else "closed"


def _with_status(wave: dict, now: datetime | None = None) -> dict:
    return {**wave, "status": wave_status(wave, now)}


def create_wave(*, engine: Engine, survey_id: int, opens_at: datetime,
                closes_at: datetime) -> dict:
    """Add a wave to a survey; 409 if it overlaps another of its waves.

    The check and the insert are one step for concurrent requests: the transaction first
    takes the survey's row lock (PostgreSQL; SQLite's write transaction holds the whole
    database), so a second request for the same survey checks after the first committed.
    """
    get_survey(engine=engine, survey_id=survey_id)
    try:
        with write_transaction(engine) as conn:
            repository.lock_survey(conn, survey_id)
            clash = repository.overlapping_waves(conn, survey_id=survey_id, opens_at=opens_at,
                                                 closes_at=closes_at)
            if clash:
                raise Conflict(f"The wave overlaps wave {clash[0]['id']} of this survey.",
                               {"wave_id": clash[0]["id"]})
            wave_id = repository.insert_wave(conn, survey_id=survey_id, opens_at=opens_at,
                                             closes_at=closes_at)
    except IntegrityError:
        # The schedule job, which takes no lock, made a wave opening at the same moment.
        raise Conflict("Another wave of this survey opens at that moment.") from None
    engine_cache(engine, "waves").pop(survey_id, None)
    return get_wave(engine=engine, wave_id=wave_id)


def get_wave(*, engine: Engine, wave_id: int) -> dict:
    """Return a wave with its status, or raise `NotFound`."""
    wave = repository.fetch_wave(engine, wave_id)
    if wave is None:
        raise NotFound(f"No wave {wave_id}.")
    return _with_status(wave)


def list_waves(*, engine: Engine, survey_id: int, limit: int, cursor: str | None) -> dict:
    """Return a page of a survey's waves."""
    get_survey(engine=engine, survey_id=survey_id)
    with engine.connect() as conn:
        rows = repository.fetch_waves(conn, survey_id=survey_id,
                                      after_id=cursor_after_id(cursor), limit=limit + 1)
    now = utcnow()
    return page_of([_with_status(w, now) for w in rows], limit)


def survey_waves(*, engine: Engine, survey_id: int, max_age: float = 0.0) -> list[dict]:
    """Return every wave of a survey; with `max_age`, a list read that recently will do."""
    cache = engine_cache(engine, "waves")
    cached = cache.get(survey_id)
    if cached is not None and time.monotonic() - cached[0] <= max_age:
        return cached[1]
    with engine.connect() as conn:
        waves = repository.fetch_waves(conn, survey_id=survey_id)
    cache[survey_id] = (time.monotonic(), waves)
    return waves


def open_wave_of(waves: list[dict], at: datetime) -> dict | None:
    """Return the wave whose window contains `at`, if any."""
    for wave in waves:
        if wave["opens_at"] <= at < wave["closes_at"]:
            return wave
    return None


def create_schedule(*, engine: Engine, survey_id: int, every_days: int, open_days: int,
                    starts_at: datetime | None) -> dict:
    """Store a schedule and make its current and next waves at once."""
    get_survey(engine=engine, survey_id=survey_id)
    now = utcnow()
    values = {"survey_id": survey_id, "every_days": every_days, "open_days": open_days,
              "starts_at": starts_at or now, "created_at": now}
    with write_transaction(engine) as conn:
        schedule_id = repository.insert_schedule(conn, values=values)
    materialise_scheduled_waves(engine=engine, now=now)
    with engine.connect() as conn:
        waves = repository.fetch_waves(conn, survey_id=survey_id, schedule_id=schedule_id)
    return {"id": schedule_id, **values, "waves": [_with_status(w, now) for w in waves]}


def scheduled_windows(schedule: dict, *, now: datetime) -> list[tuple[datetime, datetime]]:
    """Return the windows a schedule needs by `now`: not over before it was made, up to one period ahead."""
    every, length = timedelta(days=schedule["every_days"]), timedelta(days=schedule["open_days"])
    start = schedule["starts_at"]
    # No window closes past the last instant a timestamp holds (one stored before starts
    # were checked may reach it). Sums near it are kept to durations (`k * every` against
    # `horizon - start`), which do not overflow as datetimes would.
    last_open = END_OF_TIME - length
    horizon = last_open if now > last_open - every else now + every
    first = 0
    over = schedule["created_at"] - start - length
    if over > timedelta(0):
        # Skip the windows already over when the schedule was made.
        first = over // every + 1
    windows = []
    k = first
    while k * every <= horizon - start:
        opens = start + k * every
        windows.append((opens, opens + length))
        k += 1
    return windows


def materialise_scheduled_waves(*, engine: Engine, now: datetime | None = None) -> int:
    """Make every wave schedules need by now; safe to run in many processes at once."""
    now = now or utcnow()
    with engine.connect() as conn:
        schedules = repository.fetch_schedules(conn)
    made = 0
    for schedule in schedules:
        rows = [{"survey_id": schedule["survey_id"], "opens_at": opens, "closes_at": closes,
                 "schedule_id": schedule["id"]}
                for opens, closes in scheduled_windows(schedule, now=now)]
        with write_transaction(engine) as conn:
            # The unique (survey_id, opens_at) makes each wave exist once, whoever gets there first.
            made += repository.insert_waves_once(conn, rows)
        engine_cache(engine, "waves").pop(schedule["survey_id"], None)
    return made
