"""Server-rendered SVG charts: no script, no network, readable at any width.

Charts are laid out in percentages of their width and pixels of their height, never
scaled as a picture: text keeps its CSS size (13 px) on a phone and on a wide screen, and
only the distances between periods stretch. Lines and bands sit in an inner canvas that
stretches with the width (their strokes do not). Axis labels are thinned for the narrowest
chart (a 390 px phone), so that they never overlap. Every mark carries a `<title>`, which
browsers show as a tooltip and screen readers read; legends are HTML below the chart.
Each function takes values already computed by the public API and only places them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

HEIGHT, TOP, BOTTOM = 250, 30, 46
LEFT, RIGHT = 13.0, 3.0  # percent of the width
# The plot's width on the narrowest screen the charts are made for, and how wide a
# character of the axis text is there: enough to keep labels apart.
NARROW_PLOT_PX, CHAR_PX, LABEL_GAP_PX = 270.0, 7.6, 10.0
SERIES_CLASSES = 5  # s0..s4 in dashboard.css: colour-blind-safe colours and dash patterns
# Heat classes h0..h6 in dashboard.css (ColorBrewer's colour-blind-safe PuOr): orange low,
# purple high, pale in the middle; their upper bounds on a 0-100 scale.
HEAT_BOUNDS = (20, 35, 45, 55, 65, 80, 100)


@dataclass(frozen=True)
class Point:
    """One period of a series: its axis label, tooltip, value and 95% interval."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    tooltip: str = ""


@dataclass(frozen=True)
class Scale:
    """The y axis: its range, its name with the unit, and how its numbers read."""

    lo: float = 0.0
    hi: float = 100.0
    name: str = "Score (0–100)"
    percent: bool = False

    def text(self, value: float) -> str:
        """Return a value as the axis and tooltips write it."""
        if self.percent:
            return f"{value * 100:.0f}%"
        return f"{value:.1f}".rstrip("0").rstrip(".")

    def ticks(self) -> list[float]:
        """Return the values the axis marks: round steps, at most six of them."""
        span = (self.hi - self.lo) or 1.0
        decade = 10 ** math.floor(math.log10(span))
        step = next(s * decade for s in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10)
                    if span / (s * decade) <= 5)
        first = math.ceil(self.lo / step - 1e-9)
        return [k * step for k in range(first, math.floor(self.hi / step + 1e-9) + 1)]

    def fitted(self, values: list[float]) -> Scale:
        """Return this scale narrowed to the values shown (and a margin), in round steps.

        A 0-100 axis makes a move of a few points look flat; the axis says its range.
        """
        if not values:
            return self
        step = (self.hi - self.lo) / 10
        lo = max(self.lo, (math.floor(min(values) / step) - 1) * step)
        hi = min(self.hi, (math.ceil(max(values) / step) + 1) * step)
        while hi - lo < 4 * step:
            lo, hi = max(self.lo, lo - step), min(self.hi, hi + step)
        return Scale(lo, hi, self.name, self.percent)

    def share(self, value: float) -> float:
        """Return where a value lies between lo (0) and hi (1), clipped."""
        return (min(max(value, self.lo), self.hi) - self.lo) / ((self.hi - self.lo) or 1)


def _x(index: int, count: int) -> float:
    """Return the x position (percent) of the index-th of `count` periods."""
    if count <= 1:
        return LEFT + (100 - LEFT - RIGHT) / 2
    return LEFT + (100 - LEFT - RIGHT) * index / (count - 1)


def labelled_ticks(labels: list[str]) -> list[int]:
    """Return the indices of the axis labels to draw, so that none overlap on a phone."""
    count = len(labels)
    if count == 0:
        return []
    if count == 1:
        return [0]
    width = max(len(label) for label in labels) * CHAR_PX
    per_index = NARROW_PLOT_PX / (count - 1)
    stride = max(1, math.ceil((width + LABEL_GAP_PX) / per_index))
    # The last label is drawn right-aligned: the one before it needs half a label more.
    first_gap = max(stride, math.ceil((1.5 * width + LABEL_GAP_PX) / per_index))
    chosen = [count - 1]
    index = count - 1 - first_gap
    while index >= 0:
        chosen.append(index)
        index -= stride
    return sorted(chosen)


def _plot_y(scale: Scale, value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - scale.share(value))


