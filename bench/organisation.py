"""Generated data for the anonymity benchmark: an organisation's pulses and a customer survey.

The organisation: 5,000 employees in 25 departments of 10 teams (team names unique, so teams
nest in departments; sizes 10-35), 12 locations (a team mostly sits in one or two of its
department's), 5 tenure bands, 8 roles (unevenly spread, differently in each department)
and 3 age bands; every employee answers a fortnightly wave with a propensity of their own
(about 60% on average). The customer survey: 1,000,000 responses over channel, handled_by
(depending on the channel), region and product (both skewed), fewer at weekends.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from shared.periods import period_label

DEPARTMENTS = ("Finance", "People", "Legal", "Sales", "Marketing", "Support", "Operations",
               "Logistics", "Procurement", "Engineering", "Platform", "Data", "Security",
               "Product", "Design", "Research", "Quality", "Facilities", "Communications",
               "Partnerships", "Training", "Compliance", "Risk", "Billing", "Field service")
TEAMS_PER_DEPARTMENT = 10
EMPLOYEES = 5_000
LOCATIONS = ("London", "Leeds", "Manchester", "Glasgow", "Cardiff", "Belfast", "Bristol",
             "Birmingham", "Dublin", "Amsterdam", "Lisbon", "Remote")
LOCATION_WEIGHTS = (30, 14, 12, 8, 5, 4, 6, 7, 5, 4, 3, 10)
TENURE = ("under 1 year", "1-2 years", "2-5 years", "5-10 years", "over 10 years")
TENURE_WEIGHTS = (15, 20, 30, 20, 15)
ROLES = ("associate", "specialist", "senior specialist", "team lead", "manager",
         "senior manager", "director", "executive")
ROLE_WEIGHTS = (38, 22, 14, 10, 8, 4, 3, 1)
AGE_BANDS = ("under 30", "30-49", "50 and over")
AGE_WEIGHTS = (28, 52, 20)
EMPLOYEE_SEGMENTS = ("department", "team", "location", "tenure", "role", "age_band")
WAVES, WAVE_EVERY_DAYS, WAVE_OPEN_DAYS = 26, 14, 5

CHANNELS = {"chat": 45, "voice": 30, "email": 15, "app": 10}
HANDLED_BY = ("ai", "human", "ai_then_human")
HANDLED_BY_GIVEN_CHANNEL = {"chat": (60, 20, 20), "voice": (25, 60, 15),
                            "email": (40, 45, 15), "app": (70, 10, 20)}
REGIONS = tuple(f"region-{i:02d}" for i in range(1, 11))
PRODUCTS = tuple(f"product-{i:02d}" for i in range(1, 21))
CUSTOMER_SEGMENTS = ("channel", "handled_by", "region", "product")
CUSTOMER_RESPONSES = 1_000_000
WEEKDAY_FACTOR = (1.15, 1.1, 1.1, 1.05, 1.0, 0.45, 0.35)


@dataclass(frozen=True)
class Employee:
    """One employee: their segment and how likely they are to answer a wave."""

    segment: dict
    propensity: float


def _pick(rng: random.Random, values, weights):
    return rng.choices(values, weights=weights)[0]


def team_sizes(rng: random.Random, teams: int, total: int) -> list[int]:
    """Return `teams` sizes in 10..35 (skewed towards small teams) adding up to `total`."""
    sizes = [min(35, 10 + int(rng.gammavariate(2.0, 5.0))) for _ in range(teams)]
    while sum(sizes) != total:
        i = rng.randrange(teams)
        step = 1 if sum(sizes) < total else -1
        if 10 <= sizes[i] + step <= 35:
            sizes[i] += step
    return sizes


def organisation(seed: int = 11) -> list[Employee]:
    """Return the generated organisation's employees."""
    rng = random.Random(seed)
    sizes = team_sizes(rng, len(DEPARTMENTS) * TEAMS_PER_DEPARTMENT, EMPLOYEES)
    employees = []
    for d, department in enumerate(DEPARTMENTS):
        sites = rng.sample(range(len(LOCATIONS)), k=rng.randint(2, 4))
        site_weights = [LOCATION_WEIGHTS[s] * rng.uniform(0.5, 2.0) for s in sites]
        # Each department spreads its roles differently around the organisation's mix.
        role_weights = [w * rng.uniform(0.4, 1.8) for w in ROLE_WEIGHTS]
        for t in range(TEAMS_PER_DEPARTMENT):
            team = f"{department} {t + 1:02d}"
            home = LOCATIONS[_pick(rng, sites, site_weights)]
            for _ in range(sizes[d * TEAMS_PER_DEPARTMENT + t]):
                roll = rng.random()
                if roll < 0.8:
                    location = home
                elif roll < 0.95:
                    location = LOCATIONS[_pick(rng, sites, site_weights)]
                else:
                    location = _pick(rng, LOCATIONS, LOCATION_WEIGHTS)
                segment = {"department": department, "team": team, "location": location,
                           "tenure": _pick(rng, TENURE, TENURE_WEIGHTS),
                           "role": _pick(rng, ROLES, role_weights),
                           "age_band": _pick(rng, AGE_BANDS, AGE_WEIGHTS)}
                employees.append(Employee(segment, rng.betavariate(6.0, 4.0)))
    return employees


