"""The survey service as the metrics service's only data source (internal HTTP API).

Summaries and comments come from `/internal/surveys/...` through one pooled `ServiceClient`
per app. A survey that is down answers 503 naming `survey`; an unknown survey, 404.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any, NamedTuple

import orjson

from shared.errors import NotFound, Unavailable, ValidationError
from shared.http import ServiceClient
from shared.settings import Settings

DEFINITION_TTL_SECONDS = 30.0
EMPTY_WINDOW = date(1970, 1, 1)  # before any survey: no response falls on it


def make_survey_client(settings: Settings) -> ServiceClient:
    """Return the pooled client the metrics service calls the survey service with."""
    return ServiceClient("survey", settings.url_of("survey"),
                         internal_token=settings.internal_token,
                         connect_timeout=settings.connect_timeout,
                         read_timeout=settings.read_timeout)


def _unwrap(response) -> Any:
    """Return a survey answer's JSON, or raise the matching API error."""
    if response.status_code == 200:
        # orjson: summaries of a year of groups are hundreds of kB, read on every query.
        return orjson.loads(response.content)
    if response.status_code == 404:
        raise NotFound("No such survey.")
    if response.status_code == 422:
        details = (response.json().get("error") or {}).get("details") or {}
        raise ValidationError("The request has invalid fields.", details)
    raise Unavailable("The survey service is unavailable.", {"service": "survey"})


class Summaries(NamedTuple):
    """An answer of `/internal/surveys/{id}/summaries`."""

    survey: dict
    groups: list[dict]
    # The survey's response count, counted after the groups were read (None unless asked
    # for): a later read answering the same one held the same responses.
    revision: int | None
    # How many imports the survey had stored before the groups were read (None from a
    # survey service without it): closed periods change only through one.
    imports: int | None = None
    # With `columns=True`: the groups as parallel lists (`groups` is then empty).
    columns: dict | None = None


class SurveySource:
    """Summaries, comments and the survey list, read from the survey service."""

    def __init__(self, client: ServiceClient, ttl: float = DEFINITION_TTL_SECONDS):
        self.client = client
        self.ttl = ttl
        self._definitions: dict[int, tuple[float, dict]] = {}
        self._lock = threading.Lock()
        self._parts = True  # whether the survey service answers `parts`

    def _get(self, path: str, params: dict) -> Any:
        params = {k: v for k, v in params.items() if v not in (None, "")}
        return _unwrap(self.client.get(path, params=params))

    def definition(self, survey_id: int) -> dict:
        """Return a survey's definition (cached briefly: definitions do not change)."""
        with self._lock:
            cached = self._definitions.get(survey_id)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        # An empty window: the answer carries the definition, and no bucket is read.
        survey, _ = self.groups(survey_id, group_by="all", start=EMPTY_WINDOW, end=EMPTY_WINDOW)
        return survey

    def groups(self, survey_id: int, **query) -> tuple[dict, list[dict]]:
        """Return (survey definition, groups) of `/internal/surveys/{id}/summaries`."""
        answer = self.summaries(survey_id, **query)
        return answer.survey, answer.groups

    def summaries(self, survey_id: int, *, group_by: str, segment_by: tuple = (),
                  filter: str | None = None, start: date | None = None,
                  end: date | None = None, wave: int | None = None,
                  parts: tuple = (), columns: bool = False) -> Summaries:
        """Return the answer of `/internal/surveys/{id}/summaries`, with its revision.

        `parts` (e.g. `index:ai_trust`) asks for only those slots of each vector; the others
        come back as 0. A survey service without `parts` is asked for whole vectors.
        `columns` asks for the groups as parallel lists (`Summaries.columns`).
        """
        params = {"group_by": group_by, "segment_by": ",".join(segment_by), "filter": filter,
                  "from": start and start.isoformat(), "to": end and end.isoformat(),
                  "wave": wave, "shape": "columns" if columns else None}
        path = f"/internal/surveys/{survey_id}/summaries"
        if parts and self._parts:
            try:
                body = self._get(path, {**params, "parts": ",".join(parts)})
            except ValidationError as error:
                if "parts" not in (error.details or {}):
                    raise
                self._parts = False
                body = self._get(path, params)
        else:
            body = self._get(path, params)
        with self._lock:
            self._definitions[survey_id] = (time.monotonic(), body["survey"])
        return Summaries(body["survey"], body["groups"], body.get("revision"),
                         body.get("imports"), body.get("columns"))

    def comments(self, survey_id: int, *, question: str, atom_min: int,
                 filter: str | None = None, start: date | None = None,
                 end: date | None = None, wave: int | None = None) -> dict:
        """Return `{"n", "comments"}` of one group from the survey service, only the texts
        of responses whose atom holds at least `atom_min` respondents."""
        try:
            return self._get(f"/internal/surveys/{survey_id}/comments", {
                "question": question, "atom_min": atom_min, "filter": filter,
                "from": start and start.isoformat(), "to": end and end.isoformat(),
                "wave": wave})
        except ValidationError as error:
            if "atom_min" not in (error.details or {}):
                raise
        # A survey service without `atom_min` would return texts that intersecting two
        # groups' lists pins to a small group: none are returned.
        raise Unavailable("The survey service cannot withhold the comments of small groups.",
                          {"service": "survey"})

    def participation_counts(self, survey_id: int, *, segment_by: tuple = ()) -> dict:
        """Return `{"waves": [{"wave", "segment", "invited"}], "links": [{"day", "segment",
        "links"}]}`: invitations per wave and customer links made per day, per segment."""
        return self._get(f"/internal/surveys/{survey_id}/participation-counts",
                         {"segment_by": ",".join(segment_by)})

    def surveys(self) -> list[dict]:
        """Return every survey (id and definition fields) the survey service holds."""
        try:
            return self._paged("/internal/surveys")
        except NotFound:
            # Older survey services list surveys only on the public path.
            return self._paged("/api/v1/surveys")

    def _paged(self, path: str) -> list[dict]:
        items, cursor = [], None
        while True:
            body = self._get(path, {"limit": 100, "cursor": cursor})
            items.extend(body.get("items", []))
            cursor = body.get("next_cursor")
            if not cursor:
                return items

