"""Dates at the ends of the calendar: labels that parse back, and analytics that answer."""

from __future__ import annotations

from datetime import date

import pytest

from shared.periods import period_label, period_range
from tests.fuzz.conftest import ADMIN, GOOD_ANSWERS

EDGES = [date(1, 1, 1), date(9999, 12, 31), date(9999, 12, 27), date(2026, 12, 31)]


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize("granularity", ["day", "week", "month", "quarter"])
def test_every_label_parses_back_to_a_range_holding_its_day(day, granularity):
    label = period_label(day, granularity)
    first, last = period_range(label)
    assert first <= day <= last


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
