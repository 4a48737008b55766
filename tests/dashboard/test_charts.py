"""The SVG charts: unscaled text, bands, gaps, rings, titles on every mark, labels apart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest

from services.gateway.dashboard.charts import (
    CHAR_PX,
    LABEL_GAP_PX,
    NARROW_PLOT_PX,
    Point,
    Scale,
    bar,
    heat_class,
    heat_legend,
    labelled_ticks,
    stacked_bar,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup) -> ET.Element:
    text = str(markup)
    return ET.fromstring(text.split('<ul class="legend">')[0])  # the chart, without its legend


def _points(values):
    return [Point(f"W{k}", v, None if v is None else v - 5, None if v is None else v + 5,
                  f"week {k}") for k, v in enumerate(values)]


def test_one_line_has_its_band_and_every_point_says_what_it_is():
    svg = _svg(trend_chart("AI trust", {"Everyone": _points([60, 62, 48])},
                           scale=Scale(), x_name="ISO week", marked=frozenset({2})))
    assert svg.get("viewBox") is None and svg.get("width") == "100%"  # never scaled as a picture
    assert len(svg.findall(f".//{SVG}polygon")) == 1
    assert len(svg.findall(f".//{SVG}polyline")) == 1
    for circle in svg.iter(f"{SVG}circle"):
        assert circle.find(f"{SVG}title").text
    rings = [c for c in svg.iter(f"{SVG}circle") if c.get("class") == "marker"]
    assert len(rings) == 1 and "W2" in rings[0].find(f"{SVG}title").text
    names = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "axis-name"]
    assert names == ["Score (0–100)", "ISO week"]


def test_a_hidden_period_breaks_the_line_and_says_it_is_hidden():
    svg = _svg(trend_chart("x", {"x": _points([50, 52, None, 51, 53])}, scale=Scale(),
                           x_name="Week", hidden_note="hidden to protect a small group"))
    assert len(svg.findall(f".//{SVG}polyline")) == 2
    hidden = [c for c in svg.iter(f"{SVG}circle") if c.get("class") == "hidden-mark"]
    assert len(hidden) == 1
    assert hidden[0].find(f"{SVG}title").text == "week 2: hidden to protect a small group"


def test_several_lines_have_no_bands_and_an_html_legend():
    markup = str(trend_chart("Preference", {"AI": _points([20, 22]), "A person": _points([30, 28])},
                             scale=Scale(0, 1, percent=True), x_name="Week"))
    assert "<polygon" not in markup
    assert '<ul class="legend">' in markup and "A person</li>" in markup


@pytest.mark.parametrize("count", range(1, 80))
@pytest.mark.parametrize("label", ["W48", "Nov 2026", "30 Nov", "wave of 30 Nov"])
def test_axis_labels_never_overlap_on_a_phone(count, label):
    chosen = labelled_ticks([label] * count)
    assert chosen and chosen[-1] == count - 1
    if count == 1:
        return
    width, per_index = len(label) * CHAR_PX, NARROW_PLOT_PX / (count - 1)
    # Centred labels, the last one right-aligned to the axis end.
    spans = [(per_index * i - width / 2, per_index * i + width / 2) for i in chosen[:-1]]
    spans.append((per_index * chosen[-1] - width, per_index * chosen[-1]))
    for (_, end), (start, _) in pairwise(spans):
        assert start - end >= LABEL_GAP_PX - 1e-9


def test_the_axis_narrows_to_the_values_in_round_steps():
    fitted = Scale().fitted([19.6, 38.3, 45.0])
    assert (fitted.lo, fitted.hi) == (0.0, 60.0)
    assert fitted.ticks() == [0, 20, 40, 60]
    assert Scale(-100, 100).fitted([-30, -10]).ticks() == [-60, -40, -20, 0, 20]
    assert Scale().fitted([]) == Scale()


def test_heat_classes_run_low_to_high_and_the_legend_names_them():
    assert [heat_class(v) for v in (0, 19.9, 20, 50, 70, 100)] == ["h0", "h0", "h1", "h3", "h5",
                                                                   "h6"]
    assert heat_class(None) == "hidden"
    assert heat_legend()[0] == ("h0", "0–20") and heat_legend()[-1] == ("h6", "80–100")


def test_bars_carry_their_titles_and_escape_text():
    markup = str(bar(0.4, "<b>forty</b>", low=0.35, high=0.45))
    assert 'width="40.00%"' in markup and "&lt;b&gt;forty" in markup
    assert markup.count("<title>") == 2
    stacked = str(stacked_bar([("fav", 0.5, "Favourable"), ("neu", None, "x"), ("unf", 0.2, "Un")]))
    assert stacked.count("<rect") == 2 and 'x="50.00%"' in stacked


def test_labels_from_data_are_escaped():
    markup = str(trend_chart("t", {"<script>": [Point("<b>", 1, 0, 2)]}, scale=Scale(),
                             x_name="x"))
    assert "<script>" not in markup and "&lt;b&gt;" in markup
    _svg(markup)  # still well-formed XML
