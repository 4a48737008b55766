"""Rules of instruments: surveys from templates or explicit definitions, immutable once made."""

from __future__ import annotations

import threading
import weakref

from sqlalchemy.engine import Engine

from services.survey.clock import utcnow
from services.survey.instruments import repository
from services.survey.instruments.templates import get_template
from shared.errors import NotFound
from shared.pagination import cursor_after_id, page_of
from shared.summaries import SummaryLayout

_cache_lock = threading.Lock()
# Definitions never change once created, so a survey read once can be served from memory.
# Keyed per engine (weakly), so a second app on another database never sees these entries.
_caches: weakref.WeakKeyDictionary[Engine, dict] = weakref.WeakKeyDictionary()


def engine_cache(engine: Engine, name: str) -> dict:
    """Return a per-engine, per-process cache dictionary called `name`."""
    with _cache_lock:
        return _caches.setdefault(engine, {}).setdefault(name, {})


def create_survey(*, engine: Engine, data: dict) -> dict:
    """Store a survey from validated `SurveyCreateSchema` data and return it."""
    template = get_template(data["template"]) if data.get("template") else None
    if template is not None:
        questions, indices = template["questions"], template["indices"]
        kind = template["kind"]
        segments = data.get("segments", template["segments"])
    else:
        questions, indices, kind = data["questions"], data["indices"], data["kind"]
        segments = data.get("segments", [])
    anonymity = data["anonymity_threshold"]
    values = {
        "kind": kind, "title": data["title"], "template": data.get("template"),
        "questions": questions, "indices": indices, "segments": segments,
        "anonymity_threshold": anonymity,
        "comment_threshold": data.get("comment_threshold", max(10, anonymity)),
        "status": "active", "created_at": utcnow(),
    }
    with engine.begin() as conn:
        survey_id = repository.insert_survey(conn, values=values)
    return get_survey(engine=engine, survey_id=survey_id)


def get_survey(*, engine: Engine, survey_id: int) -> dict:
    """Return a survey, or raise `NotFound`."""
    cache = engine_cache(engine, "surveys")
    survey = cache.get(survey_id)
    if survey is None:
        survey = repository.fetch_survey(engine, survey_id)
        if survey is None:
            raise NotFound(f"No survey {survey_id}.")
        cache[survey_id] = survey
    return survey


def survey_layout(*, engine: Engine, survey: dict) -> SummaryLayout:
    """Return the (cached) summary layout of a survey."""
    cache = engine_cache(engine, "layouts")
    layout = cache.get(survey["id"])
    if layout is None:
        layout = cache[survey["id"]] = SummaryLayout(survey)
    return layout


def list_surveys(*, engine: Engine, limit: int, cursor: str | None) -> dict:
    """Return a page of surveys and the cursor of the next one."""
    rows = repository.fetch_surveys_page(engine, after_id=cursor_after_id(cursor),
                                         limit=limit + 1)
    return page_of(rows, limit)


def check_segment(*, survey: dict, segment: dict, field: str) -> dict[str, list[str]]:
    """Return 422 details if a segment uses attributes the survey does not allow."""
    unknown = sorted(set(segment) - set(survey["segments"]))
    errors = {}
    if unknown:
        allowed = ", ".join(survey["segments"]) or "none"
        errors[field] = [f"Unknown segment attribute(s) {', '.join(unknown)}; allowed: {allowed}."]
    bad = sorted(k for k, v in segment.items() if not isinstance(v, str) or not 0 < len(v) <= 100)
    if bad:
        errors.setdefault(field, []).append(
            f"Segment values must be text of 1 to 100 characters: {', '.join(bad)}.")
    return errors
