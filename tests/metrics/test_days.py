"""A survey's days read from the real survey service while responses keep arriving."""

from __future__ import annotations

import random

import numpy as np
import pytest

from services.metrics.analytics.atoms import day_labels
from services.metrics.analytics.days import READ_ATTEMPTS, fetch_days
from services.metrics.survey_source import SurveySource, make_survey_client
from shared.errors import Unavailable
from tests.metrics.factories import answers, pulse_survey

DAY = "2026-03-10"
# The wave opens at noon: the morning's responses on DAY are in no wave, the afternoon's in it.
WAVE = {"opens_at": f"{DAY}T12:00:00Z", "closes_at": "2026-03-20T00:00:00Z"}


class StoringSource:
    """The survey service as a source, storing responses through it between the reads.

    `arrivals` responses are stored, one each time, right after a read of the days'
    totals (all responses, no wave) has answered and before any wave is read. With
    `revisions=False` it answers like a survey service from before `revision`.
    """

    def __init__(self, source: SurveySource, store, arrivals: int = 1, revisions: bool = True):
        self.source = source
        self.store = store
        self.arrivals = arrivals
        self.revisions = revisions
        self.asked: list[tuple] = []  # (group_by, wave) of every summaries read

    def groups(self, survey_id, **query):
        answer = self.summaries(survey_id, **query)
        return answer.survey, answer.groups

    def summaries(self, survey_id, **query):
        self.asked.append((query["group_by"], query.get("wave")))
        answer = self.source.summaries(survey_id, **query)
        if query["group_by"] == "day" and query.get("wave") is None and self.arrivals:
            self.arrivals -= 1
            self.store()
        return answer if self.revisions else answer._replace(revision=None)


@pytest.fixture
def survey(suite, admin_headers):
    """A survey with one wave from noon of DAY: 5 Support responses before it, 6 in it.

    Returns (survey id, wave id, a function storing one more wave response).
    """
    definition = pulse_survey()
    body = {key: definition[key] for key in ("title", "kind", "segments", "anonymity_threshold",
                                             "comment_threshold", "questions", "indices")}
    created = suite.client.post("/api/v1/surveys", json=body, headers=admin_headers)
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    wave = suite.client.post(f"/api/v1/surveys/{survey_id}/waves", json=WAVE,
                             headers=admin_headers)
    assert wave.status_code == 201, wave.json
    seeds = iter(range(1, 100))

    def store(hour: int, count: int = 1) -> None:
        rng = random.Random(next(seeds))
        rows = [{"submitted_at": f"{DAY}T{hour:02d}:00:00Z",
                 "segment": {"department": "Support"}, "answers": answers(rng)}
                for _ in range(count)]
        stored = suite.client.post(f"/api/v1/surveys/{survey_id}/responses/import",
                                   json={"responses": rows}, headers=admin_headers)
        assert stored.status_code == 201, stored.json

    store(9, 5)  # seed 1: in no wave
    store(14, 6)  # in the wave
    return survey_id, wave.json["id"], lambda: store(15)


def _split(rows) -> dict:
    """Return {wave id (0: none): (respondents, vector)} of DAY's Support rows."""
    out: dict = {}
    for i, (piece, wave, values) in enumerate(zip(rows.pieces, rows.waves, rows.values)):
        assert piece == day_labels(DAY) and values == ("Support",)
        n, vector = out.get(wave, (0, 0))
        out[wave] = (n + int(rows.n[i]), vector + rows.vectors[i])
    return out


def _morning(layout) -> np.ndarray:
    """The index histogram of the five responses in no wave (seed 1)."""
    rng = random.Random(1)
    first, count = layout.part_slots("index:ai_trust")
    return layout.encode_many(answers(rng) for _ in range(5))[first:first + count]


@pytest.mark.parametrize("revisions", [True, False], ids=["revision", "older-survey-service"])
def test_a_wave_response_stored_after_the_days_totals_were_read_makes_them_read_again(
        suite, survey, revisions):
    survey_id, wave_id, store_one = survey
    source = StoringSource(SurveySource(make_survey_client(suite.settings)), store_one,
                           revisions=revisions)
    _, layout, rows = fetch_days(source, survey_id, ("department",), None, ("index:ai_trust",))
    split = _split(rows)
    # Outside the wave stays 5 (taking the newcomer from it would make it 4, and decide the
    # threshold on that), and the wave holds the response that arrived meanwhile.
    assert {wave: n for wave, (n, _) in split.items()} == {0: 5, wave_id: 7}
    first, count = layout.part_slots("index:ai_trust")
    assert np.array_equal(split[0][1][first:first + count], _morning(layout))
    attempt = [("day", None), ("day", wave_id)] + ([] if revisions else [("all", None)])
    assert source.asked == attempt * 2


def test_days_read_while_nothing_arrives_cost_one_read_each(suite, survey):
    survey_id, wave_id, store_one = survey
    source = StoringSource(SurveySource(make_survey_client(suite.settings)), store_one,
                           arrivals=0)
    _, _, rows = fetch_days(source, survey_id, ("department",), None, ("index:ai_trust",))
    assert {wave: n for wave, (n, _) in _split(rows).items()} == {0: 5, wave_id: 6}
    assert source.asked == [("day", None), ("day", wave_id)]


def test_responses_arriving_at_every_read_end_in_a_503_naming_the_survey_service(suite, survey):
    survey_id, _, store_one = survey
    source = StoringSource(SurveySource(make_survey_client(suite.settings)), store_one,
                           arrivals=READ_ATTEMPTS)
    with pytest.raises(Unavailable) as raised:
        fetch_days(source, survey_id, ("department",), None, ("index:ai_trust",))
    assert raised.value.details == {"service": "survey"}
