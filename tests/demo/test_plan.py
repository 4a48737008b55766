"""The demo plan, checked in memory: deterministic, and shaped as the research it follows."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest
from scipy import stats

from services.demo.plan import build_demo, wave_weeks

TODAY = date(2026, 11, 25)
LIKERT = ("job_security", "replacement_worry", "ai_training", "role_clarity", "ai_control",
          "ai_copilot", "leadership_openness", "monitoring_support", "workload",
          "complexity_exhaustion")
REVERSED = {"replacement_worry", "complexity_exhaustion"}


@pytest.fixture(scope="module")
def plan():
    return build_demo(seed=7, today=TODAY)


def _scored(row: dict, item: str) -> int:
    value = row["answers"][item]
    return 6 - value if item in REVERSED else value


def _wellbeing(row: dict) -> float:
    items = ("workload", "complexity_exhaustion", "job_security")
    return (sum(_scored(row, i) for i in items) / 3 - 1) / 4 * 100


def _share(rows, question, option):
    return sum(r["answers"][question] == option for r in rows) / len(rows)


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(plan):
    again = build_demo(seed=7, today=TODAY)
    other = build_demo(seed=8, today=TODAY)
    assert [s.responses for s in again.surveys] == [s.responses for s in plan.surveys]
    assert [s.waves for s in again.surveys] == [s.waves for s in plan.surveys]
    assert other.survey("pulse").responses != plan.survey("pulse").responses


def test_twelve_weekly_waves_end_before_today_with_60_to_80_percent_answering(plan):
    pulse = plan.survey("pulse")
    assert len(pulse.waves) == 12
    mondays = wave_weeks(TODAY)
    assert all(b - a == timedelta(weeks=1) for a, b in itertools.pairwise(mondays))
    assert pulse.waves[-1]["closes_at"][:10] < TODAY.isoformat()
    assert TODAY - date.fromisoformat(pulse.waves[-1]["closes_at"][:10]) < timedelta(days=10)
    per_wave = Counter()
    for row in pulse.responses:
        day = row["submitted_at"][:10]
        inside = [i for i, w in enumerate(pulse.waves)
                  if w["opens_at"][:10] <= day <= w["closes_at"][:10]]
        assert len(inside) == 1, row["submitted_at"]
        per_wave[inside[0]] += 1
    rates = [per_wave[i] / pulse.invited[i] for i in range(12)]
    assert all(0.6 <= rate <= 0.8 for rate in rates), rates


def test_segments_cover_the_organisation_and_every_answer_is_in_range(plan):
    pulse, customers = plan.survey("pulse"), plan.survey("customers")
    assert {r["segment"]["department"] for r in pulse.responses} == {
        "Support", "Sales", "Billing", "Technical"}
    assert {r["segment"]["location"] for r in pulse.responses} == {"Leeds", "Manila", "Austin"}
    assert {r["segment"]["channel"] for r in customers.responses} == {"chat", "voice", "email"}
    assert {r["segment"]["handled_by"] for r in customers.responses} == {"ai", "human", "hybrid"}
    for row in pulse.responses:
        assert all(1 <= row["answers"][i] <= 5 for i in LIKERT)
        assert 0 <= row["answers"]["enps"] <= 10
    assert all(0 <= r["answers"]["nps"] <= 10 for r in customers.responses)


def test_customer_preferences_follow_the_published_shape(plan):
    rows = sorted(plan.survey("customers").responses, key=lambda r: r["submitted_at"])
    first_weeks, last_weeks = rows[: len(rows) // 6], rows[-len(rows) // 6:]
    assert _share(first_weeks, "next_preference", "prefer_ai") == pytest.approx(0.14, abs=0.03)
    assert _share(last_weeks, "next_preference", "prefer_ai") == pytest.approx(0.24, abs=0.03)
    assert _share(rows, "next_preference", "prefer_ai") == pytest.approx(0.19, abs=0.02)
    assert _share(rows, "next_preference", "avoid_ai") == pytest.approx(0.38, abs=0.02)
    insincere = sum(r["answers"]["empathy_sincere"] <= 2 for r in rows) / len(rows)
    assert insincere == pytest.approx(0.20, abs=0.02)


def test_job_security_is_the_top_employee_concern(plan):
    rows = plan.survey("pulse").responses
    means = {item: sum(_scored(r, item) for r in rows) / len(rows) for item in LIKERT}
    lowest_two = sorted(means, key=means.get)[:2]
    assert set(lowest_two) == {"job_security", "replacement_worry"}, means


def test_agents_on_complex_issues_are_the_most_exhausted(plan):
    rows = plan.survey("pulse").responses
    exhausted = {}
    for role in ("agent", "complex_cases", "team_lead"):
        group = [r for r in rows if r["segment"]["role"] == role]
        exhausted[role] = sum(r["answers"]["complexity_exhaustion"] >= 4 for r in group) / len(group)
    assert exhausted["complex_cases"] > 0.55
    assert exhausted["complex_cases"] > exhausted["agent"] + 0.25


def test_one_department_loses_wellbeing_significantly_in_the_last_week(plan):
    pulse = plan.survey("pulse")
    last, before = (w["opens_at"][:10] for w in (pulse.waves[-1], pulse.waves[-2]))

    def scores(department, opens):
        return [_wellbeing(r) for r in pulse.responses
                if r["segment"]["department"] == department
                and opens <= r["submitted_at"][:10] < (
                    date.fromisoformat(opens) + timedelta(days=7)).isoformat()]

    p_values = {}
    for department in ("Support", "Sales", "Billing", "Technical"):
        a, b = scores(department, before), scores(department, last)
        drop = sum(a) / len(a) - sum(b) / len(b)
        p_values[department] = (drop, stats.ttest_ind(a, b, equal_var=False).pvalue)
    drop, p_value = p_values["Billing"]
    assert drop > 10 and p_value < 0.001, p_values
    assert all(p > 0.01 or d < 0 for dep, (d, p) in p_values.items() if dep != "Billing")
