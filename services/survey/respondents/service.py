"""Rules of respondents: who may answer which survey, in which wave, with which segment."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from services.survey.clock import utcnow
from services.survey.instruments.service import check_segment, get_survey
from services.survey.respondents import repository, tokens
from services.survey.responses.repository import segment_key
from services.survey.waves.service import get_wave, open_wave_of, survey_waves, wave_status
from shared.db import write_transaction
from shared.errors import Conflict, Gone, NotFound, ValidationError


@dataclass(frozen=True)
class Respondent:
    """What a valid token entitles: a survey, a wave (0 for none) and segment attributes."""

    survey: dict
    wave_id: int
    segment: dict
    token_digest: str | None = None
    interaction_id: str | None = None


def create_invitations(*, engine: Engine, wave_id: int, respondents: list[dict],
                       issue_tokens: bool = True) -> list[str]:
    """Make one single-use token per respondent, in order; only their hashes are stored.

    Without tokens, the respondents are only counted as invited, per segment: how a past
    wave's invitations are recorded with its imported responses (a closed wave takes no
    tokens), so that its participation has a rate.
    """
    wave = get_wave(engine=engine, wave_id=wave_id)
    if issue_tokens and wave["status"] == "closed":
        raise Gone(f"Wave {wave_id} is closed: record its invitations with issue_tokens false.")
    survey = get_survey(engine=engine, survey_id=wave["survey_id"])
    errors = {}
    for position, respondent in enumerate(respondents):
        errors.update(check_segment(survey=survey, segment=respondent["segment"],
                                    field=f"respondents.{position}.segment"))
    if errors:
        raise ValidationError("Some respondents have invalid segments.", errors)
    if not issue_tokens:
        _record_invitations(engine, survey["id"], wave_id, respondents)
        return []
    issued = [tokens.new_invitation_token() for _ in respondents]
    rows = [{"token_hash": tokens.token_hash(token), "survey_id": survey["id"],
             "wave_id": wave_id, "segment": respondent["segment"]}
            for token, respondent in zip(issued, respondents)]
    with write_transaction(engine) as conn:
        repository.insert_invitations(conn, rows)
    return issued


def _combo_ids(engine: Engine, survey_id: int, keys: list[str]) -> dict[str, int]:
    """Return the ids of segment combinations (canonical texts), made if missing."""
    # Imported here: responding (that module) resolves tokens with this one.
    from services.survey.responses.service import combo_ids_for

    return combo_ids_for(engine=engine, survey_id=survey_id, keys=sorted(set(keys)))


def _record_invitations(engine: Engine, survey_id: int, wave_id: int,
                        respondents: list[dict]) -> None:
    keys = [segment_key(r["segment"]) for r in respondents]
    combos = _combo_ids(engine, survey_id, keys)
    counts = Counter(combos[key] for key in keys)
    with write_transaction(engine) as conn:
        repository.add_invitation_counts(conn, survey_id=survey_id, wave_id=wave_id,
                                         counts=dict(counts))


def create_link(*, engine: Engine, secret: str, base_url: str, survey_id: int,
                interaction_id: str, segment: dict) -> dict:
    """Return the signed token and URL of a customer link."""
    survey = get_survey(engine=engine, survey_id=survey_id)
    errors = check_segment(survey=survey, segment=segment, field="segment")
    if errors:
        raise ValidationError("The segment is not valid for this survey.", errors)
    token = tokens.make_link_token(secret, survey_id=survey_id, interaction_id=interaction_id,
                                   segment=segment)
    # Counted per day and segment (participation's "invited"); the link itself is not stored.
    key = segment_key(segment)
    combo_id = _combo_ids(engine, survey_id, [key])[key]
    with write_transaction(engine) as conn:
        repository.add_link_count(conn, survey_id=survey_id, day=utcnow().date(),
                                  combo_id=combo_id)
    return {"token": token, "url": f"{base_url.rstrip('/')}/s/{token}"}


# Waves are read at most this long ago when deciding a link's wave: new waves made by
# another process apply within a second, and this process forgets its list when it makes one.
WAVES_MAX_AGE = 1.0


def resolve_token(*, engine: Engine, secret: str, token: str,
                  check_spent: bool = True) -> Respondent:
    """Return what a token entitles; 404 unknown, 409 used, 410 outside an open wave.

    With `check_spent=False` a spent customer link is only found when storing (still 409).
    """
    if tokens.is_link_token(token):
        return _resolve_link(engine=engine, secret=secret, token=token, check_spent=check_spent)
    digest = tokens.token_hash(token)
    with engine.connect() as conn:
        invitation = repository.fetch_invitation(conn, digest)
    if invitation is None:
        raise NotFound("This survey link is not valid.")
    if invitation["used"]:
        raise Conflict("This survey link has already been used.")
    # The survey's waves as read at most a second ago: a wave's status follows from its
    # window and the clock, and the window of the invitation's wave is already known then.
    waves = survey_waves(engine=engine, survey_id=invitation["survey_id"], max_age=WAVES_MAX_AGE)
    wave = next((w for w in waves if w["id"] == invitation["wave_id"]), None)
    if wave is None:
        wave = get_wave(engine=engine, wave_id=invitation["wave_id"])
    status = wave_status(wave)
    if status != "open":
        raise Gone(f"This survey is {'not open yet' if status == 'scheduled' else 'closed'}.")
    survey = get_survey(engine=engine, survey_id=invitation["survey_id"])
    return Respondent(survey=survey, wave_id=wave["id"], segment=invitation["segment"],
                      token_digest=digest)


def _resolve_link(*, engine: Engine, secret: str, token: str, check_spent: bool) -> Respondent:
    link = tokens.read_link_token(secret, token)
    if link is None:
        raise NotFound("This survey link is not valid.")
    try:
        survey = get_survey(engine=engine, survey_id=link["survey_id"])
    except NotFound:
        raise NotFound("This survey link is not valid.") from None
    if check_segment(survey=survey, segment=link["segment"], field="segment"):
        raise NotFound("This survey link is not valid.")
    if check_spent:
        with engine.connect() as conn:
            if repository.link_used(conn, survey_id=survey["id"],
                                    interaction_id=link["interaction_id"]):
                raise Conflict("This interaction has already been rated.")
    waves = survey_waves(engine=engine, survey_id=survey["id"], max_age=WAVES_MAX_AGE)
    wave_id = 0
    if waves:
        # A survey with waves takes link responses only inside one; without waves, always.
        now = utcnow()
        wave = open_wave_of(waves, now)
        if wave is None:
            upcoming = any(wave_status(w, now) == "scheduled" for w in waves)
            raise Gone("This survey is not open yet." if upcoming else "This survey is closed.")
        wave_id = wave["id"]
    return Respondent(survey=survey, wave_id=wave_id, segment=link["segment"],
                      interaction_id=link["interaction_id"])


def claim_of(respondent: Respondent) -> tuple[str, dict, str]:
    """Return how to spend the respondent's token: (claim kind, its parameters, 409 message)."""
    if respondent.token_digest is not None:
        return ("invitation", {"claim_digest": respondent.token_digest},
                "This survey link has already been used.")
    return ("link", {"claim_survey_id": respondent.survey["id"],
                     "claim_interaction_id": respondent.interaction_id},
            "This interaction has already been rated.")


