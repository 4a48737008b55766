"""The SVG chart functions: bands, gaps, markers, hidden cells, ranking and escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from services.gateway.dashboard.charts import Point, bar_chart, heat_colour, heatmap, trend_chart

SVG = "{http://www.w3.org/2000/svg}"


def _tree(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_trend_chart_draws_a_band_a_line_and_rings_marked_periods():
    points = [Point("2026-W01", 60, 55, 65), Point("2026-W02", 62, 57, 67),
              Point("2026-W03", 48, 43, 53)]
    svg = _tree(trend_chart("AI trust", {"AI trust": points}, markers=frozenset({"2026-W03"})))
    assert len(svg.findall(f"{SVG}polygon")) == 1
    assert len(svg.findall(f"{SVG}polyline")) == 1
    rings = svg.findall(f"{SVG}circle[@class='marker']")
    assert len(rings) == 1 and "2026-W03" in rings[0].find(f"{SVG}title").text


def test_a_hidden_period_breaks_the_line_instead_of_joining_across_it():
    points = [Point("a", 50, 45, 55), Point("b", 52, 47, 57), Point("c", None),
              Point("d", 51, 46, 56), Point("e", 53, 48, 58)]
    svg = _tree(trend_chart("x", {"x": points}))
    assert len(svg.findall(f"{SVG}polyline")) == 2
    assert len(svg.findall(f"{SVG}circle[@class='point']")) == 4


def test_heatmap_cells_say_when_they_are_hidden_and_colour_by_value():
    cells = {("Sales", "W1"): 70.0, ("Billing", "W1"): None}
    svg = str(heatmap("Wellbeing", ["Billing", "Sales"], ["W1"], cells, threshold=5))
    assert "Billing, W1: fewer than 5 responses" in svg
    assert "Sales, W1: 70" in svg
    assert heat_colour(5) != heat_colour(95)


def test_bar_chart_ranks_the_longest_bar_first():
    svg = str(bar_chart("Drivers", [("workload", 0.05), ("job_security", 0.2)]))
    labels = re.findall(r'text-anchor="end">([a-z_]+)<', svg)
    assert labels == ["job_security", "workload"]


def test_labels_from_data_are_escaped():
    svg = str(trend_chart("t", {"<script>": [Point("<b>", 1, 0, 2)]}))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    _tree(svg)  # still well-formed XML
