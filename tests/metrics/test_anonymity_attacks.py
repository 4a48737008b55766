"""Attacks on the anonymity promise: recover a hidden group by differencing what is shown.

The attacker collects every (group, n, value) the analytics answer shows, across breakdowns,
periods, selectors and comments, and treats each as a linear equation over the finest groups
the queries can tell apart. A small group (0 < n < threshold) is recovered when its
indicator lies in the span of those equations; every test here fails if one is.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import numpy as np
import pytest

from services.metrics.analytics import service
from shared.errors import ValidationError
from shared.periods import period_label
from tests.metrics.factories import analytics, answers, pulse_survey, response

THRESHOLD = 5
ATTRIBUTES = ("department", "location")
SEGMENT_BYS = ("", "department", "location", "department,location")


def _population(seed: int) :
    """Twelve weeks of a team with large, small and tiny groups, some of them intermittent."""
    rng = random.Random(seed)
    sizes = {("Support", "Leeds"): 9, ("Support", "York"): 4, ("Sales", "Leeds"): 6,
             ("Sales", "York"): 2, ("Legal", "York"): 1}
    rows, start = [], date(2026, 1, 5)
    for week in range(12):
        for (department, location), size in sizes.items():
            count = max(0, size + rng.choice((-1, 0, 0, 1)))
            for i in range(count):
                day = start + timedelta(days=7 * week + rng.randrange(5))
                rows.append(response(day, {"department": department, "location": location},
                                     answers(rng)))
    return analytics(pulse_survey(threshold=THRESHOLD, segments=ATTRIBUTES), rows)


def _atom(row: dict, granularity: str) -> tuple:
    return (period_label(row.get("counted", row["day"]), granularity),
            tuple(row["segment"][a] for a in ATTRIBUTES))


def _members(atoms: list, period: str | None, segment: dict, granularity: str) -> np.ndarray:
    """Indicator over atoms of a group: a period (None: all time) and segment values."""
    vector = np.zeros(len(atoms))
    for i, (atom_period, values) in enumerate(atoms):
        if period is not None and atom_period != period:
            continue
        if all(dict(zip(ATTRIBUTES, values)).get(a) == v for a, v in segment.items()):
            vector[i] = 1.0
    return vector


def _recoverable(shown: list[np.ndarray], target: np.ndarray) -> bool:
    """Whether `target` is an exact linear combination of shown groups' indicators."""
    if not shown:
        return False
    matrix = np.array(shown).T
    coefficients, *_ = np.linalg.lstsq(matrix, target, rcond=None)
    return bool(np.allclose(matrix @ coefficients, target, atol=1e-6))


def _small_groups(source, atoms, granularity, threshold) -> list[tuple]:
    """Every group the queries could name that holds 1..threshold-1 respondents."""
    counts = {}
    for row in source.responses:
        counts[_atom(row, granularity)] = counts.get(_atom(row, granularity), 0) + 1
    periods = sorted({p for p, _ in atoms}) + [None]
    values = {a: sorted({r["segment"][a] for r in source.responses}) for a in ATTRIBUTES}
    small = []
    for period in periods:
        for size in range(len(ATTRIBUTES) + 1):
            for chosen in itertools.combinations(ATTRIBUTES, size):
                for combo in itertools.product(*(values[a] for a in chosen)):
                    segment = dict(zip(chosen, combo))
                    vector = _members(atoms, period, segment, granularity)
                    n = int(sum(counts[a] for a, v in zip(atoms, vector) if v))
                    if 0 < n < threshold:
                        small.append((period, segment, vector))
    return small


def _shown_scores(source, atoms, granularity, periods) -> list[np.ndarray]:
    shown = []
    for period in periods:
        for segment_by in SEGMENT_BYS:
            answer = service.scores(source, survey_id=1, metric="index:ai_trust", period=period,
                                    segment_by=segment_by)
            for row in answer["series"]:
                if not row["suppressed"]:
                    label = row["period"]
                    # A coarser period's row is the sum of the atoms inside it.
                    vector = sum((_members(atoms, p, row["segment"], granularity)
                                  for p in {a[0] for a in atoms}
                                  if _inside(p, label, granularity)), np.zeros(len(atoms)))
                    shown.append(vector)
    return shown


