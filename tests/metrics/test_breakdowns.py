"""Breakdowns: which summaries they read, and the suppression decisions they reuse."""

from __future__ import annotations

import random
import threading
from datetime import date

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from services.metrics.analytics import service
from services.metrics.analytics.cells import SHORTCUTS
from services.metrics.survey_source import SurveySource
from shared.http import ServiceClient
from tests.metrics.factories import MemorySource, answers, pulse_survey, response, weekly_responses


def _source(waves=()) -> MemorySource:
    rows = weekly_responses(random.Random(3), date(2026, 1, 5), 8,
                            {"Support": 12, "Sales": 7, "Legal": 2})
    return MemorySource(pulse_survey(waves=waves), rows)


def test_a_repeated_calendar_breakdown_reads_only_its_own_summaries():
    SHORTCUTS.clear()
    source = _source()
    first = service.scores(source, survey_id=1, metric="index:ai_trust", period="week",
                           segment_by="department")
    assert [a[0] for a in source.asked] == ["week", "day"]
    source.asked.clear()
    again = service.scores(source, survey_id=1, metric="index:ai_trust", period="week",
                           segment_by="department")
    assert again == first
    assert [a[0] for a in source.asked] == ["week"]
    # One more response changes the counts: the days are read again and decided afresh.
    source.responses.append(response(date(2026, 1, 6), {"department": "Legal"},
                                     answers(random.Random(1))))
    source.asked.clear()
    service.scores(source, survey_id=1, metric="index:ai_trust", period="week",
                   segment_by="department")
    assert [a[0] for a in source.asked] == ["week", "day"]


def test_waves_always_read_the_days_of_every_wave():
    waves = [{"id": 4, "opens_at": "2026-01-05T00:00:00Z", "closes_at": "2026-01-19T00:00:00Z"}]
    source = _source(waves)
    for _ in range(2):
        source.asked.clear()
        service.scores(source, survey_id=1, metric="index:ai_trust", period="wave")
        assert [(a[0], a[1]) for a in source.asked] == [("day", None), ("day", 4)]


@pytest.mark.parametrize(("call", "parts"), [
    (lambda s: service.scores(s, survey_id=1, metric="index:ai_trust", period="month"),
     ("index:ai_trust",)),
    (lambda s: service.scores(s, survey_id=1, metric="item:enps", period="month"), ("hist:enps",)),
    (lambda s: service.compare(s, survey_id=1, metric="share:preference=avoid_ai", a="",
                               b="segment:department=Sales"), ("hist:preference",)),
    (lambda s: service.drivers(s, survey_id=1, outcome="item:enps"), ("moments",)),
    (lambda s: service.scores(s, survey_id=1, metric="alpha:ai_trust", period="month"),
     ("moments",)),
])
def test_each_metric_asks_only_for_the_parts_it_reads(call, parts):
    source = _source()
    call(source)
    assert {a[2] for a in source.asked} == {parts}


def _survey_service_without_parts() -> Flask:
    """A survey service from before `parts`: a 422 naming it, whole vectors otherwise."""
    app = Flask("old-survey")
    seen = []

    @app.get("/internal/surveys/<int:survey_id>/summaries")
    def summaries(survey_id):
        seen.append(dict(request.args))
        if "parts" in request.args:
            return jsonify(error={"code": "validation_error", "message": "Bad query.",
                                  "details": {"parts": ["Unknown field."]}}), 422
        return jsonify(survey=pulse_survey(), groups=[])

    app.config["seen"] = seen
    return app


def test_a_survey_service_without_parts_is_asked_for_whole_vectors():
    app = _survey_service_without_parts()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = SurveySource(ServiceClient("survey", f"http://127.0.0.1:{server.server_port}",
                                            internal_token="t"))
        for _ in range(2):
            survey, groups = source.groups(1, group_by="week", parts=("index:ai_trust",))
            assert survey["id"] == 1 and groups == []
        # Asked once with parts, then without; later calls go straight without.
        assert ["parts" in args for args in app.config["seen"]] == [True, False, False]
    finally:
        server.shutdown()
        server.server_close()


def test_an_attribute_set_with_too_many_atoms_is_hidden_whole_when_anything_in_it_is_small(
        monkeypatch):
    from services.metrics.analytics import atoms

    monkeypatch.setattr(atoms, "ATOM_LIMIT", 10)
    atoms.DECISIONS.clear()
    SHORTCUTS.clear()
    small = _source()  # Legal has two a week
    answer = service.scores(small, survey_id=1, metric="index:ai_trust", period="month",
                            segment_by="department")
    assert answer["series"] and all(row["suppressed"] for row in answer["series"])
    # The totals (fewer atoms) are still decided one by one and shown.
    totals = service.scores(small, survey_id=1, metric="index:ai_trust", period="month")
    assert not any(row["suppressed"] for row in totals["series"])
    large = MemorySource(pulse_survey(), weekly_responses(
        random.Random(3), date(2026, 1, 5), 8, {"Support": 12, "Sales": 7}))
    answer = service.scores(large, survey_id=1, metric="index:ai_trust", period="week",
                            segment_by="department")
    assert not any(row["suppressed"] for row in answer["series"])


def test_a_breakdown_whose_suppression_cannot_be_settled_is_hidden_whole(monkeypatch):
    from services.metrics.analytics import atoms
    from shared.anonymity import SuppressionUndecided

    def undecided(*args, **kwargs):
        raise SuppressionUndecided("work bound reached")

    monkeypatch.setattr(atoms, "suppress_over_atoms", undecided)
    atoms.DECISIONS.clear()
    SHORTCUTS.clear()
    answer = service.scores(_source(), survey_id=1, metric="index:ai_trust", period="month",
                            segment_by="department")
    assert answer["series"] and all(row["suppressed"] and row["n"] is None
                                    for row in answer["series"])
    atoms.DECISIONS.clear()
    SHORTCUTS.clear()
