"""Attacks on the comments of a group, decided on respondents at `comment_threshold`.

`comments` shows a group's free text with its respondent count `n`, only for groups its own
decision shows (respondents at the comment threshold, complementary and rank-checked like
any other), and only the texts of responses whose atom (a piece of an ISO week inside one
month, in one wave or none, for one combination of segment values) holds at least
`comment_threshold` respondents. Two attackers:

- counts: every row any `scores` answer shows (respondents at the anonymity threshold) and
  every `n` any `comments` answer shows, each as an equation over the atoms, trying to
  derive a small group of respondents or a hidden cell;
- texts: each comment is a unique string, so intersecting and differencing every shown
  comment list says which groups its author is in and which not; the respondents of the
  atoms matching that pattern are all it can be attributed to.

The atoms, indicators and populations are those of `test_anonymity_periods` and
`test_anonymity_answers`.
"""

from __future__ import annotations

import itertools
import random
import threading
from datetime import date, timedelta

import numpy as np
import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from services.metrics.survey_source import SurveySource
from shared.errors import Unavailable
from shared.http import ServiceClient
from tests.metrics.factories import analytics, answers, response
from tests.metrics.test_anonymity_answers import (
    ATTRIBUTES,
    PERIODS,
    RESPONDENTS,
    THRESHOLD,
    _counts,
    _created,
    _gateway_asker,
    _groups,
    _imported_population,
    _population,
    _rows,
    _service_asker,
    _survey,
)
from tests.metrics.test_anonymity_attacks import _recoverable
from tests.metrics.test_anonymity_periods import _atom, _indicator, _segments

COMMENT_THRESHOLD = 10  # `pulse_survey`'s, and `_created`'s

# Respondents of three March weeks by department, all in Leeds. `scores` hides W11 Sales (1)
# and, to protect it, W11 Legal and the W12 pair: W12 Legal (11) is a complementary cell.
# Legal's month (31) minus its shown W10 (14) gives W11 + W12 Legal = 17, and the weeks give
# W11 Sales + Legal = 7: W12 Legal's 11 would leave 6 in W11 Legal and 1 in W11 Sales.
THREE_WEEKS = {"Support": (9, 11, 8), "Sales": (14, 1, 9), "Legal": (14, 6, 11)}


@pytest.fixture(autouse=True)
def _fresh_decisions():
    """Each test's survey is survey 1: decisions cached for another test's must not serve."""


def _three_weeks() -> analytics:
    rng = random.Random(5)
    rows = []
    for department, weeks in THREE_WEEKS.items():
        for week, size in enumerate(weeks):
            rows += [response(date(2026, 3, 2) + timedelta(days=7 * week + i % 5),
                              {"department": department, "location": "Leeds"}, answers(rng))
                     for i in range(size)]
    return analytics(_survey(), rows)


def _selectors(ask, source) -> list[tuple]:
    """(period granularity or None, label, segment) of every group a selector can name."""
    # Comments are listed by period and by the first attribute (department) only.
    listed = [segment for segment in _segments(source, ATTRIBUTES)
              if set(segment) <= {"department"}]
    groups = [(None, None, segment) for segment in listed]
    for period in PERIODS:
        series = ask("scores", metric=RESPONDENTS, period=period)["series"]
        groups += [(period, row["period"], segment) for row in series
                   for segment in listed]
    return groups


def _comment_rows(ask, source, atoms: list) -> list[tuple]:
    """(indicator, n or None when hidden) of every group `comments` is asked about."""
    rows = []
    for period, label, segment in _selectors(ask, source):
        parts = ([f"period:{label}"] if label else []) + [f"segment:{a}={v}"
                                                         for a, v in segment.items()]
        answer = ask("comments", question="comment", selector=";".join(parts))
        assert (answer["n"] is None) == answer["suppressed"]
        rows.append((_indicator(atoms, ATTRIBUTES, period, label, segment), answer["n"]))
    return rows