def _frame(y: Scale, x_name: str) -> list[str]:
    """The axis names, and the y axis's grid lines and numbers."""
    parts = [f'<text class="axis-name" x="0" y="14">{escape(y.name)}</text>',
             (f'<text class="axis-name" x="{LEFT + (100 - LEFT - RIGHT) / 2:.2f}%" '
              f'y="{HEIGHT - 6}" text-anchor="middle">{escape(x_name)}</text>')]
    for value in y.ticks():
        top = _plot_y(y, value)
        parts.append(f'<line class="grid" x1="{LEFT}%" x2="{100 - RIGHT}%" y1="{top:.1f}" '
                     f'y2="{top:.1f}"/><text class="tick" x="{LEFT - 1.5}%" y="{top + 4:.1f}" '
                     f'text-anchor="end">{y.text(value)}</text>')
    return parts


def _x_tick(x: float, text: str, last: bool) -> str:
    """One label of the x axis at `x` percent (the last one right-aligned to the end)."""
    return (f'<text class="tick x-tick" x="{x:.2f}%" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="{"end" if last else "middle"}">{escape(text)}</text>')


def _axes(scale: Scale, labels: list[str], x_name: str) -> list[str]:
    parts = _frame(scale, x_name)
    last = len(labels) - 1
    for index in labelled_ticks(labels):
        parts.append(_x_tick(_x(index, len(labels)), labels[index], index == last and last > 0))
    return parts


def _runs(points: list[Point]) -> list[list[int]]:
    """Indices of consecutive shown points: a hidden period breaks the line and its band."""
    runs, current = [], []
    for index, point in enumerate(points):
        if point.value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    return runs + ([current] if current else [])


def _canvas(scale: Scale, series: list[list[Point]], count: int, bands: bool) -> str:
    """The stretching inner canvas (0-1000 both ways) holding bands and lines."""
    def at(index: int, value: float) -> str:
        x = 1000 * (_x(index, count) - LEFT) / (100 - LEFT - RIGHT)
        return f"{x:.1f},{1000 * (1 - scale.share(value)):.1f}"

    parts = []
    for k, points in enumerate(series):
        css = f"s{k % SERIES_CLASSES}"
        for run in _runs(points):
            if bands and all(points[i].low is not None and points[i].high is not None
                             for i in run):
                outline = [at(i, points[i].high) for i in run] + \
                          [at(i, points[i].low) for i in reversed(run)]
                parts.append(f'<polygon class="band {css}" points="{" ".join(outline)}"/>')
            parts.append(f'<polyline class="line {css}" vector-effect="non-scaling-stroke" '
                         f'points="{" ".join(at(i, points[i].value) for i in run)}"/>')
    return (f'<svg x="{LEFT}%" y="{TOP}" width="{100 - LEFT - RIGHT}%" '
            f'height="{HEIGHT - TOP - BOTTOM}" viewBox="0 0 1000 1000" '
            f'preserveAspectRatio="none" overflow="visible">{"".join(parts)}</svg>')


def trend_chart(title: str, series: dict[str, list[Point]], *, scale: Scale, x_name: str,
                marked: frozenset[int] = frozenset(), hidden_note: str = "hidden") -> Markup:
    """Draw lines over periods (one band each when there is one line); ring `marked` points.

    Every series has a point per period, in the same order; a point without a value is a
    hidden period: the line breaks there and a hollow mark on the axis says it is hidden.
    """
    names = list(series)
    columns = list(series.values())
    scale = scale.fitted([v for points in columns for p in points
                          for v in (p.value, p.low, p.high) if v is not None])
    count = max((len(points) for points in columns), default=0)
    labels = [point.label for point in columns[0]] if columns else []
    body = _axes(scale, labels, x_name)
    body.append(_canvas(scale, columns, count, bands=len(columns) == 1))
    base = HEIGHT - BOTTOM
    for k, (name, points) in enumerate(zip(names, columns, strict=True)):
        css = f"s{k % SERIES_CLASSES}"
        for index, point in enumerate(points):
            x = f"{_x(index, count):.2f}%"
            if point.value is None:
                body.append(f'<circle class="hidden-mark" cx="{x}" cy="{base - 4 - 8 * k}" '
                            f'r="3.5"><title>{escape(point.tooltip or point.label)}: '
                            f"{escape(hidden_note)}</title></circle>")
                continue
            y = _plot_y(scale, point.value)
            body.append(f'<circle class="point {css}" cx="{x}" cy="{y:.1f}" r="4">'
                        f"<title>{escape(point.tooltip or f'{name}, {point.label}')}"
                        f"</title></circle>")
            if k == 0 and index in marked:
                body.append(f'<circle class="marker" cx="{x}" cy="{y:.1f}" r="9">'
                            f"<title>Significant change in {escape(point.label)}</title>"
                            f"</circle>")
    svg = (f'<svg class="chart" width="100%" height="{HEIGHT}" role="img" '
           f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
           f'{"".join(body)}</svg>')
    return Markup(svg) + legend(names)


