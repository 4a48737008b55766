"""The demo data as plain values: surveys to create, their waves, and the responses to import.

Nothing here does I/O, so the shapes can be checked in memory; `loader` sends the plan to
a running suite.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from services.demo import organisation as org
from services.demo.comments import customer_comment, employee_comment
from services.demo.sampling import latent, likert, ordered_choice, scale11, weighted_choice

PULSE_SEGMENTS = ["department", "location", "role", "team", "trained"]
# `team`: the team that handled the contact, shared with the pulse for linkage.
CUSTOMER_SEGMENTS = ["channel", "handled_by", "region", "team"]
TRUST_ITEMS = ("ai_confident", "ai_right_answers", "ai_wary", "ai_copilot", "job_security",
               "job_loss_ai", "monitoring_purpose")
READINESS_ITEMS = ("ai_skills", "role_clarity", "ai_control")
WELLBEING_ITEMS = ("worn_out", "customer_drain")
REVERSED = {"ai_wary", "job_loss_ai", "worn_out", "customer_drain"}


@dataclass
class LiveWave:
    """The wave open while the demo loads: who is invited, and who has answered so far."""

    wave: dict
    invited: list[dict]
    answers: list[tuple[int, dict]] = field(default_factory=list)  # (invitee, answers)


@dataclass
class SurveyPlan:
    """One survey: its creation body, its waves, the rows to import, and who was invited."""

    name: str
    body: dict
    waves: list[dict] = field(default_factory=list)
    responses: list[dict] = field(default_factory=list)
    invited: list[int] = field(default_factory=list)
    roster: list[dict] = field(default_factory=list)  # the segments invited to each wave
    live: LiveWave | None = None


@dataclass
class DemoPlan:
    """Every survey of the demo organisation."""

    seed: int
    today: date
    surveys: list[SurveyPlan]

    def survey(self, name: str) -> SurveyPlan:
        """Return the survey planned under `name`."""
        return next(s for s in self.surveys if s.name == name)


@dataclass(frozen=True)
class Employee:
    department: str
    location: str
    role: str
    trust: float
    readiness: float
    wellbeing: float
    team: str = ""
    trained: str = "no"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def wave_weeks(today: date) -> list[date]:
    """Return the Mondays of the twelve weekly waves; the last is the week before `today`'s."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=org.WAVES - k) for k in range(org.WAVES)]


def _roster(rng: random.Random, cohorts: random.Random) -> list[Employee]:
    staff = []
    for department, headcount in org.DEPARTMENTS.items():
        teams = dict.fromkeys(org.TEAMS_BY_DEPARTMENT[department], 1.0)
        for _ in range(headcount):
            staff.append(Employee(
                department=department,
                location=weighted_choice(rng, org.LOCATIONS),
                role=weighted_choice(rng, org.ROLES_BY_DEPARTMENT[department]),
                trust=rng.gauss(0.0, 1.0), readiness=rng.gauss(0.0, 1.0),
                wellbeing=rng.gauss(0.0, 1.0), team=weighted_choice(cohorts, teams),
                trained="yes" if cohorts.random() < org.TRAINED_SHARE else "no"))
    return staff


def _department_of(team: str) -> str:
    return next(d for d, teams in org.TEAMS_BY_DEPARTMENT.items() if team in teams)


def team_wellbeing(team: str) -> float:
    """Return a team's expected latent wellbeing: its climate less its roles' exhaustion."""
    department = _department_of(team)
    exhaustion = sum(share * org.EXHAUSTION_BY_ROLE[role]
                     for role, share in org.ROLES_BY_DEPARTMENT[department].items())
    share = sum(org.EXHAUSTION_ITEMS.values()) / len(org.EXHAUSTION_ITEMS)
    return org.TEAMS_BY_DEPARTMENT[department][team] - share * exhaustion


def customer_satisfaction_shifts() -> dict[str, float]:
    """Return each team's latent CSAT shift: its wellbeing against the average team's."""
    teams = [team for teams in org.TEAMS_BY_DEPARTMENT.values() for team in teams]
    average = sum(map(team_wellbeing, teams)) / len(teams)
    return {team: org.CSAT_PER_WELLBEING * (team_wellbeing(team) - average) for team in teams}


def _item_shifts(person: Employee, wave: int) -> dict[str, float]:
    shifts = dict(org.EMPLOYEE_ITEM_SHIFT)
    progress = min(1.0, wave / (org.WAVES - 1))
    for item, gain in org.READINESS_GAIN.items():
        shifts[item] += gain * progress
    for item, share in org.EXHAUSTION_ITEMS.items():
        shifts[item] += share * org.EXHAUSTION_BY_ROLE[person.role]
    climate = org.TEAMS_BY_DEPARTMENT[person.department][person.team]
    for item in WELLBEING_ITEMS:
        shifts[item] += -climate if item in REVERSED else climate
    if person.trained == "yes" and wave >= org.TRAINING_WAVE:
        for item, gain in org.TRAINING_TRUST_GAIN.items():
            shifts[item] += gain
    drop = org.WELLBEING_DROP.get(wave - org.WAVES, 0.0)
    if person.department == org.WELLBEING_DROP_DEPARTMENT and drop:
        for item in org.WELLBEING_DROP_ITEMS:
            shifts[item] += drop if item in REVERSED else -drop
    return shifts


