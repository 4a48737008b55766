"""Dates at the ends of the calendar: labels that parse back, and analytics that answer."""

from __future__ import annotations

from datetime import date

import pytest

from shared.periods import PeriodError, period_label, period_range
from tests.fuzz.conftest import ADMIN, GOOD_ANSWERS

EDGES = [date(1, 1, 1), date(9999, 12, 31), date(9999, 12, 27), date(2026, 12, 31)]


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize("granularity", ["day", "week", "month", "quarter"])
def test_every_label_parses_back_to_a_range_holding_its_day(day, granularity):
    label = period_label(day, granularity)
    first, last = period_range(label)
    assert first <= day <= last


@pytest.mark.parametrize("label", ["wave-3", "wave-", "2026-W99", "2026-13", "2026-Q5", "nope"])
def test_labels_without_a_calendar_range_raise_a_period_error(label):
    # A wave label raised IndexError: waves have no calendar range of their own.
    with pytest.raises(PeriodError):
        period_range(label)


def test_labels_of_early_years_have_four_digits():
    assert period_label(date(1, 1, 1), "week") == "0001-W01"
    assert period_label(date(45, 7, 6), "month") == "0045-07"  # its week's Thursday is in July
    assert period_label(date(999, 12, 1), "quarter") == "0999-Q4"


def test_analytics_over_the_whole_calendar_answer(fuzz):
    token = fuzz.tokens(1)[0]
    assert fuzz.client.post("/api/v1/responses",
                            json={"token": token, "answers": GOOD_ANSWERS}).status_code == 201
    base = f"/api/v1/surveys/{fuzz.survey_id}"
    for period in ("week", "month", "quarter"):
        for endpoint in ("scores", "changes", "trend"):
            answer = fuzz.client.get(f"{base}/{endpoint}", headers=ADMIN, query_string={
                "metric": "index:ix", "period": period, "from": "0001-01-01", "to": "9999-12-31"})
            assert answer.status_code in (200, 422), (endpoint, period, answer.get_json())
            assert answer.is_json


def test_impact_and_linkage_at_the_ends_of_the_calendar_answer(fuzz):
    base = f"/api/v1/surveys/{fuzz.survey_id}"
    groups = {"metric": "index:ix", "treated": "segment:channel=chat",
              "control": "segment:channel=voice"}
    for before, after, status in (("0001-01-01", "9999-12-31", 422), ("0001-W01", "0001-W02", 200),
                                  ("0001-Q1", "9999-Q4", 422), ("9999-12-30", "9999-12-31", 422)):
        answer = fuzz.client.get(f"{base}/impact", headers=ADMIN, query_string={
            **groups, "before": before, "after": after})
        assert answer.status_code == status, (before, after, answer.get_json())
    for start, end in (("0001-01-01", "9999-12-31"), ("9999-12-31", None), (None, "0001-01-01")):
        query = {"employee": f"{fuzz.survey_id}:index:ix", "by": "channel",
                 "customer": f"{fuzz.survey_id}:index:ix", "from": start, "to": end}
        answer = fuzz.client.get("/api/v1/linkage", headers=ADMIN,
                                 query_string={k: v for k, v in query.items() if v})
        assert answer.status_code == 422 and "employee" in answer.get_json()["error"]["details"]
