"""Words for keys and periods, and the one filter state of a survey page."""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from services.gateway.dashboard.filters import read_filters
from services.gateway.dashboard.headline import headline_card
from services.gateway.dashboard.labels import Period, Vocabulary, p_text, words
from services.survey.instruments.templates import get_template

TODAY = date(2026, 12, 1)


def _survey(template: str, **fields) -> dict:
    body = get_template(template)
    return {"id": 1, **body, **fields}


def test_keys_read_as_words_and_titles_come_from_the_definition():
    assert words("handled_by") == "Handled by"
    assert words("ai") == "AI" and words("complex_cases") == "Complex cases"
    assert words("Billing") == "Billing"
    vocabulary = Vocabulary(_survey("ai-interaction"))
    assert vocabulary.metric_title("index:customer_ai_trust") == "Customer AI trust"
    assert vocabulary.option("next_preference", "avoid_ai") == "I would avoid AI"
    assert vocabulary.group({"handled_by": "ai"}) == "AI (handled by)"
    assert vocabulary.group({}) == "Everyone"
    assert [q["key"] for q in Vocabulary(_survey("ai-trust-pulse")).index_items("wellbeing")] == \
        ["worn_out", "customer_drain"]


def test_periods_are_named_with_their_dates():
    week = Period("2026-W48", date(2026, 11, 23), date(2026, 11, 29))
    assert (week.short, week.long) == ("W48", "week 48 (23–29 Nov 2026)")
    month = Period("2026-11")  # dates from the label: whole ISO weeks
    assert month.long == "Nov 2026 (2–29 Nov 2026)"
    assert Period("wave-12", date(2026, 11, 23), date(2026, 11, 27)).long == \
        "wave (23–27 Nov 2026)"
    assert Period("2026-Q4").short == "Q4 2026"
    assert p_text(0.00002) == "p < 0.001" and p_text(0.0312) == "p = 0.03"


def test_a_customer_survey_offers_no_waves_and_says_so():
    filters = read_filters(_survey("ai-interaction"), MultiDict({"period": "wave"}), TODAY)
    assert filters.period == "week"
    assert any("day, week, month, quarter" in note for note in filters.notes)
    daily = read_filters(_survey("ai-interaction"), MultiDict({"period": "day"}), TODAY)
    assert daily.period == "day" and daily.start is None and daily.first_day == date(2026, 11, 4)
    pulse = read_filters(_survey("ai-trust-pulse"), MultiDict({"period": "day"}), TODAY)
    assert pulse.period == "week"


def test_bad_values_are_dropped_with_a_note_and_the_rest_kept():
    survey = _survey("ai-trust-pulse")
    filters = read_filters(survey, MultiDict({
        "from": "yesterday", "to": "2026-11-30", "by": "shoe_size", "index": "wellbeing",
        "group": "Billing", "compare": "Sales", "extra": "ignored"}), TODAY)
    assert filters.start is None and filters.end == date(2026, 11, 30)
    assert filters.by == "department" and filters.index == "wellbeing"
    assert any("“yesterday” is not a valid date" in n for n in filters.notes)
    assert any("no segment “shoe_size”" in n for n in filters.notes)
    backwards = read_filters(survey, MultiDict({"from": "2026-11-30", "to": "2026-11-01"}), TODAY)
    assert backwards.start is None and backwards.end is None and backwards.notes
    alone = read_filters(survey, MultiDict({"compare": "Sales"}), TODAY)
    assert alone.compare is None and any("Pick a group first" in n for n in alone.notes)


def test_the_state_is_kept_in_the_url_and_a_new_segment_clears_its_groups():
    filters = read_filters(_survey("ai-trust-pulse"), MultiDict({
        "period": "month", "by": "department", "group": "Billing", "compare": "Sales",
        "to": "2026-11-30"}), TODAY)
    assert filters.query() == {"period": "month", "by": "department", "group": "Billing",
                               "compare": "Sales", "index": "ai_trust", "to": "2026-11-30"}
    assert "group" not in filters.query(by="location")
    assert filters.query(group="Sales", compare=None)["group"] == "Sales"
    assert filters.selector("2026-11") == "period:2026-11;segment:department=Billing"
    assert filters.selector("2026-11", group="Sales").endswith("department=Sales")


def test_a_headline_says_the_value_its_change_and_whether_it_is_significant():
    rows = [{"period": "2026-W47", "start": "2026-11-16", "end": "2026-11-22", "n": 48,
             "value": 38.3, "ci_low": 33.0, "ci_high": 43.6},
            {"period": "2026-W48", "start": "2026-11-23", "end": "2026-11-29", "n": 46,
             "value": 19.6, "ci_low": 14.1, "ci_high": 25.0}]
    change = {"difference": -18.7, "p_value": 0.00005, "p_adjusted": 0.0002,
              "significant": True, "segment": {"department": "Billing"}}
    card = headline_card("index:wellbeing", "Wellbeing", rows, change, empty_note="none")
    assert card.sentence == ("Wellbeing 20 (n 46), down 18.7 since W47, significant "
                             "(adjusted p < 0.001).")
    flat = headline_card("index:wellbeing", "Wellbeing", rows,
                         {"difference": 1.0, "p_value": 0.4, "significant": False, "mde": 9.25},
                         empty_note="none")
    assert "not significant (p = 0.40; with these group sizes only a change of 9.2" in \
        flat.sentence
    hidden = headline_card("index:wellbeing", "Wellbeing", rows[:1] + [
        {"period": "2026-W48", "n": None, "value": None, "suppressed": True}], None,
        empty_note="none")
    assert hidden.n is None and "hidden to protect a small group" in hidden.sentence
    share = headline_card("top2:csat", "Satisfied customers",
                          [dict(r, value=r["value"] / 100) for r in rows],
                          {"difference": -0.187, "p_value": 0.2, "significant": False},
                          empty_note="none")
    assert share.value == "20%" and "down 18.7 points" in share.change


def test_an_open_period_listed_with_nulls_is_not_taken_for_the_last_closed_one():
    from services.gateway.dashboard.api import Answer
    from services.gateway.dashboard.panels import rows_of, timeline

    answer = Answer(200, {"series": [
        {"period": "2026-W48", "segment": {}, "n": 40, "value": 50.0},
        {"period": "2026-W49", "segment": {}, "n": None, "value": None, "open": True}]})
    assert [p.label for p in timeline(answer)] == ["2026-W48"]
    assert list(rows_of(answer, {})) == ["2026-W48"]
    pending = headline_card("index:x", "X", [{"period": "2026-W48", "value": None,
                                              "pending": True}], None, empty_note="none")
    assert "being published now" in pending.sentence
