"""Participation of an open wave: live counts, suppressed within the wave's table, kept
shown while safe, and carried into the closed wave's decision.

The attacker here treats every shown count of a read (all attribute sets of the wave) as
an equation over the wave's finest groups, as `test_anonymity_attacks` does for scores.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from services.metrics.analytics import service
from services.metrics.reports.participation import participation
from tests.metrics.factories import analytics, answers, pulse_survey, response
from tests.metrics.test_anonymity_attacks import _recoverable
from tests.survey.conftest import PULSE_ANSWERS

WAVE = {"id": 1, "opens_at": "2026-03-02T07:00:00Z", "closes_at": "2026-03-06T19:00:00Z"}
DURING = datetime(2026, 3, 4, 12, tzinfo=UTC)
AFTER = datetime(2026, 3, 20, tzinfo=UTC)
ATTRIBUTES = ("department", "location")
SEGMENT_BYS = ("", "department", "location", "department,location")


def _open_wave(counts: dict, attributes=("department",)):
    """An employee pulse whose one wave is open, with `counts` respondents per segment."""
    ctx = analytics(pulse_survey(segments=attributes, waves=[WAVE]), [], now=DURING)
    _arrive(ctx, counts, random.Random(0))
    ctx.source.invited = [{"wave": 1, "segment": dict(zip(attributes, values)), "invited": 12}
                          for values in counts]
    return ctx


def _arrive(ctx, counts: dict, rng: random.Random) -> None:
    attributes = tuple(ctx.source.survey["segments"])
    for values, n in counts.items():
        for _ in range(n):
            ctx.source.responses.append(response(date(2026, 3, 3),
                                                 dict(zip(attributes, values)), answers(rng),
                                                 wave=1))


def _live(ctx, segment_by="department") -> dict:
    rows = participation(ctx, survey_id=1, period="wave", segment_by=segment_by)["series"]
    return {tuple(r["segment"].values()): r for r in rows}


def _shown(rows: dict) -> set:
    return {values for values, row in rows.items() if not row["suppressed"]}


def test_an_open_wave_shows_live_counts_with_complementary_suppression():
    ctx = _open_wave({("Support",): 7, ("Sales",): 6, ("Legal",): 2})
    rows = _live(ctx)
    assert all(r["open"] for r in rows.values())
    assert _shown(rows) == {("Support",)}  # Legal is small; Sales hides it from the total
    assert rows[("Support",)]["responded"] == 7 and rows[("Support",)]["invited"] == 12
    assert rows[("Support",)]["rate"] == pytest.approx(7 / 12)
    assert rows[("Legal",)]["invited"] is None and rows[("Legal",)]["responded"] is None
    (total,) = _live(ctx, "").values()
    assert total["responded"] == 15 and total["invited"] == 36
    # Nothing but these counts is published while the wave is open.
    scores = service.scores(ctx, survey_id=1, metric="index:ai_trust", period="wave")
    assert scores["series"] == []


def test_an_open_wave_nobody_answered_yet_is_read_again_and_again():
    ctx = _open_wave({})
    ctx.source.invited = [{"wave": 1, "segment": {"department": "Support"}, "invited": 12}]
    for _ in range(2):  # the second read starts from the first one's (empty) decision
        (row,) = _live(ctx).values()
        assert row["open"] and row["suppressed"] and row["invited"] is None


def test_a_group_shown_live_stays_shown_and_the_closed_wave_starts_from_it():
    ctx = _open_wave({("Support",): 7, ("Sales",): 6, ("Legal",): 2})
    assert _shown(_live(ctx)) == {("Support",)}
    _arrive(ctx, {("Sales",): 3}, random.Random(1))
    # Sales is now the larger; a fresh decision would show it and hide Support instead.
    assert _shown(_live(ctx)) == {("Support",)}
    ctx.now = AFTER
    closed = service.scores(ctx, survey_id=1, metric="index:ai_trust", period="wave",
                            segment_by="department")["series"]
    assert {r["segment"]["department"] for r in closed if not r["suppressed"]} == {"Support"}
    rows = _live(ctx)
    assert not any(r["open"] for r in rows.values())
    assert _shown(rows) == {("Support",)} and rows[("Support",)]["responded"] == 7
    # Had the live decision not been kept, Support's 7 (shown live) and the total would
    # give Legal's 2 once Sales is shown: the fresh decision on the final counts does that.
    fresh = _open_wave({("Support",): 7, ("Sales",): 9, ("Legal",): 2})
    fresh.now = AFTER
    assert _shown(_live(fresh)) == {("Sales",)}


def test_a_cell_is_withdrawn_rather_than_a_newcomer_exposed():
    ctx = _open_wave({("Support",): 6})
    assert _shown(_live(ctx)) == {("Support",)}
    assert _shown(_live(ctx, "")) == {()}
    _arrive(ctx, {("Legal",): 1}, random.Random(2))
    rows = _live(ctx)
    (total,) = _live(ctx, "").values()
    # Keeping Support's 6 beside the total of 7 would give Legal's one away.
    assert not total["suppressed"] and total["responded"] == 7
    assert _shown(rows) == set()
    _arrive(ctx, {("Legal",): 4}, random.Random(3))
    assert _shown(_live(ctx)) == {("Support",), ("Legal",)}


def test_a_closing_wave_does_not_keep_a_live_cell_that_would_now_expose_a_group():
    ctx = _open_wave({("Support",): 6})
    assert _shown(_live(ctx)) == {("Support",)}
    # One more answer arrives after the last live read, before the wave closes.
    _arrive(ctx, {("Legal",): 1}, random.Random(4))
    ctx.now = AFTER
    closed = service.scores(ctx, survey_id=1, metric="index:ai_trust", period="wave",
                            segment_by="department")["series"]
    assert all(r["suppressed"] for r in closed)
    everyone = service.scores(ctx, survey_id=1, metric="index:ai_trust", period="wave")
    assert everyone["series"][0]["n"] == 7


def _read_all(ctx) -> tuple[list, dict]:
    """Every count one read shows (all attribute sets), as indicators over the atoms."""
    counts = {}
    for r in ctx.source.responses:
        key = tuple(r["segment"][a] for a in ATTRIBUTES)
        counts[key] = counts.get(key, 0) + 1
    atoms = sorted(counts)
    shown = []
    for segment_by in SEGMENT_BYS:
        for row in participation(ctx, survey_id=1, period="wave",
                                 segment_by=segment_by)["series"]:
            if not row["suppressed"]:
                assert row["responded"] == sum(
                    n for a, n in counts.items()
                    if all(dict(zip(ATTRIBUTES, a))[k] == v for k, v in row["segment"].items()))
                shown.append(np.array([float(all(dict(zip(ATTRIBUTES, a))[k] == v
                                                 for k, v in row["segment"].items()))
                                       for a in atoms]))
    return shown, dict(zip(atoms, (counts[a] for a in atoms)))


def _small_groups(counts: dict, threshold: int = 5) -> list[np.ndarray]:
    atoms = list(counts)
    values = {a: sorted({atom[i] for atom in atoms}) for i, a in enumerate(ATTRIBUTES)}
    out = []
    for size in range(len(ATTRIBUTES) + 1):
        for chosen in itertools.combinations(range(len(ATTRIBUTES)), size):
            for combo in itertools.product(*(values[ATTRIBUTES[i]] for i in chosen)):
                members = np.array([float(all(atom[i] == v for i, v in zip(chosen, combo)))
                                    for atom in atoms])
                if 0 < members @ np.array(list(counts.values())) < threshold:
                    out.append(members)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_no_live_read_and_no_closed_answer_gives_a_small_group_away(seed):
    rng = random.Random(seed)
    sizes = {("Support", "Leeds"): 9, ("Support", "York"): 5, ("Sales", "Leeds"): 6,
             ("Sales", "York"): 2, ("Legal", "York"): 1}
    ctx = analytics(pulse_survey(segments=ATTRIBUTES, waves=[WAVE]), [], now=DURING)
    arrivals = [values for values, n in sizes.items() for _ in range(n)]
    rng.shuffle(arrivals)
    last_live = None
    for step in range(0, len(arrivals), 3):
        _arrive(ctx, {values: 1 for values in arrivals[step:step + 3]}, rng)
        shown, counts = _read_all(ctx)
        assert not [t for t in _small_groups(counts) if _recoverable(shown, t)], step
        last_live = shown
    ctx.now = AFTER + timedelta(days=1)
    closed = []
    for segment_by in SEGMENT_BYS:
        for row in service.scores(ctx, survey_id=1, metric="index:ai_trust", period="wave",
                                  segment_by=segment_by)["series"]:
            if not row["suppressed"]:
                closed.append(np.array([float(all(dict(zip(ATTRIBUTES, a))[k] == v
                                                  for k, v in row["segment"].items()))
                                        for a in counts]))
    # The last live read saw the final counts: it and the closed wave's scores together.
    assert not [t for t in _small_groups(counts) if _recoverable(last_live + closed, t)]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_open_wave_through_the_gateway_live_then_closed(suite, admin_headers):
    client = suite.client
    survey = client.post("/api/v1/surveys", headers=admin_headers, json={
        "title": "Pulse", "template": "ai-trust-pulse", "segments": ["department"]}).json
    now = datetime.now(UTC)
    closes = now + timedelta(hours=2)
    wave = client.post(f"/api/v1/surveys/{survey['id']}/waves", headers=admin_headers, json={
        "opens_at": _iso(now - timedelta(hours=1)), "closes_at": _iso(closes)}).json
    invited = {"Support": 10, "Sales": 12, "Legal": 3}
    tokens = client.post(f"/api/v1/waves/{wave['id']}/invitations", headers=admin_headers,
                         json={"respondents": [{"segment": {"department": d}}
                                               for d, n in invited.items()
                                               for _ in range(n)]}).json["tokens"]
    by_department = {}
    for token, department in zip(tokens, [d for d, n in invited.items() for _ in range(n)]):
        by_department.setdefault(department, []).append(token)
    def answer(department, count):
        for _ in range(count):
            sent = client.post("/api/v1/responses", json={
                "token": by_department[department].pop(), "answers": PULSE_ANSWERS})
            assert sent.status_code == 201, sent.json

    def live():
        got = client.get(f"/api/v1/surveys/{survey['id']}/participation",
                         query_string={"segment_by": "department"}, headers=admin_headers)
        assert got.status_code == 200, got.json
        return {r["segment"]["department"]: r for r in got.json["series"]}

    for department, count in (("Support", 7), ("Sales", 6), ("Legal", 2)):
        answer(department, count)
    rows = live()
    assert all(r["open"] and r["period"] == f"wave-{wave['id']}" for r in rows.values())
    assert {d for d, r in rows.items() if not r["suppressed"]} == {"Support"}
    assert (rows["Support"]["invited"], rows["Support"]["responded"]) == (10, 7)
    answer("Sales", 3)
    assert {d for d, r in live().items() if not r["suppressed"]} == {"Support"}
    scores = client.get(f"/api/v1/surveys/{survey['id']}/scores", headers=admin_headers,
                        query_string={"metric": "index:ai_trust", "period": "wave"}).json
    assert scores["series"] == []  # nothing of an open wave but its live counts
    # The metrics service's clock moves past the wave's end: the wave is closed there.
    analytics_context = suite.servers["metrics"].app.extensions["trustpulse_analytics"]
    analytics_context.clock = lambda: closes + timedelta(minutes=1)
    closed = client.get(f"/api/v1/surveys/{survey['id']}/scores", headers=admin_headers,
                        query_string={"metric": "index:ai_trust", "period": "wave",
                                      "segment_by": "department"}).json["series"]
    assert {r["segment"]["department"] for r in closed if not r["suppressed"]} == {"Support"}
    rows = live()
    assert not any(r["open"] for r in rows.values())
    assert (rows["Support"]["responded"], rows["Support"]["rate"]) == (7, 0.7)