def _inside(atom_period: str, label: str, granularity: str) -> bool:
    from shared.periods import period_range

    first, last = period_range(atom_period)
    outer_first, outer_last = period_range(label)
    return outer_first <= first and last <= outer_last


def _shown_all_time(source, atoms, granularity) -> list[np.ndarray]:
    """Groups over all time, asked for through `compare` selectors."""
    shown = []
    values = {a: sorted({r["segment"][a] for r in source.responses}) for a in ATTRIBUTES}
    for size in range(len(ATTRIBUTES) + 1):
        for chosen in itertools.combinations(ATTRIBUTES, size):
            for combo in itertools.product(*(values[a] for a in chosen)):
                selector = ";".join(f"segment:{a}={v}" for a, v in zip(chosen, combo))
                answer = service.compare(source, survey_id=1, metric="index:ai_trust",
                                         a=selector, b="")
                if not answer["suppressed"]:
                    shown.append(_members(atoms, None, dict(zip(chosen, combo)), granularity))
    return shown


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_small_group_is_recovered_from_weekly_breakdowns_and_totals(seed):
    source = _population(seed)
    atoms = sorted({_atom(r, "week") for r in source.responses})
    shown = _shown_scores(source, atoms, "week", ["week"])
    shown += _shown_all_time(source, atoms, "week")
    small = _small_groups(source, atoms, "week", THRESHOLD)
    assert small, "the population must hold small groups for the attack to mean anything"
    leaks = [(p, s) for p, s, target in small if _recoverable(shown, target)]
    assert leaks == []


@pytest.mark.parametrize("seed", [1, 2])
def test_no_small_group_is_recovered_from_months_quarters_and_totals(seed):
    source = _population(seed)
    atoms = sorted({_atom(r, "month") for r in source.responses})
    shown = _shown_scores(source, atoms, "month", ["month", "quarter"])
    shown += _shown_all_time(source, atoms, "month")
    small = _small_groups(source, atoms, "month", THRESHOLD)
    assert small
    leaks = [(p, s) for p, s, target in small if _recoverable(shown, target)]
    assert leaks == []


def test_a_quarter_minus_two_visible_months_does_not_give_the_third():
    rng = random.Random(5)
    # Months of whole ISO weeks: 2026-07 is Jun 29 - Aug 2, 2026-08 is Aug 3 - Aug 30.
    rows = [response(date(2026, 7, 6 + i % 20), {"department": "Support"}, answers(rng))
            for i in range(20)]
    rows += [response(date(2026, 8, 3 + i % 20), {"department": "Support"}, answers(rng))
             for i in range(18)]
    rows += [response(date(2026, 9, 3), {"department": "Support"}, answers(rng))
             for _ in range(2)]
    source = analytics(pulse_survey(), rows)
    quarter = service.scores(source, survey_id=1, metric="index:ai_trust", period="quarter")
    months = service.scores(source, survey_id=1, metric="index:ai_trust", period="month")
    assert quarter["series"][0]["n"] == 40
    shown = {r["period"]: r["n"] for r in months["series"]}
    assert shown["2026-09"] is None
    assert shown["2026-08"] is None  # the complementary month
    assert shown["2026-07"] == 20


