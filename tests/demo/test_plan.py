"""The demo plan, checked in memory: deterministic, and shaped as the research it follows."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from services.demo import organisation as org
from services.demo.plan import build_demo, wave_weeks
from services.survey.instruments.templates import get_template

TODAY = date(2026, 11, 25)
PULSE = get_template("ai-trust-pulse")
CUSTOMER = get_template("ai-interaction")
LIKERT = tuple(q["key"] for q in PULSE["questions"] if q["type"] == "likert5")
REVERSED = {q["key"] for q in PULSE["questions"] if q.get("reverse")}


@pytest.fixture(scope="module")
def plan():
    return build_demo(seed=7, today=TODAY)


def _scored(row: dict, item: str) -> int:
    value = row["answers"][item]
    return 6 - value if item in REVERSED else value


def _index(row: dict, key: str) -> float:
    """An index on 0-100, as the API defines it: the mean of its items after `reverse`."""
    items = next(i["items"] for i in PULSE["indices"] if i["key"] == key)
    return (sum(_scored(row, i) for i in items) / len(items) - 1) / 4 * 100


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
        assert 0 <= row["answers"]["recommend_workplace"] <= 10
    assert all(0 <= r["answers"]["recommend"] <= 10 for r in customers.responses)


def test_every_answer_is_a_question_of_its_template_and_every_required_one_is_answered(plan):
    for survey, template in ((plan.survey("pulse"), PULSE), (plan.survey("customers"), CUSTOMER)):
        keys = {q["key"] for q in template["questions"]}
        required = {q["key"] for q in template["questions"] if q["type"] != "text"}
        for row in survey.responses + [{"answers": a} for _, a in
                                       (survey.live.answers if survey.live else [])]:
            assert required <= set(row["answers"]) <= keys


def test_customer_preferences_follow_the_published_shape(plan):
    rows = sorted(plan.survey("customers").responses, key=lambda r: r["submitted_at"])
    first_weeks, last_weeks = rows[: len(rows) // 6], rows[-len(rows) // 6:]
    assert _share(first_weeks, "next_preference", "prefer_ai") == pytest.approx(0.14, abs=0.03)
    assert _share(last_weeks, "next_preference", "prefer_ai") == pytest.approx(0.24, abs=0.03)
    assert _share(rows, "next_preference", "prefer_ai") == pytest.approx(0.19, abs=0.02)
    assert _share(rows, "next_preference", "avoid_ai") == pytest.approx(0.38, abs=0.02)
    insincere = sum(r["answers"]["empathy_sincere"] <= 2 for r in rows) / len(rows)
    assert 0.20 < insincere < 0.27  # more than one in five


def test_job_security_is_the_top_employee_concern(plan):
    rows = plan.survey("pulse").responses
    means = {item: sum(_scored(r, item) for r in rows) / len(rows) for item in LIKERT}
    lowest_two = sorted(means, key=means.get)[:2]
    assert set(lowest_two) == {"job_security", "job_loss_ai"}, means
    indices = {i["key"]: sum(_index(r, i["key"]) for r in rows) / len(rows)
               for i in PULSE["indices"]}
    assert min(indices, key=indices.get) == "job_security", indices


def test_agents_on_complex_issues_are_the_most_exhausted(plan):
    rows = plan.survey("pulse").responses
    exhausted = {}
    for role in ("agent", "complex_cases", "team_lead"):
        group = [r for r in rows if r["segment"]["role"] == role]
        exhausted[role] = sum(r["answers"]["customer_drain"] >= 4 for r in group) / len(group)
    assert exhausted["complex_cases"] > 0.55
    assert exhausted["complex_cases"] > exhausted["agent"] + 0.25


def test_billing_wellbeing_falls_from_about_38_to_about_19_in_the_last_week(plan):
    """The drop is tested with Welch's t-test (scipy.stats.ttest_ind, equal_var=False)."""
    pulse = plan.survey("pulse")
    last, before = (w["opens_at"][:10] for w in (pulse.waves[-1], pulse.waves[-2]))

    def scores(department, opens):
        return [_index(r, "wellbeing") for r in pulse.responses
                if r["segment"]["department"] == department
                and opens <= r["submitted_at"][:10] < (
                    date.fromisoformat(opens) + timedelta(days=7)).isoformat()]

    billing_before, billing_last = scores("Billing", before), scores("Billing", last)
    assert np.mean(billing_before) == pytest.approx(38, abs=4)
    assert np.mean(billing_last) == pytest.approx(19, abs=4)
    p_values = {}
    for department in ("Support", "Sales", "Billing", "Technical"):
        a, b = scores(department, before), scores(department, last)
        drop = np.mean(a) - np.mean(b)
        p_values[department] = (drop, stats.ttest_ind(a, b, equal_var=False).pvalue)
    drop, p_value = p_values["Billing"]
    assert drop > 10 and p_value < 0.001, p_values
    assert all(p > 0.01 or d < 0 for dep, (d, p) in p_values.items() if dep != "Billing")


