"""Attacks on the metrics of an optional question, hidden on the count of its answers.

`item:`, `nps:`, `share:` and `top2:` of an optional question are suppressed on how many
answered it, `index:` on how many responded. The attacker holds both: every row any `scores`
answer shows at every period and breakdown, and every all-time group `compare` shows, as an
equation over the atoms (a piece of an ISO week inside one month, in one wave or none, for
one combination of segment values), on respondents r for `index:` and on answers a for
`item:`; besides, 0 <= a <= r in every atom, and every row listed, shown or hidden, holds at
least one respondent (a hidden row still says that its group exists).

Two ways in are tried: differencing the answer counts alone (a parent minus its shown
children, weeks against months and waves, one breakdown against another), and bounding a
small group of respondents by the answers shown about its complementary cells (linear
programmes over both systems, rounded to whole people). The atoms and indicators are those
of `test_anonymity_periods`.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import numpy as np
import pytest
from scipy.optimize import linprog

from services.metrics.analytics import service
from tests.metrics.factories import analytics, answers, pulse_survey, response
from tests.metrics.test_anonymity_attacks import _recoverable
from tests.metrics.test_anonymity_periods import _atom, _indicator, _segments

THRESHOLD = 5
ATTRIBUTES = ("department", "location")
PERIODS = ("week", "month", "quarter", "wave")
RESPONDENTS = "index:ai_trust"
ANSWERS = "item:wellbeing"


@pytest.fixture(autouse=True)
def _fresh_decisions():
    """Each test's survey is survey 1: decisions cached for another test's must not serve."""


def _survey(waves=()) -> dict:
    """The pulse survey with an optional likert question, `wellbeing`."""
    survey = pulse_survey(threshold=THRESHOLD, segments=ATTRIBUTES, waves=waves)
    survey["questions"].append({"key": "wellbeing", "text": "How are you?", "type": "likert5",
                                "required": False})
    return survey


def _answer(rng: random.Random, answered: bool) -> dict:
    out = answers(rng)
    if answered:
        out["wellbeing"] = rng.randint(1, 5)
    return out


def _population(seed: int, wave: int = 1, in_wave: float = 0.8) -> analytics:
    """Ten weeks over a month boundary and a wave: large, small and tiny groups, each
    answering the optional question at its own rate (Legal's one person mostly not).

    A response of the wave's fortnight is in the wave with probability `in_wave` (the
    survey service puts imported responses in the wave open at their time: 1.0).
    """
    rng = random.Random(seed)
    opens, closes = date(2026, 2, 16), date(2026, 3, 2)
    waves = [{"id": wave, "opens_at": f"{opens}T00:00:00Z", "closes_at": f"{closes}T00:00:00Z"}]
    groups = {("Support", "Leeds"): (9, 0.8), ("Support", "York"): (4, 0.7),
              ("Sales", "Leeds"): (6, 0.9), ("Sales", "York"): (2, 0.5),
              ("Legal", "York"): (1, 0.3)}
    rows, start = [], date(2026, 1, 26)
    for week in range(10):
        for (department, location), (size, rate) in groups.items():
            for _ in range(max(0, size + rng.choice((-1, 0, 0, 1)))):
                day = start + timedelta(days=7 * week + rng.randrange(5))
                inside = opens <= day < closes and rng.random() < in_wave
                rows.append(response(day, {"department": department, "location": location},
                                     _answer(rng, rng.random() < rate),
                                     wave=wave if inside else None))
    return analytics(_survey(waves), rows)


def _one_week(groups: dict) -> analytics:
    """One week of one department per entry: (respondents, of whom answered `wellbeing`)."""
    rng = random.Random(7)
    rows = []
    for department, (size, answered) in groups.items():
        rows += [response(date(2026, 3, 3), {"department": department, "location": "Leeds"},
                          _answer(rng, i < answered)) for i in range(size)]
    return analytics(_survey(), rows)


def _service_asker(source):
    """Return `ask(endpoint, **query)` answering from the metrics service layer."""
    return lambda name, **query: getattr(service, name)(source, survey_id=1, **query)


def _rows(ask, source, atoms: list, metric: str) -> list[tuple]:
    """(indicator, n or None when hidden) of every group the answers of `metric` list."""
    rows = []
    for period in PERIODS:
        for size in range(len(ATTRIBUTES) + 1):
            for chosen in itertools.combinations(ATTRIBUTES, size):
                answer = ask("scores", metric=metric, period=period,
                             segment_by=",".join(chosen))
                rows += [(_indicator(atoms, ATTRIBUTES, period, row["period"],
                                     row["segment"]), row["n"]) for row in answer["series"]]
    for segment in _segments(source, ATTRIBUTES):
        selector = ";".join(f"segment:{a}={v}" for a, v in segment.items())
        answer = ask("compare", metric=metric, a=selector, b="")
        if not answer["suppressed"]:
            rows.append((_indicator(atoms, ATTRIBUTES, None, None, segment), answer["a"]["n"]))
    return rows


def _counts(source, atoms: list) -> tuple[np.ndarray, np.ndarray]:
    """Respondents and answers of `wellbeing` in each atom (what the attacker is after)."""
    index = {atom: i for i, atom in enumerate(atoms)}
    respondents, answered = np.zeros(len(atoms)), np.zeros(len(atoms))
    for row in source.responses:
        respondents[index[_atom(row, ATTRIBUTES)]] += 1
        answered[index[_atom(row, ATTRIBUTES)]] += row["answers"].get("wellbeing") is not None
    return respondents, answered


def _groups(source, atoms: list) -> list[tuple]:
    """Every piece (in one wave, or any) of every segment, as (name, indicator)."""
    pieces = sorted({atom[:2] for atom in atoms})
    waves = sorted({atom[2] for atom in atoms})
    out = []
    for piece, wave, segment in itertools.product(pieces, [None, *waves],
                                                  _segments(source, ATTRIBUTES)):
        vector = np.array([1.0 if atom[:2] == piece and wave in (None, atom[2])
                           and all(dict(zip(ATTRIBUTES, atom[3]))[a] == v
                                   for a, v in segment.items()) else 0.0 for atom in atoms])
        if vector.any():
            out.append(((piece, wave, segment), vector))
    return out


def _derived_answers(source, ask=None) -> list:
    """Hidden answer counts a reader gets by differencing the shown answer counts alone.

    `source` holds the truth; `ask` answers the reader's queries (default: the service
    layer on `source`).
    """
    ask = ask or _service_asker(source)
    atoms = sorted({_atom(r, ATTRIBUTES) for r in source.responses})
    _, answered = _counts(source, atoms)
    rows = _rows(ask, source, atoms, ANSWERS)
    shown = [vector for vector, n in rows if n is not None]
    # A cell hidden only to protect others holds at least the threshold: not a target.
    hidden = [("listed", vector) for vector, n in rows
              if n is None and vector @ answered < THRESHOLD]
    small = [(name, vector) for name, vector in _groups(source, atoms)
             if 0 < vector @ answered < THRESHOLD]
    return [(name, int(vector @ answered)) for name, vector in hidden + small
            if _recoverable(shown, vector)]


def _pinned_respondents(source, ask=None) -> list:
    """Small groups of respondents whose size both answers together narrow to one value.

    Unknowns: r then a over the atoms. Bounds are linear programmes (HiGHS), so a reader
    rounding to whole people is at least this sure.
    """
    ask = ask or _service_asker(source)
    atoms = sorted({_atom(r, ATTRIBUTES) for r in source.responses})
    respondents, _ = _counts(source, atoms)
    width = len(atoms)
    equal, values, at_least = [], [], []
    for metric, offset in ((RESPONDENTS, 0), (ANSWERS, width)):
        for vector, n in _rows(ask, source, atoms, metric):
            row = np.zeros(2 * width)
            row[offset:offset + width] = vector
            if n is not None:
                equal.append(row)
                values.append(n)
            if metric == RESPONDENTS:
                at_least.append(-row)  # a listed group holds at least one respondent
    # a <= r in every atom
    upper = np.hstack([-np.eye(width), np.eye(width)])
    a_ub = np.vstack([np.array(at_least), upper])
    b_ub = np.concatenate([-np.ones(len(at_least)), np.zeros(width)])
    pinned = []
    for name, vector in _groups(source, atoms):
        size = vector @ respondents
        if not 0 < size < THRESHOLD:
            continue
        objective = np.concatenate([vector, np.zeros(width)])
        low, high = (linprog(sign * objective, A_ub=a_ub, b_ub=b_ub, A_eq=np.array(equal),
                             b_eq=np.array(values, dtype=float), bounds=(0, None),
                             method="highs") for sign in (1, -1))
        assert low.status == 0 and high.status in (0, 3), (name, low.message, high.message)
        if high.status == 0 and np.ceil(low.fun - 1e-6) == np.floor(-high.fun + 1e-6):
            pinned.append((name, int(size)))
    return pinned


def _by_department(source, metric: str) -> dict:
    """Each department's n in the week's `scores` of `metric` (None: hidden)."""
    rows = service.scores(source, survey_id=1, metric=metric, period="week",
                          segment_by="department")["series"]
    return {row["segment"]["department"]: row["n"] for row in rows}


def _hidden(shown: dict) -> set:
    return {name for name, n in shown.items() if n is None}


def test_the_zero_answers_of_a_listed_group_are_not_derived_from_its_siblings():
    # None of Legal's six respondents answered: Legal is listed, hidden, for `item:`, and
    # the week's 13 answers minus Support's 8 and Sales's 5 would say that nobody did.
    source = _one_week({"Support": (9, 8), "Sales": (6, 5), "Legal": (6, 0)})
    assert _hidden(_by_department(source, RESPONDENTS)) == set()
    shown = _by_department(source, ANSWERS)
    assert shown["Legal"] is None and shown["Support"] == 8
    assert len(_hidden(shown)) == 2
    assert _derived_answers(source) == []


def test_the_answers_of_a_complementary_cell_do_not_pin_a_small_group_of_respondents():
    # Respondents: Legal (1) and, to protect it, Sales (6) are hidden; the week's 16 minus
    # Support's 9 leaves 7 between them. Were Sales's 6 answers shown, Sales would hold at
    # least 6 respondents and Legal exactly 1.
    source = _one_week({"Support": (9, 5), "Sales": (6, 6), "Legal": (1, 0)})
    hidden = _hidden(_by_department(source, RESPONDENTS))
    assert hidden == {"Legal", "Sales"}
    assert _hidden(_by_department(source, ANSWERS)) >= hidden
    assert _pinned_respondents(source) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_hidden_answer_count_is_derived_across_periods_waves_and_breakdowns(seed):
    source = _population(seed)
    atoms = sorted({_atom(r, ATTRIBUTES) for r in source.responses})
    respondents, answered = _counts(source, atoms)
    # The attack means something only if some groups skipped the question altogether.
    assert ((respondents > 0) & (answered == 0)).any()
    assert _derived_answers(source) == []


@pytest.mark.parametrize("seed", [1, 3])
def test_answer_counts_do_not_pin_a_small_group_of_respondents(seed):
    assert _pinned_respondents(_population(seed)) == []


def test_every_group_hidden_for_its_respondents_is_hidden_for_its_answers():
    source = _population(1)
    checked = 0
    for period in PERIODS:
        for segment_by in ("", "department", "location", "department,location"):
            rows = {}
            for metric in (RESPONDENTS, ANSWERS, "top2:wellbeing", "nps:enps"):
                answer = service.scores(source, survey_id=1, metric=metric, period=period,
                                        segment_by=segment_by)
                rows[metric] = {(r["period"], tuple(r["segment"].items())): r["suppressed"]
                                for r in answer["series"]}
            hidden = {key for key, suppressed in rows[RESPONDENTS].items() if suppressed}
            checked += len(hidden)
            for metric in (ANSWERS, "top2:wellbeing"):
                assert hidden <= {key for key, suppressed in rows[metric].items() if suppressed}
            # A required question is answered by every respondent: the same decision.
            assert rows["nps:enps"] == rows[RESPONDENTS]
    assert checked, "the population must hide some groups for this to mean anything"


def test_responses_skipping_the_question_are_decided_afresh():
    source = _one_week({"Support": (9, 5), "Sales": (6, 6), "Legal": (1, 0)})
    service.scores(source, survey_id=1, metric=ANSWERS, period="week", segment_by="department")
    assert _hidden(_by_department(source, RESPONDENTS)) == {"Legal", "Sales"}
    # Four more in Sales imported into the closed week, none answering: the answers are as
    # before, the respondents' decision is made again and keeps Support shown, so Sales
    # (now 10) stays Legal's complement; the answers hide at least as much.
    rng = random.Random(3)
    source.responses += [response(date(2026, 3, 3), {"department": "Sales", "location": "Leeds"},
                                  _answer(rng, False)) for _ in range(4)]
    hidden = _hidden(_by_department(source, RESPONDENTS))
    assert hidden == {"Legal", "Sales"}
    assert _by_department(source, RESPONDENTS)["Support"] == 9
    assert _hidden(_by_department(source, ANSWERS)) >= hidden


def _created(client, headers) -> int:
    """Create `_survey()` (comment threshold 10) through the gateway; return its id."""
    survey = _survey()
    created = client.post("/api/v1/surveys", headers=headers, json={
        "title": "Pulse", "kind": "employee_pulse", "segments": list(ATTRIBUTES),
        "anonymity_threshold": THRESHOLD, "comment_threshold": 10,
        "questions": survey["questions"], "indices": survey["indices"]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _gateway_asker(client, headers, survey_id: int, source):
    """Import `source`'s responses into the survey service; return `ask(endpoint, **query)`
    answering through the gateway."""
    imported = client.post(f"/api/v1/surveys/{survey_id}/responses/import",
                           headers=headers, json={"responses": [
                               {"submitted_at": f"{r['day'].isoformat()}T10:00:00Z",
                                "segment": r["segment"], "answers": r["answers"]}
                               for r in source.responses]})
    assert imported.status_code == 201, imported.json

    def ask(name, **query):
        answer = client.get(f"/api/v1/surveys/{survey_id}/{name}", query_string=query,
                            headers=headers)
        assert answer.status_code == 200, answer.json
        return answer.json

    return ask


def _imported_population(client, headers, seed: int) -> tuple:
    """Create the survey and its wave through the gateway and import `_population(seed)`;
    return the population and `ask` answering through the gateway."""
    survey_id = _created(client, headers)
    wave = client.post(f"/api/v1/surveys/{survey_id}/waves", headers=headers,
                       json={"opens_at": "2026-02-16T00:00:00Z",
                             "closes_at": "2026-03-02T00:00:00Z"})
    assert wave.status_code == 201, wave.json
    # The survey service puts each imported response in the wave open at its time.
    source = _population(seed, wave=wave.json["id"], in_wave=1.0)
    return source, _gateway_asker(client, headers, survey_id, source)


def test_no_derivation_through_the_gateway_on_responses_imported_into_the_survey_service(
        suite, admin_headers):
    source, ask = _imported_population(suite.client, admin_headers, 1)
    assert ask("scores", metric=ANSWERS, period="week")["series"][0]["n"] is not None
    assert _derived_answers(source, ask) == []
    assert _pinned_respondents(source, ask) == []