def scatter(title: str, points: list[tuple[float, float, str]], *, x: Scale, y: Scale
            ) -> Markup:
    """Draw one point per group at (x, y), each titled; both axes named with their units."""
    x = x.fitted([p[0] for p in points])
    y = y.fitted([p[1] for p in points])
    width = 100 - LEFT - RIGHT
    body = _frame(y, x.name)
    ticks = x.ticks()
    for k, value in enumerate(ticks):
        body.append(_x_tick(LEFT + width * x.share(value), x.text(value), k == len(ticks) - 1))
    for px, py, tooltip in points:
        body.append(f'<circle class="point s0" cx="{LEFT + width * x.share(px):.2f}%" '
                    f'cy="{_plot_y(y, py):.1f}" r="5"><title>{escape(tooltip)}</title></circle>')
    return Markup(f'<svg class="chart" width="100%" height="{HEIGHT}" role="img" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
                  f'{"".join(body)}</svg>')


def legend(names: list[str]) -> Markup:
    """Return the HTML legend of chart series: each name beside its colour and dash."""
    if len(names) < 2:
        return Markup("")
    items = "".join(
        f'<li><svg class="swatch" width="30" height="12" aria-hidden="true">'
        f'<line class="line s{k % SERIES_CLASSES}" x1="1" x2="29" y1="6" y2="6"/></svg>'
        f"{escape(name)}</li>" for k, name in enumerate(names))
    return Markup(f'<ul class="legend">{items}</ul>')


def heat_class(value: float | None, lo: float = 0.0, hi: float = 100.0) -> str:
    """Return the heat class of a value within [lo, hi] ("hidden" when there is none)."""
    if value is None:
        return "hidden"
    on_100 = 100 * (min(max(value, lo), hi) - lo) / ((hi - lo) or 1)
    return f"h{next(k for k, bound in enumerate(HEAT_BOUNDS) if on_100 < bound or bound == 100)}"


def heat_legend(lo: float = 0.0, hi: float = 100.0) -> list[tuple[str, str]]:
    """Return (class, range text) of every heat class, low to high."""
    lows = (0,) + HEAT_BOUNDS[:-1]
    span = hi - lo
    return [(f"h{k}", f"{lo + span * a / 100:.0f}–{lo + span * b / 100:.0f}")
            for k, (a, b) in enumerate(zip(lows, HEAT_BOUNDS, strict=True))]


def bar(share: float | None, tooltip: str, *, css: str = "s0", low: float | None = None,
        high: float | None = None) -> Markup:
    """Draw one horizontal bar of `share` (0..1) of the width, with an optional interval."""
    if share is None:
        return Markup("")
    parts = [(f'<rect class="bar {css}" x="0" y="3" width="{100 * max(0.0, min(1.0, share)):.2f}%" '
             f'height="14"><title>{escape(tooltip)}</title></rect>')]
    if low is not None and high is not None:
        parts.append(f'<line class="ci-line" x1="{100 * max(0.0, low):.2f}%" '
                     f'x2="{100 * min(1.0, high):.2f}%" y1="10" y2="10"><title>'
                     f"{escape(tooltip)}</title></line>")
    return Markup(f'<svg class="bar-chart" width="100%" height="20">{"".join(parts)}</svg>')


def stacked_bar(parts: list[tuple[str, float | None, str]]) -> Markup:
    """Draw shares side by side in one bar: (class, share, tooltip) each, left to right."""
    x, rects = 0.0, []
    for css, share, tooltip in parts:
        if not share:
            continue
        rects.append(f'<rect class="{css}" x="{100 * x:.2f}%" y="2" '
                     f'width="{100 * share:.2f}%" height="18"><title>{escape(tooltip)}'
                     f"</title></rect>")
        x += share
    return Markup(f'<svg class="bar-chart" width="100%" height="22">{"".join(rects)}</svg>')