def test_this_weeks_wave_invites_everyone_and_some_answer_through_their_invitations(plan):
    pulse = plan.survey("pulse")
    live = pulse.live
    assert len(live.invited) == pulse.invited[-1] == 400
    assert Counter(s["department"] for s in live.invited) == {
        "Support": 160, "Sales": 80, "Billing": 60, "Technical": 100}
    assert live.wave["opens_at"] == f"{TODAY.isoformat()}T00:00:00Z"
    assert live.wave["opens_at"] > pulse.waves[-1]["closes_at"]
    invitees = [i for i, _ in live.answers]
    assert len(set(invitees)) == len(invitees) == 40 and max(invitees) < 400
    assert plan.survey("customers").live is None


def _wave_of(pulse, row) -> int:
    opens = [w["opens_at"][:10] for w in pulse.waves]
    return max(i for i, day in enumerate(opens) if row["submitted_at"][:10] >= day)


def test_the_trained_cohorts_ai_trust_rises_against_the_untrained_ones(plan):
    """Difference in differences by statsmodels OLS with an interaction and HC2 errors."""
    pulse = plan.survey("pulse")
    before, after = org.TRAINING_WAVE - 1, org.WAVES - 1
    cells = {(trained, wave): [_index(r, "ai_trust") for r in pulse.responses
                               if r["segment"]["trained"] == trained
                               and _wave_of(pulse, r) == wave]
             for trained in ("yes", "no") for wave in (before, after)}
    y = np.concatenate([cells[key] for key in cells])
    treated = np.concatenate([np.full(len(v), k[0] == "yes") for k, v in cells.items()])
    later = np.concatenate([np.full(len(v), k[1] == after) for k, v in cells.items()])
    design = np.column_stack([np.ones_like(y), treated, later, treated * later]).astype(float)
    fit = sm.OLS(y, design).fit(cov_type="HC2")
    assert fit.params[3] > 8 and fit.pvalues[3] < 0.01, fit.params
    untrained = [np.mean(cells[("no", w)]) for w in (before, after)]
    assert abs(untrained[1] - untrained[0]) < 4


def test_teams_whose_agents_are_well_have_more_satisfied_customers(plan):
    """Pearson's r over the teams' raw means (scipy.stats.pearsonr)."""
    pulse, customers = plan.survey("pulse"), plan.survey("customers")
    teams = sorted({r["segment"]["team"] for r in pulse.responses})
    assert teams == sorted({r["segment"]["team"] for r in customers.responses})
    assert len(teams) >= 5
    wellbeing = [np.mean([_index(r, "wellbeing") for r in pulse.responses
                          if r["segment"]["team"] == t]) for t in teams]
    csat = [np.mean([r["answers"]["csat"] for r in customers.responses
                     if r["segment"]["team"] == t]) for t in teams]
    assert stats.pearsonr(wellbeing, csat).statistic > 0.6


def test_every_team_day_of_the_customer_survey_is_over_the_threshold(plan):
    customers = plan.survey("customers")
    days = Counter((r["submitted_at"][:10], r["segment"]["team"]) for r in customers.responses)
    assert min(days.values()) >= customers.body["anonymity_threshold"]
