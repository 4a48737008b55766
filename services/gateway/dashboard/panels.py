"""What a survey page shows, placed on charts and tables from answers of the public API.

The numbers (scores, intervals, tests, adjusted p-values, drivers) all come from the API;
this module only picks the rows to show, words them and hands them to the chart functions.
Each panel says plainly why it shows nothing, when it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from services.gateway.dashboard.api import Answer
from services.gateway.dashboard.charts import Point, Scale, bar, heat_class, trend_chart
from services.gateway.dashboard.headline import HIDDEN, PENDING, MetricFormat
from services.gateway.dashboard.labels import Period, Vocabulary, number, p_text

NOT_YET = "{what}: not available from this TrustPulse server yet."


@dataclass
class Table:
    """A table beside a chart: its columns, rows (text or Markup cells) and CSV link."""

    columns: list[str]
    rows: list[list] = field(default_factory=list)
    csv: str | None = None


@dataclass
class Panel:
    """One chart with its table, or a note saying why it cannot be shown."""

    id: str
    title: str
    subtitle: str = ""
    chart: Markup | None = None
    table: Table | None = None
    note: str | None = None
    extra: dict = field(default_factory=dict)


def refusal(answer: Answer, what: str) -> str | None:
    """Return why an answer cannot be shown (None when it can)."""
    if answer.missing:
        return NOT_YET.format(what=what)
    if not answer.ok:
        return answer.message
    return None


def rows_of(answer: Answer, segment: dict) -> dict[str, dict]:
    """Return a `scores` answer's rows of one group (segment {} for everyone), by period.

    An open period, which an answer may list with every number null, is left out: only
    closed periods are published, and the page says what is still open.
    """
    found = {}
    for row in answer.body.get("series", []) if answer.ok else []:
        if (row.get("segment") or {}) == segment and not row.get("open"):
            found[row["period"]] = row
    return found


def timeline(answer: Answer) -> list[Period]:
    """Return every closed period a `scores` answer names, oldest first."""
    periods = {}
    for row in answer.body.get("series", []) if answer.ok else []:
        if not row.get("open"):
            periods.setdefault(row["period"], Period.of(row))
    return list(periods.values())


def scale_of(metric: str) -> Scale:
    """Return the y axis of a metric, named with its unit."""
    fmt = MetricFormat.of(metric)
    if fmt.percent:
        return Scale(0.0, 1.0, "Share of answers (%)", percent=True)
    if fmt.signed:
        return Scale(-100.0, 100.0, "Net score (−100 to 100)")
    return Scale(0.0, 100.0, "Score (0–100)")


def _tooltip(name: str, period: Period, row: dict | None, fmt: MetricFormat) -> str:
    if not row or row.get("value") is None:
        return f"{name}, {period.long}"
    interval = fmt.interval(row.get("ci_low"), row.get("ci_high"))
    return (f"{name}, {period.long}: {fmt.value(row['value'])} "
            f"(95% interval {interval}, n {row.get('n')})")


def trend_panel(panel_id: str, metric: str, title: str, periods: list[Period],
                groups: dict[str, dict[str, dict]], *, x_name: str, subtitle: str = "",
                significant_last: bool = False, csv: str | None = None) -> Panel:
    """A metric over periods for one or more groups (name -> rows by period)."""
    if not periods:
        return Panel(panel_id, title, subtitle, note="No closed period with responses yet.")
    fmt = MetricFormat.of(metric)
    series = {name: [Point(p.tick, (rows.get(p.label) or {}).get("value"),
                           (rows.get(p.label) or {}).get("ci_low"),
                           (rows.get(p.label) or {}).get("ci_high"),
                           _tooltip(name, p, rows.get(p.label), fmt)) for p in periods]
              for name, rows in groups.items()}
    marked = frozenset({len(periods) - 1}) if significant_last else frozenset()
    chart = trend_chart(title, series, scale=scale_of(metric), x_name=x_name, marked=marked,
                        hidden_note=HIDDEN)
    names = list(groups)
    if len(names) == 1:
        rows = groups[names[0]]
        table = Table(["Period", "Responses (n)", "Value", "95% interval"], [
            [p.long, _n(rows.get(p.label)), fmt.value((rows.get(p.label) or {}).get("value")),
             fmt.interval((rows.get(p.label) or {}).get("ci_low"),
                          (rows.get(p.label) or {}).get("ci_high")) or _why(rows.get(p.label))]
            for p in periods], csv)
    else:
        table = Table(["Period"] + [f"{name} (n)" for name in names], [
            [p.long] + [_value_n(groups[name].get(p.label), fmt) for name in names]
            for p in periods], csv)
    return Panel(panel_id, title, subtitle, chart, table)


def _n(row: dict | None):
    if not row:
        return "no responses"
    if row.get("n") is not None:
        return row["n"]
    return "being published" if row.get("pending") else "hidden"


def _why(row: dict | None) -> str:
    if not row:
        return "no responses"
    if row.get("value") is not None:
        return ""
    return PENDING if row.get("pending") else "hidden to protect a small group"


def _value_n(row: dict | None, fmt: MetricFormat) -> str:
    if not row or row.get("value") is None:
        return _why(row)
    return f"{fmt.value(row['value'])} ({row.get('n')})"


def heatmap_panel(answer: Answer, words: Vocabulary, *, by: str, index_title: str,
                  periods: list[Period], link, csv: str | None = None) -> Panel:
    """The index by segment value and period, as a coloured table; each row opens its group."""
    title = f"{index_title} by {words.attribute(by).lower()}"
    why = refusal(answer, "This breakdown")
    if why:
        return Panel("heatmap", title, note=why)
    values = sorted({str((r.get("segment") or {}).get(by)) for r in answer.body["series"]})
    if not values:
        return Panel("heatmap", title, note="No responses in this selection yet.")
    fmt = MetricFormat.of("index:")
    rows = []
    for value in values:
        cells = rows_of(answer, {by: value})
        line = []
        for period in periods:
            row = cells.get(period.label)
            shown = row is not None and row.get("value") is not None
            tip = (f"{words.value(value)}, {period.long}: " +
                   (f"{fmt.value(row['value'])} (n {row['n']})" if shown else _why(row) or
                    "no responses"))
            line.append({"text": number(row["value"], 0) if shown else "–",
                         "css": heat_class(row["value"]) if shown else "hidden",
                         "title": tip, "href": link(value, period)})
        rows.append({"value": value, "name": words.value(value), "href": link(value, None),
                     "cells": line})
    panel = Panel("heatmap", title, "Each row opens that group's view; each cell, that group "
                  "up to that period.", table=Table([p.short for p in periods], csv=csv))
    panel.extra = {"rows": rows, "periods": periods, "attribute": words.attribute(by)}
    return panel


def changes_panel(answers: dict[str, Answer], words: Vocabulary, *, by: str, period_word: str,
                  group: str | None, last: Period | None, csv) -> Panel:
    """Significant changes (BH-adjusted) of every index by segment, last period vs the one before."""
    title = f"Significant changes by {words.attribute(by).lower()}"
    rows, compared = [], None
    for key, answer in answers.items():
        if not answer.ok:
            return Panel("changes", title, note=answer.message)
        for item in answer.body.get("items", []):
            compared = compared or Period.of(item.get("b"))
            if group and (item.get("segment") or {}).get(by) != group:
                continue
            if item.get("p_adjusted") is None or not item.get("significant"):
                continue
            fmt = MetricFormat.of(f"index:{key}")
            segment = item.get("segment") or {}
            rows.append([words.index_title(key), words.value(segment.get(by, "")) or "Everyone",
                         (f"{Period.of(item['a']).short}: {fmt.value(item['a']['value'])} "
                         f"(n {item['a']['n']})"),
                         (f"{Period.of(item['b']).short}: {fmt.value(item['b']['value'])} "
                         f"(n {item['b']['n']})"),
                         (f"{'+' if item['difference'] > 0 else '−'}"
                         f"{fmt.change(item['difference'])}"),
                         p_text(item["p_adjusted"]),
                         fmt.change(item["mde"]) if item.get("mde") is not None else "–"])
    if compared is None:
        return Panel("changes", title, note=f"Two closed {period_word}s are needed to find a change.")
    subtitle = (f"{compared.long} against the {period_word} before; p adjusted for testing "
                "every group (Benjamini-Hochberg)")
    if last and compared.label != last.label:
        return Panel("changes", title, subtitle, note=(
            f"Changes compare the last closed {period_word}, {compared.short}, with the one "
            f"before; the date range ends before it (at {last.short})."))
    table = Table(["Index", words.attribute(by), "Before", "After", "Change", "Adjusted p",
                   "Smallest detectable change"], rows, csv)
    note = None if rows else f"No significant change in {compared.short}."
    return Panel("changes", title, subtitle, table=table if rows else None, note=note)


def drivers_panel(answer: Answer, words: Vocabulary, *, title: str, subtitle: str) -> Panel:
    """The questions ranked by their share of what they explain together (relative weights)."""
    why = refusal(answer, "Driver analysis")
    if why:
        return Panel("drivers", title, subtitle, note=why)
    body = answer.body
    if body.get("suppressed"):
        return Panel("drivers", title, subtitle, note=(
            "Too few respondents to analyse: drivers need at least 20 in the group, and "
            "the group must be shown."))
    total = body.get("r_squared") or 0.0
    items = sorted(body.get("items", []), key=lambda i: i.get("weight") or 0.0, reverse=True)
    rows, bars = [], []
    for item in items:
        text = words.question_text(item["question"])
        share = (item.get("weight") or 0.0) / total if total else None
        moves = "with it" if (item.get("correlation") or 0) >= 0 else "against it"
        tooltip = f"{text}: {number(100 * share if share is not None else None, 0)}% of the " \
                  f"explained part; moves {moves} (r = {number(item.get('correlation'), 2)})"
        bars.append({"label": text, "chart": bar(share, tooltip), "value":
                     f"{number(100 * share, 0)}%" if share is not None else "–"})
        rows.append([text, number(item.get("correlation"), 2), number(item.get("weight"), 3),
                     f"{number(100 * share, 0)}%" if share is not None else "–"])
    panel = Panel("drivers", title, subtitle, table=Table(
        ["Question", "Correlation (r)", "Relative weight", "Share of explained"], rows),
        note=(f"n {body.get('n')}; together the questions explain "
              f"{number(100 * total, 0)}% of the variation (R² {number(total, 2)})."))
    panel.extra = {"bars": bars}
    return panel