def participation_counts(*, engine: Engine, survey_id: int, segment_by: list[str]) -> dict:
    """Return how many were invited per wave and how many links were made per day, per
    segment over `segment_by` (the metrics service sets them against responses)."""
    survey = get_survey(engine=engine, survey_id=survey_id)
    unknown = sorted(set(segment_by) - set(survey["segments"]))
    if unknown:
        raise ValidationError("Unknown segment attribute(s).", {"segment_by": [
            f"Not a segment of this survey: {', '.join(unknown)}."]})
    with engine.connect() as conn:
        invited = repository.invitation_totals(conn, survey_id=survey_id)
        links = repository.link_totals(conn, survey_id=survey_id)
    waves: Counter = Counter()
    for wave_id, segment, n in invited:
        waves[(wave_id, _projected(segment, segment_by))] += int(n)
    days: Counter = Counter()
    for day, segment, n in links:
        days[(str(day)[:10], _projected(segment, segment_by))] += int(n)
    return {"waves": [{"wave": w, "segment": dict(zip(segment_by, values)), "invited": n}
                      for (w, values), n in sorted(waves.items(), key=_count_order)],
            "links": [{"day": d, "segment": dict(zip(segment_by, values)), "links": n}
                      for (d, values), n in sorted(days.items(), key=_count_order)]}


def _projected(segment_text: str, attributes: list[str]) -> tuple:
    segment = json.loads(segment_text)
    return tuple(segment.get(a) for a in attributes)


def _count_order(item) -> tuple:
    (period, values), _ = item
    return (period, tuple("" if v is None else v for v in values))
