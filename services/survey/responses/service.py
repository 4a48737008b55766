"""Rules of responding: validate against the survey, spend the token, store with the summary."""

from __future__ import annotations

import hashlib
from datetime import datetime

import marshmallow as ma
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from services.survey.clock import utcnow
from services.survey.instruments.service import engine_cache, survey_layout
from services.survey.respondents.service import Respondent, claim_of, resolve_token
from services.survey.respondents.tokens import token_hash
from services.survey.responses import repository
from services.survey.responses.answers import (
    build_answers_schema,
    fast_answers_check,
    validate_answers,
)
from shared.db import retry_on_disconnect
from shared.errors import Conflict, ValidationError
from shared.observability import RESPONSES_STORED

EMPLOYEE = "employee_pulse"


def answers_schema_of(*, engine: Engine, survey: dict) -> ma.Schema:
    """Return the cached answers schema of a survey (definitions never change)."""
    cache = engine_cache(engine, "answer_schemas")
    schema = cache.get(survey["id"])
    if schema is None:
        schema = cache[survey["id"]] = build_answers_schema(survey)
    return schema


def check_answers(*, engine: Engine, survey: dict, answers) -> dict:
    """Return validated answers, or raise a 422 naming each problem.

    Answers the compiled check accepts are ones the schema accepts unchanged; only the
    others pay for the schema, whose verdict and messages count.
    """
    cache = engine_cache(engine, "answer_checks")
    fast = cache.get(survey["id"])
    if fast is None:
        fast = cache[survey["id"]] = fast_answers_check(survey)
    if fast(answers):
        return dict(answers)
    try:
        return validate_answers(answers_schema_of(engine=engine, survey=survey), answers)
    except ma.ValidationError as exc:
        raise ValidationError("The answers are not valid.", exc.messages) from None


def combo_ids_for(*, engine: Engine, survey_id: int, keys: list[str]) -> dict[str, int]:
    """Return the ids of segment combinations (canonical texts), cached per process."""
    cache = engine_cache(engine, "combos")
    missing = [k for k in keys if (survey_id, k) not in cache]
    if missing:
        for key, combo_id in repository.combo_ids(engine, survey_id=survey_id,
                                                  keys=missing).items():
            cache[(survey_id, key)] = combo_id
    return {k: cache[(survey_id, k)] for k in keys}


def submission_times(survey: dict, now: datetime) -> tuple:
    """Return (day, timestamp) kept for a response: employees keep the day only."""
    return now.date(), (None if survey["kind"] == EMPLOYEE else now)


def submit_response(*, engine: Engine, secret: str, token: str, answers,
                    idempotency_key: str | None = None) -> tuple[int, dict]:
    """Store one response given with a token; return (status, body).

    Pooled connections are not pinged before use: one found dead (the database restarted)
    fails its write and the whole submission is run again on a new one. Only a connection
    lost while the database ran the write (on PostgreSQL one autocommitted statement, on
    SQLite its COMMIT) leaves it unknown whether the first attempt was stored; the retry
    then finds the token spent (409), or, with an Idempotency-Key, answers as the stored
    attempt did.
    """
    if idempotency_key:
        # A key replays only what was answered to the same token: two respondents sending
        # the same key must not get each other's 201 (and lose their own answers).
        idempotency_key = hashlib.sha256(
            f"{token_hash(token)}:{idempotency_key}".encode("utf-8", "surrogatepass")).hexdigest()
    return retry_on_disconnect(lambda: _submit(
        engine=engine, secret=secret, token=token, answers=answers,
        idempotency_key=idempotency_key))


def _submit(*, engine: Engine, secret: str, token: str, answers,
            idempotency_key: str | None) -> tuple[int, dict]:
    stored = _answered_under(engine, idempotency_key)
    if stored:
        return stored
    try:
        # The transaction finds a spent link itself; no need for a separate read first.
        respondent = resolve_token(engine=engine, secret=secret, token=token, check_spent=False)
        clean = check_answers(engine=engine, survey=respondent.survey, answers=answers)
        return store_response(engine=engine, respondent=respondent, answers=clean,
                              idempotency_key=idempotency_key)
    except (Conflict, IntegrityError) as exc:
        # A concurrent retry with the same key may have spent the token since the read
        # above, before this one read the token or while it stored: answer as that one did.
        stored = _answered_under(engine, idempotency_key)
        if stored:
            return stored
        if isinstance(exc, Conflict):
            raise
        raise Conflict("This survey link has already been used.") from None


def _answered_under(engine: Engine, idempotency_key: str | None) -> tuple[int, dict] | None:
    """Return the (status, body) stored under an idempotency key, if any."""
    if not idempotency_key:
        return None
    with engine.connect() as conn:
        return repository.fetch_idempotent(conn, idempotency_key)


def store_response(*, engine: Engine, respondent: Respondent, answers: dict,
                   idempotency_key: str | None = None) -> tuple[int, dict]:
    """Spend the token and store the response with its summary, all or nothing."""
    survey = respondent.survey
    layout = survey_layout(engine=engine, survey=survey)
    segment_text = repository.segment_key(respondent.segment)
    combo_id = combo_ids_for(engine=engine, survey_id=survey["id"], keys=[segment_text])[
        segment_text]
    day, stamp = submission_times(survey, utcnow())
    claim, claim_params, spent = claim_of(respondent)
    response_id = repository.store_claimed_response(
        engine, claim=claim, claim_params=claim_params, vector=layout.encode(answers),
        idempotency_key=idempotency_key,
        row={"survey_id": survey["id"], "wave_id": respondent.wave_id, "combo_id": combo_id,
             "submitted_on": day, "submitted_at": stamp, "answers": answers})
    if response_id is None:
        raise Conflict(spent)
    RESPONSES_STORED.labels("token").inc()
    return 201, {"id": response_id}