def _derived(source, ask=None) -> tuple[list, list]:
    """Small groups and hidden cells derivable from `scores` and `comments` together, and
    the groups under the comment threshold derivable from what `comments` shows alone."""
    ask = ask or _service_asker(source)
    atoms = sorted({_atom(r, ATTRIBUTES) for r in source.responses})
    respondents, _ = _counts(source, atoms)
    scores = _rows(ask, source, atoms, RESPONDENTS)
    comments = _comment_rows(ask, source, atoms)
    shown = [vector for vector, n in scores + comments if n is not None]
    for vector, n in scores + comments:
        assert n is None or n == vector @ respondents  # the rows are the groups meant
    # A cell hidden only to protect others holds at least the threshold: not a target.
    targets = [("hidden", vector) for vector, n in scores
               if n is None and vector @ respondents < THRESHOLD]
    targets += [(name, vector) for name, vector in _groups(source, atoms)
                if 0 < vector @ respondents < THRESHOLD]
    derived = [(name, int(vector @ respondents)) for name, vector in targets
               if _recoverable(shown, vector)]
    commented = [vector for vector, n in comments if n is not None]
    under = [(name, int(vector @ respondents)) for name, vector in _groups(source, atoms)
             if 0 < vector @ respondents < COMMENT_THRESHOLD
             and _recoverable(commented, vector)]
    return derived, under


def _hidden_by_scores_shown_by_comments(ask, source) -> list:
    """Groups `scores` hides whose `comments` answer is not suppressed."""
    leaks = []
    for period in PERIODS:
        for size in range(len(ATTRIBUTES) + 1):
            for chosen in itertools.combinations(ATTRIBUTES, size):
                series = ask("scores", metric=RESPONDENTS, period=period,
                             segment_by=",".join(chosen))["series"]
                for row in (r for r in series if r["suppressed"]
                            and set(r["segment"]) <= {"department"}):
                    selector = ";".join([f"period:{row['period']}"] + [
                        f"segment:{a}={v}" for a, v in row["segment"].items()])
                    if not ask("comments", question="comment", selector=selector)["suppressed"]:
                        leaks.append(selector)
    return leaks


def test_a_complementary_cell_shows_no_count_in_comments():
    source = _three_weeks()
    ask = _service_asker(source)
    week = {row["segment"]["department"] + " " + row["period"]: row["n"] for row in ask(
        "scores", metric=RESPONDENTS, period="week", segment_by="department")["series"]}
    # W11 Sales (one person) and its complement, W11 Legal (six).
    assert week["Legal 2026-W11"] is None and week["Sales 2026-W11"] is None
    answer = ask("comments", question="comment",
                 selector="period:2026-W11;segment:department=Legal")
    assert answer["suppressed"] and answer["n"] is None and answer["comments"] == []
    assert _hidden_by_scores_shown_by_comments(ask, source) == []
    assert _derived(source) == ([], [])


@pytest.mark.parametrize("seed", [2, 3])
def test_scores_and_comments_together_give_no_small_group_away(seed):
    source = _population(seed)
    assert _hidden_by_scores_shown_by_comments(_service_asker(source), source) == []
    assert _derived(source) == ([], [])


def test_no_derivation_through_the_gateway_on_responses_imported_into_the_survey_service(
        suite, admin_headers):
    client = suite.client
    source = _three_weeks()
    ask = _gateway_asker(client, admin_headers, _created(client, admin_headers), source)
    shown = ask("comments", question="comment", selector="period:2026-W10")
    # W10 Support's 9 respondents are an atom under the threshold: their texts stay in.
    assert shown["n"] == 37 and len(shown["comments"]) == 28
    selector = "period:2026-W11;segment:department=Legal"
    assert ask("comments", question="comment", selector=selector) == {
        "question": "comment", "selector": selector, "n": None, "comments": [],
        "suppressed": True}
    assert _hidden_by_scores_shown_by_comments(ask, source) == []
    assert _derived(source, ask) == ([], [])


