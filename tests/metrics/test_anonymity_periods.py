"""Attacks across period systems: weeks cut by months, waves cut by calendar periods.

The attacker's unknowns are the finest groups any query tells apart (a piece of an ISO week
inside one month, in one wave or none, for one combination of segment values). Every row
any `scores` call shows, at every period and breakdown, and every all-time group `compare`
shows, is an equation over them. A small group (0 < n < threshold) is leaked when its
indicator lies in the span of those equations.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import numpy as np
import pytest

from services.metrics.analytics import service
from shared.periods import period_label
from tests.metrics.factories import analytics, answers, pulse_survey, response

THRESHOLD = 5
PERIODS = ("week", "month", "quarter", "wave")


def _atom(row: dict, attributes: tuple) -> tuple:
    """(ISO week, month, wave or 0, values) of the day a response counts on."""
    day = row.get("counted", row["day"])
    return (period_label(day, "week"), period_label(day, "month"),
            row["wave"] or 0, tuple(row["segment"].get(a) for a in attributes))


def _label_of(atom: tuple, period: str) -> str | None:
    week, month, wave, _ = atom
    if period == "week":
        return week
    if period == "month":
        return month
    if period == "quarter":
        return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
    return f"wave-{wave}" if wave else None


def _indicator(atoms: list, attributes: tuple, period: str | None, label: str | None,
               segment: dict) -> np.ndarray:
    vector = np.zeros(len(atoms))
    for i, atom in enumerate(atoms):
        if period is not None and _label_of(atom, period) != label:
            continue
        values = dict(zip(attributes, atom[3]))
        if all(values[a] == v for a, v in segment.items()):
            vector[i] = 1.0
    return vector


def _segments(source, attributes: tuple):
    values = {a: sorted({r["segment"][a] for r in source.responses}) for a in attributes}
    for size in range(len(attributes) + 1):
        for chosen in itertools.combinations(attributes, size):
            for combo in itertools.product(*(values[a] for a in chosen)):
                yield dict(zip(chosen, combo))


def _shown(source, atoms: list, attributes: tuple) -> list[np.ndarray]:
    """Every group any `scores` or all-time `compare` answer shows, as an indicator."""
    shown = []
    segment_bys = [",".join(c) for size in range(len(attributes) + 1)
                   for c in itertools.combinations(attributes, size)]
    for period in PERIODS:
        for segment_by in segment_bys:
            answer = service.scores(source, survey_id=1, metric="index:ai_trust",
                                    period=period, segment_by=segment_by)
            shown += [_indicator(atoms, attributes, period, row["period"], row["segment"])
                      for row in answer["series"] if not row["suppressed"]]
    for segment in _segments(source, attributes):
        selector = ";".join(f"segment:{a}={v}" for a, v in segment.items())
        answer = service.compare(source, survey_id=1, metric="index:ai_trust", a=selector, b="")
        if not answer["suppressed"]:
            shown.append(_indicator(atoms, attributes, None, None, segment))
    return shown


def _small_groups(source, atoms: list, attributes: tuple) -> list[tuple]:
    """Every union of atoms sharing a piece (and a wave, or any) and segment values, if small."""
    counts = np.zeros(len(atoms))
    index = {a: i for i, a in enumerate(atoms)}
    for row in source.responses:
        counts[index[_atom(row, attributes)]] += 1
    small = []
    pieces = sorted({(w, m) for w, m, _, _ in atoms})
    waves = sorted({wave for _, _, wave, _ in atoms})
    for (week, month), wave, segment in itertools.product(pieces, [None, *waves],
                                                          _segments(source, attributes)):
        vector = np.array([1.0 if (a[0], a[1]) == (week, month) and wave in (None, a[2])
                           and all(dict(zip(attributes, a[3]))[k] == v for k, v in segment.items())
                           else 0.0 for a in atoms])
        n = int(vector @ counts)
        if 0 < n < THRESHOLD:
            small.append(((week, month, wave, segment), vector))
    return small


def _leaks(source, attributes: tuple) -> list:
    atoms = sorted({_atom(r, attributes) for r in source.responses})
    shown = _shown(source, atoms, attributes)
    matrix = np.array(shown).T
    leaks = []
    for name, target in _small_groups(source, atoms, attributes):
        coefficients, *_ = np.linalg.lstsq(matrix, target, rcond=None)
        if np.allclose(matrix @ coefficients, target, atol=1e-6):
            leaks.append(name)
    return leaks


def _month_end_source():
    """Six a weekday through March and early April, one a day on Mar 30-31."""
    rng = random.Random(4)
    rows = []
    for offset in range(40):
        when = date(2026, 3, 2) + timedelta(days=offset)
        if when.weekday() < 5:
            count = 1 if when in (date(2026, 3, 30), date(2026, 3, 31)) else 6
            rows += [response(when, {"department": "Support"}, answers(rng))
                     for _ in range(count)]
    return analytics(pulse_survey(), rows)


def test_months_are_whole_weeks_so_no_part_of_a_week_is_isolated():
    source = _month_end_source()
    months = service.scores(source, survey_id=1, metric="index:ai_trust", period="month")
    weeks = service.scores(source, survey_id=1, metric="index:ai_trust", period="week")
    by_month = {r["period"]: r for r in months["series"]}
    # 2026-03 is weeks 10 to 13 (Mar 2 - Mar 29); Mar 30-31 belong to week 14 and April.
    assert (by_month["2026-03"]["start"], by_month["2026-03"]["end"]) == ("2026-03-02",
                                                                          "2026-03-29")
    inside = [r["n"] for r in weeks["series"] if r["period"] in
              ("2026-W10", "2026-W11", "2026-W12", "2026-W13")]
    assert by_month["2026-03"]["n"] == sum(inside) == 120
    assert next(r["n"] for r in weeks["series"] if r["period"] == "2026-W14") == 20
    assert all(not r["suppressed"] for r in weeks["series"] + months["series"])
    assert _leaks(source, ("department",)) == []


def _wave_source(seed: int) :
    """Two waves of two whole weeks each; outside them, and twice inside, responses in no wave."""
    rng = random.Random(seed)
    waves = [{"id": 1, "opens_at": "2026-03-02T00:00:00Z", "closes_at": "2026-03-16T00:00:00Z"},
             {"id": 2, "opens_at": "2026-04-06T00:00:00Z", "closes_at": "2026-04-20T00:00:00Z"}]
    strays = set(rng.sample(range(14), 2))  # days of wave 1 with one Sales answer outside it
    rows = []
    for offset in range(56):
        when = date(2026, 3, 2) + timedelta(days=offset)
        wave = next((w["id"] for w in waves
                     if w["opens_at"][:10] <= when.isoformat() < w["closes_at"][:10]), None)
        if when.weekday() >= 5:
            continue
        for department, count in (("Support", 4 + rng.randrange(2)), ("Sales", 3)):
            rows += [response(when, {"department": department}, answers(rng), wave=wave)
                     for _ in range(count)]
        if offset in strays and when.weekday() < 5:
            rows.append(response(when, {"department": "Sales"}, answers(rng)))
    return analytics(pulse_survey(waves=waves), rows)


@pytest.mark.parametrize("seed", [1, 2])
def test_wave_totals_and_calendar_totals_do_not_isolate_a_small_group(seed):
    source = _wave_source(seed)
    # The wave's fortnight counts on its opening day (week 10): week 10 minus wave 1 would
    # be the responses of week 10 in no wave, one or two.
    outside = [r for r in source.responses
               if r["wave"] is None and period_label(r["day"], "week") == "2026-W10"]
    waves = service.scores(source, survey_id=1, metric="index:ai_trust", period="wave")
    weeks = service.scores(source, survey_id=1, metric="index:ai_trust", period="week")
    shown = {r["period"]: r["n"] for r in waves["series"] + weeks["series"]}
    if 0 < len(outside) < THRESHOLD:
        assert None in (shown["wave-1"], shown["2026-W10"])
    assert sum(n is not None for n in shown.values()) >= 4
    assert _leaks(source, ("department",)) == []


def test_the_decision_is_the_same_whichever_endpoint_or_period_asks_first():
    def answers_in(order):
        source = _wave_source(3)
        got = {}
        for period in order:
            answer = service.scores(source, survey_id=1, metric="index:ai_trust",
                                    period=period, segment_by="department")
            got[period] = [(r["period"], r["segment"], r["n"]) for r in answer["series"]]
        return got

    assert answers_in(PERIODS) == answers_in(tuple(reversed(PERIODS)))


def test_an_import_into_a_closed_month_updates_it_and_keeps_what_it_showed():
    source = _month_end_source()
    before = service.scores(source, survey_id=1, metric="index:ai_trust", period="month")
    rng = random.Random(1)
    source.responses += [response(date(2026, 3, 25), {"department": "Support"}, answers(rng))
                         for _ in range(8)]
    after = service.scores(source, survey_id=1, metric="index:ai_trust", period="month")
    march = [next(r["n"] for r in a["series"] if r["period"] == "2026-03")
             for a in (before, after)]
    assert march == [120, 128]