def test_selectors_differing_by_one_small_group_never_differ_by_less_than_the_threshold():
    source = _population(1)

    def n_of(selector):
        answer = service.compare(source, survey_id=1, metric="item:enps", a=selector, b="")
        return None if answer["suppressed"] else answer["a"]["n"]

    weeks = sorted({period_label(r["day"], "week") for r in source.responses})
    for week in weeks:
        york = n_of(f"period:{week};segment:location=York")
        assert york is not None
        for department in ("Support", "Sales", "Legal"):
            narrowed = n_of(f"period:{week};segment:location=York;segment:department={department}")
            if narrowed is not None:
                assert york - narrowed >= THRESHOLD
        # Legal/York (about one a week) never shows on its own.
        assert n_of(f"period:{week};segment:location=York;segment:department=Legal") is None


def test_hidden_groups_answer_with_every_number_null():
    source = _population(2)
    rng = random.Random(0)
    source.responses += [response(date(2026, 2, 3), {"department": "Ops", "location": "York"},
                                  answers(rng)) for _ in range(3)]
    selector = "segment:department=Ops"
    compare = service.compare(source, survey_id=1, metric="index:ai_trust", a=selector, b="")
    assert compare["suppressed"] is True
    numbers = [compare["a"]["n"], compare["a"]["value"], compare["b"]["n"], compare["b"]["value"],
               compare["difference"], compare["statistic"], compare["p_value"],
               compare["effect_size"]["value"], compare["significant"]]
    assert numbers == [None] * len(numbers)
    distribution = service.distribution(source, survey_id=1, question="preference",
                                        a=selector, b="")
    assert distribution["suppressed"] and distribution["statistic"] is None
    assert distribution["a"]["counts"] is None and distribution["b"]["counts"] is None
    drivers = service.drivers(source, survey_id=1, outcome="item:enps", selector=selector)
    assert drivers["suppressed"] and drivers["items"] == [] and drivers["n"] is None
    with pytest.raises(ValidationError) as error:  # no period of Ops is shown
        service.trend(source, survey_id=1, metric="index:ai_trust", period="week",
                      segment="department=Ops")
    assert "3" not in error.value.message + repr(error.value.details)


def _comment_population() :
    rng = random.Random(9)
    rows = []
    for i, (department, count) in enumerate((("Support", 30), ("Sales", 12), ("Legal", 3))):
        for j in range(count):
            a = answers(rng)
            a["comment"] = f"{department} comment {j}"
            rows.append(response(date(2026, 3, 2 + j % 5), {"department": department,
                                                           "location": "Leeds"}, a))
    return analytics(pulse_survey(segments=ATTRIBUTES, comment_threshold=10), rows)


def test_comments_of_a_small_group_cannot_be_isolated_by_set_difference():
    source = _comment_population()
    seen = {}
    selectors = ["", "period:2026-W10", "period:2026-03",
                 *(f"segment:department={d}" for d in ("Support", "Sales", "Legal")),
                 *(f"period:2026-W10;segment:department={d}"
                   for d in ("Support", "Sales", "Legal"))]
    for selector in selectors:
        answer = service.comments(source, survey_id=1, question="comment", selector=selector)
        if not answer["suppressed"]:
            seen[selector] = set(answer["comments"])
    legal = {c for c in itertools.chain.from_iterable(seen.values()) if c.startswith("Legal")}
    # Any two shown sets differ by at least the comment threshold (or not at all).
    for first, second in itertools.permutations(seen.values(), 2):
        difference = first - second
        assert not difference or len(difference) >= 10
        assert not (difference and difference <= legal)


def test_comments_are_listed_by_one_attribute_only():
    # Two attributes' lists intersected would give their small crosses' texts away.
    source = _comment_population()
    with pytest.raises(ValidationError) as error:
        service.comments(source, survey_id=1, question="comment",
                         selector="segment:department=Sales;segment:location=Leeds")
    assert "department" in error.value.details["selector"][0]


def test_error_messages_never_name_a_hidden_count():
    source = _population(3)
    with pytest.raises(ValidationError) as error:
        service.trend(source, survey_id=1, metric="index:ai_trust", period="week",
                      segment="department=Sales;location=York")
    text = error.value.message + repr(error.value.details)
    assert not any(ch.isdigit() for ch in text.replace("at least 4", ""))