def employee_answers(rng: random.Random, person: Employee, wave: int) -> dict:
    """Return one employee's answers to the `ai-trust-pulse` template in a wave."""
    shifts = _item_shifts(person, wave)
    traits = {**{i: person.trust for i in TRUST_ITEMS},
              **{i: person.readiness for i in READINESS_ITEMS},
              **{i: person.wellbeing for i in WELLBEING_ITEMS}}
    answers = {}
    for item, trait in traits.items():
        answers[item] = likert(latent(rng, -trait if item in REVERSED else trait, shifts[item]))
    engagement = (person.trust + person.wellbeing) / 2
    answers["recommend_workplace"] = scale11(latent(rng, engagement, 0.0, 0.4), centre=6.6,
                                             spread=2.0)
    if rng.random() < org.EMPLOYEE_COMMENT_RATE:
        answers["comment"] = employee_comment(rng, answers)
    return answers


def _segment(person: Employee) -> dict:
    return {"department": person.department, "location": person.location, "role": person.role,
            "team": person.team, "trained": person.trained}


def _window(first: date, days: int) -> dict:
    return {"opens_at": _iso(datetime.combine(first, time(7), UTC)),
            "closes_at": _iso(datetime.combine(first + timedelta(days=days - 1), time(19), UTC))}


def _live_wave(rng: random.Random, staff: list[Employee], today: date) -> LiveWave:
    """This week's wave, open from today: everyone invited, a few answers in already."""
    live = LiveWave(wave={"opens_at": _iso(datetime.combine(today, time(0), UTC)),
                          "closes_at": _window(today, org.LIVE_WAVE_DAYS)["closes_at"]},
                    invited=[_segment(person) for person in staff])
    answered = rng.sample(range(len(staff)), org.LIVE_ANSWERS)
    live.answers = [(i, employee_answers(rng, staff[i], org.WAVES)) for i in sorted(answered)]
    return live


def _pulse(rng: random.Random, cohorts: random.Random, today: date) -> SurveyPlan:
    plan = SurveyPlan("pulse", {
        "title": "Contact centre AI pulse", "kind": "employee_pulse",
        "template": "ai-trust-pulse", "segments": PULSE_SEGMENTS, "anonymity_threshold": 5})
    staff = _roster(rng, cohorts)
    plan.roster = [_segment(person) for person in staff]
    for wave, monday in enumerate(wave_weeks(today)):
        plan.waves.append(_window(monday, 5))
        plan.invited.append(len(staff))
        rate = rng.uniform(*org.RESPONSE_RATE)
        for person in staff:
            if rng.random() >= rate:
                continue
            day = monday + timedelta(days=rng.randrange(5))
            plan.responses.append({
                "submitted_at": _iso(datetime.combine(day, time(rng.randrange(8, 18)),
                                                      UTC)),
                "segment": _segment(person), "answers": employee_answers(rng, person, wave)})
    plan.live = _live_wave(rng, staff, today)
    return plan


def preference_shares(progress: float) -> dict[str, float]:
    """Return next-time preference shares, least to most AI-friendly, at `progress` in [0, 1]."""
    prefer_ai = org.PREFER_AI_START + (org.PREFER_AI_END - org.PREFER_AI_START) * progress
    prefer_human = 1.0 - org.AVOID_AI - org.NO_PREFERENCE - prefer_ai
    return {"avoid_ai": org.AVOID_AI, "prefer_human": prefer_human,
            "no_preference": org.NO_PREFERENCE, "prefer_ai": prefer_ai}


def customer_answers(rng: random.Random, handled_by: str, progress: float,
                     satisfaction: float = 0.0) -> dict:
    """Return one customer's answers to the `ai-interaction` template; `satisfaction` moves
    CSAT (the serving team's)."""
    trait = rng.gauss(0.0, 1.0)
    answers = {item: likert(latent(rng, trait, shifts[handled_by]
                                   + (satisfaction if item == "csat" else 0.0)))
               for item, shifts in org.CUSTOMER_ITEM_SHIFT.items()}
    answers["next_preference"] = ordered_choice(rng, trait, preference_shares(progress))
    answers["recommend"] = scale11(latent(rng, trait, 0.0, 0.5), centre=6.8, spread=2.3)
    if rng.random() < org.CUSTOMER_COMMENT_RATE:
        answers["comment"] = customer_comment(rng, answers)
    return answers


def _customers(rng: random.Random, cohorts: random.Random, today: date) -> SurveyPlan:
    plan = SurveyPlan("customers", {
        "title": "Customer AI interaction rating", "kind": "customer_ai",
        "template": "ai-interaction", "segments": CUSTOMER_SEGMENTS, "anonymity_threshold": 5})
    first = wave_weeks(today)[0]
    days = (today - first).days
    satisfaction = customer_satisfaction_shifts()  # every team serves as many contacts
    for offset in range(days):
        day = first + timedelta(days=offset)
        progress = offset / max(1, days - 1)
        for _ in range(rng.randint(*org.CUSTOMER_RESPONSES_PER_DAY)):
            channel = weighted_choice(rng, org.CHANNELS)
            handled_by = weighted_choice(rng, org.HANDLING_BY_CHANNEL[channel])
            team = cohorts.choice(list(satisfaction))
            moment = datetime.combine(day, time(7), UTC) + timedelta(
                seconds=rng.randrange(15 * 3600))
            plan.responses.append({
                "submitted_at": _iso(moment),
                "segment": {"channel": channel, "handled_by": handled_by,
                            "region": weighted_choice(rng, org.REGIONS), "team": team},
                "answers": customer_answers(rng, handled_by, progress, satisfaction[team])})
    return plan


def build_demo(seed: int = 7, today: date | None = None) -> DemoPlan:
    """Return the demo organisation's surveys, waves and responses, the same for one seed and day."""
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    # Teams and training cohorts come from their own stream: the other draws stay the same.
    cohorts = random.Random(f"{seed}:cohorts")
    return DemoPlan(seed=seed, today=today,
                    surveys=[_pulse(rng, cohorts, today), _customers(rng, cohorts, today)])
