"""The rules of every analytics answer: which cells, which statistic, what stays hidden."""

from __future__ import annotations

import random
from datetime import date

from services.metrics.analytics.cells import in_range, load_breakdown, selected_cell, selected_cells
from services.metrics.analytics.metrics import histogram_question, parse_metric, text_question
from services.metrics.analytics.publication import Scope
from services.metrics.analytics.selectors import (
    closed_until,
    parse_segment_by,
    parse_segment_filter,
    parse_selector,
    period_dates,
    periods_of,
    widen_to_periods,
)
from services.metrics.stats import (
    benjamini_hochberg,
    chi_square_test,
    driver_analysis,
    mann_kendall_test,
    moments_from_summary,
)
from services.metrics.stats.results import finite_or_none
from shared.errors import ValidationError

TREND_MIN_PERIODS = 4
DRIVERS_MIN_RESPONDENTS = 20
TESTS = {"index": "welch_t", "item:likert5": "mann_whitney", "item:scale11": "welch_t",
         "share": "two_proportion_z", "top2": "two_proportion_z", "nps": "nps_z"}
EFFECTS = {"welch_t": "hedges_g", "mann_whitney": "rank_biserial",
           "two_proportion_z": "cohens_h", "nps_z": "nps_difference"}


HIDDEN_ROW = {"n": None, "value": None, "ci_low": None, "ci_high": None, "suppressed": True}


def _estimate_rows(cells: list, metric, heads: list[dict]) -> list[dict]:
    """Return each cell's `heads` row (one per cell) with its n, value and interval, all
    null where it is hidden."""
    shown = [c for c in cells if not c.hidden]
    values = iter(metric.estimates(shown))
    rows = []
    for i, cell in enumerate(cells):
        row = heads[i]
        if cell.hidden:
            row.update(HIDDEN_ROW)
        else:
            estimate = next(values)
            row.update(n=cell.count, value=estimate["value"], ci_low=estimate["ci_low"],
                       ci_high=estimate["ci_high"], suppressed=False)
        rows.append(row)
    return rows


def _check_period(period: str, survey: dict, field: str = "period") -> str:
    """Return the granularity if this survey publishes it, else raise a 422."""
    allowed = periods_of(survey)
    if period not in allowed:
        raise ValidationError("Bad period.", {field: [
            f"{_kind_name(survey)} report by {', '.join(allowed)}"]})
    return period


def _kind_name(survey: dict) -> str:
    return "customer surveys" if survey.get("kind") == "customer_ai" else "employee pulses"


def _dates(timeline, period: str) -> dict:
    """Return the `start` and `end` of a row's period (a wave: its window's dates)."""
    if period.startswith("wave-"):
        wave = timeline.waves[int(period[5:])]
        return {"start": wave["day"].isoformat(), "end": wave["closes_at"][:10]}
    first, last = timeline.range_of(period)
    return {"start": first.isoformat(), "end": last.isoformat()}


def scores(ctx, *, survey_id: int, metric: str, period: str, segment_by: str | None = None,
           start: date | None = None, end: date | None = None) -> dict:
    """Return the metric per closed period (and segment), hidden where groups are too small."""
    survey = ctx.source.definition(survey_id)
    parsed = parse_metric(metric, survey)
    _check_period(period, survey)
    attributes = parse_segment_by(segment_by, survey)
    start, end = widen_to_periods(start, end, period)
    breakdown = load_breakdown(ctx, survey_id, granularity=period, attributes=attributes,
                               count=parsed.count_key, parts=parsed.parts)
    # Tens of thousands of rows share a few hundred periods and segments: each is worked
    # out once.
    order = {label: i for i, label in enumerate(breakdown.periods())
             if in_range(label, start, end, breakdown.timeline)}
    texts = {values: _text(values) for values in {values for _, values in breakdown.cells}}
    cells = sorted((cell for cell in breakdown.cells.values() if cell.period in order),
                   key=lambda cell: (order[cell.period], texts[cell.values]))
    dates = {p: _dates(breakdown.timeline, p) for p in order}
    segments = {values: dict(zip(attributes, values)) for values in texts}
    heads = [{"period": cell.period, **dates[cell.period],
              "segment": dict(segments[cell.values])} for cell in cells]
    series = _estimate_rows(cells, parsed, heads)
    for row in series:
        if row["period"] in breakdown.pending:
            row["pending"] = True  # hidden until its decision is made, in a moment
    return {"survey_id": survey_id, "metric": metric, "period": period,
            "segment_by": list(attributes), "threshold": breakdown.survey["anonymity_threshold"],
            "series": series}


def _text(values: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in values)


def _suppressed_comparison(metric_text: str, test: str) -> dict:
    return {"metric": metric_text, "a": {"n": None, "value": None}, "b": {"n": None, "value": None},
            "difference": None, "test": test, "statistic": None, "p_value": None,
            "effect_size": {"name": EFFECTS.get(test), "value": None}, "mde": None,
            "significant": None, "suppressed": True}


