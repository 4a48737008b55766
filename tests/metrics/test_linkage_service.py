"""Employee-customer linkage on summaries: which teams are points, checked against scipy.

Reference: scipy ``pearsonr`` (r, p-value, Fisher-z ``confidence_interval``) and
``spearmanr`` on the teams' means computed with numpy from the raw answers of the span.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from services.metrics.analytics import linkage as linkages
from shared.errors import NotFound, ValidationError
from tests.metrics.factories import (
    analytics_of,
    answers,
    customer_survey,
    pulse_survey,
    response,
    until_decided,
)
from tests.metrics.test_analytics_service import index_scores

START = date(2026, 1, 5)  # a Monday: ISO week 2, in January
WEEKS = 8  # weeks 2 to 9: January and February
TEAM_SHIFT = {"T1": -0.6, "T2": -0.2, "T3": 0.0, "T4": 0.3, "T5": 0.5, "T6": 0.1, "T7": 0.2}
SMALL_WEEK = 2  # week 4 (from 2026-01-19): teams T6 and T8 have three customers each


def linkage(ctx, **query) -> dict:
    """The linkage answer once the span's periods are decided."""
    return until_decided(lambda: linkages.linkage(ctx, **query))


def _employees(rng):
    rows = []
    for week in range(WEEKS):
        for team, shift in TEAM_SHIFT.items():
            for i in range(8):
                rows.append(response(START + timedelta(days=7 * week + i % 5), {"team": team},
                                     answers(rng, shift)))
    return rows


def _csat(rng, shift):
    return {"csat": max(1, min(5, round(rng.gauss(3.3 + shift, 1.0)))),
            "recommend": rng.randrange(11), "preference": "prefer_ai"}


def _customers(rng):
    rows = []
    for week in range(WEEKS):
        for team, shift in TEAM_SHIFT.items():
            if team == "T7":
                continue  # a team of the employee survey only
            per_day = 5 if not (team == "T6" and week == SMALL_WEEK) else 0
            for day in range(5):
                for _ in range(per_day):
                    rows.append(response(START + timedelta(days=7 * week + day), {"team": team},
                                         _csat(rng, shift)))
            if team == "T6" and week == SMALL_WEEK:
                rows += [response(START + timedelta(days=7 * week), {"team": team},
                                  _csat(rng, shift)) for _ in range(3)]
        # A team with three customers in T6's small week: the two hide each other there.
        if week == SMALL_WEEK:
            rows += [response(START + timedelta(days=7 * week + 1), {"team": "T8"},
                              _csat(rng, 0.0)) for _ in range(3)]
    return rows


@pytest.fixture(scope="module")
def linked():
    rng = random.Random(11)
    employees, customers = _employees(rng), _customers(rng)
    return analytics_of((pulse_survey(segments=("team",)), employees),
                        (customer_survey(segments=("team",)), customers)), employees, customers


def _in_span(rows, team, start, end):
    return [r["answers"] for r in rows if r["segment"]["team"] == team
            and (start is None or r["day"] >= start) and (end is None or r["day"] <= end)]


def _assert_matches_scipy(answer, employees, customers, start, end):
    teams = [p["segment"]["team"] for p in answer["points"]]
    x = np.array([index_scores(_in_span(employees, t, start, end)).mean() for t in teams])
    y = np.array([np.mean([a["csat"] for a in _in_span(customers, t, start, end)])
                  for t in teams])
    pearson, spearman = stats.pearsonr(x, y), stats.spearmanr(x, y)
    interval = pearson.confidence_interval(0.95)
    assert answer["groups"] == len(teams)
    assert answer["pearson"]["r"] == pytest.approx(pearson.statistic)
    assert answer["pearson"]["p_value"] == pytest.approx(pearson.pvalue)
    assert (answer["pearson"]["ci_low"], answer["pearson"]["ci_high"]) == pytest.approx(
        (interval.low, interval.high))
    assert answer["spearman"]["rho"] == pytest.approx(spearman.statistic)
    assert answer["spearman"]["p_value"] == pytest.approx(spearman.pvalue)
    for point, team in zip(answer["points"], teams):
        assert point["employee"]["n"] == len(_in_span(employees, team, start, end))
        assert point["customer"]["n"] == len(_in_span(customers, team, start, end))


