"""Server-rendered SVG charts: no script, no network, readable at any width.

Each function takes values already computed by the public API and only places them on a
canvas; the page shows the same values in a table beside every chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 40
SERIES_COLOURS = ("#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#a16207")
# Red to blue through pale grey: low scores warm, high scores cool; text stays readable.
HEAT_COLOURS = ("#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#e7e7e7", "#d1e5f0", "#92c5de",
                "#4393c3", "#2166ac")


@dataclass(frozen=True)
class Point:
    """One period of a series: its label, value and 95% interval (None when hidden)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(title: str, body: list[str], height: int = HEIGHT, css_class: str = "chart") -> Markup:
    head = (f'<svg class="{css_class}" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
            f"<title>{escape(title)}</title>")
    return Markup(head + "".join(body) + "</svg>")


class _Frame:
    """The plot area of a chart over `labels` on the x axis and [lo, hi] on the y axis."""

    def __init__(self, labels: list[str], lo: float, hi: float, height: int = HEIGHT):
        self.labels, self.lo, self.hi = labels, lo, hi
        self.bottom = height - BOTTOM
        self.step = (WIDTH - LEFT - RIGHT) / max(1, len(labels) - 1) if len(labels) > 1 else 0

    def x(self, index: int) -> float:
        if len(self.labels) == 1:
            return (LEFT + WIDTH - RIGHT) / 2
        return LEFT + index * self.step

    def y(self, value: float) -> float:
        share = (min(max(value, self.lo), self.hi) - self.lo) / ((self.hi - self.lo) or 1)
        return self.bottom - share * (self.bottom - TOP)

    def axes(self, ticks: int = 4, percent: bool = False) -> list[str]:
        parts = []
        for k in range(ticks + 1):
            value = self.lo + (self.hi - self.lo) * k / ticks
            y = self.y(value)
            text = f"{value * 100:.0f}%" if percent else _fmt(value)
            parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                         f'y2="{y:.1f}"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
                         f'text-anchor="end">{text}</text>')
        every = max(1, -(-len(self.labels) // 6))
        last = len(self.labels) - 1
        for index, label in enumerate(self.labels):
            # Labels that would collide are skipped; the table names every period.
            if index == last or (index % every == 0 and last - index >= every):
                anchor = "end" if index == last and last else "middle"
                parts.append(f'<text class="tick" x="{self.x(index):.1f}" y="{self.bottom + 16}" '
                             f'text-anchor="{anchor}">{escape(label)}</text>')
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


def _series(frame: _Frame, points: list[Point], colour: str, name: str) -> list[str]:
    parts = []
    for run in _runs(points):
        banded = [i for i in run if points[i].low is not None and points[i].high is not None]
        if len(banded) == len(run):
            upper = [f"{frame.x(i):.1f},{frame.y(points[i].high):.1f}" for i in run]
            lower = [f"{frame.x(i):.1f},{frame.y(points[i].low):.1f}" for i in reversed(run)]
            parts.append(f'<polygon class="band" fill="{colour}" fill-opacity="0.15" '
                         f'points="{" ".join(upper + lower)}"/>')
        line = " ".join(f"{frame.x(i):.1f},{frame.y(points[i].value):.1f}" for i in run)
        parts.append(f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{line}"/>')
        for i in run:
            parts.append(f'<circle class="point" cx="{frame.x(i):.1f}" '
                         f'cy="{frame.y(points[i].value):.1f}" r="3" fill="{colour}">'
                         f"<title>{escape(name)} {escape(points[i].label)}: "
                         f"{_fmt(points[i].value)}</title></circle>")
    return parts


def trend_chart(title: str, series: dict[str, list[Point]], *, lo: float = 0.0,
                hi: float = 100.0, markers: frozenset[str] = frozenset(),
                percent: bool = False) -> Markup:
    """Draw lines with their 95% bands over periods; ring each period in `markers`."""
    first = next(iter(series.values()), [])
    frame = _Frame([point.label for point in first], lo, hi)
    body = frame.axes(percent=percent)
    for (name, points), colour in zip(series.items(), SERIES_COLOURS, strict=False):
        body += _series(frame, points, colour, name)
    for index, point in enumerate(first):
        if point.label in markers and point.value is not None:
            body.append(f'<circle class="marker" cx="{frame.x(index):.1f}" '
                        f'cy="{frame.y(point.value):.1f}" r="8" fill="none" stroke="#111" '
                        f'stroke-width="2"><title>Significant change in {escape(point.label)}'
                        f"</title></circle>")
    if len(series) > 1:
        for k, (name, colour) in enumerate(zip(series, SERIES_COLOURS, strict=False)):
            x = LEFT + 8 + k * 150
            body.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" '
                        f'fill="{colour}"/><text class="legend" x="{x + 14}" '
                        f'y="{HEIGHT - 5}">{escape(name)}</text>')
    return _svg(title, body)


def heat_colour(value: float, lo: float = 0.0, hi: float = 100.0) -> str:
    """Return the heatmap colour of a value within [lo, hi]."""
    share = (min(max(value, lo), hi) - lo) / ((hi - lo) or 1)
    return HEAT_COLOURS[min(len(HEAT_COLOURS) - 1, int(share * len(HEAT_COLOURS)))]


def heatmap(title: str, rows: list[str], columns: list[str],
            cells: dict[tuple[str, str], float | None], *, threshold: int,
            lo: float = 0.0, hi: float = 100.0) -> Markup:
    """Draw values by row and column; a hidden cell is hatched and says it is hidden."""
    label_width, cell_h = 110, 30
    cell_w = (WIDTH - label_width - RIGHT) / max(1, len(columns))
    height = TOP + 24 + cell_h * len(rows) + 8
    body = [('<defs><pattern id="hidden" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f3f3"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern></defs>')]
    every = max(1, -(-len(columns) // 8))
    for c, column in enumerate(columns):
        if c % every == 0 or c == len(columns) - 1:
            body.append(f'<text class="tick" x="{label_width + (c + 0.5) * cell_w:.1f}" '
                        f'y="{TOP + 12}" text-anchor="middle">{escape(column)}</text>')
    for r, row in enumerate(rows):
        y = TOP + 24 + r * cell_h
        body.append(f'<text class="tick" x="{label_width - 6}" y="{y + cell_h / 2 + 4:.1f}" '
                    f'text-anchor="end">{escape(row)}</text>')
        for c, column in enumerate(columns):
            x = label_width + c * cell_w
            value = cells.get((row, column))
            hidden = value is None
            fill = "url(#hidden)" if hidden else heat_colour(value, lo, hi)
            note = (f"fewer than {threshold} responses" if hidden else _fmt(value))
            body.append(f'<g class="cell{" hidden" if hidden else ""}"><rect x="{x:.1f}" '
                        f'y="{y}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" fill="{fill}">'
                        f"<title>{escape(row)}, {escape(column)}: {note}</title></rect>")
            if cell_w >= 34:
                text = f"&lt;{threshold}" if hidden else f"{value:.0f}"
                body.append(f'<text class="cell-text" x="{x + cell_w / 2 - 1:.1f}" '
                            f'y="{y + cell_h / 2 + 3:.1f}" text-anchor="middle">{text}</text>')
            body.append("</g>")
    return _svg(title, body, height=height, css_class="chart heatmap")


def bar_chart(title: str, bars: list[tuple[str, float]], *, lo: float = 0.0,
              hi: float | None = None) -> Markup:
    """Draw ranked horizontal bars, longest first, each labelled with its value."""
    bars = sorted(bars, key=lambda bar: bar[1], reverse=True)
    hi = hi if hi is not None else max([value for _, value in bars] + [lo + 1e-9])
    label_width, bar_h = 190, 24
    height = TOP + bar_h * len(bars) + 10
    span = WIDTH - label_width - RIGHT - 50
    body = []
    for k, (label, value) in enumerate(bars):
        y = TOP + k * bar_h
        length = max(0.0, (value - lo) / ((hi - lo) or 1)) * span
        body.append(f'<text class="tick" x="{label_width - 6}" y="{y + bar_h / 2 + 4:.1f}" '
                    f'text-anchor="end">{escape(label)}</text><rect class="bar" '
                    f'x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{bar_h - 6}" '
                    f'fill="{SERIES_COLOURS[0]}"/><text class="tick" '
                    f'x="{label_width + length + 4:.1f}" y="{y + bar_h / 2 + 4:.1f}">'
                    f"{value:.3f}</text>")
    return _svg(title, body, height=height)
