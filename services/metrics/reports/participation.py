"""Participation: how many were invited (or sent a link) against how many responded.

A closed period's group is shown exactly when the respondents' kept decision of its
(attribute set, period) shows it, with `responded` the `n` that `scores` shows: a
participation table of its own would hide other complementary cells, and the two tables
together could give a small group away. An open wave of an employee pulse is shown live
(`live`): counts only, never answers. `invited` is what the survey service counted:
invitations to a wave (with tokens, or recorded without), or customer links made through
the API on a day; null where none was counted.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from services.metrics.analytics.cells import load_breakdown
from services.metrics.analytics.publication import Scope
from services.metrics.analytics.selectors import parse_segment_by
from services.metrics.analytics.service import _check_period, _dates
from services.metrics.reports.live import live_decision, open_waves
from shared.periods import period_label, period_sort_key, wave_label

HIDDEN = {"invited": None, "responded": None, "rate": None, "suppressed": True}


def default_period(survey: dict) -> str:
    """Return the period participation is shown by when none is asked: waves or weeks."""
    return "week" if survey.get("kind") == "customer_ai" else "wave"


def invited_counts(timeline, counts: dict, granularity: str, attributes: tuple) -> Counter:
    """Return how many were invited per (period, segment values) at `granularity`.

    `counts` is the survey service's answer (`SurveySource.participation_counts`), whose
    segments are already cut to the attributes asked; a wave's invitations count in the
    periods holding its opening day, a link in those holding the day it was made.
    """
    out: Counter = Counter()

    def values(row) -> tuple:
        return tuple(row["segment"].get(a) for a in attributes)

    for row in counts.get("waves", []):
        wave = timeline.waves.get(row["wave"])
        if wave is None:
            continue
        label = wave_label(row["wave"]) if granularity == "wave" else period_label(
            wave["day"], granularity)
        out[(label, values(row))] += row["invited"]
    if granularity != "wave":
        for row in counts.get("links", []):
            label = period_label(date.fromisoformat(row["day"]), granularity)
            out[(label, values(row))] += row["links"]
    return out


def _row(timeline, attributes: tuple, period: str, values: tuple, responded: int | None,
         invited: int | None, live: bool) -> dict:
    row = {"period": period, **_dates(timeline, period), "segment": dict(zip(attributes, values)),
           "open": live}
    if responded is None:
        return {**row, **HIDDEN}
    rate = responded / invited if invited else None
    return {**row, "invited": invited, "responded": responded, "rate": rate,
            "suppressed": False}


def _order(row: dict) -> tuple:
    return (period_sort_key(row["period"]),
            tuple("" if v is None else str(v) for v in row["segment"].values()))


def participation(ctx, *, survey_id: int, period: str | None = None,
                  segment_by: str | None = None) -> dict:
    """Return invited, responded and rate per period (or wave) and segment."""
    survey = ctx.source.definition(survey_id)
    period = period or default_period(survey)
    _check_period(period, survey)
    attributes = parse_segment_by(segment_by, survey)
    breakdown = load_breakdown(ctx, survey_id, granularity=period, attributes=attributes,
                               parts=(Scope().part(survey),))
    timeline = breakdown.timeline
    invited = invited_counts(timeline, ctx.source.participation_counts(
        survey_id, segment_by=attributes), period, attributes)
    closed = set(breakdown.cells) | {key for key in invited if timeline.is_closed(key[0])}
    series = []
    for label, values in closed:
        cell = breakdown.cell(label, values)
        series.append(_row(timeline, attributes, label, values,
                           None if cell.hidden else cell.count, invited.get((label, values)),
                           live=False))
    if period == "wave":
        for label in open_waves(breakdown.survey, ctx.clock()):
            decision = live_decision(ctx, breakdown.survey, attributes, label)
            groups = set(decision.cells) | {v for p, v in invited if p == label}
            for values in groups:
                responded = None if decision.hidden(values) else decision.cells[values][0]
                series.append(_row(timeline, attributes, label, values, responded,
                                   invited.get((label, values)), live=True))
    for row in series:
        if row["period"] in breakdown.pending:
            row["pending"] = True  # hidden until its decision is made, in a moment
    series.sort(key=_order)
    return {"survey_id": survey_id, "period": period, "segment_by": list(attributes),
            "threshold": breakdown.survey["anonymity_threshold"], "series": series}