def test_all_time_points_are_the_teams_shown_in_both_surveys(linked):
    ctx, employees, customers = linked
    answer = linkage(ctx, employee=(1, "index:ai_trust"), customer=(2, "item:csat"), by="team")
    # T7 has no customers and T8 three; T6's week of three customers is hidden (beside
    # T8's), so T6's all-time group is no sum of shown cells.
    assert [p["segment"] for p in answer["points"]] == [{"team": t} for t in
                                                        ("T1", "T2", "T3", "T4", "T5")]
    _assert_matches_scipy(answer, employees, customers, None, None)
    assert answer["pearson"]["r"] > 0.8


def test_a_span_counts_its_whole_weeks_and_shows_a_team_hidden_outside_it(linked):
    ctx, employees, customers = linked
    # 2026-01-28 is a Wednesday of week 5: the span starts on its Monday, 2026-01-26.
    answer = linkage(ctx, employee=(1, "index:ai_trust"), customer=(2, "item:csat"), by="team",
                     start=date(2026, 1, 28), end=date(2026, 3, 1))
    assert (answer["from"], answer["to"]) == ("2026-01-26", "2026-03-01")
    assert [p["segment"]["team"] for p in answer["points"]] == [
        "T1", "T2", "T3", "T4", "T5", "T6"]
    _assert_matches_scipy(answer, employees, customers, date(2026, 1, 26), date(2026, 3, 1))


def test_fewer_than_five_points_is_a_422_that_says_nothing_of_hidden_groups(linked):
    ctx, employees, customers = linked
    few = analytics_of(
        (pulse_survey(segments=("team",)), employees),
        (customer_survey(segments=("team",)),
         [r for r in customers if r["segment"]["team"] in ("T1", "T2", "T8")]))
    messages = []
    for context, start in ((ctx, date(2026, 3, 2)), (few, None)):
        with pytest.raises(ValidationError) as error:
            linkage(context, employee=(1, "index:ai_trust"), customer=(2, "item:csat"),
                    by="team", start=start)
        messages.append(error.value.details)
    # No team in the span, and two shown with one hidden: the same words, no count.
    assert messages[0] == messages[1] and list(messages[0]) == ["by"]


@pytest.mark.parametrize("query, field", [
    ({"by": "department"}, "by"),
    ({"employee": (2, "item:csat")}, "employee"),
    ({"customer": (1, "index:ai_trust")}, "customer"),
    ({"employee": (1, "alpha:ai_trust")}, "employee"),
    ({"customer": (2, "index:ai_trust")}, "customer"),
    ({"start": date(2026, 2, 1), "end": date(2026, 1, 1)}, "from"),
])
def test_bad_linkage_queries_are_422_naming_the_field(linked, query, field):
    ctx, *_ = linked
    params = {"employee": (1, "index:ai_trust"), "customer": (2, "item:csat"), "by": "team",
              **query}
    with pytest.raises(ValidationError) as error:
        linkage(ctx, **params)
    assert field in error.value.details and error.value.details[field][0]


def test_an_unknown_survey_is_a_404(linked):
    ctx, *_ = linked
    with pytest.raises(NotFound):
        linkage(ctx, employee=(1, "index:ai_trust"), customer=(9, "item:csat"), by="team")


def test_periods_still_being_decided_answer_pending_then_the_points(monkeypatch):
    """A query out of its decision budget answers pending (hidden, nothing counted), and
    the decisions finished in the background give the full answer moments later."""
    from services.metrics.analytics import cells

    rng = random.Random(11)
    fresh = analytics_of((pulse_survey(segments=("team",)), _employees(rng)),
                         (customer_survey(segments=("team",)), _customers(rng)))
    monkeypatch.setattr(cells, "DECISION_BUDGET_SECONDS", 0.0)
    query = {"employee": (1, "index:ai_trust"), "customer": (2, "item:csat"), "by": "team"}
    first = linkages.linkage(fresh, **query)
    assert first["pending"] is True and first["points"] == [] and first["groups"] == 0
    assert first["pearson"]["r"] is None
    settled = linkage(fresh, **query)
    assert "pending" not in settled and settled["groups"] == 5
