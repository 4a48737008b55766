"""Breakdowns: which summaries they read, and the anonymity decisions they keep."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, date, datetime

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from services.metrics.analytics import decisions, publication, service
from services.metrics.survey_source import SurveySource
from shared.http import ServiceClient
from tests.metrics.factories import analytics, answers, pulse_survey, response, weekly_responses


def _source(waves=(), now=None):
    rows = weekly_responses(random.Random(3), date(2026, 1, 5), 8,
                            {"Support": 12, "Sales": 7, "Legal": 2})
    if now is None:
        return analytics(pulse_survey(waves=waves), rows)
    return analytics(pulse_survey(waves=waves), rows, now)


def _weekly(source):
    return service.scores(source, survey_id=1, metric="index:ai_trust", period="week",
                          segment_by="department")


def test_a_decided_breakdown_reads_only_its_own_summaries():
    source = _source()
    first = _weekly(source)
    assert [a[0] for a in source.asked] == ["week", "bucket"]
    source.asked.clear()
    assert _weekly(source) == first
    assert [a[0] for a in source.asked] == ["all"]  # the kept weeks' import count only


def test_responses_in_an_open_period_change_nothing_published():
    # Seen on 2026-02-25: weeks 2 to 8 are closed, week 9 is open.
    source = _source(now=datetime(2026, 2, 25, 12, tzinfo=UTC))
    first = _weekly(source)
    assert {row["period"] for row in first["series"]} == {f"2026-W{w:02d}" for w in range(2, 9)}
    source.source.imports = len(source.responses)  # single responses follow, no import
    for _ in range(7):
        source.responses.append(response(date(2026, 2, 24), {"department": "Legal"},
                                         answers(random.Random(1))))
    source.asked.clear()
    assert _weekly(source) == first
    assert [a[0] for a in source.asked] == ["all"]  # nothing read or decided again


def test_an_import_into_a_closed_period_decides_it_again_and_keeps_what_it_showed():
    source = _source()
    first = {(r["period"], r["segment"]["department"]): r for r in _weekly(source)["series"]}
    for _ in range(9):  # Legal's week 3 grows from 2 to 11
        source.responses.append(response(date(2026, 1, 13), {"department": "Legal"},
                                         answers(random.Random(2))))
    source.asked.clear()
    again = {(r["period"], r["segment"]["department"]): r for r in _weekly(source)["series"]}
    # The kept weeks' check (an empty window) finds a new import: every week is read again,
    # and decided; so does the kept buckets' check (the days since the last settled week).
    assert [a[0] for a in source.asked] == ["all", "week", "bucket", "bucket"]
    assert again[("2026-W03", "Legal")]["n"] == 11
    for key, row in first.items():
        if not row["suppressed"]:
            assert not again[key]["suppressed"], key
    # Other weeks keep their decisions exactly.
    assert again[("2026-W05", "Sales")] == first[("2026-W05", "Sales")]


def test_only_the_closed_periods_of_a_wave_survey_are_listed():
    waves = [{"id": 4, "opens_at": "2026-01-05T08:00:00Z", "closes_at": "2026-01-19T00:00:00Z"}]
    source = _source(waves, now=datetime(2026, 1, 15, tzinfo=UTC))
    # Week 2 holds the wave's opening day and the wave is still open: not closed; week 3
    # has not ended.
    weeks = {row["period"] for row in service.scores(
        source, survey_id=1, metric="index:ai_trust", period="week")["series"]}
    assert weeks == set()
    source.now = datetime(2026, 1, 20, tzinfo=UTC)
    weeks = {row["period"] for row in service.scores(
        source, survey_id=1, metric="index:ai_trust", period="week")["series"]}
    assert weeks == {"2026-W02", "2026-W03"}


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
    # Values read the metric's parts; decisions read counts from one small histogram.
    asked = {a[2] for a in source.asked}
    assert parts in asked and asked <= {("hist:preference",), parts}


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


def _monthly(source):
    return service.scores(source, survey_id=1, metric="index:ai_trust", period="month",
                          segment_by="department")["series"]


def test_a_decision_too_large_to_check_shows_only_what_is_already_known(monkeypatch):
    # A week's three departments are checked; a month's ten unknown weeks are too many.
    monkeypatch.setattr(decisions, "MAX_UNKNOWN_ATOMS", 5)
    # Legal has two a week, hidden every week with Sales (7) beside it.
    series = _monthly(_source())
    shown = {r["segment"]["department"] for r in series if not r["suppressed"]}
    # Support's months are sums of its shown weeks; the others' are not.
    assert shown == {"Support"}
    monkeypatch.setattr(decisions, "MAX_UNKNOWN_ATOMS", 2500)
    shown = {r["segment"]["department"] for r in _monthly(_source()) if not r["suppressed"]}
    assert shown == {"Support", "Sales", "Legal"}


def test_a_decision_that_cannot_be_settled_shows_only_what_is_already_known(monkeypatch):
    from shared.anonymity import SuppressionUndecided

    def undecided(*args, **kwargs):
        raise SuppressionUndecided("work bound reached")

    monkeypatch.setattr(decisions, "suppress_over_atoms", undecided)
    series = _monthly(_source())
    assert series and all(row["suppressed"] for row in series if
                          row["segment"]["department"] == "Legal")


def _watch_decisions(monkeypatch, release: threading.Event | None = None) -> list:
    """Record the period of every decision made, each made once `release` is set (if given)."""
    made, original = [], publication.decide_period

    def watched(*args, **kwargs):
        if release is not None:
            release.wait(30)
        made.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(publication, "decide_period", watched)
    return made


def test_a_query_leaves_an_attribute_set_decided_in_the_background_to_that_thread():
    source = _source()
    key = (1, publication.Scope(), ("department",))
    waits = []

    class Running(threading.Event):  # a thread at work that does not finish
        def wait(self, timeout=None):
            waits.append(timeout)
            return super().wait(0)

    with publication._IN_FLIGHT_LOCK:  # at work for a minute already
        publication._IN_FLIGHT[key] = (Running(), time.monotonic() - 60)
    try:
        waiting = _weekly(source)
        assert waiting["series"] and all(r["pending"] and r["suppressed"]
                                         for r in waiting["series"])
        assert source.store.attribute_sets(1) == []  # nothing made beside the thread
        assert waits == []  # and no wait for it: a later query answers what is stored
    finally:
        with publication._IN_FLIGHT_LOCK:
            publication._IN_FLIGHT.pop(key)
    assert not any(r.get("pending") for r in _weekly(source)["series"])


def test_a_query_answers_pending_while_a_decision_it_started_is_still_being_made(monkeypatch):
    """The decisions run beside the query, which waits for them only as long as its
    budget: one long decision never holds the answer (it would hang here until released)."""
    from services.metrics.analytics import cells

    release = threading.Event()
    made = _watch_decisions(monkeypatch, release)
    monkeypatch.setattr(publication, "SAVE_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(cells, "DECISION_BUDGET_SECONDS", 0.2)
    source = _source()
    waiting = _weekly(source)
    assert waiting["series"] and all(r["pending"] and r["suppressed"]
                                     for r in waiting["series"])
    assert made == []
    release.set()
    key = (1, publication.Scope(), ("department",))
    with publication._IN_FLIGHT_LOCK:
        entry = publication._IN_FLIGHT.get(key)
    if entry is not None:  # else already done
        assert entry[0].wait(30)
    assert made and not any(r.get("pending") for r in _weekly(source)["series"])


def test_a_query_joining_a_running_thread_has_its_own_periods_decided_by_it(monkeypatch):
    """Weeks start the thread; months, asked while it is at work, join it and answer
    pending: the thread decides them too before it ends, with no later query to start it."""
    from services.metrics.analytics import cells

    release = threading.Event()
    _watch_decisions(monkeypatch, release)
    monkeypatch.setattr(cells, "DECISION_BUDGET_SECONDS", 0.0)
    source = _source()
    assert all(r["pending"] for r in _weekly(source)["series"])  # starts the thread
    assert all(r["pending"] for r in _monthly_answer(source)["series"])  # joins it
    key = (1, publication.Scope(), ("department",))
    with publication._IN_FLIGHT_LOCK:
        entry = publication._IN_FLIGHT[key]
    release.set()
    assert entry[0].wait(30)
    stored = source.store.load(1, "respondents", [(), ("department",)])
    assert {p for (_, p) in stored if p.startswith("2026-0")} == {"2026-01", "2026-02"}
    monkeypatch.setattr(publication, "decide_period", lambda *a, **k: pytest.fail("made again"))
    assert not any(r.get("pending") for r in _monthly_answer(source)["series"])


def test_a_process_waits_for_another_deciding_the_same_attribute_set(monkeypatch):
    """Another process (another gunicorn worker or replica) holds the claim on deciding
    departments: this one makes none of them beside it, and takes over once it is freed."""
    from services.metrics.analytics import cells
    from services.metrics.monitoring.repository import acquire_lease, release_lease

    made = _watch_decisions(monkeypatch)
    monkeypatch.setattr(publication, "CLAIM_POLL_SECONDS", 0.05)
    monkeypatch.setattr(cells, "DECISION_BUDGET_SECONDS", 0.3)
    source = _source()
    key = (1, publication.Scope(), ("department",))
    claim = publication._Claim(source.store, key)
    assert acquire_lease(source.store.engine, claim.name, "another process",
                         datetime.now(UTC).replace(tzinfo=None), 60)
    assert all(r["pending"] for r in _weekly(source)["series"])
    assert made == []  # it waited for the claim
    with publication._IN_FLIGHT_LOCK:
        entry = publication._IN_FLIGHT[key]
    release_lease(source.store.engine, claim.name, "another process")
    assert entry[0].wait(30)
    assert made and not any(r.get("pending") for r in _weekly(source)["series"])


def _monthly_answer(source):
    return service.scores(source, survey_id=1, metric="index:ai_trust", period="month",
                          segment_by="department")


def test_a_later_query_sees_the_decisions_stored_so_far(monkeypatch):
    from services.metrics.analytics import cells

    gate, original = threading.Semaphore(0), publication.decide_period
    calls, eleventh = [], threading.Event()

    def one_at_a_time(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 11:
            eleventh.set()  # the ten before it are stored by now
        gate.acquire(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(publication, "decide_period", one_at_a_time)
    monkeypatch.setattr(publication, "SAVE_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(cells, "DECISION_BUDGET_SECONDS", 0.0)
    source = _source()
    # Eight weeks: the whole survey's eight decisions come first, then two departments' weeks.
    for _ in range(10):
        gate.release()
    key = (1, publication.Scope(), ("department",))
    try:
        assert all(r["pending"] for r in _weekly(source)["series"])  # starts the thread
        assert eleventh.wait(30)
        partial = _weekly(source)
        decided = {r["period"] for r in partial["series"] if not r.get("pending")}
        assert decided == set(calls[8:10])
    finally:
        for _ in range(200):
            gate.release()
        with publication._IN_FLIGHT_LOCK:
            entry = publication._IN_FLIGHT.get(key)
        if entry is not None:
            entry[0].wait(30)


def test_queries_arriving_together_wait_for_their_thread_alike():
    """A dashboard asks several metrics of one breakdown side by side: the one that starts
    the decisions and those joining it all answer them decided."""
    source = _source()
    answers = [None] * 4

    def ask(i):
        answers[i] = _weekly(source)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(a and a["series"] and not any(r.get("pending") for r in a["series"])
               for a in answers)
