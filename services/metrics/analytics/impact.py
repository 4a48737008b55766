"""Training impact: difference in differences of a treated and a control group.

Both groups are segments of one survey (`segment:trained=yes` against `segment:trained=no`),
each read in a `before` and an `after` closed period of one granularity, every cell as its
kept decision shows or hides it. The earlier closed periods of that granularity give the
pre-trend test, each from a treated and control pair that is shown.
"""

from __future__ import annotations

from services.metrics.analytics.cells import load_breakdown
from services.metrics.analytics.selectors import Selector, check_period_label, parse_selector
from services.metrics.analytics.service import _dates, _testable
from services.metrics.stats.estimates import DEFAULT_CONFIDENCE
from shared.errors import ValidationError
from shared.periods import period_sort_key

GROUPS = ("treated", "control")
HIDDEN_GROUP = {"n": None, "value": None}
HIDDEN_PRE_TREND = {"periods": None, "slope": None, "std_error": None, "z": None,
                    "p_value": None, "reason": None}


def _group(text: str, survey: dict, field: str) -> Selector:
    """Return a group's selector: segment parts only, the periods come from before/after."""
    selector = parse_selector(text, survey, field)
    if selector.period is not None:
        raise ValidationError("A group carries its own period.", {field: [
            "use segment:<attribute>=<value> parts only; before and after give the periods"]})
    return selector


def _check_disjoint(treated: Selector, control: Selector) -> None:
    """Raise a 422 unless the groups differ on an attribute both fix (so share no one)."""
    fixed_t, fixed_c = dict(treated.segment), dict(control.segment)
    if not any(fixed_t[a] != fixed_c[a] for a in fixed_t.keys() & fixed_c.keys()):
        raise ValidationError("The groups may overlap.", {"control": [
            ("treated and control must be separate groups: give both one attribute with "
             "different values, e.g. segment:trained=yes and segment:trained=no")]})


def _check_periods(timeline, survey: dict, before: str, after: str) -> str:
    """Return the granularity of two closed periods, the first ending before the second."""
    granularity = check_period_label(before, survey, "before")
    if check_period_label(after, survey, "after") != granularity:
        raise ValidationError("Periods of different granularity.", {"after": [
            f"before is a {granularity}: give after as a {granularity} too"]})
    if not timeline.range_of(before)[1] < timeline.range_of(after)[0]:
        raise ValidationError("before is not before after.", {"before": [
            f"{before} must end before {after} starts"]})
    for field, label in (("before", before), ("after", after)):
        if not timeline.is_closed(label):
            raise ValidationError("The period is still open.", {field: [
                f"{label} is not closed yet; only closed periods are published"]})
    return granularity


def impact(ctx, *, survey_id: int, metric: str, treated: str, control: str, before: str,
           after: str) -> dict:
    """Return the difference in differences of a metric between two groups, before and after."""
    survey = ctx.source.definition(survey_id)
    parsed = _testable(metric, survey)
    groups = {"treated": _group(treated, survey, "treated"),
              "control": _group(control, survey, "control")}
    _check_disjoint(groups["treated"], groups["control"])
    timeline = ctx.timeline(survey)
    granularity = _check_periods(timeline, survey, before, after)
    breakdowns = {}
    for selector in groups.values():
        if selector.attributes not in breakdowns:
            breakdowns[selector.attributes] = load_breakdown(
                ctx, survey_id, granularity=granularity, attributes=selector.attributes,
                count=parsed.count_key, parts=parsed.parts)

    def cell(group: str, period: str):
        selector = groups[group]
        return breakdowns[selector.attributes].cell(period, tuple(v for _, v in selector.segment))

    base = {"metric": metric, "before": {"period": before, **_dates(timeline, before)},
            "after": {"period": after, **_dates(timeline, after)}}
    cells = [cell(group, period) for group in GROUPS for period in (before, after)]
    earlier = sorted({p for b in breakdowns.values() for p in b.periods()
                      if timeline.range_of(p)[1] < timeline.range_of(before)[0]},
                     key=period_sort_key)
    pending = {p for b in breakdowns.values() for p in b.pending} & {before, after, *earlier}
    if pending or any(c.hidden for c in cells):
        hidden = {**base, **{g: {"before": dict(HIDDEN_GROUP), "after": dict(HIDDEN_GROUP)}
                             for g in GROUPS},
                  "estimate": None, "std_error": None, "ci_low": None, "ci_high": None,
                  "z": None, "p_value": None, "confidence": DEFAULT_CONFIDENCE,
                  "pre_trend": dict(HIDDEN_PRE_TREND), "reason": None, "suppressed": True}
        if pending:
            hidden["pending"] = True  # hidden until its periods are decided, in a moment
        return hidden
    pairs = [(cell("treated", p), cell("control", p)) for p in earlier]
    pre_periods = [None if t.hidden or c.hidden else (t.summary, c.summary) for t, c in pairs]
    result = parsed.impact(tuple(c.summary for c in cells), pre_periods).to_dict()
    return {**base, **result, "suppressed": False}