def test_name(metric) -> str:
    """Return the name of the test comparing two groups on a metric."""
    return TESTS.get(f"{metric.kind}:{metric.qtype}", TESTS.get(metric.kind, ""))


def compare_cells(metric, cell_a, cell_b, alpha: float) -> dict:
    """Return the `compare` fields for two cells (all null when either is hidden)."""
    if cell_a.hidden or cell_b.hidden:
        return _suppressed_comparison(metric.text, test_name(metric))
    result = metric.compare(cell_a.summary, cell_b.summary, alpha)
    body = result.to_dict()
    body["a"]["n"], body["b"]["n"] = cell_a.count, cell_b.count
    return {"metric": metric.text, **body, "significant": result.is_significant(alpha),
            "suppressed": False}


def _testable(metric_text: str, survey: dict):
    parsed = parse_metric(metric_text, survey)
    if not parsed.testable:
        raise ValidationError("This metric cannot be compared.", {"metric": [
            "compare and changes take index:, item:, nps:, share: or top2: metrics"]})
    return parsed


def compare(ctx, *, survey_id: int, metric: str, a: str, b: str, alpha: float = 0.05) -> dict:
    """Return the test of metric between two selected groups (b - a)."""
    survey = ctx.source.definition(survey_id)
    parsed = _testable(metric, survey)
    selector_a, selector_b = parse_selector(a, survey, "a"), parse_selector(b, survey, "b")
    cell_a, cell_b = selected_cells(ctx, survey_id, selector_a, selector_b,
                                    count=parsed.count_key, parts=parsed.parts)
    return compare_cells(parsed, cell_a, cell_b, alpha)


def distribution(ctx, *, survey_id: int, question: str, a: str, b: str) -> dict:
    """Return the chi-square test of independence of two groups' answers to one question."""
    survey = ctx.source.definition(survey_id)
    key = histogram_question(question, survey)
    selector_a, selector_b = parse_selector(a, survey, "a"), parse_selector(b, survey, "b")

    cell_a, cell_b = selected_cells(ctx, survey_id, selector_a, selector_b, count=key,
                                    parts=(f"hist:{key}",))
    if cell_a.hidden or cell_b.hidden:
        return {"question": key, "a": {"n": None, "counts": None}, "b": {"n": None, "counts": None},
                "test": "chi_square", "statistic": None, "df": None, "p_value": None,
                "effect_size": {"name": "cramers_v", "value": None}, "suppressed": True}
    result = chi_square_test(cell_a.summary.hist[key], cell_b.summary.hist[key]).to_dict()
    return {"question": key,
            "a": {"n": cell_a.count, "counts": _counts(cell_a.summary.hist[key])},
            "b": {"n": cell_b.count, "counts": _counts(cell_b.summary.hist[key])},
            "test": "chi_square", "statistic": result["statistic"], "df": result["df"],
            "p_value": result["p_value"], "effect_size": result["effect_size"],
            "reason": result["reason"], "suppressed": False}


def _counts(hist: dict) -> dict:
    return {str(value): count for value, count in hist.items()}


def changes(ctx, *, survey_id: int, metric: str, period: str, segment_by: str | None = None,
            alpha: float = 0.05) -> dict:
    """Return, per segment, the last closed period against the one before, BH-adjusted, by p."""
    survey = ctx.source.definition(survey_id)
    parsed = _testable(metric, survey)
    _check_period(period, survey)
    attributes = parse_segment_by(segment_by, survey)
    breakdown = load_breakdown(ctx, survey_id, granularity=period, attributes=attributes,
                               count=parsed.count_key, parts=parsed.parts)
    periods = breakdown.periods()
    items = []
    if len(periods) >= 2:
        last, before = periods[-1], periods[-2]
        segments = sorted({values for _, values in breakdown.cells}, key=_text)
        for values in segments:
            cell_a, cell_b = breakdown.cell(before, values), breakdown.cell(last, values)
            row = compare_cells(parsed, cell_a, cell_b, alpha)
            row["a"]["period"], row["b"]["period"] = before, last
            row["a"].update(_dates(breakdown.timeline, before))
            row["b"].update(_dates(breakdown.timeline, last))
            items.append({"segment": dict(zip(attributes, values)), **row})
    adjusted = benjamini_hochberg([row["p_value"] for row in items])
    for row, p in zip(items, adjusted):
        row["p_adjusted"] = finite_or_none(p)
        if p is not None:
            row["significant"] = p < alpha
    items.sort(key=lambda row: (row["p_adjusted"] is None, row["p_adjusted"] or 0.0))
    return {"metric": metric, "period": period, "segment_by": list(attributes), "items": items}