def _attributions(ask, source) -> dict[str, int]:
    """How many respondents each shown comment narrows down to, by text.

    The lists of every group a selector can name are asked. A comment found in some lists
    and not in the others was written by someone in every group of the first and in none of
    the second (a list holds every comment of its group that may leave, and any comment
    that leaves may leave from every group holding it): that pattern, over every shown list
    at once, is the finest any intersections and differences of them tell apart, pairs and
    longer chains alike. Its respondents (all of them, with a comment or not) are counted.
    """
    atoms = sorted({_atom(r, ATTRIBUTES) for r in source.responses})
    respondents, _ = _counts(source, atoms)
    authors = {r["answers"]["comment"]: _atom(r, ATTRIBUTES) for r in source.responses
               if r["answers"].get("comment")}
    assert len(authors) == sum(1 for r in source.responses if r["answers"].get("comment"))
    lists = []
    for period, label, segment in _selectors(ask, source):
        parts = ([f"period:{label}"] if label else []) + [f"segment:{a}={v}"
                                                         for a, v in segment.items()]
        answer = ask("comments", question="comment", selector=";".join(parts))
        if not answer["suppressed"]:
            lists.append((_indicator(atoms, ATTRIBUTES, period, label, segment) > 0,
                          set(answer["comments"])))
    members = np.array([vector for vector, _ in lists])  # lists x atoms
    attributed = {}
    for text in set().union(*(texts for _, texts in lists)):
        inside = np.array([text in texts for _, texts in lists])
        pattern = (members == inside[:, None]).all(axis=0)
        assert pattern[atoms.index(authors[text])]  # the reader's inference holds
        attributed[text] = int(respondents[pattern].sum())
    return attributed


def _shown_comments(ask, selector: str) -> set:
    return set(ask("comments", question="comment", selector=selector)["comments"])


def _comments_of(source, department: str, week: int | None = None) -> set:
    return {r["answers"]["comment"] for r in source.responses
            if r["segment"]["department"] == department
            and (week is None or r["day"].isocalendar()[1] == week)}


def test_intersecting_comment_lists_attributes_no_comment_to_a_small_group(
        suite, admin_headers):
    client = suite.client
    source = _three_weeks()
    ask = _gateway_asker(client, admin_headers, _created(client, admin_headers), source)
    week, support = (_shown_comments(ask, s) for s in ("period:2026-W11",
                                                       "segment:department=Support"))
    # W11 holds one Sales respondent, whose comment no list shows (W11 Sales is an atom
    # of one), and Support's eleven, who are an atom of their own and shown in both.
    sales_w11 = _comments_of(source, "Sales", 11)
    assert week and support and not (week | support) & sales_w11
    assert week & support == _comments_of(source, "Support", 11)
    attributed = _attributions(ask, source)
    assert attributed and min(attributed.values()) >= COMMENT_THRESHOLD


def test_comments_of_waves_and_two_attributes_are_attributed_to_no_small_group(
        suite, admin_headers):
    source, ask = _imported_population(suite.client, admin_headers, 2)
    attributed = _attributions(ask, source)
    assert attributed and min(attributed.values()) >= COMMENT_THRESHOLD


def test_comments_of_atoms_at_the_threshold_are_shown_with_the_groups_n(suite, admin_headers):
    client = suite.client
    source = _three_weeks()
    ask = _gateway_asker(client, admin_headers, _created(client, admin_headers), source)
    # W10: Support 9 (withheld), Sales 14 and Legal 14 (shown); n counts all 37.
    answer = ask("comments", question="comment", selector="period:2026-W10")
    assert answer["n"] == 37 and not answer["suppressed"]
    assert sorted(answer["comments"]) == sorted(_comments_of(source, "Sales", 10)
                                                | _comments_of(source, "Legal", 10))
    # All time: the four atoms of 10 or more (W10 Sales, W10 Legal, W11 Support, W12 Legal).
    everyone = ask("comments", question="comment", selector="")
    assert everyone["n"] == 83
    assert set(everyone["comments"]) == (
        _comments_of(source, "Sales", 10) | _comments_of(source, "Legal", 10)
        | _comments_of(source, "Support", 11) | _comments_of(source, "Legal", 12))


def test_a_survey_service_without_atom_min_gives_no_comments_away():
    """A survey service from before `atom_min` (a 422 naming it): 503, not every text."""
    app = Flask("old-survey")

    @app.get("/internal/surveys/<int:survey_id>/comments")
    def old_comments(survey_id):
        if "atom_min" in request.args:
            return jsonify(error={"code": "validation_error", "message": "Bad query.",
                                  "details": {"atom_min": ["Unknown field."]}}), 422
        return jsonify(n=1, comments=["mine"])

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = SurveySource(ServiceClient("survey", f"http://127.0.0.1:{server.server_port}",
                                            internal_token="t"))
        with pytest.raises(Unavailable):
            source.comments(1, question="comment", atom_min=COMMENT_THRESHOLD)
    finally:
        server.shutdown()
        server.server_close()
