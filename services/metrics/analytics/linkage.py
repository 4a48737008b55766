"""Employee-customer linkage: one point per group (a team, a site) shown in both surveys.

Each survey's groups are summed over the closed periods of the span (`cells.span_breakdown`),
and a group counts only where both surveys show it; the correlation over those points is
`stats.linkage_correlation`.
"""

from __future__ import annotations

from datetime import date

from services.metrics.analytics.cells import span_breakdown
from services.metrics.analytics.metrics import parse_metric
from services.metrics.analytics.selectors import widen_to_periods
from services.metrics.stats import LINKAGE_MIN_POINTS, linkage_correlation
from shared.errors import ValidationError

SIDES = {"employee": "employee_pulse", "customer": "customer_ai"}
KIND_NAMES = {"employee_pulse": "an employee pulse", "customer_ai": "a customer survey"}


def _side(ctx, field: str, survey_id: int, metric_text: str):
    """Return (survey, metric) of one side, checking the survey's kind and the metric."""
    survey = ctx.source.definition(survey_id)
    if survey.get("kind") != SIDES[field]:
        raise ValidationError("Wrong kind of survey.", {field: [
            f"survey {survey_id} is not {KIND_NAMES[SIDES[field]]}"]})
    metric = parse_metric(metric_text, survey, field)
    if not metric.testable:
        raise ValidationError("Unsupported metric.", {field: [
            "linkage takes index:, item:, nps:, share: or top2: metrics"]})
    return survey, metric


def _shown_groups(ctx, survey: dict, metric, by: str, start, end) -> dict | None:
    """Return {value: (n, metric value)} of the groups shown over the span (None: pending)."""
    breakdown = span_breakdown(ctx, survey["id"], start=start, end=end, attributes=(by,),
                               count=metric.count_key, parts=metric.parts)
    if breakdown.pending:
        return None
    shown = [c for c in breakdown.cells.values() if not c.hidden and c.values[0] is not None]
    values = [metric.estimate(c.summary).to_dict()["value"] for c in shown]
    return {c.values[0]: (c.count, v) for c, v in zip(shown, values) if v is not None}


def linkage(ctx, *, employee: tuple, customer: tuple, by: str, start: date | None = None,
            end: date | None = None) -> dict:
    """Return the correlation over groups of an employee metric and a customer metric."""
    start, end = widen_to_periods(start, end, "week")
    sides = {field: _side(ctx, field, *pair)
             for field, pair in (("employee", employee), ("customer", customer))}
    shared = [a for a in sides["employee"][0].get("segments", [])
              if a in sides["customer"][0].get("segments", [])]
    if by not in shared:
        raise ValidationError("Unknown segment attribute.", {"by": [
            f"use an attribute both surveys carry: {', '.join(shared) or 'none'}"]})
    groups = {field: _shown_groups(ctx, survey, metric, by, start, end)
              for field, (survey, metric) in sides.items()}
    base = {"employee": {"survey_id": employee[0], "metric": employee[1]},
            "customer": {"survey_id": customer[0], "metric": customer[1]},
            "by": by, "from": start and start.isoformat(), "to": end and end.isoformat()}
    if None in groups.values():
        # Periods of the span are still being decided: no group is shown until they are.
        return {**base, "points": [], **linkage_correlation([], []).to_dict(), "groups": 0,
                "reason": "pending", "pending": True}
    common = sorted(groups["employee"].keys() & groups["customer"].keys(), key=str)
    points = [{"segment": {by: value},
               **{field: dict(zip(("n", "value"), groups[field][value])) for field in sides}}
              for value in common]
    result = linkage_correlation([p["employee"]["value"] for p in points],
                                 [p["customer"]["value"] for p in points]).to_dict()
    if result["reason"] == "too_few_points":
        # No count: how many groups are hidden, and in which survey, is not published.
        raise ValidationError("Too few groups to correlate.", {"by": [
            (f"a linkage needs at least {LINKAGE_MIN_POINTS} values of {by} shown in both "
             "surveys; choose a longer span or an attribute with more groups")]})
    return {**base, "points": points, **result}