def trend(ctx, *, survey_id: int, metric: str, period: str, segment: str | None = None,
          alpha: float = 0.05) -> dict:
    """Return Mann-Kendall and Sen's slope over the shown closed periods of one group."""
    survey = ctx.source.definition(survey_id)
    parsed = parse_metric(metric, survey)
    _check_period(period, survey)
    fixed = parse_segment_filter([p for p in (segment or "").split(";") if p], survey, "segment")
    attributes = tuple(a for a, _ in fixed)
    values = tuple(v for _, v in fixed)
    # Every value is one a `scores` row shows: the trend adds nothing to what they publish.
    breakdown = load_breakdown(ctx, survey_id, granularity=period, attributes=attributes,
                               count=parsed.count_key, parts=parsed.parts)
    base = {"metric": metric, "period": period, "segment": dict(fixed)}
    labels, series = [], []
    for label in breakdown.periods():
        cell = breakdown.cell(label, values)
        value = None if cell.hidden else parsed.estimate(cell.summary).to_dict()["value"]
        if value is not None:
            labels.append(label)
            series.append(value)
    if len(series) < TREND_MIN_PERIODS:
        raise ValidationError("Too few periods for a trend.", {"period": [
            (f"a trend needs at least {TREND_MIN_PERIODS} periods with enough respondents "
            f"to show; try a shorter period or a larger group")]})
    result = mann_kendall_test(series, alpha).to_dict()
    return {**base, "periods": len(series), "labels": labels, "values": series,
            "mann_kendall": result["mann_kendall"], "sen_slope": result["sen_slope"],
            "direction": result["direction"], "suppressed": False}


def drivers(ctx, *, survey_id: int, outcome: str, selector: str | None = None) -> dict:
    """Return the questions ranked by Johnson's relative weight on an outcome."""
    survey = ctx.source.definition(survey_id)
    parsed = parse_metric(outcome, survey, "outcome")
    if parsed.kind not in ("index", "item"):
        raise ValidationError("Unsupported outcome.", {"outcome": [
            "use index:<index> or item:<question> of a required likert5 or scale11 question"]})
    cell = selected_cell(ctx, survey_id, parse_selector(selector, survey, "selector"),
                         parts=("moments",))
    variables = cell.summary.variables
    outcome_items = parsed.items if parsed.kind == "index" else (parsed.key,)
    if any(item not in variables for item in outcome_items):
        raise ValidationError("Unsupported outcome.", {"outcome": [
            "the outcome question must be required"]})
    base = {"outcome": outcome, "selector": selector or ""}
    if cell.hidden or cell.count < DRIVERS_MIN_RESPONDENTS:
        return {**base, "n": None, "r_squared": None, "items": [], "suppressed": True}
    predictors = [v for v in variables if v not in outcome_items]
    result = driver_analysis(moments_from_summary(cell.summary), predictors, list(outcome_items),
                             reverse=parsed.reverse if parsed.kind == "index" else ()).to_dict()
    items = [{"question": i["question"], "correlation": i["correlation"], "weight": i["weight"]}
             for i in result["items"]]
    return {**base, "n": result["n"], "r_squared": result["r_squared"], "items": items,
            "suppressed": False}


def comments(ctx, *, survey_id: int, question: str, selector: str | None = None) -> dict:
    """Return a group's free-text answers, shuffled, only for groups of the comment threshold."""
    survey = ctx.source.definition(survey_id)
    key = text_question(question, survey)
    parsed = parse_selector(selector, survey, "selector")
    line = survey["segments"][:1]
    if any(attribute not in line for attribute in parsed.attributes):
        # Texts can be intersected across lists: filtering by more than one attribute would
        # pin them to the small crosses of those attributes.
        raise ValidationError("Comments are listed by one attribute only.", {"selector": [
            f"comments are listed by period and by {line[0] if line else 'no attribute'} only"]})
    cell = selected_cell(ctx, survey_id, parsed, threshold_key="comment_threshold",
                         parts=(Scope().part(survey),))
    base = {"question": key, "selector": selector or ""}
    if cell.hidden:
        return {**base, "n": None, "comments": [], "suppressed": True}
    timeline = ctx.timeline(survey)
    start = end = wave = None
    if parsed.period:
        start, end, wave = period_dates(parsed.period, survey)
    else:
        end = closed_until(timeline)  # all time: the closed periods only
    # Only texts whose atom holds the comment threshold: every group is a union of atoms,
    # so no intersection of two shown lists pins a text to a smaller group.
    answer = ctx.source.comments(survey_id, question=key, start=start, end=end, wave=wave,
                             filter=";".join(f"{a}={v}" for a, v in parsed.segment) or None,
                             atom_min=survey["comment_threshold"])
    texts = list(answer.get("comments", []))
    random.SystemRandom().shuffle(texts)
    return {**base, "n": cell.count, "comments": texts, "suppressed": False}

