"""Settled closed periods kept between queries (`analytics.history`), against raw responses."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from services.metrics.analytics import service
from services.metrics.analytics.history import Groups, History, SharedGroups, settled_through
from services.metrics.analytics.timeline import Timeline
from shared.errors import Unavailable
from shared.summaries import SummaryLayout
from tests.metrics.factories import analytics, answers, pulse_survey, response, weekly_responses

# 2026-03-02 is the Monday of week 10: weeks 2 to 9 are closed.
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def _context(now: datetime):
    rows = weekly_responses(random.Random(3), date(2026, 1, 5), 8, {"Support": 12, "Sales": 9})
    ctx = analytics(pulse_survey(), rows, now)
    starts = []
    summaries = ctx.source.summaries

    def spy(survey_id, **query):
        starts.append((query["group_by"], query.get("start"), query.get("end")))
        return summaries(survey_id, **query)

    ctx.source.summaries = spy
    ctx.source.imports = len(rows)  # no import until a test makes one
    return ctx, starts


def _weekly(ctx) -> dict:
    answer = service.scores(ctx, survey_id=1, metric="index:ai_trust", period="week",
                            segment_by="department")
    return {(r["period"], r["segment"]["department"]): r["n"] for r in answer["series"]}


def _add(ctx, day: date, count: int, *, imported: bool) -> None:
    for _ in range(count):
        ctx.source.responses.append(response(day, {"department": "Support"},
                                             answers(random.Random(5))))
    if imported:
        ctx.source.imports += 1


def test_a_later_read_asks_only_for_the_days_after_the_settled_weeks():
    ctx, starts = _context(MONDAY + timedelta(hours=12))
    first = _weekly(ctx)
    assert starts[0] == ("week", None, date(2026, 3, 1))  # week 10 is not over: not read
    starts.clear()
    assert _weekly(ctx) == first
    # Every past week is settled: only the import count is read (an empty window).
    assert starts == [("all", date(1970, 1, 1), date(1970, 1, 1))]


def test_a_week_closed_moments_ago_is_read_afresh_until_it_settles():
    # Five minutes after week 9 closed, a response accepted just before may still be
    # committing: week 9 is not kept, so it shows once committed.
    ctx, starts = _context(MONDAY + timedelta(minutes=5))
    first = _weekly(ctx)
    assert first[("2026-W09", "Support")] == 12
    _add(ctx, date(2026, 2, 27), 1, imported=False)
    starts.clear()
    assert _weekly(ctx)[("2026-W09", "Support")] == 13
    assert ("week", date(2026, 2, 23), date(2026, 3, 1)) in starts  # week 9: not kept yet


def test_an_import_makes_the_kept_weeks_be_read_again():
    ctx, starts = _context(MONDAY + timedelta(hours=12))
    assert _weekly(ctx)[("2026-W03", "Support")] == 12
    _add(ctx, date(2026, 1, 13), 4, imported=True)
    starts.clear()
    assert _weekly(ctx)[("2026-W03", "Support")] == 16
    assert ("week", None, date(2026, 3, 1)) in starts


def test_without_an_import_count_nothing_is_kept():
    ctx, starts = _context(MONDAY + timedelta(hours=12))
    ctx.source.imports = None
    original = ctx.source.summaries

    def older_service(survey_id, **query):
        return original(survey_id, **query)._replace(imports=None)

    ctx.source.summaries = older_service
    assert _weekly(ctx)[("2026-W03", "Support")] == 12
    _add(ctx, date(2026, 1, 13), 2, imported=False)
    starts.clear()
    assert _weekly(ctx)[("2026-W03", "Support")] == 14
    assert ("week", None, date(2026, 3, 1)) in starts


def test_settled_through_ends_on_whole_periods_before_any_open_wave():
    survey = pulse_survey(waves=[{"id": 7, "opens_at": "2026-02-10T09:00:00Z",
                                  "closes_at": "2026-03-20T00:00:00Z"}])
    timeline = Timeline(survey, MONDAY)
    assert settled_through(timeline, "bucket") == date(2026, 2, 9)
    assert settled_through(timeline, "week") == date(2026, 2, 8)
    assert settled_through(timeline, "month") == date(2026, 2, 1)  # February is Feb 2-Mar 1
    assert settled_through(Timeline(pulse_survey(), MONDAY), "week") == date(2026, 3, 1)


def test_a_window_starting_after_the_settled_days_is_read_from_its_start():
    # Every week to March 1 is settled; a window from March 9 holds nothing yet, and a later
    # read must not fill it with week 10 (March 2-8), which lies between the two.
    ctx, starts = _context(MONDAY + timedelta(hours=12))
    _add(ctx, date(2026, 3, 3), 3, imported=False)
    query = {"group_by": "week", "attributes": ("department",), "parts": ("index:ai_trust",),
             "start": date(2026, 3, 9)}
    for _ in range(2):
        _, groups = ctx.groups(1, **query)
        assert groups.periods == []
    assert [s[1] for s in starts if s[0] == "week"] == [date(2026, 3, 9)] * 2


def test_another_process_reads_the_kept_groups_from_the_database_and_only_the_days_after():
    ctx, starts = _context(MONDAY + timedelta(hours=12))
    shared = SharedGroups(ctx.store.engine)
    ctx.history = History(shared=shared)
    first = _weekly(ctx)
    assert ("week", None, date(2026, 3, 1)) in starts
    # A second process: its own memory, the same database.
    ctx.history = History(shared=shared)
    starts.clear()
    assert _weekly(ctx) == first
    assert all(start is not None for _, start, _ in starts)  # no whole read again
    # An import makes every process read the weeks again, and store them anew.
    _add(ctx, date(2026, 1, 13), 4, imported=True)
    ctx.history = History(shared=shared)
    starts.clear()
    assert _weekly(ctx)[("2026-W03", "Support")] == 16
    assert ("week", None, date(2026, 3, 1)) in starts
    ctx.history = History(shared=shared)
    starts.clear()
    assert _weekly(ctx)[("2026-W03", "Support")] == 16
    assert all(start is not None for _, start, _ in starts)


def test_spans_a_reader_chooses_are_kept_per_process_only():
    ctx, starts = _context(MONDAY + timedelta(hours=12))
    shared = SharedGroups(ctx.store.engine)
    query = {"group_by": "week", "attributes": ("department",), "parts": ("index:ai_trust",),
             "start": date(2026, 1, 12)}
    History(shared=shared).read(ctx.source, 1, ctx.clock(), **query)
    starts.clear()
    History(shared=shared).read(ctx.source, 1, ctx.clock(), **query)
    assert ("week", date(2026, 1, 12), None) in starts


def test_kept_groups_are_frozen_out_of_the_collectors_full_passes(monkeypatch):
    import gc

    from shared import memory

    monkeypatch.setattr(memory, "FREEZE_AFTER", 10)
    ctx, _ = _context(MONDAY + timedelta(hours=12))
    gc.unfreeze()
    _weekly(ctx)
    kept = next(iter(ctx.history._kept.values())).groups
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept.periods for obj in gc.get_objects())  # frozen: not tracked


def test_columns_holding_other_slots_than_asked_are_an_unavailable_survey_service():
    layout = SummaryLayout(pulse_survey())
    asked = ("index:ai_trust",)
    first, count = layout.part_slots(asked[0])
    columns = {"periods": ["2026-W09"], "waves": None, "segments": [["Support"]], "n": [12],
               "slots": list(range(first, first + count)), "vectors": [[1] * count]}
    assert Groups.of_columns(columns, layout, asked).n.tolist() == [12]
    # A survey service of another version answering other slots: a 503 naming it, not a 500.
    with pytest.raises(Unavailable) as raised:
        Groups.of_columns({**columns, "slots": columns["slots"][1:] + [first + count]},
                          layout, asked)
    assert raised.value.details == {"service": "survey"}