def wave_windows(last_opens: date) -> list[tuple[datetime, datetime]]:
    """Return the (opens_at, closes_at) of the fortnightly waves, the last opening `last_opens`."""
    out = []
    for k in range(WAVES):
        opens = datetime.combine(last_opens - timedelta(days=WAVE_EVERY_DAYS * (WAVES - 1 - k)),
                                 datetime.min.time())
        out.append((opens, opens + timedelta(days=WAVE_OPEN_DAYS)))
    return out


def wave_rows(rng: random.Random, employees: list[Employee], window: tuple, answers) -> list:
    """Return the import rows of one wave: who answered, when (inside the window), what."""
    opens, closes = window
    seconds = int((closes - opens).total_seconds()) - 1
    rows = []
    for employee in employees:
        if rng.random() < employee.propensity:
            at = opens + timedelta(seconds=rng.randrange(seconds))
            rows.append({"submitted_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "segment": employee.segment, "answers": answers(rng)})
    return rows


def customer_combos() -> tuple[list[dict], np.ndarray]:
    """Return every (channel, handled_by, region, product) segment and its share of responses."""
    region_weights = 1.0 / np.arange(1, len(REGIONS) + 1) ** 0.7
    product_weights = 1.0 / np.arange(1, len(PRODUCTS) + 1) ** 1.1
    combos, shares = [], []
    for channel, channel_weight in CHANNELS.items():
        for handled, handled_weight in zip(HANDLED_BY, HANDLED_BY_GIVEN_CHANNEL[channel]):
            for r, region in enumerate(REGIONS):
                for p, product in enumerate(PRODUCTS):
                    combos.append({"channel": channel, "handled_by": handled, "region": region,
                                   "product": product})
                    shares.append(channel_weight * handled_weight * region_weights[r]
                                  * product_weights[p])
    shares = np.array(shares)
    return combos, shares / shares.sum()


def customer_day_counts(first_day: date, days: int, seed: int = 5) -> np.ndarray:
    """Return responses per (day, combo), days x combos, adding up to CUSTOMER_RESPONSES."""
    rng = np.random.default_rng(seed)
    _, shares = customer_combos()
    factors = np.array([WEEKDAY_FACTOR[(first_day + timedelta(days=d)).weekday()]
                        for d in range(days)])
    per_day = rng.multinomial(CUSTOMER_RESPONSES, factors / factors.sum())
    return np.stack([rng.multinomial(n, shares) for n in per_day])


def employee_truth(records: list, attributes: tuple, granularity: str) -> Counter:
    """Return the respondents of every (period, values) cell of the pulse."""
    positions = [EMPLOYEE_SEGMENTS.index(a) for a in attributes]
    out: Counter = Counter()
    for day, wave, values in records:
        label = f"wave-{wave}" if granularity == "wave" else period_label(day, granularity)
        out[(label, tuple(values[p] for p in positions))] += 1
    return out


def customer_truth(counts: np.ndarray, first_day: date, attributes: tuple,
                   granularity: str) -> Counter:
    """Return the respondents of every (period, values) cell of the customer survey."""
    combos, _ = customer_combos()
    values = [tuple(c[a] for a in attributes) for c in combos]
    groups = sorted(set(values))
    onehot = np.zeros((len(combos), len(groups)), dtype=np.int64)
    onehot[np.arange(len(combos)), [groups.index(v) for v in values]] = 1
    by_day = counts @ onehot
    out: Counter = Counter()
    for d, row in enumerate(by_day):
        label = period_label(first_day + timedelta(days=d), granularity)
        for g in np.flatnonzero(row):
            out[(label, groups[g])] += int(row[g])
    return out
