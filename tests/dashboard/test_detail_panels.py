"""Panels of one group and period, from answers in the shapes API.md gives: true reasons."""

from __future__ import annotations

from datetime import date

from services.gateway.dashboard.api import Answer
from services.gateway.dashboard.detail_panels import (
    comments_panel,
    participation_panel,
    questions_panel,
)
from services.gateway.dashboard.labels import Period, Vocabulary
from services.survey.instruments.templates import get_template

WEEK = Period("2026-W48", date(2026, 11, 23), date(2026, 11, 29))
MISSING = Answer(404, {"error": {"code": "not_found", "message": "No such resource."}})
WORDS = Vocabulary({"id": 1, **get_template("ai-trust-pulse")})


def _comments(answer, row):
    return comments_panel(answer, group="Billing (department)", last=WEEK, group_row=row,
                          comment_threshold=10, waiting="none").note


def test_comments_say_the_true_reason_they_are_not_shown():
    withheld = Answer(200, {"comments": [], "suppressed": True, "n": None})
    assert "withheld although 43 people answered" in _comments(withheld, {"n": 43}).lower()
    assert "at least 10 respondents; 7 answered in W48" in _comments(withheld, {"n": 7})
    assert "hidden to protect a small group" in _comments(withheld, {"n": None})
    none = Answer(200, {"comments": [], "suppressed": False, "n": 43})
    assert "none was written, or each came from a group smaller than 10" in _comments(none, {})
    shown = comments_panel(Answer(200, {"comments": ["a", "b"], "suppressed": False, "n": 43}),
                           group="Everyone", last=WEEK, group_row={}, comment_threshold=10,
                           waiting="none")
    assert shown.extra["comments"] == ["a", "b"]


def test_question_results_show_favourable_shares_or_say_why_not():
    body = {"n": 46, "items": [
        {"question": "worn_out", "text": "I feel worn out", "type": "likert5", "n": 46,
         "mean": 3.9, "ci_low": 3.6, "ci_high": 4.2, "distribution": {"1": 0.1},
         "favourable": 0.2, "neutral": 0.3, "unfavourable": 0.5},
        {"question": "recommend_workplace", "text": "Recommend", "type": "scale11", "n": 46,
         "mean": 6.1, "ci_low": 5.5, "ci_high": 6.7, "distribution": {"7": 0.3},
         "favourable": None, "neutral": None, "unfavourable": None}]}
    panel = questions_panel(Answer(200, body), WORDS, subtitle="", index_items=["worn_out"],
                            csv="/x.csv", waiting="none")
    first = panel.extra["question_bars"][0]
    assert first["label"] == "I feel worn out at the end of the working day." and first["in_index"]
    assert first["value"] == "20%" and "Favourable (agree, 4–5): 20%" in str(first["chart"])
    assert panel.table.rows[1][-1] == "6.10 (5.50–6.70)" and panel.table.csv == "/x.csv"
    assert "not available from this TrustPulse server yet" in questions_panel(
        MISSING, WORDS, subtitle="", index_items=[], csv=None, waiting="none").note
    hidden = Answer(200, {"n": None, "items": []})
    assert "hidden to protect" in questions_panel(hidden, WORDS, subtitle="", index_items=[],
                                                  csv=None, waiting="none").note


def test_participation_is_live_for_an_open_wave_and_hides_small_groups():
    body = {"series": [
        {"period": "wave-12", "start": "2026-11-23", "end": "2026-11-27", "segment": {},
         "invited": 400, "responded": 259, "rate": 0.6475, "suppressed": False},
        {"period": "wave-13", "start": "2026-11-30", "end": "2026-12-04", "segment": {},
         "invited": 400, "responded": 40, "rate": 0.1, "suppressed": False, "open": True},
        {"period": "wave-13", "segment": {"department": "Tiny"}, "invited": None,
         "responded": None, "rate": None, "suppressed": True}]}
    panel = participation_panel(Answer(200, body), WORDS, segment={}, csv=None,
                                kind="employee_pulse")
    assert panel.table.rows[1] == ["wave (30 Nov – 4 Dec 2026) (open now)", 400, 40, "10%"]
    tiny = participation_panel(Answer(200, body), WORDS, segment={"department": "Tiny"},
                               csv=None, kind="employee_pulse")
    assert tiny.table.rows[0][1:] == ["hidden", "hidden", "–"]
    assert "not available" in participation_panel(MISSING, WORDS, segment={}, csv=None,
                                                   kind="employee_pulse").note
