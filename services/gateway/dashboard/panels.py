"""What a survey page shows, fetched from the public API and placed on charts and tables.

The numbers (scores, intervals, tests, adjusted p-values, drivers) all come from the API;
this module only picks the rows to show and hands them to the chart functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.gateway.dashboard.api import Answer, PublicApi
from services.gateway.dashboard.charts import Point, bar_chart, heatmap, trend_chart

PERIODS = ("week", "month", "quarter", "wave")
PREFERENCES = {"prefer_ai": "Prefer AI", "no_preference": "No preference",
               "prefer_human": "Prefer a human", "avoid_ai": "Avoid AI"}
SIGNIFICANCE = 0.05


@dataclass
class Choice:
    """What the page was asked to show (from the query string, checked against the survey)."""

    period: str
    by: str | None
    group: str | None
    index: str | None


@dataclass
class Panel:
    """One chart with its table alternative, or a note saying why it cannot be shown."""

    title: str
    chart: object = None
    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    note: str | None = None


def choose(survey: dict, args) -> Choice:
    """Return the page's choices, falling back to defaults for anything unknown."""
    period = args.get("period") if args.get("period") in PERIODS else "week"
    segments = survey.get("segments") or []
    by = args.get("by") if args.get("by") in segments else (segments[0] if segments else None)
    indices = [index["key"] for index in survey.get("indices") or []]
    index = args.get("index") if args.get("index") in indices else (indices[0] if indices else None)
    return Choice(period, by, (args.get("group") or None) if by else None, index)


def _points(rows: list[dict]) -> list[Point]:
    return [Point(row["period"], row.get("value"), row.get("ci_low"), row.get("ci_high"))
            for row in rows]


def _fmt(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _series_rows(answer: Answer, choice: Choice) -> list[dict]:
    """Rows of one group over periods: everyone, or the chosen segment value."""
    rows = answer.body.get("series", [])
    if choice.group:
        rows = [r for r in rows if (r.get("segment") or {}).get(choice.by) == choice.group]
    return rows


def _scores(api: PublicApi, survey_id: int, metric: str, choice: Choice) -> Answer:
    by = choice.by if choice.group else None
    return api.get(f"/api/v1/surveys/{survey_id}/scores", metric=metric, period=choice.period,
                   segment_by=by)


def _significant_items(api: PublicApi, survey_id: int, metric: str, period: str,
                       segment_by: str | None) -> list[dict]:
    """Rows of `changes` whose BH-adjusted p is below 0.05 (none when the API refuses)."""
    answer = api.get(f"/api/v1/surveys/{survey_id}/changes", metric=metric, period=period,
                     segment_by=segment_by)
    if not answer.ok:
        return []
    return [item for item in answer.body.get("items", [])
            if item.get("p_adjusted") is not None and item["p_adjusted"] < SIGNIFICANCE]


def significant_changes(api: PublicApi, survey_id: int, metric: str, choice: Choice) -> list:
    """Rows of `changes` (by the chosen attribute) whose BH-adjusted p is below 0.05."""
    return _significant_items(api, survey_id, metric, choice.period, choice.by)


def _change_markers(api: PublicApi, survey_id: int, metric: str, choice: Choice) -> frozenset:
    """Periods of the shown group whose change from the period before is significant."""
    items = _significant_items(api, survey_id, metric, choice.period,
                               choice.by if choice.group else None)
    return frozenset(item["b"]["period"] for item in items
                     if not choice.group
                     or (item.get("segment") or {}).get(choice.by) == choice.group)


def trend_panel(api: PublicApi, survey_id: int, metric: str, title: str, choice: Choice, *,
                lo: float = 0.0, hi: float = 100.0, percent: bool = False) -> Panel:
    """A metric over periods with its 95% band, ringed where a significant change happened."""
    answer = _scores(api, survey_id, metric, choice)
    if not answer.ok:
        return Panel(title, note=answer.message)
    rows = _series_rows(answer, choice)
    if not rows:
        return Panel(title, note="No responses in this selection yet.")
    markers = _change_markers(api, survey_id, metric, choice)
    scale = 100 if percent else 1
    table = [[r["period"], r["n"] if r["n"] is not None else f"fewer than {answer.body.get('threshold')}",
              _fmt(r["value"] * scale if r["value"] is not None else None),
              "—" if r["ci_low"] is None else f"{r['ci_low'] * scale:.1f} – {r['ci_high'] * scale:.1f}",
              "yes" if r["period"] in markers else ""] for r in rows]
    return Panel(title, trend_chart(title, {title: _points(rows)}, lo=lo, hi=hi, markers=markers,
                                    percent=percent),
                 table, ["Period", "Responses", "Value", "95% interval", "Significant change"])


def heatmap_panel(api: PublicApi, survey_id: int, index: str, title: str, choice: Choice) -> Panel:
    """The index by segment and period; hidden cells say they are hidden."""
    answer = api.get(f"/api/v1/surveys/{survey_id}/scores", metric=f"index:{index}",
                     period=choice.period, segment_by=choice.by)
    if not answer.ok:
        return Panel(title, note=answer.message)
    threshold = answer.body.get("threshold")
    series = answer.body.get("series", [])
    columns = list(dict.fromkeys(r["period"] for r in series))
    rows = sorted({str((r.get("segment") or {}).get(choice.by)) for r in series})
    cells = {(str((r.get("segment") or {}).get(choice.by)), r["period"]): r.get("value")
             for r in series}
    hidden = f"fewer than {threshold} responses"
    table = [[row] + [hidden if cells.get((row, c)) is None else _fmt(cells[(row, c)])
                      for c in columns] for row in rows]
    chart = heatmap(title, rows, columns, cells, threshold=threshold) if rows else None
    return Panel(title, chart, table, [choice.by] + columns,
                 None if rows else "No responses in this selection yet.")


def drivers_panel(api: PublicApi, survey_id: int, outcome: str, title: str) -> Panel:
    """The questions ranked by relative weight on the outcome."""
    answer = api.get(f"/api/v1/surveys/{survey_id}/drivers", outcome=outcome)
    if not answer.ok:
        return Panel(title, note=answer.message)
    if answer.body.get("suppressed"):
        return Panel(title, note="Too few respondents to analyse drivers.")
    items = answer.body.get("items", [])
    chart = bar_chart(title, [(i["question"], i["weight"] or 0.0) for i in items])
    table = [[i["question"], _fmt(i["correlation"], 3), _fmt(i["weight"], 3)] for i in items]
    note = f"n = {answer.body.get('n')}, R² = {_fmt(answer.body.get('r_squared'), 3)}"
    return Panel(title, chart, table, ["Question", "Correlation", "Relative weight"], note)


def preference_panel(api: PublicApi, survey_id: int, question: str, choice: Choice) -> Panel:
    """Shares of each next-time preference over periods, with Wilson bands."""
    title = "Next-time preference"
    series, table = {}, {}
    for option, label in PREFERENCES.items():
        answer = _scores(api, survey_id, f"share:{question}={option}", choice)
        if not answer.ok:
            return Panel(title, note=answer.message)
        rows = _series_rows(answer, choice)
        series[label] = _points(rows)
        for r in rows:
            table.setdefault(r["period"], {})[label] = r.get("value")
    if not table:
        return Panel(title, note="No responses in this selection yet.")
    rows = [[period] + [_fmt(v * 100 if (v := shares.get(label)) is not None else None)
                        for label in PREFERENCES.values()] for period, shares in table.items()]
    return Panel(title, trend_chart(title, series, lo=0.0, hi=1.0, percent=True), rows,
                 ["Period"] + [f"{label} (%)" for label in PREFERENCES.values()])
