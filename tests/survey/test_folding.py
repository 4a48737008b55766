"""Summary deltas of single responses, folded into their buckets, are counted exactly once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import sqlalchemy as sa

from services.survey import create_app
from services.survey.summaries.folding import fold_deltas
from shared.summaries import SummaryLayout
from tests.survey.conftest import (
    PULSE_ANSWERS,
    SurveyClient,
    bucket_made_before_copy,
    summarised_count,
)


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def _answers(i: int) -> dict:
    return {**PULSE_ANSWERS, "recommend_workplace": i % 11, "worn_out": 1 + i % 5}


def _summaries(client, survey_id: int) -> list:
    return client.ok("GET", f"/internal/surveys/{survey_id}/summaries"
                            "?group_by=day&segment_by=department", 200)["groups"]


def _respond_all(client, wave_id: int, count: int, first: int = 0) -> None:
    departments = [{"department": "Support" if i % 3 else "Sales"} for i in range(count)]
    for i, token in enumerate(client.invite(wave_id, departments)):
        assert client.respond(token, _answers(first + i)).status_code == 201


def _expected(survey: dict, count: int, first: int = 0) -> np.ndarray:
    return SummaryLayout(survey).encode_many(_answers(first + i) for i in range(count))


def test_reads_count_each_response_once_before_and_after_folding(client, engine):
    survey = client.survey()
    wave = client.wave(survey["id"])
    _respond_all(client, wave["id"], 9)
    before = _summaries(client, survey["id"])
    assert sum(g["n"] for g in before) == 9
    assert np.array_equal(np.sum([g["vector"] for g in before], axis=0), _expected(survey, 9))
    if engine.dialect.name == "postgresql":
        # A response appends a delta and leaves its bucket alone.
        assert _count(engine, "summary_deltas") == 9 and _count(engine, "summary_buckets") == 0
        assert fold_deltas(engine) == 9
    else:
        assert fold_deltas(engine) == 0 and _count(engine, "summary_deltas") == 0
    assert _count(engine, "summary_deltas") == 0
    assert _count(engine, "summary_buckets") == 2  # today's Support and Sales buckets
    assert _summaries(client, survey["id"]) == before
    # Folding again adds to the buckets folded before.
    _respond_all(client, wave["id"], 4, first=9)
    fold_deltas(engine, batch=3)
    after = _summaries(client, survey["id"])
    assert sum(g["n"] for g in after) == 13 == summarised_count(engine)
    assert np.array_equal(np.sum([g["vector"] for g in after], axis=0), _expected(survey, 13))


def test_folds_beside_responses_and_each_other_lose_and_double_nothing(client, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL stores deltas; SQLite adds to buckets at once")
    survey = client.survey()
    wave = client.wave(survey["id"])
    writers, per_writer, done = 3, 15, threading.Event()

    def fold() -> None:
        while not done.is_set():
            fold_deltas(engine, batch=4)

    with ThreadPoolExecutor(writers + 2) as pool:
        folders = [pool.submit(fold) for _ in range(2)]
        responders = [pool.submit(_respond_all, SurveyClient(client.app), wave["id"],
                                  per_writer, first=i * per_writer) for i in range(writers)]
        for future in responders:
            future.result()
        done.set()
        for future in folders:
            future.result()  # a fold that failed raises here
    fold_deltas(engine)
    total = writers * per_writer
    groups = _summaries(client, survey["id"])
    assert sum(g["n"] for g in groups) == total == summarised_count(engine)
    assert np.array_equal(np.sum([g["vector"] for g in groups], axis=0),
                          _expected(survey, total))


def test_a_fold_meeting_a_bucket_made_meanwhile_takes_its_batch_again(
        client, engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL stores deltas; SQLite adds to buckets at once")
    survey = client.survey()
    wave = client.wave(survey["id"])
    _respond_all(client, wave["id"], 1)
    planted = bucket_made_before_copy(monkeypatch, engine)
    assert fold_deltas(engine) == 1
    assert planted
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT n FROM summary_buckets")).scalar_one() == 2
    assert _count(engine, "summary_deltas") == 0


def test_the_survey_scheduler_folds_deltas_by_itself(service_app):
    app = service_app(create_app, scheduler_enabled=True)
    engine = app.extensions["trustpulse_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL stores deltas; SQLite adds to buckets at once")
    client = SurveyClient(app)
    survey = client.survey()
    _respond_all(client, client.wave(survey["id"])["id"], 3)
    deadline = time.monotonic() + 30
    while _count(engine, "summary_deltas") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _count(engine, "summary_deltas") == 0
    assert _count(engine, "summary_buckets") == 2 and summarised_count(engine) == 3
    app.extensions["survey_scheduler"].shutdown(wait=True)
