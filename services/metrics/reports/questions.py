"""Question-level results of one group: how each non-text question went.

Every non-text question gets its answer count, mean with a 95% t interval (numeric
questions, as `item:` gives), the share of each answer and, for a likert5 item, the shares
favourable (4-5), neutral (3) and unfavourable (1-2) after reverse scoring. Anonymity is
that of `scores`: a required question is shown when the respondents' kept decision shows
the group, an optional one when the decision on its answers does (which never shows more
than the respondents'); a hidden question shows every number null.
"""

from __future__ import annotations

from services.metrics.analytics.cells import selected_cell
from services.metrics.analytics.publication import Scope
from services.metrics.analytics.selectors import parse_selector
from services.metrics.stats import mean_estimate
from services.metrics.stats.favourability import answer_shares, favourability
from shared.summaries import NUMERIC_TYPES, is_required, question_values

SHARES = ("favourable", "neutral", "unfavourable")


def _item(question: dict, cell) -> dict:
    """Return one question's row from its group's cell."""
    key, qtype = question["key"], question["type"]
    reverse = bool(question.get("reverse", False))
    row = {"question": key, "text": question["text"], "type": qtype,
           "required": is_required(question), "reverse": reverse}
    if cell.hidden:
        return {**row, "n": None, "mean": None, "ci_low": None, "ci_high": None,
                "distribution": {str(v): None for v in question_values(question)},
                **dict.fromkeys(SHARES), "suppressed": True}
    hist = cell.summary.hist[key]
    estimate = dict.fromkeys(("value", "ci_low", "ci_high"))
    if qtype in NUMERIC_TYPES:
        estimate = mean_estimate(hist).to_dict()
    shares = favourability(hist, reverse) if qtype == "likert5" else dict.fromkeys(SHARES)
    return {**row, "n": sum(hist.values()), "mean": estimate["value"],
            "ci_low": estimate["ci_low"], "ci_high": estimate["ci_high"],
            "distribution": {str(v): share for v, share in answer_shares(hist).items()},
            **shares, "suppressed": False}


def questions(ctx, *, survey_id: int, selector: str | None = None) -> dict:
    """Return every non-text question's results in the group a selector picks."""
    survey = ctx.source.definition(survey_id)
    parsed = parse_selector(selector, survey, "selector")
    asked = [q for q in survey["questions"] if question_values(q)]
    required = tuple(f"hist:{q['key']}" for q in asked if is_required(q))
    respondents = selected_cell(ctx, survey_id, parsed,
                                parts=required or (Scope().part(survey),))
    items = []
    for question in asked:
        cell = respondents
        if not is_required(question):
            cell = selected_cell(ctx, survey_id, parsed, count=question["key"],
                                 parts=(f"hist:{question['key']}",))
        items.append(_item(question, cell))
    return {"survey_id": survey_id, "selector": selector or "",
            "threshold": survey["anonymity_threshold"],
            "n": None if respondents.hidden else respondents.count,
            "suppressed": respondents.hidden, "items": items}
