"""A year of daily buckets over 20 segment combinations merges into weeks by department.

How fast is measured by `make bench` (bench/bench_survey.py), not here."""

import json
from datetime import date, timedelta

import numpy as np

from services.survey.tables import buckets, segment_combos
from shared.summaries import SummaryLayout, vector_to_bytes
from tests.survey.conftest import PULSE_ANSWERS


def test_a_year_of_daily_buckets_merges_into_weeks(client, engine):
    survey = client.survey()
    layout = SummaryLayout(survey)
    one = layout.encode(PULSE_ANSWERS)
    combos = [{"department": f"D{i % 5}", "location": f"L{i // 5}"} for i in range(20)]
    with engine.begin() as conn:
        conn.execute(segment_combos.insert(), [
            {"id": i + 1, "survey_id": survey["id"], "segment": json.dumps(c, sort_keys=True)}
            for i, c in enumerate(combos)])
        start = date(2025, 1, 1)
        conn.execute(buckets.insert(), [
            {"survey_id": survey["id"], "day": start + timedelta(days=d), "wave_id": 0,
             "combo_id": c + 1, "n": 3, "vector": vector_to_bytes(one * 3)}
            for d in range(365) for c in range(20)])
    path = (f"/internal/surveys/{survey['id']}/summaries?group_by=week&segment_by=department"
            "&from=2025-01-01&to=2025-12-31")
    groups = client.ok("GET", path, 200)["groups"]
    assert sum(g["n"] for g in groups) == 365 * 20 * 3
    assert len(groups) == 53 * 5
    first = groups[0]
    assert first["period"] == "2025-W01"  # Monday 2024-12-30 to Sunday 2025-01-05
    days = 5
    assert np.array_equal(first["vector"], one * 3 * 4 * days)
    # Only the index's part: its slots are the same, every other slot 0.
    first_slot, count = layout.part_slots("index:ai_trust")
    part = client.ok("GET", path + "&parts=index:ai_trust", 200)["groups"][0]
    expected = np.zeros_like(one)
    expected[first_slot:first_slot + count] = (one * 3 * 4 * days)[first_slot:first_slot + count]
    assert np.array_equal(part["vector"], expected)
